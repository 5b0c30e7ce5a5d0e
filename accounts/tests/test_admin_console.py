"""The staff console beyond isolation: change-list query counts, the dashboard, roles in the admin, accounts,
system settings, the admin log, the module tree, and the prompt admin's platform-only rule."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import UniversityRole, User, UserUniversityRole
from accounts.tests.factories import UserFactory
from catalog.tests.factories import CourseFactory
from conftest import WORLD_PASSWORD
from learning.models import CourseEnrollment, EnrollmentStatus
from learning.tests.factories import CourseEnrollmentFactory
from lms.models import SystemSetting
from syllabus.models import Module
from syllabus.tests.factories import ModuleFactory
from syllabus.tests.test_factories import FACTORIES

pytestmark = pytest.mark.django_db

SCHEMA_APPS = ("accounts", "catalog", "syllabus", "learning", "tutoring", "lms")
MODELS = sorted(
    (m for m in admin.site._registry if m._meta.app_label in SCHEMA_APPS), key=lambda m: m._meta.label
)


def _login(client, user):
    assert client.login(email=user.email, password=WORLD_PASSWORD)


def _changelist(model):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def _factory_for(model):
    candidates = [f for f in FACTORIES if f._meta.model is model]
    return next((f for f in candidates if not f._meta.django_get_or_create), candidates[0])


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label)
def test_change_list_queries_do_not_grow_with_rows(admin_client, django_assert_max_num_queries, model):
    factory = _factory_for(model)
    factory.create_batch(5)
    url = _changelist(model)
    five = _queries(admin_client, url)
    factory.create_batch(45)
    with django_assert_max_num_queries(five):
        response = admin_client.get(url)
    assert response.context["cl"].result_count >= 50
    print(f"{model._meta.label}: {five} queries with 5 rows, ≤ {five} with 50")


def _log_entries(n: int) -> None:
    """``n`` admin-log rows, each by a different user about a different object and content type."""
    from django.contrib.admin.models import ADDITION, CHANGE
    from django.contrib.contenttypes.models import ContentType

    types = list(ContentType.objects.order_by("pk")[:n])
    for i in range(n):
        actor = UserFactory()
        LogEntry.objects.create(
            user=actor, content_type=types[i % len(types)], object_id=str(actor.pk), object_repr=str(actor),
            action_flag=CHANGE if i % 2 else ADDITION, change_message='[{"changed": {"fields": ["Full name"]}}]',
        )


def _groups(n: int) -> None:
    from django.contrib.auth.models import Group, Permission

    permissions = list(Permission.objects.order_by("pk")[:3])
    start = Group.objects.count()
    for i in range(n):
        Group.objects.create(name=f"Group {start + i}").permissions.set(permissions)


@pytest.mark.parametrize(("label", "add"), [("admin.logentry", _log_entries), ("auth.group", _groups)])
def test_platform_change_lists_keep_a_fixed_query_count(client, world, django_assert_max_num_queries, label, add):
    app, name = label.split(".")
    url = reverse(f"admin:{app}_{name}_changelist")
    add(5)
    _login(client, world.platform_admin)
    five = _queries(client, url)
    add(45)
    with django_assert_max_num_queries(five):
        response = client.get(url)
    assert response.status_code == 200 and response.context["cl"].result_count >= 50
    assert len(response.context["cl"].result_list) == 50  # a full page: every row was rendered


@pytest.mark.parametrize("label", ["catalog.course", "learning.courseenrollment", "syllabus.module", "accounts.user"])
def test_scoped_change_lists_keep_a_fixed_query_count(client, world, django_assert_max_num_queries, label):
    a = world.a

    def add(n):
        for _ in range(n):
            if label == "catalog.course":
                CourseFactory(university=a.university, department=a.department)
            elif label == "syllabus.module":
                ModuleFactory(course=a.course)
            else:
                user = UserFactory()
                UserUniversityRole.objects.create(user=user, university=a.university, role=UniversityRole.STUDENT)
                CourseEnrollmentFactory(user=user, course_offering=a.offering)

    app, name = label.split(".")
    url = reverse(f"admin:{app}_{name}_changelist")
    add(5)
    _login(client, a.university_admin)
    five = _queries(client, url)
    add(45)
    with django_assert_max_num_queries(five):
        assert client.get(url).status_code == 200


def test_dashboard_counts_per_tenant_in_a_fixed_number_of_queries(client, world, django_assert_max_num_queries):
    from learning.admin import staff_dashboard

    extra = UserFactory()
    UserUniversityRole.objects.create(user=extra, university=world.a.university, role=UniversityRole.STUDENT)
    CourseEnrollmentFactory(user=extra, course_offering=world.a.offering, status=EnrollmentStatus.ACTIVE)
    CourseEnrollmentFactory(course_offering=world.a.offering, status=EnrollmentStatus.DROPPED)
    CourseFactory(university=world.a.university, is_published=False)
    platform = User.objects.get(pk=world.platform_admin.pk)
    with django_assert_max_num_queries(5):
        rows = staff_dashboard(platform)
    by_name = {row["name"]: row for row in rows}
    a = by_name[world.a.university.name]
    assert (a["students"], a["active_enrollments"], a["published_courses"]) == (2, 2, 1)
    b = by_name[world.b.university.name]
    assert (b["students"], b["active_enrollments"], b["published_courses"]) == (1, 1, 1)

    _login(client, world.a.university_admin)
    html = client.get(reverse("admin:index")).content.decode()
    assert 'id="staff-dashboard"' in html and world.b.university.name not in html
    link = next(r for r in staff_dashboard(world.a.university_admin))["enrollments_url"]
    listing = client.get(link)
    assert listing.status_code == 200 and listing.context["cl"].result_count == 2

    _login(client, world.a.department_admin)
    rows = staff_dashboard(User.objects.get(pk=world.a.department_admin.pk))
    assert len(rows) == 1 and rows[0]["active_enrollments"] == 2
    assert client.get(rows[0]["enrollments_url"]).context["cl"].result_count == 2


FIGURES = (("students", "students_url"), ("active_enrollments", "enrollments_url"),
           ("published_courses", "courses_url"))


def _assert_links_show_what_they_count(client, rows):
    assert rows
    for row in rows:
        for figure, url in FIGURES:
            listing = client.get(row[url])
            assert listing.status_code == 200, (row["name"], url, row[url])
            assert listing.context["cl"].result_count == row[figure], (row["name"], figure, row[url])


def test_every_dashboard_figure_links_to_exactly_the_rows_it_counts(client, world):
    from catalog.tests.factories import CourseOfferingFactory
    from learning.admin import staff_dashboard

    a = world.a
    # A student at B who teaches at A: neither A's student count nor its student list may include them.
    UserUniversityRole.objects.create(user=world.b.student, university=a.university, role=UniversityRole.INSTRUCTOR)
    # A student of A with two enrollments in A's department (one dropped) and one more plain student.
    second = CourseOfferingFactory(course=a.course)
    CourseEnrollmentFactory(user=a.student, course_offering=second, status=EnrollmentStatus.DROPPED)
    extra = UserFactory()
    UserUniversityRole.objects.create(user=extra, university=a.university, role=UniversityRole.STUDENT)
    CourseEnrollmentFactory(user=extra, course_offering=second, status=EnrollmentStatus.ACTIVE)
    CourseEnrollmentFactory(user=extra, course_offering=a.offering, status=EnrollmentStatus.PENDING)

    for actor in (world.platform_admin, a.university_admin):
        _login(client, actor)
        rows = staff_dashboard(User.objects.get(pk=actor.pk))
        row = next(r for r in rows if r["name"] == a.university.name)
        assert (row["students"], row["active_enrollments"]) == (2, 2)
        _assert_links_show_what_they_count(client, rows)
        html = client.get(reverse("admin:index")).content.decode()
        assert row["students_url"].replace("&", "&amp;") in html

    _login(client, a.department_admin)
    rows = staff_dashboard(User.objects.get(pk=a.department_admin.pk))
    # The department row counts the people enrolled in its courses (two: the world's student and ``extra``).
    assert [(r["students"], r["active_enrollments"], r["published_courses"]) for r in rows] == [(2, 2, 1)]
    assert "department" in rows[0]["students_url"]  # filtered to the department, not the bare user list
    _assert_links_show_what_they_count(client, rows)


def test_roles_granted_and_revoked_in_the_admin_keep_is_staff_and_are_logged(client, world):
    person = UserFactory()
    UserUniversityRole.objects.create(user=person, university=world.a.university, role=UniversityRole.STUDENT)
    _login(client, world.a.university_admin)
    response = client.post(
        reverse("admin:accounts_useruniversityrole_add"),
        {"user": person.pk, "university": world.a.university.pk, "role": UniversityRole.UNIVERSITY_ADMIN},
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.is_staff
    role = UserUniversityRole.objects.get(user=person, role=UniversityRole.UNIVERSITY_ADMIN)
    client.post(
        reverse("admin:accounts_useruniversityrole_changelist"),
        {"action": "revoke_roles", "_selected_action": [role.pk]},
    )
    person.refresh_from_db()
    assert not person.is_staff and not UserUniversityRole.objects.filter(pk=role.pk).exists()
    assert LogEntry.objects.filter(user=world.a.university_admin, object_id=str(role.pk)).count() == 2
    # platform_admin is not offered / accepted
    client.post(
        reverse("admin:accounts_useruniversityrole_add"),
        {"user": person.pk, "university": world.a.university.pk, "role": UniversityRole.PLATFORM_ADMIN},
        follow=True,
    )
    assert not UserUniversityRole.objects.filter(user=person, role=UniversityRole.PLATFORM_ADMIN).exists()


def test_university_admin_cannot_deactivate_or_change_email_or_password(client, world):
    target = world.a.student
    _login(client, world.a.university_admin)
    url = reverse("admin:accounts_user_change", args=[target.pk])
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    assert "email" not in form.fields and "is_active" not in form.fields and "password" not in form.fields
    client.post(url, {"email": "evil@x.org", "is_active": "", "university_roles-TOTAL_FORMS": 0,
                      "university_roles-INITIAL_FORMS": 0})
    target.refresh_from_db()
    assert target.is_active and target.email == "student@a.example.edu"
    password_url = reverse("admin:auth_user_password_change", args=[target.pk])
    assert client.get(password_url).status_code == 403
    client.post(
        reverse("admin:accounts_user_changelist"), {"action": "deactivate_accounts", "_selected_action": [target.pk]}
    )
    target.refresh_from_db()
    assert target.is_active
    # A platform admin can.
    _login(client, world.platform_admin)
    client.post(
        reverse("admin:accounts_user_changelist"), {"action": "deactivate_accounts", "_selected_action": [target.pk]}
    )
    target.refresh_from_db()
    assert not target.is_active
    assert LogEntry.objects.filter(user=world.platform_admin, object_id=str(target.pk)).exists()


def test_course_and_module_actions_go_through_services_and_are_logged(client, world):
    course = world.a.course
    version = course.structure_version
    lesson = ModuleFactory(course=course, is_published=False)
    _login(client, world.a.department_admin)
    client.post(
        reverse("admin:catalog_course_changelist"), {"action": "unpublish_courses", "_selected_action": [course.pk]}
    )
    course.refresh_from_db()
    assert not course.is_published
    client.post(
        reverse("admin:syllabus_module_changelist"), {"action": "publish_modules", "_selected_action": [lesson.pk]}
    )
    lesson.refresh_from_db()
    course.refresh_from_db()
    assert lesson.is_published and course.structure_version > version  # the syllabus service bumped it
    assert LogEntry.objects.filter(user=world.a.department_admin).count() == 2


def test_module_list_is_the_indented_tree_filterable_by_course(client, world):
    course = world.a.course
    first = ModuleFactory(course=course, title="First")
    second = ModuleFactory(course=course, title="Second")
    child = ModuleFactory(parent_module=first, title="Child of first")
    ModuleFactory(course=world.b.course, title="Elsewhere")
    _login(client, world.a.university_admin)
    response = client.get(reverse("admin:syllabus_module_changelist"), {"course__id__exact": course.pk})
    titles = [m.title for m in response.context["cl"].result_list]
    assert titles == [world.a.root_module.title, "First", "Child of first", "Second"]
    html = response.content.decode()
    assert 'padding-left:3.0em">Child of first' in html
    assert child.depth == 2 and second.depth == 1


def test_encrypted_setting_is_write_only(client, world, settings):
    from cryptography.fernet import Fernet

    settings.SETTINGS_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    _login(client, world.platform_admin)
    add = reverse("admin:lms_systemsetting_add")
    response = client.post(add, {"setting_key": "llm_api_key", "is_encrypted": "on", "value": "sk-secret-123"})
    assert response.status_code == 302
    setting = SystemSetting.objects.get(setting_key="llm_api_key")
    assert setting.setting_value and "sk-secret-123" not in setting.setting_value
    change = reverse("admin:lms_systemsetting_change", args=[setting.pk])
    html = client.get(change).content.decode()
    assert "sk-secret-123" not in html and setting.setting_value not in html and ">set<" in html
    listing = client.get(reverse("admin:lms_systemsetting_changelist")).content.decode()
    assert "sk-secret-123" not in listing and setting.setting_value not in listing
    # Saving without a value keeps the secret; the log names fields, never values.
    client.post(change, {"setting_key": "llm_api_key", "is_encrypted": "on", "value": "", "description": "LLM"})
    kept = SystemSetting.objects.get(pk=setting.pk)
    assert kept.setting_value == setting.setting_value and kept.description == "LLM"
    from lms.selectors import get_setting_value

    assert get_setting_value(key="llm_api_key") == "sk-secret-123"
    for entry in LogEntry.objects.filter(object_id=str(setting.pk)):
        assert "sk-secret" not in entry.change_message and setting.setting_value not in entry.change_message
    log = client.get(reverse("admin:admin_logentry_changelist"))
    assert log.status_code == 200 and log.context["cl"].result_count >= 2


def test_prompt_admin_is_hidden_from_tenant_admins(client, world):
    """Prompts are platform-only (issue #4): a university admin sees none of the prompt models."""
    from prompts.models import Prompt, PromptApiKey, ProtectedLabel

    _login(client, world.a.university_admin)
    visible = []
    for model in (Prompt, PromptApiKey, ProtectedLabel):
        url = _changelist(model)
        if client.get(url).status_code == 200:
            visible.append(model._meta.label)
    assert visible == [], f"visible to a university admin: {visible}"


def test_enrollment_counts_helper(world):
    assert CourseEnrollment.objects.filter(course_offering=world.a.offering).count() == 1
    assert Module.objects.filter(course=world.a.course).count() == 1
