"""A lab (the demo's finite-differences lab) and an assignment in a tenant's published course, for tests."""

from __future__ import annotations

from types import SimpleNamespace

from django.db import connection

from learning.management.demo_lab_files import (
    FINITE_DIFFERENCES_README,
    FINITE_DIFFERENCES_SOLUTION,
    FINITE_DIFFERENCES_STARTER,
    FINITE_DIFFERENCES_TESTS,
)
from syllabus.models import Module, ModuleType
from syllabus.tests.factories import ContentItemFactory, ModuleFactory, builtin_content_type

PARTLY_CORRECT = FINITE_DIFFERENCES_SOLUTION.replace("(2 * h)", "h")  # central difference wrong
BROKEN = "def forward_difference(f, x, h)\n    return 0\n"


def lab_payload(**overrides) -> dict:
    payload = {
        "lab_type": "code",
        "runtime": "python",
        "container_image": "registry.example.edu/labs/python:3.11",
        "memory_limit": "512Mi",
        "timeout_seconds": 20,
        "files": [
            {"path": "finite_differences.py", "role": "student_visible", "content": FINITE_DIFFERENCES_STARTER},
            {"path": "README.md", "role": "read_only", "content": FINITE_DIFFERENCES_README},
            {"path": "tests/test_finite_differences.py", "role": "hidden_test", "content": FINITE_DIFFERENCES_TESTS},
            {"path": "solution/finite_differences.py", "role": "solution", "content": FINITE_DIFFERENCES_SOLUTION},
        ],
        "grading": {"type": "unit_tests", "max_points": 100},
        "max_attempts": 3,
    }
    payload.update(overrides)
    return payload


def bump(course) -> None:
    with connection.cursor() as cursor:
        cursor.execute("UPDATE courses SET structure_version = structure_version + 1 WHERE id = %s", [course.pk])
    course.refresh_from_db(fields=["structure_version"])


def build_lab(tenant, **overrides) -> SimpleNamespace:
    course = tenant.course
    root = Module.objects.get(course=course, module_type=ModuleType.COURSE_ROOT)
    lesson = ModuleFactory(parent_module=root, title="Lesson: numerical differentiation")
    lab = ContentItemFactory(
        module=lesson,
        title="Lab: finite differences",
        content_type=builtin_content_type("engineering_lab"),
        data_json=lab_payload(**overrides),
    )
    bump(course)
    tenant.offering.course = course
    return SimpleNamespace(item=lab, lesson=lesson, offering=tenant.offering, student=tenant.student, tenant=tenant)


RUBRIC = {
    "criteria": [
        {"title": "Method", "levels": [{"title": "Missing", "points": 0}, {"title": "Sound", "points": 20}]},
        {
            "title": "Answers",
            "levels": [
                {"title": "Wrong", "points": 0},
                {"title": "Partly", "points": 10},
                {"title": "Right", "points": 30},
            ],
        },  # fmt: skip
    ]
}


def assignment_payload(**overrides) -> dict:
    payload = {
        "instructions": [{"type": "paragraph", "text": "Solve the five problems; show every step."}],
        "due_at": "2030-01-10T12:00:00Z",
        "max_points": 50,
        "submission_types": ["file_upload", "text_entry"],
        "allowed_file_types": [".pdf", ".txt"],
        "late_policy": {"accept_late": True, "penalty_percent_per_day": 10, "max_late_days": 3},
    }
    payload.update(overrides)
    return payload


def build_assignment(tenant, **overrides) -> SimpleNamespace:
    course = tenant.course
    root = Module.objects.get(course=course, module_type=ModuleType.COURSE_ROOT)
    lesson = ModuleFactory(parent_module=root, title="Lesson: tangent lines")
    item = ContentItemFactory(
        module=lesson,
        title="Problem set 1",
        content_type=builtin_content_type("assignment"),
        data_json=assignment_payload(**overrides),
    )
    bump(course)
    tenant.offering.course = course
    return SimpleNamespace(item=item, offering=tenant.offering, student=tenant.student, tenant=tenant)
