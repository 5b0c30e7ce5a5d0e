"""SRT and WebVTT → transcript segments ``[{"start": s, "end": s, "text": …}]`` (the video schema's shape).

``parse_transcript(text)`` detects the format (a ``WEBVTT`` header means WebVTT) and raises
:class:`TranscriptError` listing every problem with its line number, so the author can fix the file.
Cue settings, voice/styling tags and NOTE/STYLE/REGION blocks are dropped; the text is kept plain.
"""

from __future__ import annotations

import re

TRANSCRIPT_EMPTY = "The transcript is empty."
TRANSCRIPT_NO_CUES = "No cues found: each cue needs a line like “00:00:01,000 --> 00:00:04,000”."
TRANSCRIPT_BAD_TIMING = "Line {line}: expected “start --> end” timestamps, found “{found}”."
TRANSCRIPT_BAD_TIMESTAMP = "Line {line}: “{value}” is not a valid timestamp (hh:mm:ss,mmm)."
TRANSCRIPT_END_BEFORE_START = "Line {line}: the cue ends ({end}) before it starts ({start})."
TRANSCRIPT_NO_TEXT = "Line {line}: the cue has no text."
TRANSCRIPT_TOO_MANY_ERRORS = "… and {count} more problems."

MAX_REPORTED_ERRORS = 20
_TIMESTAMP = re.compile(r"^(?:(\d{1,3}):)?([0-5]?\d):([0-5]\d)(?:[.,](\d{1,3}))?$")
_ARROW = re.compile(r"^\s*(\S+)\s+-->\s+(\S+)(?:\s+.*)?$")
_TAG = re.compile(r"<[^>]+>")


class TranscriptError(ValueError):
    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("; ".join(errors))


def parse_timestamp(value: str) -> float | None:
    """``01:02:03,456`` / ``02:03.456`` / ``00:00:01`` → seconds; None when malformed."""
    match = _TIMESTAMP.match(value.strip())
    if not match:
        return None
    hours, minutes, seconds, millis = match.groups()
    total = int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds)
    if millis:
        total += int(millis.ljust(3, "0")) / 1000
    return round(total, 3)


def format_timestamp(seconds: float, *, srt: bool = True) -> str:
    millis = round(seconds * 1000)
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{',' if srt else '.'}{millis:03d}"


def _blocks(lines: list[str]):
    """Blank-line separated blocks as (first line number, lines)."""
    block: list[str] = []
    start = 0
    for number, line in enumerate(lines, start=1):
        if line.strip():
            if not block:
                start = number
            block.append(line.rstrip())
        elif block:
            yield start, block
            block = []
    if block:
        yield start, block


def parse_transcript(text: str) -> list[dict]:
    """Segments in file order; raises TranscriptError with every problem found."""
    text = (text or "").lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise TranscriptError([TRANSCRIPT_EMPTY])
    lines = text.split("\n")
    is_vtt = lines[0].strip().startswith("WEBVTT")
    errors: list[str] = []
    segments: list[dict] = []
    for start_line, block in _blocks(lines):
        if is_vtt and start_line == 1:
            continue  # the header block (WEBVTT and optional metadata)
        if is_vtt and re.match(r"^(NOTE|STYLE|REGION)(\s|$)", block[0]):
            continue
        # SRT: an index line, then the timing; WebVTT: an optional identifier, then the timing.
        timing_at = 0 if "-->" in block[0] else 1
        if timing_at >= len(block) or "-->" not in block[timing_at]:
            shown_at = min(timing_at, len(block) - 1)
            errors.append(TRANSCRIPT_BAD_TIMING.format(line=start_line + shown_at, found=block[shown_at]))
            continue
        line_number = start_line + timing_at
        match = _ARROW.match(block[timing_at])
        if not match:
            errors.append(TRANSCRIPT_BAD_TIMING.format(line=line_number, found=block[timing_at]))
            continue
        start, end = parse_timestamp(match.group(1)), parse_timestamp(match.group(2))
        bad = [value for value, parsed in ((match.group(1), start), (match.group(2), end)) if parsed is None]
        if bad:
            errors.extend(TRANSCRIPT_BAD_TIMESTAMP.format(line=line_number, value=value) for value in bad)
            continue
        if end < start:
            errors.append(
                TRANSCRIPT_END_BEFORE_START.format(line=line_number, start=match.group(1), end=match.group(2))
            )
            continue
        cue_text = "\n".join(_TAG.sub("", line).strip() for line in block[timing_at + 1 :]).strip()
        if not cue_text:
            errors.append(TRANSCRIPT_NO_TEXT.format(line=line_number))
            continue
        segments.append({"start": start, "end": end, "text": cue_text})
    if errors:
        shown = errors[:MAX_REPORTED_ERRORS]
        if len(errors) > MAX_REPORTED_ERRORS:
            shown.append(TRANSCRIPT_TOO_MANY_ERRORS.format(count=len(errors) - MAX_REPORTED_ERRORS))
        raise TranscriptError(shown)
    if not segments:
        raise TranscriptError([TRANSCRIPT_NO_CUES])
    return segments


def to_srt(segments: list[dict]) -> str:
    """Segments back to SRT text (the editor shows the transcript in this form)."""
    parts = []
    for index, segment in enumerate(segments, start=1):
        parts.append(
            f"{index}\n{format_timestamp(segment['start'])} --> {format_timestamp(segment['end'])}\n{segment['text']}\n"
        )
    return "\n".join(parts)
