"""Content-Security-Policy and Permissions-Policy on real pages, and the pages still work under them.

Each page below is fetched as the role that uses it; the test reads the policy the browser would get and
checks the HTML against it: every script is a same-origin file or carries the response's nonce, no
element has an inline event handler (``onclick=``…) or a ``javascript:`` URL, and every iframe comes from
an origin ``frame-src`` allows (the course player's video).
"""

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from csp.middleware import CSPMiddleware
from django.http import HttpResponse
from django.template import engines
from django.test import RequestFactory
from django.urls import reverse

from learning.tests.test_player_fixtures import build_tree
from prompts.tests.factories import admin_url, create

pytestmark = pytest.mark.django_db


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {name: values for name, *values in (part.split() for part in header.split(";") if part.strip())}


class Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.scripts: list[dict] = []
        self.iframes: list[str] = []
        self.handlers: list[str] = []
        self.javascript_urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name, value in attrs.items():
            if name.startswith("on"):
                self.handlers.append(f"<{tag} {name}=…>")
            if name in ("href", "src", "action", "formaction") and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.javascript_urls.append(f"<{tag} {name}={value}>")
        if tag == "script":
            self.scripts.append(attrs)
        elif tag == "iframe":
            self.iframes.append(attrs.get("src") or "")


def check_page(response) -> dict[str, list[str]]:
    assert response.status_code == 200
    directives = policy(response)
    page = Page()
    page.feed(response.content.decode())
    nonces = [
        value.removeprefix("'nonce-").removesuffix("'")
        for value in directives["script-src"]
        if value.startswith("'nonce-")
    ]
    for script in page.scripts:
        if script.get("src"):
            # same origin ('self'): our static files, or a view such as the admin's /admin/jsi18n/
            assert script["src"].startswith("/") and not script["src"].startswith("//"), script
        elif script.get("type") not in ("application/json",):  # data islands run nothing
            assert script.get("nonce") in nonces, f"inline script without the response's nonce: {script}"
    assert page.handlers == [] and page.javascript_urls == []
    for src in page.iframes:
        origin = "{0.scheme}://{0.netloc}".format(urlsplit(src))
        assert origin in directives["frame-src"], src
    return directives


def assert_policy(directives):
    assert directives["script-src"][0] == "'self'" and "'unsafe-inline'" not in directives["script-src"]
    assert "'unsafe-eval'" not in directives["script-src"]
    assert directives["object-src"] == ["'none'"]
    assert directives["base-uri"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert sorted(directives["frame-src"]) == ["https://player.vimeo.com", "https://www.youtube-nocookie.com"]


def test_the_home_page_carries_both_policies(client):
    response = client.get(reverse("home"))
    assert_policy(check_page(response))
    permissions = response["Permissions-Policy"]
    assert "camera=()" in permissions and "geolocation=()" in permissions and "microphone=()" in permissions
    assert 'fullscreen=(self "https://www.youtube-nocookie.com" "https://player.vimeo.com")' in permissions


def test_json_and_error_responses_carry_them_too(client):
    assert "frame-ancestors 'none'" in client.get(reverse("healthz"))["Content-Security-Policy"]
    missing = client.get("/no-such-page/")
    assert missing.status_code == 404 and "Permissions-Policy" in missing


def test_the_player_with_a_video_and_its_transcript_works_under_the_policy(client, world):
    tree = build_tree(world.a)
    client.force_login(world.a.student)
    response = client.get(reverse("player:item", args=[world.a.offering.pk, tree.v1.pk]))
    directives = check_page(response)
    html = response.content.decode()
    assert "https://www.youtube-nocookie.com/embed/" in html and "Today we talk about derivatives." in html
    assert re.search(r'<script src="/static/js/player\.js"', html)
    assert_policy(directives)


def test_the_drag_and_drop_syllabus_editor_works_under_the_policy(client, world):
    build_tree(world.a)
    client.force_login(world.a.instructor)
    response = client.get(reverse("syllabus:syllabus-tree", args=[world.a.course.pk]))
    check_page(response)
    assert "/static/js/syllabus-sortable.js" in response.content.decode()


@pytest.mark.parametrize("page", ["index", "course change", "prompt version"])
def test_the_staff_console_works_under_the_policy(client, world, page):
    client.force_login(world.platform_admin)
    if page == "index":
        url = reverse("admin:index")
    elif page == "course change":
        url = reverse("admin:catalog_course_change", args=[world.a.course.pk])
    else:
        create("greeting", prompt="Hi")
        url = admin_url("prompts_prompt_version", name="greeting", version=1)
    response = client.get(url)
    check_page(response)
    if page == "prompt version":  # the delete button's confirmation moved from onclick= to a static script
        html = response.content.decode()
        assert 'data-confirm="Delete v1?"' in html and "/static/js/confirm.js" in html


def test_a_template_script_with_the_request_nonce_is_allowed_by_the_header():
    """The recipe the README gives other templates: <script nonce="{{ request.csp_nonce }}">."""
    template = engines["django"].from_string('<script nonce="{{ request.csp_nonce }}">let a = 1;</script>')

    def view(request):
        return HttpResponse(template.render({}, request))

    middleware = CSPMiddleware(view)
    request = RequestFactory().get("/")
    middleware.process_request(request)
    response = middleware.process_response(request, view(request))
    nonce = re.search(r'nonce="([^"]+)"', response.content.decode()).group(1)
    assert f"'nonce-{nonce}'" in response["Content-Security-Policy"]
