import pytest

from syllabus import mathml
from syllabus.mathml import LatexError, latex_error, render_latex


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
