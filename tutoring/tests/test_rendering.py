"""A reply as the student sees it: citations checked against the snapshot (a citation to a segment or
block that does not exist is dropped, never shown), Markdown rendered, math as MathML, nothing executable."""

from tutoring.rendering import render_reply, valid_citations

SNAPSHOT = {
    "segments": [
        {"n": 1, "start": 0.0, "end": 4.0, "text": "Welcome."},
        {"n": 2, "start": 65.0, "end": 70.0, "text": "The derivative measures change."},
        {"n": 3, "start": 3725.0, "end": 3730.0, "text": "Late in a long lecture."},
    ],
    "blocks": [{"n": 1, "kind": "paragraph", "text": "A limit."}, {"n": 3, "kind": "math", "text": "$x$"}],
}


def test_time_citations_inside_a_segment_seek_the_video_and_others_are_dropped():
    html = str(render_reply("See [01:05], [01:07] and [1:02:05]; not [09:59] nor [00:30].", SNAPSHOT))
    assert 'data-seek="65"' in html and 'data-seek="67"' in html and 'data-seek="3725"' in html
    assert ">[1:02:05]</a>" in html
    assert "09:59" not in html and "00:30" not in html
    assert valid_citations("[01:05] [09:59]", SNAPSHOT) == (["[01:05]"], ["[09:59]"])


def test_block_citations_link_to_existing_blocks_only():
    html = str(render_reply("Read [block 1] and [Block 3], skip [block 2] and [block 40].", SNAPSHOT))
    assert 'href="#block-1"' in html and 'href="#block-3"' in html
    assert "block-2" not in html and "block 2" not in html and "40" not in html


def test_no_snapshot_means_no_citation_is_shown():
    html = str(render_reply("It is at [01:05] and in [block 1].", None))
    assert "01:05" not in html and "block" not in html and "It is at" in html


def test_markdown_and_math_render_and_nothing_runs():
    html = str(
        render_reply(
            "**Slope** is $\\frac{dy}{dx}$.\n\n<script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>",
            SNAPSHOT,
        )
    )
    assert "<strong>Slope</strong>" in html and "<math" in html and "<mfrac>" in html
    # Shown as text, never as markup: no script element, no javascript: link, no image with a handler.
    assert "<script" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'href="javascript' not in html and "<img" not in html
    assert 'href="https://e.org" rel="nofollow noopener noreferrer"' in str(render_reply("[y](https://e.org)", None))
