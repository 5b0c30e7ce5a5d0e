"""The console's tutor switches: the row takes its tenant from its course or item (never a choice), and
another university's admin cannot add one to a course of A."""

import pytest
from django.urls import reverse

from syllabus.tests.factories import ContentItemFactory
from tutoring.models import TutorCourseSetting, TutorItemSetting

pytestmark = pytest.mark.django_db


def test_a_switch_saved_in_the_console_takes_its_parents_university(client, world):
    a = world.a
    item = ContentItemFactory(module__course=a.course)
    client.force_login(a.university_admin)
    response = client.post(
        reverse("admin:tutoring_tutorcoursesetting_add"),
        {"course": a.course.pk, "tutor_enabled": "on", "practice_answers_allowed": "on"},
    )
    assert response.status_code == 302, response.content[:2000]
    assert TutorCourseSetting.objects.get(course=a.course).university_id == a.course.university_id
    response = client.post(reverse("admin:tutoring_tutoritemsetting_add"), {"content_item": item.pk})
    assert response.status_code == 302, response.content[:2000]
    setting = TutorItemSetting.objects.get(content_item=item)
    assert (setting.university_id, setting.tutor_enabled) == (item.university_id, False)


def test_another_universitys_admin_cannot_switch_a_course_of_a(client, world):
    client.force_login(world.b.university_admin)
    response = client.post(reverse("admin:tutoring_tutorcoursesetting_add"), {"course": world.a.course.pk})
    assert response.status_code == 200 and response.context["adminform"].form.errors
    assert not TutorCourseSetting.objects.exists()
