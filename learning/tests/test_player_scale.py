"""The player page on a 2,000-module / 10,000-item course runs a fixed, small number of queries."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse

from bench.player import build_big_course
from learning.models import UserModuleProgress
from learning.progress import structure as outline
from learning.progress import tasks
from learning.tests.test_player_fixtures import bump
from syllabus.models import Module
from syllabus.tests.factories import ContentItemFactory


@pytest.mark.slow
def test_player_queries_do_not_grow_with_a_2000_module_course(
    client, world, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    a = world.a
    with django_capture_on_commit_callbacks(execute=True):  # the rollups' version marker is set on commit
        structure = build_big_course(
            university=a.university, course=a.course, offering=a.offering, student=a.student, completed=3000
        )
    assert len(structure.module_parent) == 2001  # the root and 2,000 modules
    assert len(structure.item_order) == 10_000
    client.force_login(a.student)
    resume = reverse("player:resume", args=[a.offering.pk])
    deep = reverse("player:item", args=[a.offering.pk, structure.item_order[7_777]])

    # Issue 8 allows 8; the page runs the session with its user (one query, accounts.sessions) and one
    # page query (access, item, progress), plus the flat structure query when the structure is new to
    # the process (the rollups are current: no recompute).
    outline.clear_memo()
    cache.delete(outline.cache_key(a.course.pk, a.course.structure_version))
    with django_assert_max_num_queries(3) as cold:
        response = client.get(deep)
    assert response.status_code == 200
    assert any("FROM modules m" in q["sql"] for q in cold.captured_queries)

    for url in (deep, resume):  # warm: the cached structure and outline
        with django_assert_max_num_queries(2):
            response = client.get(url)
        assert response.status_code == 200
    html = response.content.decode()
    # Resume reopens the last completed item (the 3,000th), the outline lists every module, and the
    # overlay marks completed modules.
    assert response.context["item"].pk == structure.item_order[2_999]
    assert html.count("<li id=m") == 2000
    assert "\\2713" in html

    # A structural change whose background recompute has not run yet: a lesson the student completed
    # gets a new required item. The page must not recompute 2,000 modules inline, nor show the lesson
    # complete: it reads the student's completed items (one more query) and overlays live completion.
    lesson_id = structure.item_module[structure.item_order[0]]
    lesson_row = UserModuleProgress.objects.get(user=a.student, course_offering=a.offering, module_id=lesson_id)
    assert lesson_row.completed_at is not None
    ContentItemFactory(module=Module.objects.get(pk=lesson_id), title="A new required page")
    bump(a.course)
    # The change enqueued the task; the worker has not run it yet.
    cache.add(tasks.ROLLUPS_QUEUED_KEY.format(course_id=a.course.pk, version=a.course.structure_version), 1)
    with django_assert_max_num_queries(8) as stale:
        response = client.get(deep)
    assert response.status_code == 200
    assert not any("user_module_progress AS r" in q["sql"] for q in stale.captured_queries)  # no recompute
    html = response.content.decode()
    done = len(structure.module_items[lesson_id])  # all of the old items, none of the new one
    assert f'#m{lesson_id}>a{{--po:" {done * 100 // (done + 1)}%"}}' in html
    assert f"#m{lesson_id}>a," not in html and f'#m{lesson_id}>a{{--po:" \\2713' not in html
    lesson_row.refresh_from_db()
    assert lesson_row.completed_at is not None  # stored rows wait for the task; nothing written on GET
