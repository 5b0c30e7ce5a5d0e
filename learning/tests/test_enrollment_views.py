"""Enroll/drop views, the invitations page, onboarding and sign-up redirect: happy paths, denied roles,
bad input (a message or form error, nothing written)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import UserProfile, UserSubjectPreference
from accounts.tests.factories import UserFactory
from catalog.models import OfferingVisibility
from catalog.permissions import unlisted_link_token
from catalog.tests.factories import CourseOfferingFactory, SubjectFactory
from learning.enrollment import invitations, onboarding, rules, services
from learning.models import CourseEnrollment, CourseInvitation, EnrollmentStatus

pytestmark = pytest.mark.django_db


def enroll_url(offering):
    return reverse("learning:enroll", args=[offering.pk])


def messages_of(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


def test_enroll_happy_path_redirects_to_the_course_page_with_a_message(world, client):
    student = UserFactory()
    client.force_login(student)
    response = client.post(enroll_url(world.a.offering), follow=True)
    assert response.redirect_chain[-1][0] == "/courses/ALPHA/MATH101/"
    assert any("You are enrolled" in m for m in messages_of(response))
    assert CourseEnrollment.objects.get(user=student, course_offering=world.a.offering).status == "active"


def test_enroll_refusal_is_a_message_and_writes_nothing(world, client):
    client.force_login(world.a.student)
    before = CourseEnrollment.objects.count()
    response = client.post(enroll_url(world.a.offering), follow=True)
    assert response.status_code == 200
    assert rules.ALREADY_ENROLLED in messages_of(response)
    assert CourseEnrollment.objects.count() == before


def test_enroll_denied_cases(world, client):
    assert client.post(enroll_url(world.a.offering)).status_code == 302  # anonymous → login
    assert "/accounts/login/" in client.post(enroll_url(world.a.offering))["Location"]
    client.force_login(world.b.student)
    assert client.get(enroll_url(world.a.offering)).status_code == 405
    private = CourseOfferingFactory(course=world.a.course, visibility=OfferingVisibility.PRIVATE)
    assert client.post(enroll_url(private)).status_code == 404
    assert client.post(reverse("learning:enroll", args=[999999])).status_code == 404
    unlisted = CourseOfferingFactory(course=world.a.course, visibility=OfferingVisibility.UNLISTED)
    assert client.post(enroll_url(unlisted)).status_code == 404
    assert not CourseEnrollment.objects.filter(user=world.b.student, course_offering__in=[private, unlisted]).exists()
    response = client.post(enroll_url(unlisted), {"link": unlisted_link_token(unlisted)})
    assert response.status_code == 302
    assert CourseEnrollment.objects.filter(user=world.b.student, course_offering=unlisted).exists()


def test_invite_only_wrong_code_is_a_404_and_its_own_code_enrolls(world, client):
    # A code that is not one of this offering's answers as a missing offering (test_enroll_invite_oracle).
    offering = CourseOfferingFactory(course=world.a.course, visibility=OfferingVisibility.INVITE_ONLY)
    client.force_login(UserFactory())
    response = client.post(enroll_url(offering), {"invitation_code": "WRONG"})
    assert response.status_code == 404
    assert not CourseEnrollment.objects.filter(course_offering=offering).exists()
    invitations.create_invitation(actor=world.a.university_admin, offering=offering)
    code = CourseInvitation.objects.get(course_offering=offering).code
    response = client.post(enroll_url(offering), {"invitation_code": code})
    assert CourseEnrollment.objects.filter(course_offering=offering).count() == 1


def test_drop_view(world, client):
    client.force_login(world.b.student)
    assert client.post(reverse("learning:drop", args=[world.a.offering.pk])).status_code == 404
    client.force_login(world.a.student)
    response = client.post(reverse("learning:drop", args=[world.a.offering.pk]), follow=True)
    assert any("You left" in m for m in messages_of(response))
    assert CourseEnrollment.objects.get(user=world.a.student, course_offering=world.a.offering).status == "dropped"
    response = client.post(reverse("learning:drop", args=[world.a.offering.pk]), follow=True)
    assert services.NOT_DROPPABLE in messages_of(response)


def test_an_active_student_leaves_after_a_confirmation_and_the_first_waiting_student_gets_the_seat(
    world, client, django_capture_on_commit_callbacks
):
    from django.core import mail

    from catalog.models import CourseOffering

    offering = world.a.offering
    CourseOffering.objects.filter(pk=offering.pk).update(capacity=1, waitlist_count=1)
    waiting = CourseEnrollment.objects.create(
        user=UserFactory(), course_offering=offering, status=EnrollmentStatus.WAITLISTED, waitlist_position=1
    )
    url = reverse("learning:drop", args=[offering.pk])
    client.force_login(world.a.student)
    course_page = client.get("/courses/ALPHA/MATH101/").content.decode()
    assert f'href="{url}"' in course_page and "Leave this course" in course_page
    # GET only asks; nothing changes until the student confirms.
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Leave this course?" in html and "You will lose your seat" in html and 'method="post"' in html
    assert CourseEnrollment.objects.get(user=world.a.student, course_offering=offering).status == "active"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, follow=True)
    assert response.redirect_chain[-1][0] == "/courses/ALPHA/MATH101/"
    assert any("You left" in m for m in messages_of(response))
    assert CourseEnrollment.objects.get(user=world.a.student, course_offering=offering).status == "dropped"
    waiting.refresh_from_db()
    assert (waiting.status, waiting.waitlist_position) == (EnrollmentStatus.ACTIVE, None)
    assert [m.to for m in mail.outbox] == [[waiting.user.email]]
    # Nothing left to leave: the confirmation page is not offered again.
    response = client.get(url, follow=True)
    assert services.NOT_DROPPABLE in messages_of(response)
    # Someone else's enrollment, or none at all: 404.
    client.force_login(world.b.student)
    assert client.get(url).status_code == 404


def test_invitations_page_roles_and_bad_input(world, client):
    url = reverse("learning:invitations", args=[world.a.offering.pk])
    assert client.get(url).status_code == 302  # anonymous
    for user in (world.a.student, world.a.ta, world.b.instructor, world.b.university_admin):
        client.force_login(user)
        assert client.get(url).status_code == 404
    client.force_login(world.a.instructor)
    assert client.get(url).status_code == 200
    response = client.post(url, {"email": "nope", "max_uses": "0"})
    assert response.status_code == 200 and response.context["form"].errors
    past = (timezone.now() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(url, {"expires_at": past})
    assert invitations.INVITATION_EXPIRY_PAST in response.context["form"].errors["expires_at"]
    assert not CourseInvitation.objects.exists()
    response = client.post(url, {"email": "guest@example.edu", "max_uses": "3"}, follow=True)
    invitation = CourseInvitation.objects.get()
    assert invitation.code in response.content.decode()


def test_redeem_view(world, client):
    offering = CourseOfferingFactory(course=world.a.course, visibility=OfferingVisibility.INVITE_ONLY)
    invitation = invitations.create_invitation(actor=world.a.university_admin, offering=offering)
    client.force_login(UserFactory())
    response = client.post(reverse("learning:invitation-redeem"), {"code": "NOPE"})
    assert rules.INVITATION_INVALID in response.context["form"].errors["code"]
    response = client.post(reverse("learning:invitation-redeem"), {"code": invitation.code})
    assert response.status_code == 302
    assert CourseEnrollment.objects.filter(course_offering=offering, status=EnrollmentStatus.ACTIVE).exists()


def test_signup_goes_to_onboarding_which_saves_profile_and_preferences(client):
    response = client.post(
        reverse("accounts:signup"),
        {"email": "new@example.edu", "full_name": "New Student", "password1": "a-Long-pass-2026!",
         "password2": "a-Long-pass-2026!"},
    )
    assert response.status_code == 302, response.context["form"].errors if response.context else None
    assert response["Location"] == reverse("learning:onboarding")
    subject = SubjectFactory()
    page = client.get(response["Location"])
    assert page.status_code == 200
    bad = client.post(response["Location"], {"date_of_birth": "2999-01-01", "learning_goal": "wizardry"})
    assert set(bad.context["form"].errors) == {"learning_goal"}
    bad = client.post(response["Location"], {"date_of_birth": "2999-01-01"})
    assert onboarding.ONBOARDING_BIRTH_DATE_FUTURE in bad.context["form"].errors["date_of_birth"]
    assert not UserProfile.objects.exists()
    ok = client.post(response["Location"], {"learning_goal": "career_advancement", "study_level": "graduate",
                                            "grade": "", "date_of_birth": "2000-02-29", "subjects": [subject.pk]})
    assert ok.status_code == 302
    profile = UserProfile.objects.get(user__email="new@example.edu")
    assert (profile.learning_goal, profile.study_level, profile.grade) == ("career_advancement", "graduate", None)
    assert list(UserSubjectPreference.objects.values_list("subject_id", flat=True)) == [subject.pk]


def test_onboarding_needs_sign_in(client):
    assert client.get(reverse("learning:onboarding")).status_code == 302


def test_an_expired_code_for_a_course_only_the_code_opens_lands_on_the_invitation_page_with_the_message(
    world, client
):
    """The course has no other offering this student may see, so its page is a 404 without a valid code.
    (A code that is not this offering's is a 404 like a missing offering: test_enroll_invite_oracle.)"""
    from catalog.tests.factories import CourseFactory

    course = CourseFactory(university=world.a.university, department=world.a.department, code="SECRET1")
    offering = CourseOfferingFactory(course=course, visibility=OfferingVisibility.INVITE_ONLY)
    CourseInvitation.objects.create(
        course_offering=offering, code="OLD-CODE", created_by=world.a.instructor,
        expires_at=timezone.now() - timedelta(days=1),
    )
    client.force_login(world.b.student)
    response = client.post(enroll_url(offering), {"invitation_code": "OLD-CODE"}, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("learning:invitation-redeem")
    assert any("invitation has expired" in m.lower() for m in messages_of(response))
    assert not CourseEnrollment.objects.filter(course_offering=offering).exists()
    assert client.post(enroll_url(offering), {"invitation_code": "WRONG-CODE"}).status_code == 404
