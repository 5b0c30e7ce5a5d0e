import re

import nh3
import pytest

from syllabus import mathml
from syllabus.mathml import LatexError, latex_error, render_inline_math, render_latex


def test_renders_mathml():
    out = render_latex(r"\frac{a}{b} < c")
    assert out.startswith('<math xmlns="http://www.w3.org/1998/Math/MathML"') and "<mfrac>" in out and "&lt;" in out


@pytest.mark.parametrize(
    "latex, message",
    [
        (r"\foo + 1", mathml.LATEX_UNKNOWN_COMMAND.format(command=r"\foo")),
        (r"\frac{a}", mathml.LATEX_MISSING_ARGUMENT.format(command=r"\frac")),
        ("x^{2", mathml.LATEX_UNBALANCED_BRACES),
        ("a}", mathml.LATEX_UNBALANCED_BRACES),
        (r"\left( x", mathml.LATEX_CANNOT_PARSE.format(reason=r"a \left has no matching \right")),
        ("", mathml.LATEX_EMPTY),
        (r"\text{<script>alert(1)</script>}", mathml.LATEX_MARKUP.format(tag="script")),
    ],
)
def test_clear_errors(latex, message):
    assert latex_error(latex) == message
    with pytest.raises(LatexError):
        render_latex(latex)


def test_cached():
    before = mathml.cache_info().hits
    render_latex(r"\sqrt{17}")
    render_latex(r"\sqrt{17}")
    assert mathml.cache_info().hits > before


# --- inline math in authored HTML: only in text, never inside an attribute ----------------------------------


def _clean(html: str) -> str:
    return nh3.clean(html, tags={"a", "em"}, attributes={"a": {"href", "title"}}, url_schemes={"https"})


def _inline(text: str) -> str:
    return render_inline_math(text, clean=_clean, render=lambda latex: render_latex(latex, display=False))


def test_math_in_an_attribute_stays_text_and_the_markup_holds():
    html = _inline('See <a title="$x^2$" href="https://example.org/">the $x^2$ page</a>.')
    link = re.search(r"<a [^>]*>", html).group()
    assert 'title="$x^2$"' in link and "<math" not in link  # was title="<math …>…</math>": broken markup
    assert html.count("<math") == 1 and html.index("<math") > html.index(link) + len(link)
    assert html.endswith("</a>.")


def test_an_attribute_with_a_quote_in_its_formula_is_escaped():
    html = _inline('<a title="$a"b$" href="https://example.org/">x</a>')
    assert "<math" not in html and "<a " in html


def test_formulas_in_text_become_mathml_in_order():
    html = _inline("$a$ then <em>$b$</em>")
    assert html.count("<math") == 2 and html.index("<mi>a</mi>") < html.index("<mi>b</mi>")


def test_placeholder_characters_typed_by_an_author_are_dropped_not_rendered():
    assert "<math" not in _inline("\ue000m0\ue001 plain")
