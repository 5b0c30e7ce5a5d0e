"""Import questions into a pool from CSV or a GIFT-like text format, with row-level errors.

All or nothing: ``import_questions`` parses and validates every row first (``services.validate_question``)
and writes only when there is no error, in one transaction, so a fixed file can be imported again.

CSV (header row required; column names case-insensitive)::

    type,prompt,choices,answer,tolerance,points,explanation
    multiple_choice,"2+2?","a=3|b=4|c=5",b,,1,
    multiple_select,"Primes?","a=2|b=4|c=5","a|c",,2,
    true_false,"The sky is blue.",,true,,1,
    numeric,"g in m/s²?",,9.81,0.05,1,
    short_text,"Capital of France?",,"Paris|paris",,1,

GIFT-like (questions separated by blank lines; an optional ``::title::`` is ignored)::

    2+2 = ? {~3 =4 ~5}               multiple choice (one "=")
    Primes? {=2 ~4 =5}               multiple select (several "=")
    The sky is blue. {T}             true/false ({TRUE}/{F}/{FALSE})
    g in m/s²? {#9.81:0.05}          numeric with tolerance
    Capital of France? {=Paris =paris}   short text when no "~" and the answers are words
    Optional lines after the braces: ``points: 2`` and ``explanation: …``.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from syllabus import services
from syllabus.models import Question, QuestionPool, QuestionType
from syllabus.permissions import require_edit

IMPORT_EMPTY = "The file has no questions."
IMPORT_CSV_HEADER = "The first row must name the columns; missing: {columns}."
IMPORT_UNKNOWN_TYPE = "Unknown question type “{value}” (one of {types})."
IMPORT_BAD_CHOICES = "Choices must look like “a=First|b=Second”."
IMPORT_BAD_BOOLEAN = "The answer must be true or false."
IMPORT_BAD_NUMBER = "“{value}” is not a number."
IMPORT_NO_PROMPT = "The question text is empty."
IMPORT_GIFT_NO_ANSWER = "No answer block: put the answers in braces, e.g. {=right ~wrong}."
IMPORT_TOO_LARGE = "At most {limit} questions per import."
IMPORT_CSV_FIELD_TOO_LARGE = (
    "A field of this CSV file is longer than {limit} KB, so the file cannot be read. "
    "Check for a missing closing quote, or shorten the field."
)
IMPORT_CSV_UNREADABLE = "This file cannot be read as CSV: {error}."

MAX_IMPORT_ROWS = 2000
CSV_COLUMNS = ["type", "prompt", "choices", "answer", "tolerance", "points", "explanation"]
_REQUIRED_COLUMNS = ["type", "prompt", "answer"]


@dataclass
class ParsedQuestion:
    row: int
    fields: dict[str, Any]


@dataclass
class ImportResult:
    questions: list[ParsedQuestion] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.questions)


def _number(value: str) -> Decimal:
    try:
        number = Decimal(value.strip())
    except InvalidOperation as exc:
        raise ValueError(IMPORT_BAD_NUMBER.format(value=value)) from exc
    if not number.is_finite():
        raise ValueError(IMPORT_BAD_NUMBER.format(value=value))
    return number


def _json_number(value: str) -> int | float:
    number = _number(value)
    if not math.isfinite(float(number)):  # "1e400": finite as a decimal, infinite as the double it is compared as
        raise ValueError(IMPORT_BAD_NUMBER.format(value=value))
    return int(number) if number == number.to_integral_value() and "." not in value else float(number)


def _choices(value: str) -> list[dict]:
    choices = []
    for part in (value or "").split("|"):
        key, sep, text = part.partition("=")
        if not sep or not key.strip() or not text.strip():
            raise ValueError(IMPORT_BAD_CHOICES)
        choices.append({"key": key.strip(), "text": text.strip()})
    return choices


def _boolean(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("true", "t", "yes", "1"):
        return True
    if lowered in ("false", "f", "no", "0"):
        return False
    raise ValueError(IMPORT_BAD_BOOLEAN)


def _validated(result: ImportResult, row: int, fields: dict[str, Any]) -> None:
    if not str(fields.get("prompt", "")).strip():
        result.errors.append((row, IMPORT_NO_PROMPT))
        return
    if fields["question_type"] == QuestionType.NUMERIC and fields.get("numeric_tolerance") is None:
        fields["numeric_tolerance"] = Decimal(0)
    try:
        services.validate_question(
            question_type=fields["question_type"],
            choices=fields.get("choices", []),
            correct_answer=fields["correct_answer"],
            numeric_tolerance=fields.get("numeric_tolerance"),
            points=fields.get("points", 1),
        )
        # The column limits too (points has 6 digits, 2 after the point; tolerance 12 and 6), so a row
        # that would fail on write is reported here, with its row, before anything is written.
        Question(
            question_type=fields["question_type"],
            prompt=fields["prompt"],
            choices=fields.get("choices", []),
            correct_answer=fields["correct_answer"],
            numeric_tolerance=fields.get("numeric_tolerance"),
            points=fields.get("points", 1),
            explanation=fields.get("explanation"),
            sequence_index=1,
        ).full_clean(exclude=["pool"], validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        _add_errors(result, row, exc)
        return
    result.questions.append(ParsedQuestion(row=row, fields=fields))


def _add_errors(result: ImportResult, row: int, exc: ValidationError) -> None:
    if not hasattr(exc, "error_dict"):
        result.errors.extend((row, message) for message in exc.messages)
        return
    for name, messages in exc.message_dict.items():
        for message in messages:
            result.errors.append((row, f"{name}: {message}" if name != "__all__" else message))


def parse_csv(text: str) -> ImportResult:
    result = ImportResult()
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    if reader.fieldnames is None:
        result.errors.append((1, IMPORT_EMPTY))
        return result
    reader.fieldnames = [name.strip().lower() for name in reader.fieldnames]
    missing = [column for column in _REQUIRED_COLUMNS if column not in reader.fieldnames]
    if missing:
        result.errors.append((1, IMPORT_CSV_HEADER.format(columns=", ".join(missing))))
        return result
    try:
        _parse_csv_rows(reader, result)
    except csv.Error as exc:
        # The csv module refuses a field over its limit (128 KB) or a broken quote: a file-level error.
        too_large = "field larger than field limit" in str(exc)
        message = (
            IMPORT_CSV_FIELD_TOO_LARGE.format(limit=csv.field_size_limit() // 1024)
            if too_large
            else IMPORT_CSV_UNREADABLE.format(error=exc)
        )
        result.questions.clear()
        result.errors.append((reader.line_num or 1, message))
        return result
    if not result.questions and not result.errors:
        result.errors.append((1, IMPORT_EMPTY))
    return result


def _parse_csv_rows(reader: csv.DictReader, result: ImportResult) -> None:
    for index, raw in enumerate(reader, start=2):
        if index - 1 > MAX_IMPORT_ROWS:
            result.errors.append((index, IMPORT_TOO_LARGE.format(limit=MAX_IMPORT_ROWS)))
            break
        row = {key: (value or "").strip() for key, value in raw.items() if key}
        if not any(row.values()):
            continue
        qtype = row.get("type", "")
        if qtype not in QuestionType.values:
            result.errors.append((index, IMPORT_UNKNOWN_TYPE.format(value=qtype, types=", ".join(QuestionType.values))))
            continue
        try:
            fields: dict[str, Any] = {"question_type": qtype, "prompt": row.get("prompt", "")}
            answer = row.get("answer", "")
            if qtype in (QuestionType.MULTIPLE_CHOICE, QuestionType.MULTIPLE_SELECT):
                fields["choices"] = _choices(row.get("choices", ""))
                fields["correct_answer"] = (
                    answer
                    if qtype == QuestionType.MULTIPLE_CHOICE
                    else [k.strip() for k in answer.split("|") if k.strip()]
                )
            elif qtype == QuestionType.TRUE_FALSE:
                fields["correct_answer"] = _boolean(answer)
            elif qtype == QuestionType.NUMERIC:
                fields["correct_answer"] = _json_number(answer)
                if row.get("tolerance"):
                    fields["numeric_tolerance"] = _number(row["tolerance"])
            else:
                fields["correct_answer"] = [a.strip() for a in answer.split("|") if a.strip()]
            if row.get("points"):
                fields["points"] = _number(row["points"])
            if row.get("explanation"):
                fields["explanation"] = row["explanation"]
        except ValueError as exc:
            result.errors.append((index, str(exc)))
            continue
        _validated(result, index, fields)


_GIFT_BLOCK = re.compile(r"^(?P<prompt>.*?)\{(?P<answers>.*)\}(?P<rest>.*)$", re.S)
_GIFT_TITLE = re.compile(r"^::.*?::\s*")


def _gift_answers(answers: str) -> dict[str, Any]:
    body = answers.strip()
    if body.upper() in ("T", "TRUE", "F", "FALSE"):
        return {"question_type": QuestionType.TRUE_FALSE, "correct_answer": body.upper().startswith("T")}
    if body.startswith("#"):
        value, _, tolerance = body[1:].partition(":")
        fields: dict[str, Any] = {"question_type": QuestionType.NUMERIC, "correct_answer": _json_number(value)}
        if tolerance.strip():
            fields["numeric_tolerance"] = _number(tolerance)
        return fields
    options = re.findall(r"([=~])\s*([^=~]+)", body)
    if not options:
        raise ValueError(IMPORT_GIFT_NO_ANSWER)
    if all(mark == "=" for mark, _ in options):
        return {"question_type": QuestionType.SHORT_TEXT, "correct_answer": [text.strip() for _, text in options]}
    choices, correct = [], []
    for index, (mark, text) in enumerate(options):
        key = chr(ord("a") + index) if index < 26 else f"k{index}"
        choices.append({"key": key, "text": text.strip()})
        if mark == "=":
            correct.append(key)
    if len(correct) == 1:
        return {"question_type": QuestionType.MULTIPLE_CHOICE, "choices": choices, "correct_answer": correct[0]}
    return {"question_type": QuestionType.MULTIPLE_SELECT, "choices": choices, "correct_answer": correct}


def parse_gift(text: str) -> ImportResult:
    result = ImportResult()
    lines = (text or "").lstrip("\ufeff").replace("\r\n", "\n").split("\n")
    blocks: list[tuple[int, list[str]]] = []
    current: list[str] = []
    start = 0
    for number, line in enumerate(lines, start=1):
        if line.strip().startswith("//"):
            continue  # GIFT comment
        if line.strip():
            if not current:
                start = number
            current.append(line)
        elif current:
            blocks.append((start, current))
            current = []
    if current:
        blocks.append((start, current))
    if len(blocks) > MAX_IMPORT_ROWS:
        result.errors.append((blocks[MAX_IMPORT_ROWS][0], IMPORT_TOO_LARGE.format(limit=MAX_IMPORT_ROWS)))
        return result
    for line_number, block in blocks:
        question_lines, extras = [], {}
        for line in block:
            key, sep, value = line.partition(":")
            if sep and key.strip().lower() in ("points", "explanation") and "{" not in line:
                extras[key.strip().lower()] = value.strip()
            else:
                question_lines.append(line)
        match = _GIFT_BLOCK.match("\n".join(question_lines))
        if not match:
            result.errors.append((line_number, IMPORT_GIFT_NO_ANSWER))
            continue
        try:
            fields = _gift_answers(match.group("answers"))
            prompt = _GIFT_TITLE.sub("", match.group("prompt").strip() + " " + match.group("rest").strip()).strip()
            fields["prompt"] = prompt
            if "points" in extras:
                fields["points"] = _number(extras["points"])
            if extras.get("explanation"):
                fields["explanation"] = extras["explanation"]
        except ValueError as exc:
            result.errors.append((line_number, str(exc)))
            continue
        _validated(result, line_number, fields)
    if not result.questions and not result.errors:
        result.errors.append((1, IMPORT_EMPTY))
    return result


def parse_questions(text: str, *, fmt: str) -> ImportResult:
    return parse_csv(text) if fmt == "csv" else parse_gift(text)


def import_questions(*, actor=None, pool: QuestionPool, text: str, fmt: str) -> ImportResult:
    """Parse and, when every row is valid, append the questions to ``pool`` in one transaction."""
    require_edit(actor, pool.course)
    result = parse_questions(text, fmt=fmt)
    if not result.ok:
        return result
    current = result.questions[0].row
    try:
        with transaction.atomic():
            for parsed in result.questions:
                current = parsed.row
                # Checked once above; actor=None spares one permission query per question.
                services.create_question(actor=None, pool=pool, **parsed.fields)
    except ValidationError as exc:  # every rule was checked while parsing; this is the last line of defence
        failed = ImportResult()
        _add_errors(failed, current, exc)
        return failed
    return result
