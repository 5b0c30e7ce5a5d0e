"""Math in a paragraph is rendered in its text only: a ``$…$`` inside an attribute (a link's title) stays
text, so the markup holds (it put a whole <math> element inside title="…")."""

import re

from learning.player.content import sanitize_inline


def test_math_inside_a_link_title_stays_text_and_the_link_holds():
    html = str(sanitize_inline('See <a title="$x^2$" href="https://example.org/">the $x^2$ page</a> now.'))
    link = re.search(r"<a [^>]*>", html).group()
    assert 'title="$x^2$"' in link and "<math" not in link
    assert html.count("<math") == 1 and html.count("</a>") == 1 and html.endswith("</a> now.")


def test_math_in_text_is_still_mathml_and_scripts_still_go():
    html = str(sanitize_inline('<script>alert(1)</script>Area $\\pi r^2$ <b onclick="x()">bold</b>'))
    assert "<script" not in html and "onclick" not in html and "<math" in html and "<b>bold</b>" in html
