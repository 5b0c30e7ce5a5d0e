import pytest

from syllabus import transcripts
from syllabus.transcripts import TranscriptError, parse_transcript, to_srt

SRT = "1\r\n00:00:01,000 --> 00:00:04,000\r\nHello <i>world</i>\r\n\r\n2\r\n00:00:05,500 --> 00:00:07,250\r\nTwo\r\nlines\r\n"
VTT = "WEBVTT - title\n\nNOTE skip me\n\nintro\n00:01.000 --> 00:04.000 align:start\n<v Ann>Hi\n\n01:00:00.000 --> 01:00:01.000\nLate\n"


def test_srt():
    assert parse_transcript(SRT) == [
        {"start": 1.0, "end": 4.0, "text": "Hello world"},
        {"start": 5.5, "end": 7.25, "text": "Two\nlines"},
    ]


def test_webvtt():
    assert parse_transcript(VTT) == [
        {"start": 1.0, "end": 4.0, "text": "Hi"},
        {"start": 3600.0, "end": 3601.0, "text": "Late"},
    ]


def test_round_trip():
    assert parse_transcript(to_srt(parse_transcript(SRT))) == parse_transcript(SRT)


@pytest.mark.parametrize(
    "text, message",
    [
        ("", transcripts.TRANSCRIPT_EMPTY),
        (
            "1\n00:00:01,000 -> 00:00:02,000\nx\n",
            transcripts.TRANSCRIPT_BAD_TIMING.format(line=2, found="00:00:01,000 -> 00:00:02,000"),
        ),
        (
            "1\n00:00:61,000 --> 00:01:02,000\nx\n",
            transcripts.TRANSCRIPT_BAD_TIMESTAMP.format(line=2, value="00:00:61,000"),
        ),
        (
            "1\n00:00:05,000 --> 00:00:02,000\nx\n",
            transcripts.TRANSCRIPT_END_BEFORE_START.format(line=2, start="00:00:05,000", end="00:00:02,000"),
        ),
        ("1\n00:00:01,000 --> 00:00:02,000\n", transcripts.TRANSCRIPT_NO_TEXT.format(line=2)),
        ("WEBVTT\n", transcripts.TRANSCRIPT_NO_CUES),
    ],
)
def test_malformed(text, message):
    with pytest.raises(TranscriptError) as caught:
        parse_transcript(text)
    assert message in caught.value.errors


def test_every_bad_cue_is_reported():
    text = "\n\n".join(f"{i}\nbad\nx" for i in range(1, 30))
    with pytest.raises(TranscriptError) as caught:
        parse_transcript(text)
    assert len(caught.value.errors) == transcripts.MAX_REPORTED_ERRORS + 1
