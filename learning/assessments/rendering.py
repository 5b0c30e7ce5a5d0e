"""The attempt page's questions as HTML, built in Python: the page is what 1,000 students load in the
same minute of an exam start, and a template include per question with its choice loops was most of
its rendering time (the player's module list made the same move). Every authored or typed text is
escaped; everything else is an integer or fixed text.
"""

from __future__ import annotations

from django.utils.html import escape, linebreaks
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _


def _checked(flag: bool) -> str:
    return " checked" if flag else ""


def _choice_input(kind: str, name: str, index: int, key: str, text: str, checked: bool) -> str:
    return (
        f'<div class="form-check"><input class="form-check-input" type="{kind}" name="{name}" '
        f'id="{name}-{index}" value="{escape(key)}"{_checked(checked)}>'
        f'<label class="form-check-label" for="{name}-{index}">{escape(text)}</label></div>'
    )


def question_html(q: dict) -> SafeString:
    """One question as a ``<fieldset>`` (``q``: the attempt view's dict: row, name, kind, prompt,
    choices, value, values, error, feedback, explanation)."""
    row, name, kind, value = q["row"], q["name"], q["kind"], q["value"]
    legend = escape(_("Question %(position)s") % {"position": row.position})
    points = escape(_("%(points)s pt") % {"points": row.snapshot.get("points", "1")})
    parts = [
        f'<fieldset class="card mb-3 quiz-question" id="{name}" data-position="{row.position}" data-kind="{escape(kind)}">',
        '<div class="card-body">',
        f'<legend class="h6">{legend} <span class="text-muted small">({points})</span></legend>',
        f'<div class="quiz-prompt">{linebreaks(escape(q["prompt"]))}</div>',
    ]
    if kind == "multiple_choice":
        for index, choice in enumerate(q["choices"], start=1):
            parts.append(
                _choice_input("radio", name, index, choice["key"], choice.get("text", ""), value == choice["key"])
            )
    elif kind == "multiple_select":
        parts.append(f'<input type="hidden" name="{name}-present" value="1">')
        for index, choice in enumerate(q["choices"], start=1):
            parts.append(
                _choice_input(
                    "checkbox", name, index, choice["key"], choice.get("text", ""), choice["key"] in q["values"]
                )
            )
        tick = escape(_("Tick every correct option."))
        parts.append(f'<div class="form-text">{tick}</div>')
    elif kind == "true_false":
        for suffix, key, label, flag in (
            ("t", "true", escape(_("True")), value is True or value == "true"),
            ("f", "false", escape(_("False")), value is False or value == "false"),
        ):
            parts.append(
                f'<div class="form-check form-check-inline"><input class="form-check-input" type="radio" '
                f'name="{name}" id="{name}-{suffix}" value="{key}"{_checked(flag)}>'
                f'<label class="form-check-label" for="{name}-{suffix}">{label}</label></div>'
            )
    else:
        invalid = " is-invalid" if q["error"] else ""
        example = escape(_("e.g. 1000.5 or 1.0005e3"))
        numeric = f' inputmode="decimal" placeholder="{example}"' if kind == "numeric" else ""
        shown = "" if value is None else escape(value)
        your_answer = escape(_("Your answer"))
        parts.append(
            f'<label class="visually-hidden" for="{name}-input">{your_answer}</label>'
            f'<input class="form-control{invalid}" id="{name}-input" type="text" name="{name}" maxlength="2000" '
            f'autocomplete="off" value="{shown}"{numeric}>'
        )
    if q["error"]:
        parts.append(f'<div class="invalid-feedback d-block" role="alert">{escape(" ".join(q["error"]))}</div>')
    feedback = ""
    outcome = q["feedback"]
    if outcome is not None:
        if outcome.correct:
            correct = escape(_("Correct."))
            feedback = f'<span class="text-success">✓ {correct}</span>'
        else:
            wrong = (
                _("Not right (partly: %(score)s pt).") % {"score": outcome.score} if outcome.score else _("Not right.")
            )
            feedback = f'<span class="text-danger">✗ {escape(wrong)}</span>'
        if q["explanation"]:
            feedback += " " + escape(q["explanation"])
    parts.append(f'<div class="quiz-feedback small mt-2" aria-live="polite">{feedback}</div></div></fieldset>')
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped
