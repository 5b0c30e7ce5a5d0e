"""``{% load syllabus_authoring %}``: the "Teach" nav link check, for base.html, ``math_text``, and a
question's answer as a person reads it (``question_answer``, ``correct_keys``)."""

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

from lms.numbers import plain_number
from syllabus.mathml import render_math_text
from syllabus.models import QuestionType
from syllabus.permissions import anything_editable_by

register = template.Library()


@register.simple_tag(takes_context=True)
def can_teach(context) -> bool:
    """Whether the signed-in user may edit or view at least one syllabus (one query, memoised per request)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    if not hasattr(request, "_syllabus_can_teach"):
        request._syllabus_can_teach = anything_editable_by(user)
    return request._syllabus_can_teach


@register.filter
def math_text(text) -> str:
    """Text with ``$$…$$`` LaTeX as escaped HTML with inline MathML (``syllabus.mathml.render_math_text``)."""
    return mark_safe(render_math_text(str(text) if text is not None else ""))  # noqa: S308 -- escaped there


def _listed(parts: list[str], word: str) -> str:
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} {word} {parts[-1]}"


@register.filter
def correct_keys(question) -> set[str]:
    """The keys of the correct choices of a multiple choice/select question (empty for other types)."""
    answer = question.correct_answer
    if question.question_type == QuestionType.MULTIPLE_CHOICE and isinstance(answer, str):
        return {answer}
    if question.question_type == QuestionType.MULTIPLE_SELECT and isinstance(answer, list):
        return {str(key) for key in answer}
    return set()


@register.filter
def question_answer(question) -> str:
    """The correct answer as a person reads it: "b: 3x²" (the choice's text, math rendered), "a and c",
    "False", "6 ± 0.01", "“chain rule” or “the chain rule”" — never a Python list or a padded decimal."""
    answer, kind = question.correct_answer, question.question_type
    texts = {str(c.get("key")): c.get("text", "") for c in question.choices or [] if isinstance(c, dict)}

    def choice(key) -> str:
        text = texts.get(str(key))
        return f"<strong>{escape(key)}</strong>" + (f": {render_math_text(text)}" if text else "")

    if kind == QuestionType.MULTIPLE_CHOICE:
        html = choice(answer)
    elif kind == QuestionType.MULTIPLE_SELECT and isinstance(answer, list):
        html = _listed([choice(key) for key in answer], "and") if answer else "none of the choices"
    elif kind == QuestionType.TRUE_FALSE:
        html = "True" if answer is True else "False" if answer is False else escape(answer)
    elif kind == QuestionType.NUMERIC:
        html = escape(plain_number(answer))
        if question.numeric_tolerance is not None:
            html += f" ± {escape(plain_number(question.numeric_tolerance))}"
    elif kind == QuestionType.SHORT_TEXT and isinstance(answer, list):
        html = _listed([f"“{escape(text)}”" for text in answer], "or")
    else:
        html = escape(answer)
    return mark_safe(html)  # noqa: S308 -- every part escaped or rendered by render_math_text
