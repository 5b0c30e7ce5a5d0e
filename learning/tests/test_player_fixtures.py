"""Course trees for the player and progress tests (built from the app factories on top of ``world``).

Not a conftest: the test modules import what they need, so nothing here leaks into other suites.
"""

from __future__ import annotations

from types import SimpleNamespace

from django.db import connection

from learning.progress import freshness
from learning.progress import structure as outline
from syllabus.models import Module, ModuleType
from syllabus.tests.factories import ContentItemFactory, ModuleFactory, builtin_content_type

VIDEO_DATA = {
    "provider": "youtube",
    "video_id": "7K1sB05pE0A",
    "url": "https://www.youtube.com/watch?v=7K1sB05pE0A",
    "duration_seconds": 3060,
    "transcript": {
        "language": "en",
        "segments": [
            {"start": 0, "end": 12.5, "text": "Today we talk about derivatives."},
            {"start": 12.5, "end": 30, "text": "The slope of the tangent line at a point."},
        ],
    },
}
RESOURCE_DATA = {
    "resources": [
        {
            "label": "OpenStax Calculus Volume 1 (PDF)",
            "url": "https://openstax.org/details/books/calculus-volume-1",
            "kind": "pdf",
        },
        {
            "label": "3Blue1Brown: The essence of calculus",
            "url": "https://www.youtube.com/watch?v=WUvTyaaNkzM",
            "kind": "video",
        },
    ]
}


def bump(course) -> None:
    with connection.cursor() as cursor:
        cursor.execute("UPDATE courses SET structure_version = structure_version + 1 WHERE id = %s", [course.pk])
    course.refresh_from_db(fields=["structure_version"])


def clear_memos() -> None:
    outline.clear_memo()
    freshness.clear_memo()


def build_tree(tenant) -> SimpleNamespace:
    """root ─ chapter A ─ lesson A1 ─ [t1 text, t2 text, (inactive)] ─ section A1a ─ [v1 video]
         │            └ lesson A2 ─ [r1 resource]
         └ chapter C (unpublished) ─ [x1 text]

    Required items: t1, t2, v1, r1 (4)."""
    course = tenant.course
    root = Module.objects.get(course=course, module_type=ModuleType.COURSE_ROOT)
    chapter_a = ModuleFactory(parent_module=root, module_type=ModuleType.CHAPTER, title="Chapter A: Slopes")
    lesson_a1 = ModuleFactory(parent_module=chapter_a, title="Lesson A1: Tangent lines")
    section = ModuleFactory(parent_module=lesson_a1, module_type=ModuleType.SECTION, title="Section A1a: Video")
    lesson_a2 = ModuleFactory(parent_module=chapter_a, title="Lesson A2: Reading")
    chapter_c = ModuleFactory(
        parent_module=root, module_type=ModuleType.CHAPTER, title="Chapter C: Draft", is_published=False
    )
    t1 = ContentItemFactory(module=lesson_a1, title="What is a derivative?")
    t2 = ContentItemFactory(module=lesson_a1, title="The power rule")
    inactive = ContentItemFactory(module=lesson_a1, title="Retired page", is_active=False)
    v1 = ContentItemFactory(
        module=section, title="Lecture video", content_type=builtin_content_type("video"), data_json=VIDEO_DATA
    )
    r1 = ContentItemFactory(
        module=lesson_a2,
        title="Further reading",
        content_type=builtin_content_type("resource"),
        data_json=RESOURCE_DATA,
    )
    x1 = ContentItemFactory(module=chapter_c, title="Draft page")
    bump(course)
    tenant.offering.course = course  # the services read the structure version through offering.course
    return SimpleNamespace(
        course=course,
        offering=tenant.offering,
        student=tenant.student,
        root=root,
        chapter_a=chapter_a,
        lesson_a1=lesson_a1,
        section=section,
        lesson_a2=lesson_a2,
        chapter_c=chapter_c,
        t1=t1,
        t2=t2,
        inactive=inactive,
        v1=v1,
        r1=r1,
        x1=x1,
    )
