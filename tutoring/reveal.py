"""Does a tutor reply give the answer away? Two checks, no language model.

``reveals_answer(reply, solution=..., history=...)`` is the general check, measured against MRBench V2's
human ``Revealing_of_the_Answer`` labels by ``manage.py evaluate_reveal_guard`` (figures in
docs/tutor.md and the README). It looks at each *statement* of the reply (questions never reveal) and
answers True with the reasons it found:

- the solution's final number stated where the problem did not already give it, or asserted
  ("... would be 205", "... = 205");
- a worked computation that ends in a correct new result (``195 + 10 = 205``), or a result asserted with
  a phrase that hands it over ("would be 40", "we get 9", "resulting in 12", "the correct total ... 140");
- a name or definition handed over: "is called a pentagon", "the correct term is", or a statement of
  what the subject of the tutor's last question is ("What is a rectangle?" → "a rectangle is ...");
- when no solution is known: the value of the arithmetic the tutor last asked for ("What is 15 - 6?" →
  "... 9"), or a number asserted with "is", "should be", "actually", "gives".

``reply_contains_key(reply, keys)`` is the exam guard's exact check: does the reply contain the correct
answer of any question of the open attempt (the correct choice's text of a multiple choice, every correct
choice of a multiple select, a true/false verdict on the statement, a number within its tolerance, an
accepted short answer)? Keys are duck-typed like ``learning.assessments.selectors.AnswerKey`` (``kind``
as in the question bank, ``correct_texts``, ``numeric_value``, ``abs_tolerance``, ``rel_tolerance``).
"""

from __future__ import annotations

import ast
import operator
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

_NUMBER = re.compile(r"(?<![\w.])(-?)\$?(\d[\d,]*(?:\.\d+)?)")
_SENTENCES = re.compile(r"(?<=[.!?])\s+|\n+")
_TURN = re.compile(r"\n\s*(?=(?:Tutor|Student|Teacher|Assistant|User):)")
_EXPRESSION = re.compile(
    r"(\d[\d,]*(?:\.\d+)?(?:\s*(?:[-+*/x×÷]|times|plus|minus|divided by|multiplied by)\s*\(?\d[\d,]*(?:\.\d+)?\)?)+)"
)
_EQUATION = re.compile(r"(\d[\d,.\s+\-*/x×÷()]*?)\s*=\s*\$?(-?\d[\d,]*(?:\.\d+)?)")
_OPERATORS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}

# A phrase that hands a number over, and the number after it (group 1: the phrase's first word).
_ASSERTED_NUMBER = re.compile(
    r"\b(correct answer|answer|is actually|are actually|actually|we get|we find|you get|which is|which gives|"
    r"which equals|gives us|gives you|equals?|equal to|should be|would be|makes|making it|resulting in|"
    r"total of|is|are|get|got)\s*(?:is\s*|of\s*|about\s*|approximately\s*|just\s*)?:?\s*\$?(-?\d[\d,]*(?:\.\d+)?)",
    re.I,
)
# Phrases that hand a number over whatever else is known.
_ALWAYS_ASSERTING = {"would", "get", "resulting", "making", "are"}
# Weaker phrases, trusted only when no solution is known.
_ASSERTING_WITHOUT_SOLUTION = {"is", "we", "should", "gives", "which", "equals", "equal"}
_NAMED = re.compile(
    r"\b((?:is|are)\s+(?:actually\s+|also\s+|indeed\s+)?called|correct (?:term|word|spelling|answer) is|"
    r"the answer is|is actually (?:a|an|the|in)|it'?s actually (?:a|an|the)|is (?:a|an) \w+ number|stands for|"
    r"is in the \w+ place|is the value of|call it)\b",
    re.I,
)
_CORRECT_RESULT = re.compile(
    r"\d\s+is the (?:correct |right )?answer|\b(?:correct|right) (?:answer|total|number|value|result)\b", re.I
)
_ACTUALLY_NUMBER = re.compile(r"\bactually\b[^.?!]{0,40}?\$?\d", re.I)
_QUESTION_SUBJECT = re.compile(
    r"\bwhat (?:is|are)\s+(?:the\s+)?(?:(?:name|characteristics|definition|formula|properties|value)\s+of\s+)?"
    r"(?:a|an|the)?\s*(?:\d+[- ]sided\s+)?([a-z]+)",
    re.I,
)
_NOT_A_SUBJECT = {"value", "product", "sum", "difference", "answer", "it", "this", "that", "next", "your", "number"}


def numbers_in(text: str) -> list[float]:
    found = []
    for sign, body in _NUMBER.findall(text or ""):
        try:
            found.append(float(sign + body.replace(",", "").rstrip(".")))
        except ValueError:
            continue
    return found


def final_number(solution: str | None) -> float | None:
    """The last number of a worked solution (GSM8K style ends with the answer); None without one."""
    if not solution or solution.strip() == "Not Available":
        return None
    found = numbers_in(solution)
    return found[-1] if found else None


def _evaluate(node: ast.AST) -> float:
    if isinstance(node, ast.Expression):
        return _evaluate(node.body)
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float) and not isinstance(node.value, bool):
        return float(node.value)
    if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
        return _OPERATORS[type(node.op)](_evaluate(node.left), _evaluate(node.right))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return -_evaluate(node.operand)
    raise ValueError("not arithmetic")


def arithmetic_value(expression: str) -> float | None:
    """``"85 - 77"``, ``"12 x 3"``, ``"60 divided by 2"`` → the value; None when it is not plain arithmetic."""
    text = expression.replace(",", "").replace("×", "*").replace("÷", "/")
    for word, symbol in (("multiplied by", "*"), ("divided by", "/"), ("times", "*"), ("plus", "+"), ("minus", "-")):
        text = text.replace(word, symbol)
    text = re.sub(r"(?<=\d)\s*x\s*(?=\d)", "*", text)
    if len(text) > 200:
        return None
    try:
        return _evaluate(ast.parse(text.strip(), mode="eval"))
    except (SyntaxError, ValueError, ZeroDivisionError, RecursionError, OverflowError):
        return None


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-6 * max(1.0, abs(b))


def _turns(history: str) -> list[str]:
    return [turn.strip() for turn in _TURN.split(history or "") if turn.strip()]


def last_tutor_turn(history: str | None) -> str:
    for turn in reversed(_turns(history or "")):
        if turn.startswith(("Tutor:", "Teacher:", "Assistant:")):
            return turn.split(":", 1)[1]
    return ""


def _is_question(sentence: str) -> bool:
    return sentence.rstrip(" \"'\u00a0").endswith("?")


@dataclass
class RevealVerdict:
    reveals: bool
    reasons: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return self.reveals


def reveals_answer(reply: str, *, solution: str | None = None, history: str | None = None) -> RevealVerdict:
    """True when a statement of ``reply`` gives the answer away (see the module docstring for the cues)."""
    answer = final_number(solution)
    question = last_tutor_turn(history)
    asked_values = [v for m in _EXPRESSION.finditer(question) if (v := arithmetic_value(m.group(1))) is not None]
    turns = _turns(history or "")
    known = set(numbers_in(history or ""))
    given_by_problem = set(numbers_in(turns[0])) if turns else set()
    subject_match = _QUESTION_SUBJECT.search(question)
    subject = subject_match.group(1).lower() if subject_match else None
    if subject in _NOT_A_SUBJECT:
        subject = None

    reasons: list[str] = []
    for sentence in _SENTENCES.split(reply or ""):
        if not sentence.strip() or _is_question(sentence):
            continue
        stated = numbers_in(sentence)
        asserted = [
            (m.group(1).lower().split()[0], float(m.group(2).replace(",", "")))
            for m in _ASSERTED_NUMBER.finditer(sentence)
        ]
        if answer is not None and any(_close(n, answer) for n in stated):
            if not any(_close(n, answer) for n in given_by_problem):
                reasons.append("states the solution's final number")
            elif any(_close(value, answer) for _, value in asserted):
                reasons.append("asserts the solution's final number")
        for match in _EQUATION.finditer(sentence):
            left = match.group(1).strip()
            result = float(match.group(2).replace(",", ""))
            value = arithmetic_value(left) if re.search(r"[-+*/x×÷]", left) else None
            if value is not None and _close(value, result):
                if answer is not None and _close(result, answer):
                    reasons.append("works the computation to the final answer")
                elif not any(_close(k, result) for k in known):
                    reasons.append("works a computation to a new result")
        for word, value in asserted:
            if word in _ALWAYS_ASSERTING or (answer is None and word in _ASSERTING_WITHOUT_SOLUTION):
                reasons.append(f"hands over a number ('{word} … {value:g}')")
        if _CORRECT_RESULT.search(sentence) and stated:
            reasons.append("states the correct result")
        if _NAMED.search(sentence):
            reasons.append("names the answer")
        if subject and re.search(
            rf"\b{re.escape(subject)}s?\b(?:\s+\w+){{0,3}}?\s+(?:is|are|has|have|does)\b", sentence, re.I
        ):
            reasons.append(f"says what a {subject} is")
        if answer is None:
            if asked_values and any(_close(n, v) for n in stated for v in asked_values):
                reasons.append("gives the value the tutor asked for")
            if _ACTUALLY_NUMBER.search(sentence):
                reasons.append("corrects with a number ('actually …')")
    return RevealVerdict(bool(reasons), reasons)


# --- The exam guard's exact check ---------------------------------------------------------------------


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "").casefold()
    text = re.sub(r"[*_`~]", "", text)  # markdown emphasis must not hide an answer
    return re.sub(r"\s+", " ", text).strip()


def _contains_phrase(haystack: str, needle: str) -> bool:
    if not needle:
        return False
    # Word boundaries where the needle starts/ends with a word character ("4" must not match "14").
    left = r"(?<!\w)" if re.match(r"\w", needle) else ""
    right = r"(?!\w)" if re.search(r"\w$", needle) else ""
    return re.search(left + re.escape(needle) + right, haystack) is not None


def _within(value: float, key) -> bool:
    target = float(key.numeric_value)
    tolerance = max(float(key.abs_tolerance or 0), abs(target) * float(key.rel_tolerance or 0), 1e-9)
    return abs(value - target) <= tolerance


def reply_contains_key(reply: str, keys: Iterable) -> list[int]:
    """The indexes of the keys whose correct answer the reply contains (empty: none)."""
    text = _normalise(reply)
    stated = numbers_in(reply)
    found = []
    for index, key in enumerate(keys):
        if key.kind == "numeric":
            if key.numeric_value is not None and any(_within(n, key) for n in stated):
                found.append(index)
            continue
        texts = [_normalise(t) for t in key.correct_texts if t and t.strip()]
        if key.kind == "true_false":
            # "true"/"false" alone are everyday words: count them only when the reply rules on the statement.
            verdicts = [t for t in texts if t in {"true", "false"}]
            if any(re.search(rf"\b(?:is|it's|answer is|that's|statement is)\s+{v}\b", text) for v in verdicts):
                found.append(index)
            continue
        if key.kind in ("multiple_choice", "multiple_select"):
            # Every correct choice named (the one of a multiple choice, all of a multiple select): one of a
            # select's answers alone ("2" in "2 divisors") is not the answer.
            if texts and all(_contains_phrase(text, t) for t in texts):
                found.append(index)
        elif any(_contains_phrase(text, t) for t in texts):
            found.append(index)
    return found
