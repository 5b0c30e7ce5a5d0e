"""Enrollment rules of learning.enrollment.services (and .rules, .invitations): every refusal with its message and nothing written."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.models import UniversityRole
from accounts.tests.factories import UserFactory, UserUniversityRoleFactory
from catalog.models import CourseOffering, OfferingVisibility, PrerequisiteType
from catalog.permissions import unlisted_link_token
from catalog.tests.factories import CourseFactory, CourseOfferingFactory, CoursePrerequisiteFactory
from learning.enrollment import invitations, rules, services
from learning.models import CourseEnrollment, CourseInvitation, EnrollmentStatus
from learning.tests.factories import CourseEnrollmentFactory, CourseGradeFactory, CourseInvitationFactory

pytestmark = pytest.mark.django_db


def offering_in(tenant, **fields):
    now = timezone.now()
    defaults = {
        "course": tenant.course,
        "starts_at": now - timedelta(days=1),
        "ends_at": now + timedelta(days=60),
        "enrollment_start": now - timedelta(days=10),
        "enrollment_end": now + timedelta(days=10),
        "visibility": OfferingVisibility.PUBLIC,
    }
    defaults.update(fields)
    return CourseOfferingFactory(**defaults)


def counts(offering):
    offering.refresh_from_db()
    return offering.enrolled_count, offering.waitlist_count


def refuses(message, fn, **kwargs):
    before = (CourseEnrollment.objects.count(), list(CourseInvitation.objects.values_list("used_count", flat=True)))
    with pytest.raises((ValidationError, PermissionDenied)) as info:
        fn(**kwargs)
    text = " ".join(info.value.messages) if isinstance(info.value, ValidationError) else str(info.value)
    assert message in text
    after = (CourseEnrollment.objects.count(), list(CourseInvitation.objects.values_list("used_count", flat=True)))
    assert before == after
    return info.value


def test_public_open_offering_enrolls_active_and_counts(world):
    student = UserFactory()
    enrollment = services.request_enrollment(actor=student, offering=world.a.offering)
    assert enrollment.status == EnrollmentStatus.ACTIVE
    assert enrollment.warnings == []
    assert counts(world.a.offering) == (2, 0)


def test_anonymous_is_refused(world):
    from django.contrib.auth.models import AnonymousUser

    refuses(services.SIGN_IN_REQUIRED, services.request_enrollment, actor=AnonymousUser(), offering=world.a.offering)


def test_window_not_open_yet_and_closed(world):
    now = timezone.now()
    later = offering_in(world.a, enrollment_start=now + timedelta(days=3), enrollment_end=now + timedelta(days=9),
                        starts_at=now + timedelta(days=10))
    refuses("Enrollment opens on", services.request_enrollment, actor=UserFactory(), offering=later)
    closed = offering_in(world.a, enrollment_start=now - timedelta(days=9), enrollment_end=now - timedelta(days=1))
    refuses(rules.ENROLLMENT_CLOSED, services.request_enrollment, actor=UserFactory(), offering=closed)
    ended = offering_in(world.a, starts_at=now - timedelta(days=90), ends_at=now - timedelta(days=1),
                        enrollment_start=None, enrollment_end=None)
    refuses(rules.ENROLLMENT_CLOSED, services.request_enrollment, actor=UserFactory(), offering=ended)


def test_opening_date_is_shown_in_the_university_time_zone(world):
    world.a.university.time_zone = "Asia/Tokyo"
    world.a.university.save()
    start = timezone.now().replace(microsecond=0) + timedelta(days=3)
    later = offering_in(world.a, enrollment_start=start, enrollment_end=start + timedelta(days=5))
    error = refuses("Asia/Tokyo", services.request_enrollment, actor=UserFactory(), offering=later)
    assert rules.local_display(start, "Asia/Tokyo") in error.messages[0]


def test_private_needs_a_role_at_the_university(world):
    private = offering_in(world.a, visibility=OfferingVisibility.PRIVATE)
    refuses(rules.OFFERING_NOT_AVAILABLE, services.request_enrollment, actor=world.b.student, offering=private)
    refuses(rules.OFFERING_NOT_AVAILABLE, services.request_enrollment, actor=UserFactory(), offering=private)
    member = UserFactory()
    UserUniversityRoleFactory(user=member, university=world.a.university, role=UniversityRole.STUDENT)
    assert services.request_enrollment(actor=member, offering=private).status == EnrollmentStatus.ACTIVE


def test_unlisted_needs_its_link(world):
    unlisted = offering_in(world.a, visibility=OfferingVisibility.UNLISTED)
    refuses(rules.UNLISTED_LINK_REQUIRED, services.request_enrollment, actor=UserFactory(), offering=unlisted)
    other = offering_in(world.a, visibility=OfferingVisibility.UNLISTED)
    refuses(rules.UNLISTED_LINK_REQUIRED, services.request_enrollment, actor=UserFactory(), offering=unlisted,
            link_token=unlisted_link_token(other))
    enrollment = services.request_enrollment(
        actor=UserFactory(), offering=unlisted, link_token=unlisted_link_token(unlisted)
    )
    assert enrollment.status == EnrollmentStatus.ACTIVE


def test_invite_only_rules(world):
    offering = offering_in(world.a, visibility=OfferingVisibility.INVITE_ONLY)
    other = offering_in(world.a, visibility=OfferingVisibility.INVITE_ONLY)
    student = UserFactory(email="invitee@example.edu")
    refuses(rules.INVITATION_REQUIRED, services.request_enrollment, actor=student, offering=offering)
    wrong = CourseInvitationFactory(course_offering=other, code="WRONG-OFFERING")
    refuses(rules.INVITATION_INVALID, services.request_enrollment, actor=student, offering=offering,
            invitation_code=wrong.code)
    refuses(rules.INVITATION_INVALID, services.request_enrollment, actor=student, offering=offering,
            invitation_code="NOPE")
    expired = CourseInvitationFactory(course_offering=offering, code="EXPIRED",
                                      expires_at=timezone.now() - timedelta(minutes=1))
    refuses(rules.INVITATION_EXPIRED, services.request_enrollment, actor=student, offering=offering,
            invitation_code=expired.code)
    used = CourseInvitationFactory(course_offering=offering, code="USED", max_uses=1, used_count=1)
    refuses(rules.INVITATION_USED_UP, services.request_enrollment, actor=student, offering=offering,
            invitation_code=used.code)
    someone_else = CourseInvitationFactory(course_offering=offering, code="ELSE", email="else@example.edu")
    refuses(rules.INVITATION_OTHER_EMAIL, services.request_enrollment, actor=student, offering=offering,
            invitation_code=someone_else.code)

    good = CourseInvitationFactory(course_offering=offering, code="GOOD", max_uses=2)
    assert services.request_enrollment(actor=student, offering=offering, invitation_code="GOOD").status == "active"
    good.refresh_from_db()
    assert good.used_count == 1


@pytest.mark.parametrize("how", ["dropped", "declined"])
def test_leaving_an_invite_only_offering_needs_a_new_invitation_to_come_back(world, how):
    offering = offering_in(world.a, visibility=OfferingVisibility.INVITE_ONLY, requires_approval=how == "declined")
    student = UserFactory()
    invitation = CourseInvitationFactory(course_offering=offering, code="ONCE", max_uses=1)
    first = services.request_enrollment(actor=student, offering=offering, invitation_code="ONCE")
    if how == "dropped":
        services.drop_enrollment(actor=student, enrollment=first)
    else:
        services.decline_enrollment(actor=world.a.university_admin, enrollment=first)
    row = CourseEnrollment.objects.get(pk=first.pk)
    assert row.status == EnrollmentStatus.DROPPED
    # No code, and the used-up one: refused, the row stays dropped.
    refuses(rules.INVITATION_REQUIRED, services.request_enrollment, actor=student, offering=offering)
    refuses(rules.INVITATION_USED_UP, services.request_enrollment, actor=student, offering=offering,
            invitation_code=invitation.code)
    assert CourseEnrollment.objects.get(pk=first.pk).status == EnrollmentStatus.DROPPED
    assert counts(offering) == (0, 0)
    # A fresh invitation lets them back in, on the same row.
    CourseInvitationFactory(course_offering=offering, code="AGAIN", max_uses=1)
    again = services.request_enrollment(actor=student, offering=offering, invitation_code="AGAIN")
    assert again.pk == first.pk
    assert again.status == (EnrollmentStatus.PENDING if how == "declined" else EnrollmentStatus.ACTIVE)


def test_a_dropped_student_may_rejoin_an_unlisted_offering_without_the_link(world):
    offering = offering_in(world.a, visibility=OfferingVisibility.UNLISTED)
    student = UserFactory()
    first = services.request_enrollment(actor=student, offering=offering, link_token=unlisted_link_token(offering))
    services.drop_enrollment(actor=student, enrollment=first)
    again = services.request_enrollment(actor=student, offering=offering)
    assert again.pk == first.pk and again.status == EnrollmentStatus.ACTIVE
    refuses(rules.UNLISTED_LINK_REQUIRED, services.request_enrollment, actor=UserFactory(), offering=offering)


def test_invite_only_by_email_invitation(world):
    offering = offering_in(world.a, visibility=OfferingVisibility.INVITE_ONLY)
    student = UserFactory(email="Mixed@Example.edu")
    CourseInvitationFactory(course_offering=offering, email="mixed@example.edu", max_uses=None)
    assert services.request_enrollment(actor=student, offering=offering).status == EnrollmentStatus.ACTIVE


def test_redeem_invitation_by_code_alone(world):
    offering = offering_in(world.a, visibility=OfferingVisibility.INVITE_ONLY)
    CourseInvitationFactory(course_offering=offering, code="ALONE")
    enrollment = invitations.redeem_invitation(actor=UserFactory(), code="ALONE")
    assert enrollment.course_offering_id == offering.pk
    refuses(rules.INVITATION_INVALID, invitations.redeem_invitation, actor=UserFactory(), code="MISSING")


def test_already_enrolled_states(world):
    refuses(rules.ALREADY_ENROLLED, services.request_enrollment, actor=world.a.student, offering=world.a.offering)
    for status, message in [
        (EnrollmentStatus.COMPLETED, rules.ALREADY_COMPLETED),
        (EnrollmentStatus.PENDING, rules.ALREADY_PENDING),
    ]:
        enrollment = CourseEnrollmentFactory(course_offering=offering_in(world.a), status=status)
        refuses(message, services.request_enrollment, actor=enrollment.user, offering=enrollment.course_offering)
    waiting = CourseEnrollmentFactory(course_offering=offering_in(world.a, capacity=0), status="waitlisted",
                                      waitlist_position=1)
    refuses("already on the waiting list (position 1)", services.request_enrollment, actor=waiting.user,
            offering=waiting.course_offering)


def _course_with_prerequisite(world, kind):
    prereq = CourseFactory(university=world.a.university, code=f"PRE-{kind}")
    CoursePrerequisiteFactory(course=world.a.course, prerequisite_course=prereq, prerequisite_type=kind)
    return prereq


def test_strict_prerequisite_missing_then_met_by_completion_or_passing_grade(world):
    prereq = _course_with_prerequisite(world, PrerequisiteType.STRICT)
    student = UserFactory()
    refuses("Complete the prerequisites first: PRE-strict", services.request_enrollment, actor=student,
            offering=offering_in(world.a))
    # An active enrollment in the prerequisite is not enough.
    prereq_offering = offering_in(world.a, course=prereq)
    CourseEnrollmentFactory(user=student, course_offering=prereq_offering, status=EnrollmentStatus.ACTIVE)
    refuses("PRE-strict", services.request_enrollment, actor=student, offering=offering_in(world.a))
    CourseEnrollment.objects.filter(user=student).update(status=EnrollmentStatus.COMPLETED)
    assert services.request_enrollment(actor=student, offering=offering_in(world.a)).status == "active"

    graded = UserFactory()
    CourseGradeFactory(user=graded, course_offering=offering_in(world.a, course=prereq), passed=True)
    assert services.request_enrollment(actor=graded, offering=offering_in(world.a)).status == "active"
    failed = UserFactory()
    CourseGradeFactory(user=failed, course_offering=offering_in(world.a, course=prereq), passed=False)
    refuses("PRE-strict", services.request_enrollment, actor=failed, offering=offering_in(world.a))


def test_recommended_prerequisite_warns_but_allows(world):
    _course_with_prerequisite(world, PrerequisiteType.RECOMMENDED)
    enrollment = services.request_enrollment(actor=UserFactory(), offering=offering_in(world.a))
    assert enrollment.status == EnrollmentStatus.ACTIVE
    assert enrollment.warnings == [rules.RECOMMENDED_WARNING.format(courses="PRE-co_requisite".replace(
        "co_requisite", "recommended"))]


def test_co_requisite_needs_an_overlapping_offering(world):
    co = _course_with_prerequisite(world, PrerequisiteType.CO_REQUISITE)
    now = timezone.now()
    target = offering_in(world.a, starts_at=now + timedelta(days=1), ends_at=now + timedelta(days=60),
                         enrollment_end=now + timedelta(hours=12))
    student = UserFactory()
    refuses("Co-requisites are needed in the same term: PRE-co_requisite", services.request_enrollment,
            actor=student, offering=target)
    # Enrolled in the co-requisite, but in a term that ended before this one starts: still refused.
    old = offering_in(world.a, course=co, starts_at=now - timedelta(days=200), ends_at=now - timedelta(days=100),
                      enrollment_start=None, enrollment_end=None)
    CourseEnrollmentFactory(user=student, course_offering=old, status=EnrollmentStatus.ACTIVE)
    refuses("PRE-co_requisite", services.request_enrollment, actor=student, offering=target)
    same_term = offering_in(world.a, course=co, starts_at=now + timedelta(days=2), ends_at=now + timedelta(days=50))
    CourseEnrollmentFactory(user=student, course_offering=same_term, status=EnrollmentStatus.ACTIVE)
    assert services.request_enrollment(actor=student, offering=target).status == EnrollmentStatus.ACTIVE


def test_approval_pending_then_approved_or_declined_with_email(world, django_capture_on_commit_callbacks):
    offering = offering_in(world.a, requires_approval=True, capacity=1)
    first, second, third = UserFactory(), UserFactory(), UserFactory()
    pending = [services.request_enrollment(actor=u, offering=offering) for u in (first, second, third)]
    assert {e.status for e in pending} == {EnrollmentStatus.PENDING}
    assert counts(offering) == (0, 0)
    refuses(services.NOT_ALLOWED, services.approve_enrollment, actor=world.a.student, enrollment=pending[0])
    refuses(services.NOT_ALLOWED, services.approve_enrollment, actor=world.a.ta, enrollment=pending[0])
    refuses(services.NOT_ALLOWED, services.approve_enrollment, actor=world.b.university_admin, enrollment=pending[0])
    # The offering's staff are set on world.a.offering only; the university admin manages every offering.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        approved = services.approve_enrollment(actor=world.a.university_admin, enrollment=pending[0])
        waitlisted = services.approve_enrollment(actor=world.a.department_admin, enrollment=pending[1])
        declined = services.decline_enrollment(actor=world.platform_admin, enrollment=pending[2])
    assert (approved.status, waitlisted.status, waitlisted.waitlist_position) == ("active", "waitlisted", 1)
    assert declined.status == EnrollmentStatus.DROPPED
    assert counts(offering) == (1, 1)
    assert [m.to for m in mail.outbox] == [[first.email], [second.email], [third.email]]
    assert "declined" in mail.outbox[2].subject
    refuses(services.NOT_PENDING, services.approve_enrollment, actor=world.a.university_admin, enrollment=approved)


def test_capacity_waitlist_and_promotion_on_drop(world, django_capture_on_commit_callbacks):
    offering = offering_in(world.a, capacity=2)
    users = [UserFactory() for _ in range(5)]
    results = [services.request_enrollment(actor=u, offering=offering) for u in users]
    assert [r.status for r in results] == ["active", "active", "waitlisted", "waitlisted", "waitlisted"]
    assert [r.waitlist_position for r in results[2:]] == [1, 2, 3]
    assert counts(offering) == (2, 3)

    # A waitlisted student leaves: the line closes up.
    services.drop_enrollment(actor=users[3], enrollment=results[3])
    positions = dict(CourseEnrollment.objects.filter(course_offering=offering, status="waitlisted")
                     .values_list("user_id", "waitlist_position"))
    assert positions == {users[2].pk: 1, users[4].pk: 2}

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.drop_enrollment(actor=users[0], enrollment=results[0])
    promoted = CourseEnrollment.objects.get(pk=results[2].pk)
    assert (promoted.status, promoted.waitlist_position) == ("active", None)
    assert CourseEnrollment.objects.get(pk=results[4].pk).waitlist_position == 1
    assert counts(offering) == (2, 1)
    assert [m.to for m in mail.outbox] == [[users[2].email]]


def test_reenrolling_after_drop_reactivates_the_same_row(world):
    offering = offering_in(world.a)
    student = UserFactory()
    first = services.request_enrollment(actor=student, offering=offering)
    services.drop_enrollment(actor=student, enrollment=first)
    assert counts(offering) == (0, 0)
    again = services.request_enrollment(actor=student, offering=offering)
    assert again.pk == first.pk and again.status == EnrollmentStatus.ACTIVE
    assert CourseEnrollment.objects.filter(user=student, course_offering=offering).count() == 1


def test_drop_rules(world):
    enrollment = CourseEnrollment.objects.get(user=world.a.student, course_offering=world.a.offering)
    refuses(services.NOT_YOUR_ENROLLMENT, services.drop_enrollment, actor=world.b.student, enrollment=enrollment)
    refuses(services.NOT_YOUR_ENROLLMENT, services.drop_enrollment, actor=world.b.university_admin,
            enrollment=enrollment)
    completed = CourseEnrollmentFactory(course_offering=offering_in(world.a), status=EnrollmentStatus.COMPLETED)
    refuses(services.NOT_DROPPABLE, services.drop_enrollment, actor=completed.user, enrollment=completed)
    # The offering's instructor may drop a student.
    assert services.drop_enrollment(actor=world.a.instructor, enrollment=enrollment).status == "dropped"


def test_complete_promote_and_staff_enroll(world):
    offering = offering_in(world.a, capacity=1)
    a, b, c = UserFactory(), UserFactory(), UserFactory()
    ea = services.request_enrollment(actor=a, offering=offering)
    eb = services.request_enrollment(actor=b, offering=offering)
    refuses(services.NO_SEAT, services.promote_from_waitlist, actor=world.a.university_admin, enrollment=eb)
    refuses(services.NOT_WAITLISTED, services.promote_from_waitlist, actor=world.a.university_admin, enrollment=ea)
    refuses(services.NOT_ALLOWED, services.complete_enrollment, actor=a, enrollment=ea)
    done = services.complete_enrollment(actor=world.a.university_admin, enrollment=ea)
    assert done.status == EnrollmentStatus.COMPLETED and done.completed_at is not None
    refuses(services.NOT_ACTIVE, services.complete_enrollment, actor=world.a.university_admin, enrollment=done)
    CourseOffering.objects.filter(pk=offering.pk).update(capacity=2)
    promoted = services.promote_from_waitlist(actor=world.a.university_admin, enrollment=eb)
    assert promoted.status == EnrollmentStatus.ACTIVE
    refuses(services.NOT_ALLOWED, services.staff_enroll_users, actor=world.b.instructor, offering=offering, users=[c])
    rows = services.staff_enroll_users(actor=world.a.university_admin, offering=offering, users=[c, a])
    assert [r.status for r in rows] == ["active", "completed"]
    assert counts(offering) == (3, 0)  # staff may exceed the capacity on purpose


def test_create_invitation_rules(world, django_capture_on_commit_callbacks):
    offering = world.a.offering
    refuses(services.NOT_ALLOWED, invitations.create_invitation, actor=world.a.ta, offering=offering)
    refuses(services.NOT_ALLOWED, invitations.create_invitation, actor=world.b.instructor, offering=offering)
    refuses(invitations.INVITATION_EMAIL_INVALID, invitations.create_invitation, actor=world.a.instructor,
            offering=offering, email="not-an-email")
    refuses(invitations.INVITATION_MAX_USES_INVALID, invitations.create_invitation, actor=world.a.instructor,
            offering=offering, max_uses=0)
    refuses(invitations.INVITATION_EXPIRY_PAST, invitations.create_invitation, actor=world.a.instructor,
            offering=offering, expires_at=timezone.now() - timedelta(hours=1))
    assert not CourseInvitation.objects.exists()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invitations.create_invitation(actor=world.a.instructor, offering=offering,
                                                email="guest@example.edu", max_uses=1)
    assert len(invitation.code) >= 12 and invitation.created_by == world.a.instructor
    assert mail.outbox[0].to == ["guest@example.edu"] and invitation.code in mail.outbox[0].body
