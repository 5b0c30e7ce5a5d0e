from decimal import Decimal

import pytest
from django.urls import reverse

from syllabus import question_import
from syllabus.models import Question
from syllabus.question_import import parse_csv, parse_gift
from syllabus.tests.factories import QuestionPoolFactory

CSV = """type,prompt,choices,answer,tolerance,points,explanation
multiple_choice,2+2?,a=3|b=4|c=5,b,,1,
multiple_select,Primes?,a=2|b=4|c=5,a|c,,2,Two and five
true_false,The sky is blue.,,true,,1,
numeric,g?,,9.81,0.05,1,
short_text,Capital of France?,,Paris|paris,,1,
"""

GIFT = """// a comment
::Q1:: 2+2 = ? {~3 =4 ~5}
points: 2

Primes? {=2 ~4 =5}

The sky is blue. {T}

g? {#9.81:0.05}
explanation: about 9.81

Capital of France? {=Paris =paris}
"""


def test_csv_every_type():
    result = parse_csv(CSV)
    assert result.ok, result.errors
    fields = [q.fields for q in result.questions]
    assert [f["question_type"] for f in fields] == [
        "multiple_choice",
        "multiple_select",
        "true_false",
        "numeric",
        "short_text",
    ]
    assert fields[1]["correct_answer"] == ["a", "c"] and fields[3]["numeric_tolerance"] == Decimal("0.05")


def test_gift_every_type():
    result = parse_gift(GIFT)
    assert result.ok, result.errors
    fields = [q.fields for q in result.questions]
    assert fields[0]["prompt"] == "2+2 = ?" and fields[0]["correct_answer"] == "b" and fields[0]["points"] == 2
    assert fields[1]["correct_answer"] == ["a", "c"] and fields[2]["correct_answer"] is True
    assert fields[3]["explanation"] == "about 9.81" and fields[4]["correct_answer"] == ["Paris", "paris"]


def test_row_level_errors():
    bad = CSV + "essay,Write,,x,,1,\nmultiple_choice,Pick,a=1|b=2,z,,1,\nnumeric,n?,,abc,,1,\n"
    result = parse_csv(bad)
    rows = dict(result.errors)
    assert set(rows) == {7, 8, 9}
    assert "essay" in rows[7] and "correct_answer" in rows[8] and "not a number" in rows[9]
    gift = parse_gift("No braces here\n\nOk? {T}\n")
    assert gift.errors == [(1, question_import.IMPORT_GIFT_NO_ANSWER)]


@pytest.mark.django_db
def test_import_view_all_or_nothing(client, world):
    pool = QuestionPoolFactory(course=world.a.course)
    client.force_login(world.a.instructor)
    url = reverse("syllabus:question-import", args=[world.a.course.pk, pool.pk])
    response = client.post(url, {"format": "csv", "text": CSV + "essay,Write,,x,,1,\n"})
    assert response.status_code == 200 and "Row/line 7" in response.content.decode()
    assert not Question.objects.filter(pool=pool).exists()
    assert client.post(url, {"format": "gift", "text": GIFT}).status_code == 302
    assert list(Question.objects.filter(pool=pool).values_list("sequence_index", flat=True)) == [1, 2, 3, 4, 5]


@pytest.mark.django_db
def test_question_form_crud(client, world):
    pool = QuestionPoolFactory(course=world.a.course)
    client.force_login(world.a.instructor)
    add = reverse("syllabus:question-create", args=[world.a.course.pk, pool.pk])
    bad = client.post(add, {"question_type": "multiple_choice", "prompt": "Pick $$\\frac{1}$$", "choices": "a = 1\nb = 2",
                            "correct_answer": "a", "points": "1"})  # fmt: skip
    assert "prompt" in bad.context["form"].errors
    bad = client.post(add, {"question_type": "multiple_choice", "prompt": "Pick", "choices": "a = 1\nb = 2",
                            "correct_answer": "z", "points": "1"})  # fmt: skip
    assert "correct_answer" in bad.context["form"].errors and not Question.objects.exists()
    ok = {"question_type": "numeric", "prompt": "$$\\pi$$ to 2 places?", "correct_answer": "3.14",
          "numeric_tolerance": "0.01", "points": "2", "explanation": "pi"}  # fmt: skip
    assert client.post(add, ok).status_code == 302
    question = Question.objects.get()
    assert question.correct_answer == 3.14 and question.numeric_tolerance == Decimal("0.01")
    edit = reverse("syllabus:question-edit", args=[world.a.course.pk, pool.pk, question.pk])
    assert client.post(edit, {**ok, "question_type": "true_false", "correct_answer": "false"}).status_code == 302
    question.refresh_from_db()
    assert question.correct_answer is False and question.numeric_tolerance is None
    delete = reverse("syllabus:question-delete", args=[world.a.course.pk, pool.pk, question.pk])
    assert client.post(delete).status_code == 302 and not Question.objects.exists()
