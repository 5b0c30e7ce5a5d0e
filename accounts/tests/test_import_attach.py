"""The console's CSV import and the role form follow one rule: staff other than platform admins never attach
an existing account that is not a member of a university they administer (issue 16, item 1: NIT's admin
could give a THR student a NIT role by import and then read their profile). docs/staff-console.md."""

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts import imports, services
from accounts.models import UniversityRole, User, UserUniversityRole
from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db
URL = "admin:accounts_user_import"


def post(client, university, text: str):
    upload = SimpleUploadedFile("people.csv", text.encode(), content_type="text/csv")
    return client.post(reverse(URL), {"target": university.pk, "file": upload})


def errors(response) -> list[str]:
    return [str(error) for error in response.context["errors"]]


def roles_at(user, university) -> list[str]:
    return list(UserUniversityRole.objects.filter(user=user, university=university).values_list("role", flat=True))


def test_a_university_admin_cannot_attach_another_universitys_student_by_import(client, world):
    """The reviewer's request: target A, the CSV naming B's student. It answered 200 and gave the role."""
    client.force_login(world.a.university_admin)
    response = post(client, world.a.university, f"email,full_name,role\n{world.b.student.email},,student\n")
    assert response.status_code == 400
    assert errors(response) == [f"row 2, column 'email': {imports.ACCOUNT_NOT_ATTACHABLE}"]
    assert roles_at(world.b.student, world.a.university) == []


def test_the_refusal_is_all_or_nothing(client, world):
    client.force_login(world.a.university_admin)
    text = f"email,full_name,role\nnew.person@a.example.edu,New Person,student\n{world.b.student.email},B,student\n"
    response = post(client, world.a.university, text)
    assert response.status_code == 400 and len(errors(response)) == 1
    assert not User.objects.filter(email="new.person@a.example.edu").exists()


def test_the_message_does_not_tell_roles_elsewhere_from_no_roles(client, world):
    """An account with no role anywhere and one with roles at B get the same words: nothing says where the
    person belongs."""
    loner = UserFactory(email="loner@example.org")
    client.force_login(world.a.university_admin)
    text = f"email,full_name,role\n{loner.email},L,student\n{world.b.instructor.email},I,student\n"
    response = post(client, world.a.university, text)
    messages = [e.split(": ", 1)[1] for e in errors(response)]
    assert messages == [imports.ACCOUNT_NOT_ATTACHABLE, imports.ACCOUNT_NOT_ATTACHABLE]
    assert "B" not in imports.ACCOUNT_NOT_ATTACHABLE and world.b.university.name not in response.content.decode()


def test_members_of_the_admins_university_and_new_people_still_import(client, world):
    client.force_login(world.a.university_admin)
    text = f"email,full_name,role\n{world.a.student.email},,ta\nfresh@a.example.edu,Fresh Person,student\n"
    response = post(client, world.a.university, text)
    assert response.status_code == 200, errors(response)
    assert sorted(roles_at(world.a.student, world.a.university)) == [UniversityRole.STUDENT, UniversityRole.TA]
    assert roles_at(User.objects.get(email="fresh@a.example.edu"), world.a.university) == [UniversityRole.STUDENT]


def test_a_platform_admin_may_attach_anyone(client, world):
    client.force_login(world.platform_admin)
    response = post(client, world.a.university, f"email,full_name,role\n{world.b.student.email},,student\n")
    assert response.status_code == 200, errors(response)
    assert roles_at(world.b.student, world.a.university) == [UniversityRole.STUDENT]


def test_the_role_service_applies_the_same_rule(world):
    with pytest.raises(PermissionDenied, match=services.ACCOUNT_NOT_ATTACHABLE):
        services.grant_role(
            actor=world.a.university_admin, user=world.b.student, university=world.a.university, role="student"
        )
    assert roles_at(world.b.student, world.a.university) == []
    services.grant_role(actor=world.a.university_admin, user=world.a.student, university=world.a.university, role="ta")
    services.grant_role(actor=world.platform_admin, user=world.b.student, university=world.a.university, role="student")


def test_the_role_form_refuses_another_universitys_account(client, world):
    client.force_login(world.a.university_admin)
    response = client.post(
        reverse("admin:accounts_useruniversityrole_add"),
        {"user": world.b.student.pk, "university": world.a.university.pk, "role": "student"},
    )
    assert response.status_code == 200 and response.context["adminform"].form.errors
    assert roles_at(world.b.student, world.a.university) == []


def test_the_enrollment_import_applies_the_same_rule(client, world):
    """Enrolling B's student into A's offering by CSV would attach them too (a student role at A)."""
    client.force_login(world.a.university_admin)
    upload = SimpleUploadedFile("people.csv", f"email,full_name\n{world.b.student.email},\n".encode(), content_type="text/csv")
    response = client.post(
        reverse("admin:learning_courseenrollment_import"), {"target": world.a.offering.pk, "file": upload}
    )
    assert response.status_code == 400
    assert errors(response) == [f"row 2, column 'email': {imports.ACCOUNT_NOT_ATTACHABLE}"]
    assert roles_at(world.b.student, world.a.university) == []
    assert not world.b.student.enrollments.filter(course_offering=world.a.offering).exists()
