"""Template filters of the quiz pages: an answer and a right answer as text, from a frozen question."""

from decimal import Decimal

from django import template

register = template.Library()


def _choice_texts(snapshot: dict, keys) -> str:
    texts = {choice.get("key"): choice.get("text", "") for choice in snapshot.get("choices") or []}
    return "; ".join(texts.get(key, str(key)) for key in keys)


def _as_text(snapshot: dict, value) -> str:
    kind = snapshot.get("type")
    if value is None:
        return "—"
    if kind == "multiple_choice":
        return _choice_texts(snapshot, [value])
    if kind == "multiple_select":
        return _choice_texts(snapshot, value) or "—"
    if kind == "true_false":
        return "True" if value is True or value == "true" else "False"
    return str(value)


@register.filter
def given_answer(row) -> str:
    return _as_text(row.snapshot, row.answer)


@register.filter
def right_answer(row) -> str:
    snapshot = row.snapshot
    correct = snapshot.get("correct")
    if snapshot.get("type") == "short_text":
        return " / ".join(str(text) for text in correct or [])
    if snapshot.get("type") == "numeric":
        tolerance = snapshot.get("tolerance")
        if tolerance in (None, "") or Decimal(tolerance) == 0:
            return str(correct)
        if snapshot.get("tolerance_mode") == "relative":
            return f"{correct} (within ±{(Decimal(tolerance) * 100).normalize():f} %)"
        return f"{correct} ± {Decimal(tolerance).normalize():f}"
    return _as_text(snapshot, correct)
