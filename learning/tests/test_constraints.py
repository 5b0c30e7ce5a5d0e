"""Every database constraint of the learning tables, proven by a raw write that breaks it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.tests.db_helpers import accepts, rejects, rejects_update
from learning.models import (
    Certificate,
    CourseEnrollment,
    CourseGrade,
    CourseInvitation,
    CourseReview,
    LabSubmission,
    QuizAttempt,
    UserContentProgress,
    UserModuleProgress,
)
from learning.tests.factories import (
    CertificateFactory,
    CourseEnrollmentFactory,
    CourseGradeFactory,
    CourseInvitationFactory,
    CourseReviewFactory,
    DiscussionPostFactory,
    LabSubmissionFactory,
    QuizAttemptFactory,
    UserContentProgressFactory,
    UserModuleProgressFactory,
)

pytestmark = pytest.mark.django_db


def test_one_enrollment_per_user_and_offering():
    enrollment = CourseEnrollmentFactory()
    rejects(
        "ux_course_enrollments_unique",
        "INSERT INTO course_enrollments (user_id, course_offering_id) VALUES (%s, %s)",
        [enrollment.user_id, enrollment.course_offering_id],
    )


def test_enrollment_status_is_one_of_the_enum():
    enrollment = CourseEnrollmentFactory()
    rejects_update("ck_course_enrollments_status", CourseEnrollment.objects.filter(pk=enrollment.pk), status="lurking")


@pytest.mark.parametrize(
    ("status", "position"),
    [("active", 1), ("pending", 3), ("waitlisted", None), ("waitlisted", 0)],
    ids=["active-with-position", "pending-with-position", "waitlisted-without", "waitlisted-zero"],
)
def test_waitlist_position_is_set_exactly_when_waitlisted(status, position):
    enrollment = CourseEnrollmentFactory()
    rejects_update(
        "ck_course_enrollments_waitlist_position",
        CourseEnrollment.objects.filter(pk=enrollment.pk),
        status=status,
        waitlist_position=position,
    )
    CourseEnrollment.objects.filter(pk=enrollment.pk).update(status="waitlisted", waitlist_position=1)


def test_invitation_code_is_unique():
    invitation = CourseInvitationFactory()
    rejects(
        "ux_course_invitations_code",
        "INSERT INTO course_invitations (course_offering_id, code) VALUES (%s, %s)",
        [invitation.course_offering_id, invitation.code],
    )


@pytest.mark.parametrize(
    ("values", "constraint"),
    [
        ({"used_count": -1}, "ck_course_invitations_used_count_nonnegative"),
        ({"max_uses": 0}, "ck_course_invitations_max_uses_positive"),
        ({"max_uses": 2, "used_count": 3}, "ck_course_invitations_used_within_max"),
    ],
)
def test_invitation_checks(values, constraint):
    invitation = CourseInvitationFactory()
    rejects_update(constraint, CourseInvitation.objects.filter(pk=invitation.pk), **values)
    # Unlimited invitations may be used any number of times.
    CourseInvitation.objects.filter(pk=invitation.pk).update(max_uses=None, used_count=500)


def test_module_progress_is_unique_per_user_offering_and_module():
    progress = UserModuleProgressFactory()
    rejects(
        "ux_user_module_progress_unique",
        "INSERT INTO user_module_progress (user_id, course_offering_id, module_id) VALUES (%s, %s, %s)",
        [progress.user_id, progress.course_offering_id, progress.module_id],
    )


@pytest.mark.parametrize("percent", ["-0.01", "100.01"])
def test_module_progress_is_a_percentage(percent):
    progress = UserModuleProgressFactory()
    rejects_update(
        "ck_user_module_progress_percent_range",
        UserModuleProgress.objects.filter(pk=progress.pk),
        progress_percent=percent,
    )
    UserModuleProgress.objects.filter(pk=progress.pk).update(progress_percent=100)


def test_content_progress_is_unique_per_user_offering_and_item():
    progress = UserContentProgressFactory()
    rejects(
        "ux_user_content_progress_unique",
        "INSERT INTO user_content_progress (user_id, course_offering_id, content_item_id) VALUES (%s, %s, %s)",
        [progress.user_id, progress.course_offering_id, progress.content_item_id],
    )


@pytest.mark.parametrize(
    ("values", "constraint"),
    [
        ({"progress_percent": "-1"}, "ck_user_content_progress_percent_range"),
        ({"progress_percent": "100.5"}, "ck_user_content_progress_percent_range"),
        ({"attempts_count": -1}, "ck_user_content_progress_attempts_nonnegative"),
    ],
)
def test_content_progress_checks(values, constraint):
    progress = UserContentProgressFactory()
    rejects_update(constraint, UserContentProgress.objects.filter(pk=progress.pk), **values)


def test_quiz_attempt_number_is_unique_per_user_offering_and_quiz():
    attempt = QuizAttemptFactory()
    rejects(
        "ux_quiz_attempts_attempt_number",
        "INSERT INTO quiz_attempts (user_id, course_offering_id, content_item_id, attempt_number) "
        "VALUES (%s, %s, %s, %s)",
        [attempt.user_id, attempt.course_offering_id, attempt.content_item_id, attempt.attempt_number],
    )
    accepts(
        "INSERT INTO quiz_attempts (user_id, course_offering_id, content_item_id, attempt_number) "
        "VALUES (%s, %s, %s, %s)",
        [attempt.user_id, attempt.course_offering_id, attempt.content_item_id, attempt.attempt_number + 1],
    )


@pytest.mark.parametrize(
    ("values", "constraint"),
    [
        ({"attempt_number": 0}, "ck_quiz_attempts_attempt_number_positive"),
        ({"score_obtained": -1}, "ck_quiz_attempts_score_nonnegative"),
        ({"max_score": -1}, "ck_quiz_attempts_max_score_nonnegative"),
    ],
)
def test_quiz_attempt_checks(values, constraint):
    attempt = QuizAttemptFactory()
    rejects_update(constraint, QuizAttempt.objects.filter(pk=attempt.pk), **values)


@pytest.mark.parametrize(
    ("values", "constraint"),
    [
        ({"status": "lost"}, "ck_lab_submissions_status"),
        ({"score_obtained": -1}, "ck_lab_submissions_score_nonnegative"),
        ({"max_score": -1}, "ck_lab_submissions_max_score_nonnegative"),
    ],
)
def test_lab_submission_checks(values, constraint):
    submission = LabSubmissionFactory()
    rejects_update(constraint, LabSubmission.objects.filter(pk=submission.pk), **values)


def test_one_grade_per_user_and_offering():
    grade = CourseGradeFactory()
    rejects(
        "ux_course_grades_unique",
        "INSERT INTO course_grades (user_id, course_offering_id) VALUES (%s, %s)",
        [grade.user_id, grade.course_offering_id],
    )


def test_final_score_is_not_negative():
    grade = CourseGradeFactory()
    rejects_update("ck_course_grades_final_score_nonnegative", CourseGrade.objects.filter(pk=grade.pk), final_score=-1)


def test_certificate_code_is_unique():
    certificate = CertificateFactory()
    other = CertificateFactory(course_offering=certificate.course_offering)  # another student, same offering
    rejects(
        "certificates_certificate_code_key",
        "UPDATE certificates SET certificate_code = %s WHERE id = %s",
        [certificate.certificate_code, other.pk],
    )


def test_certificate_expires_after_it_is_issued():
    certificate = CertificateFactory()
    now = timezone.now()
    rejects_update(
        "ck_certificates_expires_after_issued",
        Certificate.objects.filter(pk=certificate.pk),
        issued_at=now,
        expires_at=now - timedelta(days=1),
    )


def test_post_is_not_its_own_parent():
    post = DiscussionPostFactory()
    rejects(
        "ck_discussion_posts_not_own_parent",
        "UPDATE discussion_posts SET parent_post_id = id WHERE id = %s",
        [post.pk],
    )


def test_reply_is_in_its_parents_thread():
    parent = DiscussionPostFactory()
    elsewhere = DiscussionPostFactory()  # another thread
    rejects(
        "fk_discussion_posts_parent_same_thread",
        "INSERT INTO discussion_posts (thread_id, parent_post_id, user_id, body) VALUES (%s, %s, %s, 'Re')",
        [elsewhere.thread_id, parent.pk, parent.user_id],
    )
    accepts(
        "INSERT INTO discussion_posts (thread_id, parent_post_id, user_id, body) VALUES (%s, %s, %s, 'Re')",
        [parent.thread_id, parent.pk, parent.user_id],
    )


def test_one_review_per_user_and_offering():
    review = CourseReviewFactory()
    rejects(
        "ux_course_reviews_unique",
        "INSERT INTO course_reviews (user_id, course_offering_id, rating) VALUES (%s, %s, 3)",
        [review.user_id, review.course_offering_id],
    )


@pytest.mark.parametrize("rating", [0, 6])
def test_rating_is_between_one_and_five(rating):
    review = CourseReviewFactory()
    rejects_update("course_reviews_rating_check", CourseReview.objects.filter(pk=review.pk), rating=rating)
