"""CSV imports and exports of the staff console, through the admin pages and the import services."""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib.auth.hashers import get_hashers, make_password
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import imports as account_imports
from accounts.models import UniversityRole, User, UserUniversityRole
from accounts.tests.factories import UserFactory
from catalog.tests.factories import CourseOfferingFactory
from conftest import WORLD_PASSWORD
from learning import admin as admin_module
from learning.enrollment import imports
from learning.models import CourseEnrollment, CourseGrade, EnrollmentStatus

pytestmark = pytest.mark.django_db

ENROLL_URL = "admin:learning_courseenrollment_import"
USERS_URL = "admin:accounts_user_import"


def _login(client, user):
    assert client.login(email=user.email, password=WORLD_PASSWORD)


def _upload(text: str | bytes, name="people.csv"):
    data = text.encode() if isinstance(text, str) else text
    return SimpleUploadedFile(name, data, content_type="text/csv")


def _post(client, url, target, data):
    payload = {"file": _upload(data)}
    if target is not None:
        payload["target"] = target.pk
    return client.post(reverse(url), payload)


def _errors(response) -> list[str]:
    return [str(e) for e in response.context["errors"]]


def test_good_enrollment_file_enrolls_creates_accounts_and_emails_links(
    client, world, django_capture_on_commit_callbacks
):
    _login(client, world.a.university_admin)
    csv = "email,full_name\nnew.one@a.example.edu,New One\nNEW.two@a.example.edu,New Two\nta@a.example.edu,\n"
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, ENROLL_URL, world.a.offering, csv)
    assert response.status_code == 200, _errors(response)
    new = User.objects.get(email="new.two@a.example.edu")
    assert not new.has_usable_password() and not new.is_staff
    assert UserUniversityRole.objects.filter(
        user=new, university=world.a.university, role=UniversityRole.STUDENT
    ).exists()
    enrolled = set(
        CourseEnrollment.objects.filter(course_offering=world.a.offering).values_list("user__email", flat=True)
    )
    assert {"new.one@a.example.edu", "new.two@a.example.edu", "ta@a.example.edu"} <= enrolled
    world.a.offering.refresh_from_db()
    assert world.a.offering.enrolled_count == 4  # the world's student + three
    assert sorted(m.to[0] for m in mail.outbox) == ["new.one@a.example.edu", "new.two@a.example.edu"]
    assert "/accounts/password/reset/" in mail.outbox[0].body
    from django.contrib.admin.models import LogEntry

    assert LogEntry.objects.filter(user=world.a.university_admin, object_repr__contains="new.one").exists()


def test_one_bad_row_writes_nothing_and_names_row_and_column(client, world):
    _login(client, world.a.university_admin)
    before = (User.objects.count(), CourseEnrollment.objects.count())
    csv = "email,full_name\nok@a.example.edu,Ok Person\nnot-an-email,Bad Person\nalso.ok@a.example.edu,Also Ok\n"
    response = _post(client, ENROLL_URL, world.a.offering, csv)
    assert response.status_code == 400
    assert _errors(response) == [f"row 3, column 'email': {account_imports.INVALID_EMAIL}"]
    assert (User.objects.count(), CourseEnrollment.objects.count()) == before
    assert not mail.outbox


def test_wrong_encoding_and_empty_file_are_clear_errors(client, world):
    _login(client, world.a.university_admin)
    latin1 = "email,full_name\nrené@a.example.edu,René Lévesque\n".encode("latin-1")
    response = _post(client, ENROLL_URL, world.a.offering, latin1)
    assert response.status_code == 400 and _errors(response) == [account_imports.WRONG_ENCODING]
    response = _post(client, ENROLL_URL, world.a.offering, "")  # a zero-byte upload: Django's own form error
    assert response.status_code == 400 and response.context["form"].errors["file"]
    for empty in ("email,full_name\n", "\n\n"):
        response = _post(client, ENROLL_URL, world.a.offering, empty)
        assert response.status_code == 400 and _errors(response) == [account_imports.EMPTY_FILE]
    response = _post(client, ENROLL_URL, world.a.offering, "name\nX\n")
    assert _errors(response) == ["row 1, column 'email': " + account_imports.MISSING_COLUMN.format(column="email")]


def test_another_tenants_offering_is_an_error(client, world):
    _login(client, world.a.university_admin)
    before = CourseEnrollment.objects.count()
    # Named in the file …
    csv = f"email,full_name,offering_id\nx@a.example.edu,X Y,{world.b.offering.pk}\n"
    response = _post(client, ENROLL_URL, None, csv)
    assert response.status_code == 400
    assert _errors(response) == [
        f"row 2, column 'offering_id': {imports.OFFERING_NOT_ALLOWED.format(value=world.b.offering.pk)}"
    ]
    # … or picked in the form (the choice is not offered: a form error).
    response = _post(client, ENROLL_URL, world.b.offering, "email,full_name\nx@a.example.edu,X Y\n")
    assert response.status_code == 400 and response.context["form"].errors["target"]
    assert CourseEnrollment.objects.count() == before
    # The service refuses the same thing when called directly.
    with pytest.raises(account_imports.CsvImportError):
        imports.import_enrollments(
            actor=world.a.department_admin, offering=world.b.offering, data=b"email\nta@a.example.edu\n", base_url="/"
        )


def test_user_import_with_roles(client, world, django_capture_on_commit_callbacks):
    _login(client, world.a.university_admin)
    csv = (
        "email,full_name,role,department\n"
        "prof@a.example.edu,Prof Essor,instructor,\n"
        "head@a.example.edu,Head Of,department_admin,math\n"
        "student@a.example.edu,,student,\n"
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, USERS_URL, world.a.university, csv)
    assert response.status_code == 200, _errors(response)
    head = User.objects.get(email="head@a.example.edu")
    assert head.is_staff  # the role service's rule: an admin role makes staff
    assert UserUniversityRole.objects.get(user=head).department == world.a.department
    assert len(mail.outbox) == 2
    # Another university, or platform_admin, is refused row by row; nothing written.
    bad = "email,full_name,role\nz@a.example.edu,Z,platform_admin\nw@a.example.edu,W,role_x\n"
    response = _post(client, USERS_URL, world.a.university, bad)
    assert [e.split(":")[0] for e in _errors(response)] == ["row 2, column 'role'", "row 3, column 'role'"]
    assert not User.objects.filter(email__in=["z@a.example.edu", "w@a.example.edu"]).exists()
    response = _post(client, USERS_URL, world.b.university, "email,full_name\nq@b.example.edu,Q\n")
    assert response.status_code == 400 and response.context["form"].errors["target"]


def test_department_admin_cannot_import_users(client, world):
    _login(client, world.a.department_admin)
    assert client.get(reverse(USERS_URL)).status_code == 403


# Queries of a 10,000-row import (37 when written): reading the CSV's users, the offering check, accounts, log entries,
# roles and enrollments in batches of 2,000, the offering lock and counts, the e-mails' one read. It
# does not grow with the rows beyond the batches (5 per bulk table here).
IMPORT_QUERY_BOUND = 45


@pytest.fixture
def hasher_calls(monkeypatch):
    """Every password hash computed during the test (each configured hasher's ``encode`` counted)."""
    calls = []
    for hasher in get_hashers():
        original = type(hasher).encode

        def counting(self, password, *args, _original=original, **kwargs):
            calls.append(self.algorithm)
            return _original(self, password, *args, **kwargs)

        monkeypatch.setattr(type(hasher), "encode", counting)
    return calls


@pytest.mark.slow
def test_ten_thousand_rows_import_in_bounded_queries_without_hashing_a_password(
    world, django_capture_on_commit_callbacks, hasher_calls
):
    """The structure that keeps a large import fast: bulk writes (a bounded number of queries for 10,000
    rows) and no password hashed per new account (each gets an unusable password and an e-mailed link).
    How long it takes is measured by ``bench/imports.py``, never asserted here."""
    lines = ["email,full_name"] + [f"learner{i:05d}@a.example.edu,Learner {i}" for i in range(10_000)]
    data = ("\n".join(lines) + "\n").encode()
    with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks(execute=True):
        result = imports.import_enrollments(
            actor=world.a.university_admin, offering=world.a.offering, data=data, base_url="https://lms.example.edu"
        )
    print(f"\n10,000-row enrollment import: {len(queries)} queries")
    assert result.created_users == 10_000 and result.enrolled == 10_000
    assert CourseEnrollment.objects.filter(course_offering=world.a.offering).count() == 10_001
    assert len(mail.outbox) == 10_000
    assert len(queries) <= IMPORT_QUERY_BOUND
    assert hasher_calls == []
    assert not User.objects.get(email="learner00042@a.example.edu").has_usable_password()
    # The counter is live: one real hash is one call.
    make_password("a password")
    assert len(hasher_calls) == 1


def test_exports_stream_only_the_admins_rows(client, world):
    CourseGrade.objects.create(user=world.a.student, course_offering=world.a.offering, final_score=90, letter_grade="A")
    CourseGrade.objects.create(user=world.b.student, course_offering=world.b.offering, final_score=50, letter_grade="D")
    _login(client, world.a.university_admin)
    response = client.get(reverse("admin:learning_courseenrollment_export"))
    body = b"".join(response.streaming_content).decode()
    assert "student@a.example.edu" in body and "student@b.example.edu" not in body
    assert body.splitlines()[0] == (
        "university,course,offering_id,term,email,full_name,status,waitlist_position,enrolled_at,completed_at"
    )
    grades = b"".join(client.get(reverse("admin:learning_coursegrade_export")).streaming_content).decode()
    assert "student@a.example.edu" in grades and "90.00" in grades and "student@b.example.edu" not in grades
    assert (
        grades.splitlines()[0]
        == "university,course,offering_id,term,email,full_name,final_score,letter_grade,passed,graded_at"
    )
    assert grades.splitlines()[1].startswith(f"ALPHA,MATH101,{world.a.offering.pk},")


def test_enrollment_status_actions_use_the_enrollment_services(client, world):
    enrollment = CourseEnrollment.objects.get(user=world.a.student)
    _login(client, world.a.university_admin)
    response = client.post(
        reverse("admin:learning_courseenrollment_changelist"),
        {"action": "drop_enrollments", "_selected_action": [enrollment.pk]},
        follow=True,
    )
    enrollment.refresh_from_db()
    texts = [str(m) for m in response.context["messages"]]
    assert enrollment.status == EnrollmentStatus.DROPPED, texts
    assert "Dropped 1 enrollment(s)." in texts
    world.a.offering.refresh_from_db()
    assert world.a.offering.enrolled_count == 0  # the service kept the count


def _download(response) -> str:
    return b"".join(response.streaming_content).decode()


@pytest.mark.parametrize("url", ["admin:learning_courseenrollment_export", "admin:learning_coursegrade_export"])
@pytest.mark.parametrize("value", ["abc", "1.5", "²", "-1", "99999999999999999999999"])
def test_export_with_a_malformed_offering_is_a_message_not_a_500(client, world, url, value):
    _login(client, world.a.university_admin)
    response = client.get(reverse(url), {"offering": value})
    assert response.status_code == 302 and not hasattr(response, "streaming_content")
    page = client.get(response["Location"])
    assert page.status_code == 200
    texts = [str(m) for m in page.context["messages"]]
    assert texts == [admin_module.OFFERING_PARAM_INVALID.format(value=value)]


def test_export_of_one_offering_streams_only_its_rows(client, world):
    other = CourseOfferingFactory(course=world.a.course)
    CourseEnrollment.objects.create(user=world.a.ta, course_offering=other)
    _login(client, world.a.university_admin)
    body = _download(client.get(reverse("admin:learning_courseenrollment_export"), {"offering": other.pk}))
    assert "ta@a.example.edu" in body and "student@a.example.edu" not in body
    # Another university's offering id gives an empty file, not its rows.
    body = _download(client.get(reverse("admin:learning_courseenrollment_export"), {"offering": world.b.offering.pk}))
    assert body.splitlines()[1:] == []


@pytest.mark.parametrize("value", ["abc", "²"])
def test_change_list_offering_filter_with_a_malformed_id_is_not_a_500(client, world, value):
    _login(client, world.a.university_admin)
    for name in ("learning_courseenrollment", "learning_coursegrade"):
        response = client.get(reverse(f"admin:{name}_changelist"), {"course_offering__id__exact": value})
        # Django's answer to bad lookups: back to the unfiltered list with ?e=1.
        assert response.status_code == 302 and response["Location"].endswith("?e=1")


def test_offering_id_with_unicode_digits_is_a_row_error(client, world):
    _login(client, world.a.university_admin)
    before = CourseEnrollment.objects.count()
    csv = "email,full_name,offering_id\nx@a.example.edu,X Y,\u00b2\nz@a.example.edu,Z Y,\u0661\n"
    response = _post(client, ENROLL_URL, None, csv)
    assert response.status_code == 400
    assert _errors(response) == [
        f"row 2, column 'offering_id': {imports.OFFERING_INVALID.format(value='²')}",
        f"row 3, column 'offering_id': {imports.OFFERING_INVALID.format(value='١')}",
    ]
    assert CourseEnrollment.objects.count() == before


def test_exported_cells_cannot_run_as_spreadsheet_formulas(client, world):
    evil = UserFactory(email="evil@a.example.edu", full_name="=HYPERLINK(\"http://x.example\",\"Click\")")
    tab = UserFactory(email="tab@a.example.edu", full_name="\tcmd")
    plain = UserFactory(email="plain@a.example.edu", full_name="Ann-Marie O'Neil")
    for user, prefix in ((evil, "="), (tab, "\t")):
        CourseEnrollment.objects.create(user=user, course_offering=world.a.offering)
        assert user.full_name.startswith(prefix)
    CourseEnrollment.objects.create(user=plain, course_offering=world.a.offering)
    CourseGrade.objects.create(user=evil, course_offering=world.a.offering, final_score=5, letter_grade="@SUM(A1)")
    _login(client, world.a.university_admin)
    rows = {
        r["email"]: r for r in csv.DictReader(io.StringIO(_download(
            client.get(reverse("admin:learning_courseenrollment_export"))
        )))
    }
    assert rows["evil@a.example.edu"]["full_name"] == "'=HYPERLINK(\"http://x.example\",\"Click\")"
    assert rows["tab@a.example.edu"]["full_name"] == "'\tcmd"
    assert rows["plain@a.example.edu"]["full_name"] == "Ann-Marie O'Neil"
    grades = list(csv.DictReader(io.StringIO(_download(client.get(reverse("admin:learning_coursegrade_export"))))))
    assert grades[0]["letter_grade"] == "'@SUM(A1)"
    assert grades[0]["final_score"] == "5.00"  # a number is left alone
    for prefix in ("+", "-", "@", "\r"):
        assert imports.neutralise_formula(prefix + "1") == "'" + prefix + "1"
