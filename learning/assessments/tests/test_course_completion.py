"""Labs and assignments close the learning loop: a course with a reading, a lab and an assignment is
completed to 100 % by a student doing everything (the lab graded in the real sandbox, the assignment graded
and posted), and the enrollment becomes ``completed``."""

from __future__ import annotations

from decimal import Decimal

import pytest

from learning.assessments import assignments, labs
from learning.assessments.tests.lab_fixtures import assignment_payload, bump, lab_payload
from learning.management.demo_lab_files import FINITE_DIFFERENCES_SOLUTION
from learning.models import CourseEnrollment, EnrollmentStatus
from learning.progress import services as progress
from syllabus.models import Module, ModuleType
from syllabus.tests.factories import ContentItemFactory, ModuleFactory, builtin_content_type

pytestmark = pytest.mark.django_db


def test_doing_everything_completes_the_course(world, django_capture_on_commit_callbacks):
    tenant = world.a
    root = Module.objects.get(course=tenant.course, module_type=ModuleType.COURSE_ROOT)
    lesson = ModuleFactory(parent_module=root, title="Lesson 2.2: Numerical differentiation")
    reading = ContentItemFactory(module=lesson, title="Reading")
    lab = ContentItemFactory(module=lesson, title="Lab", content_type=builtin_content_type("engineering_lab"),
                             data_json=lab_payload())  # fmt: skip
    task = ContentItemFactory(module=lesson, title="Problem set", content_type=builtin_content_type("assignment"),
                              data_json=assignment_payload(grade_posting="manual"))  # fmt: skip
    bump(tenant.course)
    offering, student = tenant.offering, tenant.student
    offering.course = tenant.course

    progress.record_item_progress(user=student, offering=offering, item_id=reading.pk, complete=True)
    with django_capture_on_commit_callbacks(execute=True):
        labs.submit_lab(actor=student, offering=offering, item=lab,
                        files={"finite_differences.py": FINITE_DIFFERENCES_SOLUTION.encode()})  # fmt: skip
    submission = assignments.save_assignment(actor=student, offering=offering, item=task, text="x = 2", submit=True)
    assignments.grade_assignment(actor=tenant.instructor, submission=submission, raw_score=Decimal(45))
    enrollment = CourseEnrollment.objects.get(user=student, course_offering=offering)
    assert enrollment.status == EnrollmentStatus.ACTIVE  # graded but not posted: not complete yet
    assignments.post_assignment_grades(actor=tenant.instructor, offering=offering, item=task)
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.COMPLETED and enrollment.completed_at is not None
