"""The module admin's delete page goes through ``services.delete_module``, which refuses the course root:
the refusal is a message on the page, never a 500, and the root stays."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from syllabus.models import Module
from syllabus.services import MODULE_ROOT_IMMUTABLE

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", ["platform_admin", "university_admin"])
def test_deleting_the_course_root_in_the_admin_is_a_message(client, world, role):
    client.force_login(getattr(world, role, None) or getattr(world.a, role))
    root = world.a.root_module
    url = reverse("admin:syllabus_module_delete", args=[root.pk])
    response = client.post(url, {"post": "yes"})
    assert response.status_code == 302
    assert response.url == reverse("admin:syllabus_module_change", args=[root.pk])
    assert MODULE_ROOT_IMMUTABLE in [m.message for m in get_messages(response.wsgi_request)]
    assert Module.objects.filter(pk=root.pk).exists()
