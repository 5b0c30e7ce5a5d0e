"""Quiz mastery in the player's module outline (issue 17: "a small badge in the outline"): the level in words
beside the quiz's module, for this student only, read with the page query — no query per row, none extra."""

from __future__ import annotations

import pytest
from django.urls import reverse

from learning.assessments import rules
from learning.assessments.models import QuizMastery
from learning.tests.test_player_fixtures import build_tree, bump
from syllabus.tests.factories import ContentItemFactory, ModuleFactory, builtin_content_type

pytestmark = pytest.mark.django_db

LEVELS = [rules.ATTEMPTED, rules.FAMILIAR, rules.PROFICIENT, rules.MASTERED]


def quiz_modules(tree, count: int):
    """``count`` lessons, each with one quiz item."""
    quizzes = []
    for n in range(count):
        lesson = ModuleFactory(parent_module=tree.root, title=f"Quiz lesson {n}")
        quizzes.append(
            ContentItemFactory(
                module=lesson, title=f"Checkpoint {n} <b>", content_type=builtin_content_type("quiz"), data_json={}
            )
        )
    bump(tree.course)
    return quizzes


def master(tenant, quizzes, student=None):
    student = student or tenant.student
    for n, quiz in enumerate(quizzes):
        QuizMastery.objects.create(
            university=tenant.university, user=student, course_offering=tenant.offering,
            content_item=quiz, level=LEVELS[n % len(LEVELS)],
        )  # fmt: skip


def outline(html: str) -> str:
    start = html.index('<ul class="po-tree">')
    return html[start : html.index("</nav>", start)] if "</nav>" in html[start:] else html[start:]


def test_each_started_quiz_shows_its_level_in_words_beside_its_module(client, world):
    tree = build_tree(world.a)
    quizzes = quiz_modules(tree, 4)
    master(world.a, quizzes[:3])  # the fourth is not started: no badge
    client.force_login(world.a.student)
    html = client.get(reverse("player:item", args=[world.a.offering.pk, tree.t1.pk])).content.decode()
    tree_html = outline(html)
    for quiz, level in zip(quizzes[:3], LEVELS, strict=False):
        badge = (
            f'<span class="badge text-bg-light border po-mastery mastery-{level}">'
            f'<span class="visually-hidden">Checkpoint {quizzes.index(quiz)} &lt;b&gt; mastery: </span>'
            f"{rules.LEVEL_LABELS[level]}</span>"
        )
        assert f"{quiz.module.title}</a> {badge}" in tree_html  # after the module's link, words not colour
    assert f"{quizzes[3].module.title}</a></li>" in tree_html
    resume = client.get(reverse("player:resume", args=[world.a.offering.pk])).content.decode()
    assert outline(resume).count("po-mastery") == 3
    # the quiz's own page: the same badge in "In this module"
    html = client.get(reverse("player:item", args=[world.a.offering.pk, quizzes[2].pk])).content.decode()
    assert html.count("Checkpoint 2 &lt;b&gt; mastery: </span>Proficient</span>") == 2  # outline + the module list


def test_the_badges_are_the_students_own(client, world):
    from learning.tests.factories import CourseEnrollmentFactory

    tree = build_tree(world.a)
    quizzes = quiz_modules(tree, 2)
    classmate = CourseEnrollmentFactory(course_offering=world.a.offering).user
    master(world.a, quizzes, student=classmate)
    client.force_login(world.a.student)
    html = client.get(reverse("player:item", args=[world.a.offering.pk, tree.t1.pk])).content.decode()
    assert "po-mastery" not in html
    client.force_login(classmate)
    html = client.get(reverse("player:item", args=[world.a.offering.pk, tree.t1.pk])).content.decode()
    assert outline(html).count("po-mastery") == 2


@pytest.mark.parametrize("count", [2, 40])
def test_no_query_per_badge(client, world, count, django_assert_max_num_queries):
    tree = build_tree(world.a)
    quizzes = quiz_modules(tree, count)
    master(world.a, quizzes)
    client.force_login(world.a.student)
    url = reverse("player:item", args=[world.a.offering.pk, tree.t1.pk])  # a text item (a quiz adds its card's)
    client.get(url)  # warm: the cached structure and outline
    # the warm player page's budget (learning/tests/test_player_scale.py): session with its user, the page
    # query — the mastery levels ride on it, for the outline and "In this module" alike
    with django_assert_max_num_queries(2):
        response = client.get(url)
    html = response.content.decode()
    assert outline(html).count("po-mastery") == count
