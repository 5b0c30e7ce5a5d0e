"""LaTeX → MathML on the server (``latex2mathml``), cached, with errors an author can act on.

Every current browser renders MathML natively and screen readers read it, so no JavaScript is needed.
``latex2mathml`` is lenient: it turns an unknown command into ``<mi>\\foo</mi>`` and a ``\\frac`` with
one argument into a one-child ``<mfrac>``. We check the output too, so the author gets a field error
instead of silently broken math.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from xml.etree import ElementTree

from django.utils.html import escape
from latex2mathml import converter

LATEX_EMPTY = "Enter a LaTeX expression."
LATEX_TOO_LONG = "This expression is too long (at most {limit} characters)."
LATEX_UNBALANCED_BRACES = "Unbalanced braces: every “{” needs a matching “}”."
LATEX_UNKNOWN_COMMAND = "Unknown LaTeX command: {command}."
LATEX_MISSING_ARGUMENT = "{command} is missing an argument."
LATEX_CANNOT_PARSE = "This LaTeX cannot be parsed: {reason}."
LATEX_MARKUP = "Markup such as “<{tag}>” is not allowed inside math."

MAX_LATEX_LENGTH = 5000
MATHML_NAMESPACE = "http://www.w3.org/1998/Math/MathML"
_MATHML_NS = "{" + MATHML_NAMESPACE + "}"
# Serialise as <math xmlns="…">, not <ns0:math>, which HTML parsers would not treat as MathML.
ElementTree.register_namespace("", MATHML_NAMESPACE)
# latex2mathml copies \text{…} verbatim, so its output may hold any markup: keep MathML only.
_MATHML_TAGS = frozenset(
    [
        "math",
        "mrow",
        "mi",
        "mn",
        "mo",
        "ms",
        "mtext",
        "mspace",
        "mfrac",
        "msqrt",
        "mroot",
        "msup",
        "msub",
        "msubsup",
        "munder",
        "mover",
        "munderover",
        "mtable",
        "mtr",
        "mtd",
        "mstyle",
        "merror",
        "mpadded",
        "mphantom",
        "menclose",
        "mfenced",
        "semantics",
        "annotation",
        "mmultiscripts",
        "mprescripts",
        "none",
        "mlabeledtr",
        "maligngroup",
        "malignmark",
    ]
)
_MATHML_ATTRIBUTES = frozenset(
    [
        "display",
        "mathvariant",
        "stretchy",
        "fence",
        "separator",
        "lspace",
        "rspace",
        "minsize",
        "maxsize",
        "movablelimits",
        "accent",
        "accentunder",
        "largeop",
        "symmetric",
        "form",
        "width",
        "height",
        "depth",
        "linethickness",
        "displaystyle",
        "scriptlevel",
        "notation",
        "open",
        "close",
        "separators",
        "columnalign",
        "rowalign",
        "columnlines",
        "rowlines",
        "columnspacing",
        "rowspacing",
        "frame",
        "align",
        "columnspan",
        "rowspan",
        "mathsize",
        "bevelled",
        "encoding",
        "linebreak",
        "xmlns",
    ]
)
_ARITY = {
    "mfrac": ("\\frac", 2),
    "msup": ("^", 2),
    "msub": ("_", 2),
    "msubsup": ("_ and ^", 3),
    "mroot": ("\\sqrt[n]", 2),
}
_REASONS = {
    "DenominatorNotFoundError": "a fraction has no denominator",
    "NumeratorNotFoundError": "a fraction has no numerator",
    "DoubleSubscriptsError": "double subscript; use braces, e.g. x_{i_j}",
    "DoubleSuperscriptsError": "double superscript; use braces, e.g. x^{a^b}",
    "ExtraLeftOrMissingRightError": "a \\left has no matching \\right",
    "MissingEndError": "an environment (\\begin{…}) has no \\end",
    "MissingSuperScriptOrSubscriptError": "a ^ or _ has nothing after it",
    "NoAvailableTokensError": "a command is missing its argument",
    "InvalidAlignmentError": "invalid column alignment",
    "InvalidStyleForGenfracError": "invalid \\genfrac style",
    "InvalidWidthError": "invalid width",
    "LimitsMustFollowMathOperatorError": "\\limits must follow an operator such as \\sum",
}


class LatexError(ValueError):
    """The message is shown to the author as a field error."""


def _check_braces(latex: str) -> None:
    depth = 0
    escaped = False
    for char in latex:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth < 0:
                raise LatexError(LATEX_UNBALANCED_BRACES)
    if depth:
        raise LatexError(LATEX_UNBALANCED_BRACES)


def _checked(mathml: str) -> str:
    """latex2mathml's output re-serialised with MathML elements and presentation attributes only."""
    try:
        root = ElementTree.fromstring(mathml)  # noqa: S314 -- our own latex2mathml output, no DTDs/entities
    except ElementTree.ParseError as exc:
        raise LatexError(LATEX_CANNOT_PARSE.format(reason="the result is not well-formed")) from exc
    for element in root.iter():
        namespace, _, tag = element.tag.rpartition("}")
        if namespace.lstrip("{") != MATHML_NAMESPACE or tag not in _MATHML_TAGS:
            raise LatexError(LATEX_MARKUP.format(tag=tag))
        for name in list(element.attrib):
            if name not in _MATHML_ATTRIBUTES:
                del element.attrib[name]
        if tag in ("mi", "mo") and element.text and re.fullmatch(r"\\[A-Za-z]+", element.text):
            raise LatexError(LATEX_UNKNOWN_COMMAND.format(command=element.text))
        if tag in _ARITY and len(element) != _ARITY[tag][1]:
            raise LatexError(LATEX_MISSING_ARGUMENT.format(command=_ARITY[tag][0]))
    return ElementTree.tostring(root, encoding="unicode")


@lru_cache(maxsize=4096)
def _render(latex: str, display: str) -> tuple[str | None, str | None]:
    """(mathml, None) or (None, error message); cached, errors too (the same input fails the same way)."""
    try:
        _check_braces(latex)
        try:
            mathml = converter.convert(latex, display=display)
        except Exception as exc:  # latex2mathml raises its own classes and, on odd input, plain ones
            reason = _REASONS.get(type(exc).__name__, str(exc) or type(exc).__name__)
            raise LatexError(LATEX_CANNOT_PARSE.format(reason=reason)) from exc
        mathml = _checked(mathml)
    except LatexError as exc:
        return None, str(exc)
    return mathml, None


def render_latex(latex: str, *, display: bool = True) -> str:
    """MathML for ``latex`` (``display="block"`` by default), safe to mark safe: only MathML elements and
    attributes, text escaped. Raises :class:`LatexError` with a clear message."""
    latex = (latex or "").strip()
    if not latex:
        raise LatexError(LATEX_EMPTY)
    if len(latex) > MAX_LATEX_LENGTH:
        raise LatexError(LATEX_TOO_LONG.format(limit=MAX_LATEX_LENGTH))
    mathml, error = _render(latex, "block" if display else "inline")
    if error is not None:
        raise LatexError(error)
    return mathml


def latex_error(latex: str) -> str | None:
    """The error message for ``latex``, or None when it renders."""
    try:
        render_latex(latex)
    except LatexError as exc:
        return str(exc)
    return None


def cache_info():
    return _render.cache_info()


# Math in plain text (question prompts, choices, explanations), the convention of the player's paragraphs:
# ``$…$`` or ``$$…$$`` is LaTeX; ``\$`` is a dollar sign. An unpaired ``$`` stays text.
_MATH_SPAN = re.compile(r"(?<!\\)\$\$(.+?)(?<!\\)\$\$|(?<!\\)\$(.+?)(?<!\\)\$", re.DOTALL)


def math_spans(text: str | None) -> list[str]:
    """The LaTeX formulas of ``text`` (see ``_MATH_SPAN``), for checking them where the text is entered."""
    return [double or single for double, single in _MATH_SPAN.findall(text or "")]


def _plain(text: str) -> str:
    return escape(text.replace("\\$", "$")).replace("\n", "<br>")


def render_math_text(text: str | None) -> str:
    """Plain text with ``$…$`` or ``$$…$$`` LaTeX (question prompts, choices, explanations) as HTML: the text
    escaped with its line breaks, each formula as inline MathML (LaTeX that does not parse stays visible as
    code). ``\\$`` is a dollar sign; an unpaired ``$`` is text. The result is safe to mark safe."""
    text = text or ""
    html, last = [], 0
    for match in _MATH_SPAN.finditer(text):
        html.append(_plain(text[last : match.start()]))
        latex = match.group(1) if match.group(1) is not None else match.group(2)
        try:
            html.append(render_latex(latex, display=False))
        except LatexError:
            html.append(f"<code>{escape(match.group(0))}</code>")
        last = match.end()
    html.append(_plain(text[last:]))
    return "".join(html)


_INLINE_MATH = re.compile(r"(?<!\\)\$(.+?)(?<!\\)\$")
_MATH_SLOT = "\ue000m{}\ue001"  # private-use characters: authored text holds none by accident
_ANY_SLOT = re.compile("\ue000m(\\d+)\ue001")
# A tag of serialised HTML, attribute values included (html5ever, nh3's serialiser, always double-quotes
# them and may leave a ">" inside one).
_TAG = re.compile(r'<(?:[^>"]|"[^"]*")*>')


def render_inline_math(text: str, *, clean: Callable[[str], str], render: Callable[[str], str]) -> str:
    """Authored HTML with inline ``$…$`` LaTeX: ``clean`` (the caller's sanitiser, e.g. nh3) runs on the
    text with each formula replaced by an inert placeholder, then each placeholder becomes ``render(latex)``
    (MathML) where it stands in a text node, and its original ``$latex$`` (escaped) where it stands inside a
    tag (an attribute value such as ``title="$x$"``), so markup is never put inside an attribute."""
    formulas: list[str] = []

    def stash(match: re.Match) -> str:
        formulas.append(match.group(1))
        return _MATH_SLOT.format(len(formulas) - 1)

    cleaned = clean(_INLINE_MATH.sub(stash, text))

    def as_text(match: re.Match) -> str:
        index = int(match.group(1))
        return escape(f"${formulas[index]}$") if index < len(formulas) else ""

    def as_math(match: re.Match) -> str:
        index = int(match.group(1))
        return render(formulas[index]) if index < len(formulas) else ""

    return fill_placeholders(cleaned, _ANY_SLOT, in_text=as_math, in_tag=as_text)


def fill_placeholders(html: str, pattern: re.Pattern, *, in_text: Callable, in_tag: Callable) -> str:
    """Replace each match of ``pattern`` in serialised ``html`` with ``in_text(match)`` where it stands in a
    text node and ``in_tag(match)`` (escaped text, or nothing) where it stands inside a tag, so generated
    markup never lands inside an attribute value."""
    pieces = []
    position = 0
    for tag in _TAG.finditer(html):
        pieces.append(pattern.sub(in_text, html[position : tag.start()]))
        pieces.append(pattern.sub(in_tag, tag.group()))
        position = tag.end()
    pieces.append(pattern.sub(in_text, html[position:]))
    return "".join(pieces)
