"""axe-core finds no serious or critical WCAG 2.1 A/AA violation on the pages issue 22 lists, and the player and
a quiz attempt work with the keyboard alone. Each page is opened as the person who would see it, on the demo
data; a JavaScript error or failed request on the way fails the test too (``journey``)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from e2e.axe import assert_no_serious_violations
from e2e.conftest import log_in
from e2e.demo import calculus

pytestmark = pytest.mark.django_db  # the test database, not the developer's (e2e/conftest.py, site())

STUDENT = "student1@nit.example.edu"
INSTRUCTOR = "instructor@nit.example.edu"


@pytest.fixture(scope="module")
def demo(site):
    return calculus()


def check(journey, site, name: str, url: str) -> None:
    journey.page.goto(site(url))
    journey.step(name)
    for v in assert_no_serious_violations(journey.page, site, name):  # shown by `pytest -rP`: README's list
        print(f"{name}: {v['impact']} {v['id']}: {v['help']}; {v['nodes'][:2]}")


@pytest.mark.parametrize(
    ("name", "url"),
    [("home", "/"), ("catalog", "/courses/?q=calculus"), ("course page", "/courses/NIT/MATH101/")],
)
def test_public_pages(journey, site, name, url):
    check(journey, site, name, url)


def test_student_pages(journey, site, demo):
    page = journey.page
    log_in(page, site, STUDENT)
    offering = demo.offering.pk
    check(journey, site, "my learning", "/learn/")
    for kind in ("text", "video", "resource", "quiz", "engineering_lab", "assignment"):
        check(journey, site, f"player {kind}", f"/learn/{offering}/item/{demo.items[kind].pk}/")
    check(journey, site, "lab page", f"/learn/{offering}/labs/{demo.items['engineering_lab'].pk}/")
    check(journey, site, "assignment page", f"/learn/{offering}/assignments/{demo.items['assignment'].pk}/")
    check(journey, site, "tutor panel", f"/tutor/o/{offering}/i/{demo.items['text'].pk}/")
    check(journey, site, "discussions", f"/learn/{offering}/discussions/")
    check(journey, site, "new discussion", f"/learn/{offering}/discussions/new/")


def test_quiz_attempt_page(journey, site, demo):
    page = journey.page
    log_in(page, site, STUDENT)
    page.goto(site(f"/learn/{demo.offering.pk}/item/{demo.items['quiz'].pk}/"))
    page.get_by_role("button", name=re.compile(r"^(start|resume|continue)", re.I)).first.click()
    expect(page).to_have_url(re.compile(r"/attempts/\d+/$"))
    journey.step("quiz attempt")
    for v in assert_no_serious_violations(page, site, "quiz attempt"):
        print(f"quiz attempt: {v['impact']} {v['id']}: {v['help']}; {v['nodes'][:2]}")


def test_certificate_page(journey, site, demo):
    check(journey, site, "certificate", f"/certificates/{demo.certificate.certificate_code}/")


def test_instructor_pages(journey, site, demo):
    log_in(journey.page, site, INSTRUCTOR)
    check(journey, site, "syllabus editor", f"/teach/{demo.course.pk}/syllabus/")
    check(journey, site, "tutor sessions", f"/tutor/teach/{demo.offering.pk}/")


def tab_to(page, name: re.Pattern | None = None, limit: int = 120, element=None) -> str:
    """Press Tab until the focused element's text or label matches ``name`` (or is ``element``, a locator, or lies inside it); fail
    if it never does. Every stop must show a focus indicator (an outline or a box shadow)."""
    target = element.element_handle() if element is not None else None
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            """(target) => { const el = document.activeElement; if (!el || el === document.body) return null;
                 const style = getComputedStyle(el);
                 const label = el.getAttribute('aria-label') || (el.labels && el.labels[0] && el.labels[0].innerText)
                               || el.innerText || el.value || '';
                 return {label: label.trim(), tag: el.tagName, target: !!target && (el === target || target.contains(el)),
                         ring: style.outlineStyle !== 'none' || style.boxShadow !== 'none'}; }""",
            target,
        )
        if focused is None:
            continue
        assert focused["ring"], f"no visible focus on {focused}"
        reached = focused["target"] if target is not None else name.search(focused["label"])
        if reached:
            return focused["label"]
    pytest.fail(f"Tab never reached {name.pattern if name else element!r}")


def test_keyboard_only_player_and_quiz(journey, site, demo):
    page = journey.page
    log_in(page, site, STUDENT)
    offering = demo.offering.pk
    text = demo.course.content_items.get(title="The power, product and chain rules")
    page.goto(site(f"/learn/{offering}/item/{text.pk}/"))
    assert tab_to(page, re.compile(r"^Skip to content$"), limit=3)
    tab_to(page, re.compile(r"^Mark as done$"))
    page.keyboard.press("Enter")
    expect(page.locator("#mark-done")).to_contain_text("Done")
    journey.step("player: marked done with the keyboard")

    # A quiz attempt: start, answer and submit with the keyboard alone.
    page.goto(site(f"/learn/{offering}/item/{demo.items['quiz'].pk}/"))
    tab_to(page, re.compile(r"^(Start|Continue)"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/attempts/\d+/$"))
    # The first question's first focusable control: a radio group's checked option when one is saved, and
    # never a multiple-select's hidden marker input, so the test looks for focus *inside* the question.
    tab_to(page, element=page.locator("fieldset.quiz-question").first, limit=80)
    focused = page.locator(":focus")
    kind = focused.get_attribute("type")
    if kind == "checkbox":
        was_checked = focused.is_checked()
        page.keyboard.press("Space")
        expect(focused).to_be_checked(checked=not was_checked)
    elif kind == "radio":
        page.keyboard.press("Space")
        expect(focused).to_be_checked()
    else:
        page.keyboard.press("Control+A")
        page.keyboard.type("1")
        expect(focused).to_have_value("1")
    journey.step("quiz: answered with the keyboard")
    tab_to(page, re.compile(r"^Submit attempt$"))
    page.once("dialog", lambda dialog: dialog.accept())
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/result/$"))
    journey.step("quiz: submitted with the keyboard")
