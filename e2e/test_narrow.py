"""Every kind of page is usable at 390 px wide (issue 22): the document never scrolls sideways.

Each page is opened at a 390 px viewport as the person who would see it, on the demo data (with a discussion
thread, a submitted assignment, a tutor conversation and an accommodation added, so the pages that list them
show a row). A page passes when ``document.documentElement.scrollWidth <= window.innerWidth`` (1 px for
rounding); a wide table may scroll inside its own ``overflow-x: auto`` container, the page itself may not. A
failure names the widest elements that stick out past the viewport (tag, id, classes, by how many px), and
every page of a test is checked before it fails, so one run lists them all. Each page's 390 px screenshot is kept
under ``test-artifacts/test_narrow/<test>/``."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from e2e.conftest import NARROW, log_in
from e2e.demo import calculus

pytestmark = pytest.mark.django_db  # the test database, not the developer's (e2e/conftest.py, site())

STUDENT = "student1@nit.example.edu"
OTHER_STUDENT = "student2@nit.example.edu"
INSTRUCTOR = "instructor@nit.example.edu"
UNI_ADMIN = "uni-admin@nit.example.edu"
THREAD_TITLE = "A question about the chain rule"
# People paste links: an unbroken string wider than a phone, in every kind of text a person writes.
LONG_LINK = "https://example.org/notes/calculus/derivatives/the-chain-rule-explained-step-by-step-with-examples"

# Null when the document fits; else its width and the elements that stick out past the viewport, widest first.
# An element inside a container that clips or scrolls sideways (overflow-x other than visible) is not the page's
# overflow and is left out: that container is what scrolls.
OVERFLOW_JS = """() => {
  const vw = window.innerWidth, width = document.documentElement.scrollWidth;
  if (width <= vw + 1) return null;
  const clipped = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      if (getComputedStyle(p).overflowX !== 'visible') return true;
    }
    return false;
  };
  const name = (el) => {
    const cls = typeof el.className === 'string' && el.className.trim() ? '.' + el.className.trim().split(/\\s+/).join('.') : '';
    return el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + cls;
  };
  const sticking = (skipClipped) => {
    const out = [];
    for (const el of document.body.querySelectorAll('*')) {
      const r = el.getBoundingClientRect();
      // Its box, or its content when that overflows the box (a long word in a paragraph sticks out of it).
      const overflowing = el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX === 'visible';
      const right = overflowing ? Math.max(r.right, r.left + el.scrollWidth) : r.right;
      if ((skipClipped && r.width === 0 && r.height === 0) || right <= vw + 1 || (skipClipped && clipped(el))) continue;
      out.push({over: Math.round(right - vw), name: name(el)});
    }
    return out.sort((a, b) => b.over - a.over).slice(0, 8);
  };
  // When nothing outside a scrolling container sticks out, name what does (e.g. a hidden overflow that still counts).
  const out = sticking(true);
  return {width: width, viewport: vw, offenders: out.length ? out : sticking(false)};
}"""


class Narrow:
    """Opens pages at 390 px and collects the ones that scroll sideways."""

    def __init__(self, journey, site):
        self.journey, self.site, self.page = journey, site, journey.page
        self.page.set_viewport_size({"width": NARROW, "height": 800})
        self.failures: list[str] = []
        self.checked = 0

    def visit(self, name: str, url: str) -> None:
        self.page.goto(self.site(url))
        self.check(name, signed_in=not url.startswith("/accounts/"))

    def check(self, name: str, *, signed_in: bool = True) -> None:
        page = self.page
        page.wait_for_load_state("load")
        self.journey.check()
        assert page.viewport_size["width"] == NARROW
        assert not signed_in or "/accounts/login/" not in page.url, f"{name}: sent to the log-in page"
        self.checked += 1
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        self.journey.directory.mkdir(parents=True, exist_ok=True)  # kept beside the journeys' screenshots
        page.screenshot(path=str(self.journey.directory / f"{self.checked:02d}-{slug}-{NARROW}.png"), full_page=True)
        found = page.evaluate(OVERFLOW_JS)
        if found:
            offenders = "; ".join(f"{o['name']} +{o['over']}px" for o in found["offenders"])
            self.failures.append(
                f"{name} ({page.url}): {found['width']} px wide at {found['viewport']} px; sticking out: {offenders}"
            )

    def assert_all_fit(self, at_least: int) -> None:
        assert self.checked >= at_least
        assert not self.failures, "pages that scroll sideways at 390 px:\n" + "\n".join(self.failures)


@pytest.fixture(scope="module")
def demo(site):
    """The demo's Calculus I with what the list pages list: a discussion thread, a submitted assignment (its
    deadline moved into the future, as the instructor would), a tutor conversation and an accommodation."""
    from accounts.models import User
    from learning.assessments import assignments
    from learning.assessments import services as assessment_services
    from learning.community import selectors as community_selectors
    from learning.community import services as community_services
    from syllabus import services as syllabus_services
    from tutoring.models import ChatMessage, ChatSession

    demo = calculus()
    student = User.objects.get(email=STUDENT)
    other = User.objects.get(email=OTHER_STUDENT)
    instructor = User.objects.get(email=INSTRUCTOR)
    access = community_selectors.get_offering_access(student, demo.offering.pk)
    demo.thread = community_services.create_thread(
        actor=student,
        access=access,
        kind="question",
        title=THREAD_TITLE,
        body=f"Why does the derivative of sin(x^2) have a factor 2x in it? I read {LONG_LINK}",
    )
    assignment = demo.items["assignment"]
    syllabus_services.update_content_item(item=assignment, data_json={**assignment.data_json, "due_offset_days": 60})
    demo.submission = assignments.save_assignment(
        actor=other,
        offering=demo.offering,
        item=assignment,
        text=f"1. y = -x/4 + 1\n2. 2x sin x + x^2 cos x\n3. 6x e^{{3x^2}}\nSee {LONG_LINK}",
        submit=True,
    )
    session = ChatSession.objects.create(user=student, content_item=demo.items["text"])
    ChatMessage.objects.create(session=session, role="user", content=f"What does the derivative measure? {LONG_LINK}")
    demo.chat_session = session
    assessment_services.set_accommodations(
        actor=instructor,
        offering=demo.offering,
        student_ids=[student.pk, other.pk],
        item_id=demo.items["quiz"].pk,
        time_multiplier=Decimal("1.5"),
        extra_attempts=1,
        reason=f"Documented need: {LONG_LINK}",
    )
    demo = _refresh(demo)
    return demo


def _refresh(demo):
    fresh = calculus()
    for name in ("thread", "submission", "chat_session"):
        setattr(fresh, name, getattr(demo, name))
    return fresh


def test_public_pages_fit(journey, site, demo):
    narrow = Narrow(journey, site)
    narrow.visit("home", "/")
    narrow.visit("catalog", "/courses/?q=calculus")
    narrow.visit("subjects", "/subjects/")
    narrow.visit("course page", f"/courses/NIT/{demo.course.code}/")
    narrow.visit("certificate verification", f"/certificates/{demo.certificate.certificate_code}/")
    narrow.visit("log in", "/accounts/login/")
    narrow.visit("sign up", "/accounts/signup/")
    narrow.assert_all_fit(7)


def test_student_pages_fit(journey, site, demo):
    from learning.models import QuizAttempt

    narrow = Narrow(journey, site)
    log_in(narrow.page, site, STUDENT)
    offering = demo.offering.pk
    narrow.visit("home, signed in", "/")
    narrow.visit("my learning", "/learn/")
    for kind in ("text", "video", "resource", "quiz", "engineering_lab", "assignment"):
        narrow.visit(f"player: {kind}", f"/learn/{offering}/item/{demo.items[kind].pk}/")
    narrow.visit("lab page", f"/learn/{offering}/labs/{demo.items['engineering_lab'].pk}/")
    narrow.visit("assignment page", f"/learn/{offering}/assignments/{demo.items['assignment'].pk}/")
    narrow.visit("discussions", f"/learn/{offering}/discussions/")
    narrow.visit("discussion thread", f"/learn/{offering}/discussions/{demo.thread.pk}/")
    narrow.visit("new discussion", f"/learn/{offering}/discussions/new/")
    narrow.visit("tutor panel", f"/tutor/o/{offering}/i/{demo.items['text'].pk}/")
    narrow.visit("tutor notes", f"/tutor/o/{offering}/notes/")
    narrow.visit("my grades", f"/learn/{offering}/grades/")
    narrow.visit("certificate", f"/certificates/{demo.certificate.certificate_code}/")
    narrow.visit("profile", "/accounts/profile/")
    narrow.visit("onboarding", "/learn/onboarding/")
    narrow.visit("notifications", "/notifications/")
    narrow.visit("review", f"/learn/{offering}/review/")

    done = QuizAttempt.objects.get(user__email=STUDENT, content_item=demo.items["quiz"], submitted_at__isnull=False)
    narrow.visit("quiz result", f"/learn/{offering}/quiz/{demo.items['quiz'].pk}/attempts/{done.pk}/result/")
    narrow.page.goto(site(f"/learn/{offering}/item/{demo.items['quiz'].pk}/"))
    narrow.page.get_by_role("button", name=re.compile(r"^(start|resume|continue)", re.I)).first.click()
    expect(narrow.page).to_have_url(re.compile(r"/attempts/\d+/$"))
    narrow.check("quiz attempt")
    narrow.assert_all_fit(23)


def test_instructor_pages_fit(journey, site, demo):
    from syllabus.models import Question, QuestionPool

    narrow = Narrow(journey, site)
    log_in(narrow.page, site, INSTRUCTOR)
    offering, course = demo.offering.pk, demo.course.pk
    narrow.visit("teaching", "/learn/teaching/")
    narrow.visit("authoring: courses", "/teach/")
    narrow.visit("syllabus editor", f"/teach/{course}/syllabus/")
    module = demo.items["text"].module
    narrow.visit("module editor", f"/teach/{course}/modules/{module.pk}/edit/")
    narrow.visit("add content", f"/teach/{course}/modules/{module.pk}/items/add/")
    for kind, item in demo.items.items():
        narrow.visit(f"item editor: {kind}", f"/teach/{course}/items/{item.pk}/edit/")
    narrow.visit("item preview", f"/teach/{course}/items/{demo.items['text'].pk}/preview/")
    pool = QuestionPool.objects.filter(course_id=course).first()
    narrow.visit("question pools", f"/teach/{course}/pools/")
    narrow.visit("question pool", f"/teach/{course}/pools/{pool.pk}/")
    question = Question.objects.filter(pool=pool).first()
    narrow.visit("question editor", f"/teach/{course}/pools/{pool.pk}/questions/{question.pk}/edit/")
    narrow.visit("assets", f"/teach/{course}/assets/")
    narrow.visit("gradebook grid", f"/learn/offerings/{offering}/gradebook/")
    narrow.visit("grading policy", f"/learn/offerings/{offering}/grading/policy/")
    narrow.visit("grading scales", f"/learn/offerings/{offering}/grading/scales/")
    narrow.visit("course grades", f"/learn/offerings/{offering}/grading/course-grades/")
    assignment = demo.items["assignment"].pk
    narrow.visit("assignment submissions", f"/learn/{offering}/assignments/{assignment}/grading/")
    narrow.visit("grade a submission", f"/learn/{offering}/assignments/grade/{demo.submission.pk}/")
    narrow.visit("lab submissions", f"/learn/{offering}/labs/{demo.items['engineering_lab'].pk}/grading/")
    quiz = demo.items["quiz"].pk
    narrow.visit("quizzes", f"/learn/offerings/{offering}/quizzes/")
    narrow.visit("quiz attempts", f"/learn/offerings/{offering}/quizzes/{quiz}/attempts/")
    narrow.visit("quiz item analysis", f"/learn/offerings/{offering}/quizzes/{quiz}/analysis/")
    narrow.visit("roster", f"/learn/offerings/{offering}/roster/")
    narrow.visit("invitations", f"/learn/offerings/{offering}/invitations/")
    narrow.visit("accommodations", f"/learn/offerings/{offering}/accommodations/")
    narrow.visit("discussions, moderating", f"/learn/{offering}/discussions/")
    narrow.visit("discussion thread, moderating", f"/learn/{offering}/discussions/{demo.thread.pk}/")
    narrow.visit("tutor sessions", f"/tutor/teach/{offering}/")
    narrow.visit("a student's tutor session", f"/tutor/teach/{offering}/sessions/{demo.chat_session.pk}/")
    narrow.visit("notifications", "/notifications/")
    narrow.assert_all_fit(34)


def test_staff_console_fits(journey, site, demo):
    from accounts.models import User
    from catalog.models import Course

    narrow = Narrow(journey, site)
    log_in(narrow.page, site, UNI_ADMIN)
    student = User.objects.get(email=STUDENT)
    narrow.visit("staff console", "/admin/")
    narrow.visit("people", "/admin/accounts/user/")
    narrow.visit("a person", f"/admin/accounts/user/{student.pk}/change/")
    narrow.visit("import people", "/admin/accounts/user/import/")
    narrow.visit("courses", "/admin/catalog/course/")
    narrow.visit("a course", f"/admin/catalog/course/{demo.course.pk}/change/")
    narrow.visit("roles", "/admin/accounts/useruniversityrole/")
    narrow.visit("grant a role", "/admin/accounts/useruniversityrole/add/")
    narrow.visit("enrollments", "/admin/learning/courseenrollment/")
    narrow.visit("course grades", "/admin/learning/coursegrade/")
    assert Course.objects.filter(pk=demo.course.pk).exists()
    narrow.assert_all_fit(10)
