"""The catalog's admin writes through catalog services: deletes that would fail in the database (or
cascade into students' records) are refused with a message, never a 500, and write nothing."""

from __future__ import annotations

import pytest
from django.contrib.admin.models import DELETION, LogEntry
from django.contrib.messages import get_messages
from django.forms import MultiWidget
from django.urls import reverse

from catalog import services
from catalog.models import CourseOffering, CourseSubject, Department, Subject, University
from catalog.tests.factories import CourseOfferingFactory, DepartmentFactory, SubjectFactory
from conftest import WORLD_PASSWORD

pytestmark = pytest.mark.django_db


def _login(client, user):
    assert client.login(email=user.email, password=WORLD_PASSWORD)


def _url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _form_fields(form, data: dict) -> None:
    """What the browser would post back for ``form`` unchanged (its initial values, widgets decompressed)."""
    for name, field in form.fields.items():
        key = form.add_prefix(name)
        value = form[name].value()
        widget = getattr(field.widget, "widget", field.widget)  # RelatedFieldWidgetWrapper
        if isinstance(widget, MultiWidget):
            for n, (sub, part) in enumerate(zip(widget.widgets, widget.decompress(value), strict=True)):
                data[f"{key}_{n}"] = sub.format_value(part) or ""
        elif isinstance(value, bool):
            if value:
                data[key] = "on"
        elif value is not None:
            data[key] = value


def change_form_data(response) -> dict:
    """The POST data of an admin change page as it was rendered, inlines included."""
    data: dict = {}
    _form_fields(response.context["adminform"].form, data)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
        for form in formset.forms:
            _form_fields(form, data)
    return data


def _inline_index(data: dict, prefix: str, pk: int) -> int:
    return next(int(k.split("-")[1]) for k, v in data.items() if k.startswith(f"{prefix}-") and k.endswith("-id")
                and str(v) == str(pk))


# --- departments ---------------------------------------------------------------------------------


def test_deleting_a_department_with_an_admin_role_is_refused_with_a_message(client, world):
    department = world.a.department  # a department admin role and a course point at it
    _login(client, world.a.university_admin)
    response = client.post(_url(Department, "delete", department.pk), {"post": "yes"})
    assert response.status_code == 302
    assert response["Location"] == _url(Department, "change", department.pk)
    assert _messages(response) == [services.DEPARTMENT_IN_USE.format(department=department, roles=1, courses=1)]
    assert Department.objects.filter(pk=department.pk).exists()
    assert not LogEntry.objects.filter(action_flag=DELETION).exists()
    spare = DepartmentFactory(university=world.a.university)
    assert client.post(_url(Department, "delete", spare.pk), {"post": "yes"}).status_code == 302
    assert not Department.objects.filter(pk=spare.pk).exists()


def test_bulk_delete_of_departments_is_all_or_nothing_and_names_every_refusal(client, world):
    spare = DepartmentFactory(university=world.a.university)
    busy = world.a.department
    _login(client, world.a.university_admin)
    response = client.post(_url(Department, "changelist"), {
        "action": "delete_selected", "post": "yes", "_selected_action": [spare.pk, busy.pk],
    })
    assert response.status_code == 302
    shown = _messages(response)
    assert services.DEPARTMENT_IN_USE.format(department=busy, roles=1, courses=1) in shown
    assert not any(m.startswith("Successfully deleted") for m in shown)
    assert Department.objects.filter(pk__in=[spare.pk, busy.pk]).count() == 2
    assert not LogEntry.objects.filter(action_flag=DELETION).exists()


def test_the_universitys_department_inline_refuses_the_delete_and_saves_nothing(client, world):
    university = world.a.university
    _login(client, world.platform_admin)
    page = client.get(_url(University, "change", university.pk))
    data = change_form_data(page)
    data["name"] = "Renamed in the same save"
    row = _inline_index(data, "departments", world.a.department.pk)
    data[f"departments-{row}-DELETE"] = "on"
    response = client.post(_url(University, "change", university.pk), data)
    assert response.status_code == 302
    assert services.DEPARTMENT_IN_USE.format(department=world.a.department, roles=1, courses=1) in _messages(response)
    university.refresh_from_db()
    assert university.name != "Renamed in the same save"
    assert Department.objects.filter(pk=world.a.department.pk).exists()


# --- offerings -----------------------------------------------------------------------------------


def test_the_courses_offering_inline_deletes_through_the_service(client, world):
    course = world.a.course
    empty = CourseOfferingFactory(course=course)
    _login(client, world.a.university_admin)
    url = _url(type(course), "change", course.pk)
    data = change_form_data(client.get(url))
    data[f"offerings-{_inline_index(data, 'offerings', world.a.offering.pk)}-DELETE"] = "on"
    response = client.post(url, data)
    assert response.status_code == 302
    message = services.OFFERING_HAS_ENROLLMENTS.format(offering=world.a.offering, count=1)
    assert message in _messages(response)
    assert CourseOffering.objects.filter(pk__in=[world.a.offering.pk, empty.pk]).count() == 2

    data = change_form_data(client.get(url))
    data[f"offerings-{_inline_index(data, 'offerings', empty.pk)}-DELETE"] = "on"
    assert client.post(url, data).status_code == 302
    assert list(CourseOffering.objects.filter(course=course).values_list("pk", flat=True)) == [world.a.offering.pk]


def test_the_offering_delete_page_refuses_an_offering_with_enrollments(client, world):
    _login(client, world.a.university_admin)
    offering = world.a.offering
    response = client.post(_url(CourseOffering, "delete", offering.pk), {"post": "yes"})
    assert response.status_code == 302
    assert _messages(response) == [services.OFFERING_HAS_ENROLLMENTS.format(offering=offering, count=1)]
    assert CourseOffering.objects.filter(pk=offering.pk).exists()


# --- subjects ------------------------------------------------------------------------------------


def test_subject_admin_renames_moves_and_deletes_through_the_services(client, world):
    root = SubjectFactory(code="SCI")
    middle = SubjectFactory(parent_subject=root, code="SCI_PHYS")
    child = SubjectFactory(parent_subject=middle, code="SCI_PHYS_OPT")
    grandchild = SubjectFactory(parent_subject=child, code="SCI_PHYS_OPT_LASER")
    other_root = SubjectFactory(parent_subject=None, domain=root.domain, code="SCI_CHEM")
    _login(client, world.platform_admin)

    url = _url(Subject, "change", child.pk)
    data = change_form_data(client.get(url))
    data.update(name="Optics and lasers", parent_subject=other_root.pk)
    assert client.post(url, data).status_code == 302
    child.refresh_from_db()
    grandchild.refresh_from_db()
    assert (child.name, child.parent_subject_id, child.depth, grandchild.depth) == (
        "Optics and lasers", other_root.pk, 1, 2)

    response = client.post(_url(Subject, "delete", other_root.pk), {"post": "yes"})
    assert response.status_code == 302
    child.refresh_from_db()
    grandchild.refresh_from_db()
    assert (child.parent_subject_id, child.depth, grandchild.depth) == (None, 0, 1)
    assert Subject.objects.filter(pk=middle.pk).exists()


def test_subject_admin_refuses_a_cycle_with_a_message(client, world):
    root = SubjectFactory()
    child = SubjectFactory(parent_subject=root)
    _login(client, world.platform_admin)
    url = _url(Subject, "change", root.pk)
    data = change_form_data(client.get(url))
    data["parent_subject"] = child.pk
    response = client.post(url, data)
    assert response.status_code == 302
    assert services.SUBJECT_CYCLE in " ".join(_messages(response))
    root.refresh_from_db()
    assert (root.parent_subject_id, root.depth) == (None, 0)


# --- course subjects -----------------------------------------------------------------------------


def test_unmarking_the_primary_subject_in_the_admin_clears_the_courses_primary_subject(client, world):
    course = world.a.course
    subject = SubjectFactory()
    services.set_primary_subject(course=course, subject=subject)
    link = CourseSubject.objects.get(course=course, subject=subject)
    _login(client, world.a.university_admin)
    url = _url(CourseSubject, "change", link.pk)
    data = change_form_data(client.get(url))
    data.pop("is_primary")
    assert client.post(url, data).status_code == 302
    course.refresh_from_db()
    link.refresh_from_db()
    assert (course.primary_subject_id, link.is_primary) == (None, False)

    course_url = _url(type(course), "change", course.pk)
    data = change_form_data(client.get(course_url))
    row = _inline_index(data, "course_subjects", link.pk)
    data[f"course_subjects-{row}-is_primary"] = "on"
    assert client.post(course_url, data).status_code == 302
    course.refresh_from_db()
    assert course.primary_subject_id == subject.pk
    data = change_form_data(client.get(course_url))
    data.pop(f"course_subjects-{row}-is_primary")
    assert client.post(course_url, data).status_code == 302
    course.refresh_from_db()
    assert course.primary_subject_id is None
    assert not CourseSubject.objects.filter(course=course, is_primary=True).exists()


def test_bulk_deleting_subjects_re_roots_what_stays(client, world):
    root = SubjectFactory()
    middle = SubjectFactory(parent_subject=root)
    child = SubjectFactory(parent_subject=middle)
    grandchild = SubjectFactory(parent_subject=child)
    _login(client, world.platform_admin)
    response = client.post(_url(Subject, "changelist"), {
        "action": "delete_selected", "post": "yes", "_selected_action": [root.pk, middle.pk],
    })
    assert response.status_code == 302
    assert not Subject.objects.filter(pk__in=[root.pk, middle.pk]).exists()
    child.refresh_from_db()
    grandchild.refresh_from_db()
    assert (child.parent_subject_id, child.depth, grandchild.parent_subject_id, grandchild.depth) == (
        None, 0, child.pk, 1)
