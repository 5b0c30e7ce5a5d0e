"""The question pool page as an author reads it (issue 16, item 16): math rendered as MathML, answers in
words ("a and c", "False", "6 ± 0.01"), never Python lists or padded decimals."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from syllabus.forms import QuestionForm
from syllabus.mathml import LATEX_UNKNOWN_COMMAND
from syllabus.models import QuestionType
from syllabus.tests.factories import QuestionFactory, QuestionPoolFactory

pytestmark = pytest.mark.django_db

SQUARES = [{"key": "a", "text": "$x^2$"}, {"key": "b", "text": "$|x|$"}, {"key": "c", "text": r"$\sin x$"}]


@pytest.fixture
def pool(world):
    pool = QuestionPoolFactory(course=world.a.course, title="Derivatives")
    QuestionFactory(pool=pool, prompt="What is the derivative of $x^3$?", choices=SQUARES, correct_answer="c",
                    explanation=r"By the power rule, $$\frac{d}{dx}x^n = n x^{n-1}$$.")  # fmt: skip
    QuestionFactory(pool=pool, question_type=QuestionType.MULTIPLE_SELECT, prompt="Smooth at 0?", choices=SQUARES,
                    correct_answer=["a", "c"])  # fmt: skip
    QuestionFactory(pool=pool, question_type=QuestionType.TRUE_FALSE, prompt="Continuous implies differentiable.",
                    choices=[], correct_answer=False)  # fmt: skip
    QuestionFactory(pool=pool, question_type=QuestionType.NUMERIC, prompt="Slope of $y = x^2$ at 3? It costs \\$5.",
                    choices=[], correct_answer=6, numeric_tolerance=Decimal("0.01"), points=Decimal("2"))  # fmt: skip
    QuestionFactory(pool=pool, question_type=QuestionType.SHORT_TEXT, prompt="Which rule?", choices=[],
                    correct_answer=["chain rule", "the chain rule"])  # fmt: skip
    return pool


def page_of(client, user, pool):
    client.force_login(user)
    return client.get(reverse("syllabus:pool-detail", args=[pool.course_id, pool.pk]))


def test_math_is_rendered_and_answers_read_as_words(client, world, pool):
    html = page_of(client, world.a.instructor, pool).content.decode()
    assert "$x^2$" not in html and "$x^3$" not in html and "$$" not in html
    assert "<msup><mi>x</mi><mn>3</mn></msup>" in html and "<mfrac>" in html  # prompt and explanation
    assert "It costs $5." in html  # an escaped dollar is a dollar
    assert "Answer: <strong>c</strong>: <math" in html  # the choice, with its math
    assert "Answer: <strong>a</strong>: <math" in html and "</math> and <strong>c</strong>: <math" in html
    assert "Answer: False" in html
    assert "Answer: 6 ± 0.01<" in html and "0.010000" not in html
    assert "Answer: “chain rule” or “the chain rule”" in html
    assert "['a', 'c']" not in html and "[&#x27;" not in html
    assert html.count('<span class="badge text-bg-success">correct</span>') == 3  # c; a and c
    assert "(2 pts)" in html and "(1 pt)" in html


def test_a_formula_between_single_dollars_is_checked_when_the_question_is_written():
    form = QuestionForm(
        data={"question_type": "numeric", "prompt": r"What is $\foo x$?", "correct_answer": "1", "points": "1"}
    )
    assert not form.is_valid()
    assert form.errors["prompt"] == [LATEX_UNKNOWN_COMMAND.format(command=r"\foo")]


def test_other_universities_and_students_cannot_see_the_pool(client, world, pool):
    assert page_of(client, world.b.instructor, pool).status_code == 404
    assert page_of(client, world.b.university_admin, pool).status_code == 404
    assert page_of(client, world.a.student, pool).status_code == 404
    client.logout()
    assert client.get(reverse("syllabus:pool-detail", args=[pool.course_id, pool.pk])).status_code == 302


def test_the_pool_page_runs_a_fixed_number_of_queries(client, world, pool, django_assert_max_num_queries):
    client.force_login(world.a.instructor)
    url = reverse("syllabus:pool-detail", args=[pool.course_id, pool.pk])
    client.get(url)
    for _ in range(20):
        QuestionFactory(pool=pool, question_type=QuestionType.MULTIPLE_SELECT, choices=SQUARES, correct_answer=["a"])
    with django_assert_max_num_queries(12):
        assert client.get(url).status_code == 200
