"""{% url %} and {% static %} answer from a memo (lms/templatetags/memo_tags.py): the same URLs as Django's
own tags, for any arguments, script prefix and URL configuration, and the same errors."""

import pytest
from django.template import Context, Template, engines
from django.templatetags.static import static as django_static
from django.test import override_settings
from django.urls import NoReverseMatch, reverse, set_script_prefix
from django.utils.html import escape

from lms.templatetags import memo_tags


def render(text: str, **context) -> str:
    return engines["django"].from_string(text).render(context)


@pytest.fixture(autouse=True)
def fresh_memo():
    memo_tags._clear()
    set_script_prefix("/")
    yield
    memo_tags._clear()
    set_script_prefix("/")


def test_every_template_gets_the_memoised_tags_without_loading_them():
    template = engines["django"].from_string("{% url 'home' %}")
    assert isinstance(template.template.nodelist[0], memo_tags.CachedURLNode)


@pytest.mark.parametrize(
    ("text", "name", "args"),
    [
        ("{% url 'catalog:course-detail' 'ALPHA' 'MA101' %}", "catalog:course-detail", ["ALPHA", "MA101"]),
        ("{% url 'catalog:course-detail' 'ÄB C' 'x&y?' %}", "catalog:course-detail", ["ÄB C", "x&y?"]),
        ("{% url 'grading:my-grades' 17 %}", "grading:my-grades", [17]),
        ("{% url 'learning:roster' offering_id=5 %}", "learning:roster", None),
    ],
)
def test_the_same_url_as_reverse_the_first_time_and_from_the_memo(text, name, args):
    expected = reverse(name, args=args) if args is not None else reverse(name, kwargs={"offering_id": 5})
    assert render(text) == escape(expected)
    assert render(text) == escape(expected)  # the second, from the memo
    assert memo_tags._reverse.cache_info().hits >= 1


def test_different_arguments_are_different_urls():
    assert render("{% url 'grading:my-grades' 1 %}") != render("{% url 'grading:my-grades' 2 %}")
    assert render("{% for n in ns %}{% url 'grading:my-grades' n %} {% endfor %}", ns=[1, 2, 1]).split() == [
        reverse("grading:my-grades", args=[1]),
        reverse("grading:my-grades", args=[2]),
        reverse("grading:my-grades", args=[1]),
    ]


def test_a_script_prefix_is_part_of_the_key():
    plain = render("{% url 'catalog:course-list' %}|{% static 'css/lms.css' %}")
    set_script_prefix("/sigma/")
    prefixed = render("{% url 'catalog:course-list' %}|{% static 'css/lms.css' %}")
    assert prefixed == f"{reverse('catalog:course-list')}|{django_static('css/lms.css')}"
    assert prefixed.startswith("/sigma/") and prefixed != plain


def test_a_failed_reverse_raises_or_gives_nothing_with_as_and_is_not_memoised():
    with pytest.raises(NoReverseMatch):
        render("{% url 'grading:my-grades' 'not-a-number' %}")
    assert render("{% url 'grading:my-grades' 'nope' as u %}[{{ u }}]") == "[]"
    assert memo_tags._reverse.cache_info().currsize == 0


def test_objects_other_than_str_and_int_reverse_every_time():
    class Code:
        def __init__(self, value):
            self.value = value

        def __str__(self):
            return self.value

        def __hash__(self):
            return 1

        def __eq__(self, other):
            return True

    text = "{% url 'catalog:course-detail' 'ALPHA' code %}"
    assert render(text, code=Code("MA101")).endswith("/MA101/")
    assert render(text, code=Code("MA102")).endswith("/MA102/")
    assert memo_tags._reverse.cache_info().currsize == 0


def test_a_changed_urlconf_is_never_answered_from_the_memo():
    assert render("{% url 'home' %}") == reverse("home")
    with override_settings(ROOT_URLCONF="lms.tests.urls_memo"):
        assert render("{% url 'home' %}") == "/elsewhere/"
    assert render("{% url 'home' %}") == reverse("home")


def test_static_is_djangos_static_and_a_load_of_static_still_works():
    assert render("{% static 'css/lms.css' %}") == django_static("css/lms.css")
    assert render("{% static 'css/lms.css' %}") == django_static("css/lms.css")
    assert memo_tags._static.cache_info().hits == 1
    assert Template("{% load static %}{% static 'css/lms.css' %}").render(Context()) == django_static("css/lms.css")
    with override_settings(STATIC_URL="/other-static/"):
        assert render("{% static 'css/lms.css' %}").startswith("/other-static/")
