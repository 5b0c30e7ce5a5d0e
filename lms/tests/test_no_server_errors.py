"""The "no 500 for user input" crawl: every URL pattern of the project, for every role, with bad input.

The standard it guards: bad input gets a clear 4xx or a form error, never a 500, and another university's
private rows never answer 200 to anyone but a platform admin.

How it works:

- One two-university world per module (``build_world`` plus a course tree, a private offering, a pool with a
  question, an asset, an invitation and one row of every learning/tutoring model, in *both* universities),
  rolled back at the end. Each POST runs in its own savepoint, so a delete or a broken transaction
  never changes what the next request sees.
- :func:`_walk` enumerates ``get_resolver().url_patterns`` recursively (the admin's included); the test is
  parametrised per pattern and loops over roles and inputs inside.
- Path kwargs are filled with the ids of university A ("own"), of university B ("other", and B's *private*
  offering), a missing id (999999999), an id past bigint, and odd strings (``%00``, ``"a"*300``, ``..%2F``)
  for ``str``/``path`` kwargs.
- Roles: anonymous, student / instructor / university admin of A, platform admin.
- Admin add/change pages (staff roles, A's rows): the form is posted back with the values its own page
  rendered (checked boxes, selected options, textareas), and, by the platform admin, once more per
  checkbox with that box flipped: a boolean the console offers saves or is a form error.
- Inputs: GET with garbage query parameters; POST with an empty body, with every field of the page's form
  (the names are read from the role's own GET of the page, or the platform admin's) set to garbage
  (strings for ints, ``nan``, ``1e400``, 100 KB strings, lists where scalars are expected), and JSON
  garbage bodies. The prompt API is called with a valid API key (it authenticates by key, not by session).

A response >= 500, or an exception out of the view, is a failure naming the URL, role and input.
"""

from __future__ import annotations

import json
import re
import traceback
from html.parser import HTMLParser
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType as DjangoContentType
from django.db import transaction
from django.db.models import Q
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from accounts.tests.factories import UserProfileFactory, UserSubjectPreferenceFactory
from catalog.models import OfferingVisibility
from catalog.tests.factories import (
    CourseOfferingFactory,
    CoursePrerequisiteFactory,
    CourseSubjectFactory,
    DomainFactory,
    SubjectFactory,
)
from learning.gradebook.credentials import ensure_signing_key
from learning.gradebook.models import GradingScale, GradingScaleRow
from learning.models import AssignmentSubmission, DiscussionPost, Notification, NotificationKind, SubmissionFile
from learning.tests.factories import (
    AccommodationFactory,
    CertificateFactory,
    CourseEnrollmentFactory,
    CourseGradeFactory,
    CourseInvitationFactory,
    CourseReviewFactory,
    CourseReviewModerationFactory,
    DiscussionPostFactory,
    DiscussionPostUpvoteFactory,
    DiscussionSettingsFactory,
    DiscussionThreadFactory,
    DiscussionThreadFollowFactory,
    GradeChangeFactory,
    ItemScoreOverrideFactory,
    LabSubmissionFactory,
    NotificationDigestFactory,
    QuizAttemptFactory,
    QuizAttemptQuestionFactory,
    QuizMasteryFactory,
    QuizRegradeFactory,
    UserContentProgressFactory,
    UserModuleProgressFactory,
)
from learning.tests.test_player_fixtures import build_tree, clear_memos
from lms.crypto import generate_key
from lms.tests.factories import SystemSettingFactory
from prompts.tests.factories import PromptApiKeyFactory, PromptFactory, PromptLabelFactory, basic_auth
from syllabus.tests.factories import (
    AssetFactory,
    ContentTypeFactory,
    ModuleTemplateFactory,
    QuestionFactory,
    QuestionPoolFactory,
)
from tutoring.chat import COMPLETE
from tutoring.models import MessageRole
from tutoring.services import enable_session_sharing
from tutoring.tests.factories import (
    ChatMessageFactory,
    ChatNoteFactory,
    ChatSessionFactory,
    TutorCourseSettingFactory,
    TutorItemSettingFactory,
)

ROLES = ("anonymous", "student", "instructor", "university_admin", "platform_admin")
ADMIN_ROLES = ("university_admin", "platform_admin")  # the roles with a staff console of their own
TENANT_ROLES = ("anonymous", "student", "instructor", "university_admin")  # every role but the platform admin
MISSING = "999999999"
PAST_BIGINT = "9" * 30
ODD_STRINGS = ("%00", "a" * 300, "..%2F", "%2e%2e")
API_SECRET = "sk-lf-crawl-secret"  # noqa: S105 (a test key)

# Patterns that cannot be crawled this way, with the reason. Nothing is skipped for failing.
# --- garbage -------------------------------------------------------------------------------------------------

HUGE = "x" * 100_000
GARBAGE_VALUES = ("abc", "nan", "1e400", HUGE, ["1", "abc", "1e400"], "-99999999999999999999999")
GET_BASE = {
    "page": "abc",
    "q": "q" * 5000,
    "sort": "zzz",
    "offering": "abc",
    "o": "999",
    "next": "https://evil.example/",
    "invite": "abc",
    "link": "abc",
    "version": "abc",
    "type": "zzz",
    "as": "zzz",
    "parent": "abc",
    "name": "n" * 300,
    "label": "zzz",
    "tag": "zzz",
    "resolve": "zzz",
    "limit": "abc",
    "fromUpdatedAt": "abc",
    "toUpdatedAt": "abc",
    # the admin's autocomplete: a real field to reach the search, garbage to search with
    "app_label": "catalog",
    "model_name": "courseoffering",
    "field_name": "course",
    "term": "t" * 5000,
}
GET_HUGE = {
    "page": str(10**30),
    "offering": str(10**30),
    "version": str(10**30),
    "parent": str(10**30),
    "limit": "-1",
    "o": "-1.abc.99",
    "q": "1e400",
}
JSON_BODIES = (
    b'{"module": ',  # not JSON
    b"[1, 2, 3]",  # not an object
    b"null",
    json.dumps(
        {
            "module": "abc",
            "parent": [1],
            "position": 1e300,
            "name": {"x": 1},
            "prompt": ["a"],
            "type": 12,
            "labels": "production",
            "tags": {"a": 1},
            "config": "nope",
            "event": ["x"],
            "percent": "nan",
        }
    ).encode(),
    b'{"position": 1e400, "module": 1e400, "parent": NaN, "name": "a", "prompt": "b", "type": "text"}',
)

INPUT_NAME = re.compile(r"""<(?:input|select|textarea|button)\b[^>]*?\bname=["']([^"']+)["']""", re.I)
ACTION_OPTION = re.compile(r"""<select[^>]*name=["']action["'][^>]*>(.*?)</select>""", re.I | re.S)
OPTION_VALUE = re.compile(r"""<option[^>]*value=["']([^"']+)["']""", re.I)


# --- the URL patterns ----------------------------------------------------------------------------------------


def _walk(patterns, namespace: str = "", route: str = ""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _walk(pattern.url_patterns, inner, route + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}{pattern.name}" if pattern.name else f"{namespace}<{route}{pattern.pattern}>"
            yield name, route + str(pattern.pattern)


PATTERNS = dict(_walk(get_resolver().url_patterns))
assert len(PATTERNS) == len(list(_walk(get_resolver().url_patterns))), "two patterns share a name"


# --- the world -----------------------------------------------------------------------------------------------


def _extend(tenant) -> None:
    """Rows of every kind in ``tenant``'s university (so each admin has a row of A and a row of B)."""
    tenant.tree = build_tree(tenant)
    course, offering, student = tenant.course, tenant.offering, tenant.student
    tenant.private_offering = CourseOfferingFactory(
        course=course, term_name=f"Private ({tenant.key})", visibility=OfferingVisibility.PRIVATE
    )
    CourseEnrollmentFactory(user=student, course_offering=tenant.private_offering)
    UserProfileFactory(user=student)
    tenant.pool = QuestionPoolFactory(course=course)
    tenant.question = QuestionFactory(pool=tenant.pool)
    tenant.asset = AssetFactory(university=tenant.university)
    tenant.invitation = CourseInvitationFactory(course_offering=tenant.private_offering, created_by=tenant.instructor)
    tenant.template = ModuleTemplateFactory(university=tenant.university)
    on = {"user": student, "course_offering": offering}
    tenant.grade = CourseGradeFactory(**on)
    tenant.certificate = CertificateFactory(**on)
    tenant.scale = GradingScale.objects.create(university=tenant.university, name="Crawl scale")
    GradingScaleRow.objects.bulk_create(
        [GradingScaleRow(scale=tenant.scale, letter=letter, lower_bound=bound) for letter, bound in (("P", 50), ("F", 0))]
    )
    tenant.signing_key_id = ensure_signing_key(university_id=tenant.university.pk).key_id
    tenant.review = CourseReviewFactory(**on)
    tenant.attempt = QuizAttemptFactory(**on)
    tenant.accommodation = AccommodationFactory(course_offering=offering, student=student)
    QuizAttemptQuestionFactory(attempt=tenant.attempt, question=tenant.question)
    QuizMasteryFactory(user=student, course_offering=offering)
    QuizRegradeFactory(attempt=tenant.attempt)
    tenant.lab_submission = LabSubmissionFactory(**on)
    tenant.lab_file = SubmissionFile.objects.create(
        university=tenant.university, course_offering=offering, lab_submission=tenant.lab_submission,
        path="answer.py", size=1, data=b"x",
    )  # fmt: skip
    tenant.assignment_submission = AssignmentSubmission.objects.create(
        university=tenant.university, course_offering=offering, user=student, content_item=tenant.tree.t1,
        status="submitted", submitted_at=timezone.now(),
    )  # fmt: skip
    UserModuleProgressFactory(module=tenant.tree.lesson_a1, **on)
    UserContentProgressFactory(content_item=tenant.tree.t1, **on)
    thread = DiscussionThreadFactory(course_offering=offering, created_by_user=student)
    tenant.thread = thread
    tenant.post = DiscussionPostFactory(thread=thread, user=student, path=[])
    DiscussionPost.objects.filter(pk=tenant.post.pk).update(path=[tenant.post.pk])
    # The tutor: a conversation on t1 (shared, so its page renders), a finished reply, a note on the reply.
    tenant.chat_session = ChatSessionFactory(user=student, content_item=tenant.tree.t1)
    ChatMessageFactory(session=tenant.chat_session)
    tenant.chat_reply = ChatMessageFactory(
        session=tenant.chat_session, role=MessageRole.ASSISTANT, content="Both sides stay equal.",
        meta={"status": COMPLETE},
    )  # fmt: skip
    tenant.chat_note = ChatNoteFactory(session=tenant.chat_session, message=tenant.chat_reply)
    enable_session_sharing(actor=student, session=tenant.chat_session)
    # One row per university for the staff console's newer pages, so each change page has a row to open.
    GradeChangeFactory(target=tenant.lab_submission)
    ItemScoreOverrideFactory(course_offering=offering, student=student)
    DiscussionPostUpvoteFactory(post=tenant.post, user=student)
    DiscussionThreadFollowFactory(thread=thread, user=student)
    DiscussionSettingsFactory(course_offering=offering)
    CourseReviewModerationFactory(review=tenant.review, actor=tenant.instructor)
    NotificationDigestFactory(user=student)
    TutorCourseSettingFactory(course=course)
    TutorItemSettingFactory(content_item=tenant.tree.t1)
    tenant.chat_session.refresh_from_db()
    tenant.notification = Notification.objects.create(
        user=student, university=tenant.university, kind=NotificationKind.REPLY, text="A reply", url="/learn/"
    )
    prerequisite = CourseOfferingFactory(course__university=tenant.university).course
    CoursePrerequisiteFactory(course=course, prerequisite_course=prerequisite)


def _build(world) -> SimpleNamespace:
    prompt_key = PromptApiKeyFactory(secret=API_SECRET)
    for tenant in world.tenants:
        _extend(tenant)
    subject = SubjectFactory(domain=DomainFactory(code="MATH"), code="MATH_ALG")
    CourseSubjectFactory(course=world.a.course, subject=subject, is_primary=False)
    CourseSubjectFactory(course=world.b.course, subject=subject, is_primary=False)
    world.subject = subject
    for tenant in world.tenants:
        UserSubjectPreferenceFactory(user=tenant.student, subject=subject)
    ContentTypeFactory()
    SystemSettingFactory()
    prompt = PromptFactory(name="folder/greeting")
    PromptLabelFactory(prompt=prompt, label="production")
    world.prompt = prompt
    world.content_type_id = DjangoContentType.objects.get_for_model(world.a.course).pk
    world.api_auth = basic_auth(prompt_key.public_key, API_SECRET)
    return world


@pytest.fixture(scope="module")
def crawl_world(django_db_setup, django_db_blocker):
    from conftest import build_world

    # A deployment with an encryption key (the badge signing keys are stored encrypted; without one the
    # credential endpoints answer 503 "signing unavailable" by design).
    with (
        override_settings(SETTINGS_ENCRYPTION_KEYS=[generate_key()]),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        world = _build(build_world())
        _log_in(world)
        yield world
        transaction.set_rollback(True)


# --- path kwargs ---------------------------------------------------------------------------------------------


def _admin_rows(model_admin, world) -> dict[str, str]:
    """The pk of a row of university A and of B for a tenant-scoped admin; any row for a platform-wide one."""
    model = model_admin.model
    paths = getattr(model_admin, "tenant_path", None)
    if isinstance(paths, str):
        paths = (paths,)
    if paths:
        rows = {}
        for key, tenant in (("own", world.a), ("other", world.b)):
            where = Q()
            for path in paths:
                where |= Q(**{path: tenant.university.pk})
            row = model._default_manager.filter(where).order_by("pk").first()
            assert row is not None, f"the crawl world has no {model.__name__} row in university {tenant.key}"
            rows[key] = str(row.pk)
        return rows
    row = model._default_manager.order_by("pk").first()
    return {"own": str(row.pk)} if row is not None else {}


def _admin_for(route: str):
    match = re.match(r"admin/(\w+)/(\w+)/", route)
    if not match:
        return None
    for model, model_admin in admin.site._registry.items():
        if (model._meta.app_label, model._meta.model_name) == match.groups():
            return model_admin
    return None


def _int_values(kwarg: str, world) -> dict[str, str]:
    a, b = world.a, world.b
    own = {
        "offering_id": a.offering.pk,
        "item_id": a.tree.t1.pk,
        "course_id": a.course.pk,
        "module_id": a.tree.lesson_a1.pk,
        "pool_id": a.pool.pk,
        "question_id": a.question.pk,
        "asset_id": a.asset.pk,
        "version": world.prompt.version,
        "index": 0,
        "content_type_id": world.content_type_id,
        "attempt_id": a.attempt.pk,
        "accommodation_id": a.accommodation.pk,
        "notification_id": a.notification.pk,
        "thread_id": a.thread.pk,
        "post_id": a.post.pk,
        "review_id": a.review.pk,
        "submission_id": a.lab_submission.pk,
        "file_id": a.lab_file.pk,
        "assignment_submission_id": a.assignment_submission.pk,
        "session_id": a.chat_session.pk,
        "message_id": a.chat_reply.pk,
        "note_id": a.chat_note.pk,
        "student_id": a.student.pk,
        "certificate_id": a.certificate.pk,
        "scale_id": a.scale.pk,
    }
    other = {
        "offering_id": b.offering.pk,
        "item_id": b.tree.t1.pk,
        "course_id": b.course.pk,
        "module_id": b.tree.lesson_a1.pk,
        "pool_id": b.pool.pk,
        "question_id": b.question.pk,
        "asset_id": b.asset.pk,
        "version": 2,
        "index": 7,
        "content_type_id": world.content_type_id,
        "attempt_id": b.attempt.pk,
        "accommodation_id": b.accommodation.pk,
        "notification_id": b.notification.pk,
        "thread_id": b.thread.pk,
        "post_id": b.post.pk,
        "review_id": b.review.pk,
        "submission_id": b.lab_submission.pk,
        "file_id": b.lab_file.pk,
        "assignment_submission_id": b.assignment_submission.pk,
        "session_id": b.chat_session.pk,
        "message_id": b.chat_reply.pk,
        "note_id": b.chat_note.pk,
        "student_id": b.student.pk,
        "certificate_id": b.certificate.pk,
        "scale_id": b.scale.pk,
    }
    values = {"own": str(own[kwarg]), "other": str(other[kwarg]), "missing": MISSING, "huge": PAST_BIGINT}
    if kwarg == "offering_id":
        values["own_private"] = str(a.private_offering.pk)
        values["other_private"] = str(b.private_offering.pk)
    return values


def _str_values(kwarg: str, route: str, world) -> dict[str, str]:
    a, b = world.a, world.b
    if kwarg == "object_id":
        model_admin = _admin_for(route)
        if model_admin:
            values = _admin_rows(model_admin, world)
        else:  # admin/r/<content_type_id>/<object_id>/ (view on site): a course
            values = {"own": str(a.course.pk), "other": str(b.course.pk)}
    else:
        own = {
            "short_code": a.university.short_code,
            "code": a.certificate.certificate_code
            if route.startswith("certificates/")
            else (a.course.code if "courses/" in route else (world.subject.code if "subjects/" in route else "MATH")),
            "key_id": a.signing_key_id,
            "uidb64": "MQ",
            "token": a.chat_session.share_token if "shared/" in route else "abc-123",
            "name": world.prompt.name,
            "id": str(a.student.pk),
            "content_type_id": str(world.content_type_id),
            # Discussion actions: a harmless one per route (the others are the same view's branches).
            "action": "follow"
            if "discussions/<int:thread_id>" in route
            else ("upvote" if "posts/" in route else "follow-all"),
        }
        values = {"own": own[kwarg]}
        if kwarg == "short_code":
            values["other"] = b.university.short_code
        if kwarg == "id":
            values["other"] = str(b.student.pk)
    values["missing"] = MISSING
    # The admin's object ids: NUL is the middleware's (lms/tests/test_nul_guard.py); two odd strings suffice.
    for index, odd in enumerate(ODD_STRINGS[1:3] if kwarg == "object_id" else ODD_STRINGS):
        values[f"odd{index}"] = odd
    return values


KWARG = re.compile(r"<(?:(\w+):)?(\w+)>")


def _urls(route: str, world) -> list[tuple[str, str]]:
    """``(variant, path)`` pairs; the variant names which ids filled the kwargs ("own" first)."""
    if route.startswith("admin/^("):  # the admin's app index: ^(?P<app_label>a|b|c)/$
        labels = re.search(r"\(\?P<app_label>([^)]*)\)", route).group(1).split("|")
        return [("own", f"/admin/{label}/") for label in labels] + [("missing", "/admin/nosuchapp/")]
    if route == "admin/(?P<url>.*)$":  # the admin's catch-all
        return [("missing", "/admin/nosuchapp/nosuchmodel/"), ("odd", "/admin/%00/..%2F/")]
    kwargs = KWARG.findall(route)
    if not kwargs:
        return [("own", "/" + route)]
    per_kwarg = {}
    for converter, name in kwargs:
        per_kwarg[name] = _int_values(name, world) if converter == "int" else _str_values(name, route, world)
    variants = []
    for variant in dict.fromkeys(v for values in per_kwarg.values() for v in values):
        # Kwargs without this variant keep their own value: the variant is what is being probed.
        filled = {name: values.get(variant, values.get("own", MISSING)) for name, values in per_kwarg.items()}
        if converter_mismatch := [n for (c, n) in kwargs if c == "int" and not filled[n].isdigit()]:
            raise AssertionError(f"{route}: int kwargs {converter_mismatch} got {filled}")
        path = KWARG.sub(lambda m, filled=filled: filled[m.group(2)], route)
        variants.append((variant, "/" + path))
    return variants


# --- the requests --------------------------------------------------------------------------------------------


def _log_in(world) -> None:
    """One session per role for the whole module (a login per test would cost more than the crawl)."""
    users = {
        "student": world.a.student,
        "instructor": world.a.instructor,
        "university_admin": world.a.university_admin,
        "platform_admin": world.platform_admin,
    }
    world.sessions = {}
    for role, user in users.items():
        client = Client()
        client.force_login(user)
        world.sessions[role] = client.cookies[settings.SESSION_COOKIE_NAME].value


def _clients(world) -> dict[str, Client]:
    clients = {"anonymous": Client(raise_request_exception=False)}
    for role in world.sessions:
        clients[role] = Client(raise_request_exception=False)
        clients[role].cookies[settings.SESSION_COOKIE_NAME] = world.sessions[role]
    return clients


def _where(tb) -> str:
    """`` at file:line`` of the innermost project frame (and the innermost frame), for the failure report."""
    frames = traceback.extract_tb(tb)
    ours = [f for f in frames if "/.venv/" not in f.filename and "site-packages" not in f.filename]
    spots = [f"{f.filename.rsplit('/main/', 1)[-1]}:{f.lineno} {f.name}" for f in (ours[-1:] + frames[-1:])]
    return " at " + " / ".join(spots) if spots else ""


class Crawl:
    def __init__(self, name: str, world):
        self.name, self.world, self.route = name, world, PATTERNS[name]
        self.clients = _clients(world)
        self.failures: list[str] = []
        self.leaks: list[str] = []
        self.requests = 0
        self.api = name.startswith("prompts:")

    def request(self, role: str, method: str, path: str, label: str, **kwargs):
        client = self.clients[role]
        if self.api and role != "anonymous":
            kwargs.setdefault("HTTP_AUTHORIZATION", self.world.api_auth)
        self.requests += 1
        response = None
        try:
            if method == "get":  # a GET writes nothing a later request could trip on; a savepoint costs time
                response = client.get(path, **kwargs)
            else:
                with transaction.atomic():
                    response = getattr(client, method)(path, **kwargs)
                    transaction.set_rollback(True)
        except Exception as error:  # noqa: BLE001 (an exception is what the crawl reports)
            why = f"{type(error).__name__}: {str(error)[:200]}{_where(error.__traceback__)}"
            self.failures.append(f"{role} {method.upper()} {path[:200]} [{label}]: {why}")
        else:
            if response.status_code >= 500:
                exc = getattr(response, "exc_info", None)
                why = (
                    f"{exc[0].__name__}: {str(exc[1])[:200]}{_where(exc[2])}"
                    if exc
                    else f"status {response.status_code}"
                )
                self.failures.append(f"{role} {method.upper()} {path[:200]} [{label}]: {why}"[:600])
        finally:
            clear_memos()
            if role != "anonymous":  # a logout (rolled back with its savepoint) still cleared the cookie
                client.cookies[settings.SESSION_COOKIE_NAME] = self.world.sessions[role]
        return response


class _RenderedForm(HTMLParser):
    """The values a browser would submit from the form ``form_id`` as rendered (checked boxes, selected
    options, textareas, inputs' values), and the names of its checkboxes."""

    SKIPPED_TYPES = {"submit", "button", "image", "reset", "file"}

    def __init__(self, form_id: str):
        super().__init__(convert_charrefs=True)
        self.form_id, self.inside = form_id, False
        self.data: dict[str, list[str]] = {}
        self.checkboxes: dict[str, str] = {}  # name -> the value it posts when checked
        self._select: tuple[str, bool] | None = None  # (name, multiple)
        self._options: list[tuple[str, bool]] = []
        self._textarea: str | None = None
        self._text = ""

    def _add(self, name: str, value: str) -> None:
        self.data.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        attrs = {key: (value or "") for key, value in attrs}
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
            return
        if not self.inside or (not attrs.get("name") and tag != "option"):
            return
        name = attrs.get("name", "")
        if tag == "input":
            kind = attrs.get("type", "text").lower()
            if kind in self.SKIPPED_TYPES:
                return
            if kind == "checkbox":
                self.checkboxes[name] = attrs.get("value", "on")
                if "checked" in attrs:
                    self._add(name, attrs.get("value", "on"))
            elif kind == "radio":
                if "checked" in attrs:
                    self._add(name, attrs.get("value", "on"))
            else:
                self._add(name, attrs.get("value", ""))
        elif tag == "select":
            self._select, self._options = (name, "multiple" in attrs), []
        elif tag == "option" and self._select is not None:
            self._options.append((attrs.get("value", ""), "selected" in attrs))
        elif tag == "textarea":
            self._textarea, self._text = name, ""

    def handle_data(self, data):
        if self._textarea is not None:
            self._text += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea" and self._textarea is not None:
            self._add(self._textarea, self._text.removeprefix("\n"))
            self._textarea = None
        elif tag == "select" and self._select is not None:
            name, multiple = self._select
            chosen = [value for value, selected in self._options if selected]
            if not chosen and not multiple and self._options:
                chosen = [self._options[0][0]]
            for value in chosen:
                self._add(name, value)
            self._select = None


def _rendered_form(response, model_admin) -> _RenderedForm | None:
    if response is None or response.status_code != 200 or response.streaming or model_admin is None:
        return None
    form = _RenderedForm(f"{model_admin.model._meta.model_name}_form")
    form.feed(response.content.decode(errors="replace"))
    return form if form.data or form.checkboxes else None


def _submit_rendered(crawl: Crawl, role: str, variant: str, path: str, get) -> None:
    """POST the admin add/change form back with the values its own page rendered, then once per checkbox
    with that box flipped (a boolean the page offers must save or fail as a form error, never a 500)."""
    form = _rendered_form(get, _admin_for(crawl.route))
    if form is None:
        return
    crawl.request(role, "post", path, f"{variant} form as rendered", data=form.data)
    if role != "platform_admin":  # the flips once, by the role that sees every field (the crawl's time budget)
        return
    for name, value in form.checkboxes.items():
        if "__prefix__" in name or name in ("_selected_action", "action"):
            continue
        flipped = {key: values for key, values in form.data.items() if key != name}
        if name not in form.data:
            flipped[name] = [value]
        crawl.request(role, "post", path, f"{variant} form with {name!r} flipped", data=flipped)


def _is_json(response) -> bool:
    return response is not None and "json" in response.get("Content-Type", "")


def _refused(response) -> bool:
    if response is None:
        return False
    if response.status_code in (401, 403, 404):
        return True
    return response.status_code == 302 and "/login/" in response.get("Location", "")


def _form_names(response) -> list[str]:
    if response is None or response.status_code != 200 or "html" not in response.get("Content-Type", ""):
        return []
    if response.streaming:
        return []
    names = dict.fromkeys(INPUT_NAME.findall(response.content.decode(errors="replace")))
    names.pop("csrfmiddlewaretoken", None)
    return list(names)


def _actions(response) -> list[str]:
    if response is None or response.status_code != 200 or response.streaming:
        return []
    match = ACTION_OPTION.search(response.content.decode(errors="replace"))
    return [v for v in OPTION_VALUE.findall(match.group(1)) if v] if match else []


def _garbage_posts(names: list[str]) -> list[dict]:
    """One payload per garbage value; fields rotate through the values so each field sees every kind."""
    if not names:
        names = ["name", "title", "value"]
    n = len(GARBAGE_VALUES)
    return [{field: GARBAGE_VALUES[(i + k) % n] for i, field in enumerate(names)} for k in range(n)]


def _crawl_path(crawl: Crawl, role: str, variant: str, path: str, names_fallback: list[str]):
    """GET with garbage, POST empty / garbage / JSON; answers the form names the role's GET showed.

    Kept inside the time budget (the admin has some 240 patterns of the same few generic views):

    - site pages: every role gets every input with the own ids; other ids get a GET and an empty POST; a
      role turned away (login page, 401/403/404) gets an empty and one garbage POST only;
    - admin pages: the two staff roles get every input with the own ids; B's ids a GET (and, for the
      university admin, an empty POST); the missing id a GET; odd strings a GET by the platform admin;
      roles without a console a GET with A's and B's ids and an empty POST with A's (the login page).
    """
    in_admin = path.startswith("/admin/")
    own = variant.startswith("own")
    redirect_only = crawl.name.startswith("admin:<")  # admin/<app>/<model>/<id>/: a redirect to the change page
    if in_admin and role not in ADMIN_ROLES:
        # No console: the admin sends them to its login page before reading anything.
        if own or (variant == "other" and crawl.name.endswith("_change")):
            get = crawl.request(role, "get", path, f"{variant} plain GET")
            _check_leak(crawl, role, variant, path, get)
            if own and not redirect_only and not crawl.name.endswith(("_delete", "_history")):
                crawl.request(role, "post", path, f"{variant} empty POST")
        return names_fallback, None
    if in_admin and variant.startswith("odd") and role != "platform_admin":
        return names_fallback, None
    get = crawl.request(role, "get", path, f"{variant} plain GET")
    names = _form_names(get) or names_fallback
    _check_leak(crawl, role, variant, path, get)
    if in_admin and (redirect_only or not own):
        if variant == "other" and role == "university_admin" and not redirect_only:
            crawl.request(role, "post", path, f"{variant} empty POST")
        return names, get
    if in_admin and crawl.name.endswith(("_add", "_change")):
        _submit_rendered(crawl, role, variant, path, get)
    empty = crawl.request(role, "post", path, f"{variant} empty POST")
    if _refused(get):
        # Turned away before any input is read: one garbage POST shows the refusal comes first.
        crawl.request(role, "post", path, f"{variant} garbage POST", data=_garbage_posts(names)[0])
        return names, get
    if not own:
        return names, get
    crawl.request(role, "get", path, f"{variant} garbage GET", data=dict(GET_BASE, **dict.fromkeys(names[:40], "abc")))
    if not in_admin or crawl.name.endswith("_changelist"):
        crawl.request(
            role, "get", path, f"{variant} huge GET", data=dict(GET_HUGE, **dict.fromkeys(names[:40], "1e400"))
        )
    payloads = _garbage_posts(names)
    if crawl.name.endswith(("_delete", "_history", "_changelist")):
        # Any POST confirms a delete; history takes no POST; a change list's POST is an action (below).
        payloads = payloads[:1]
    for index, payload in enumerate(payloads):
        crawl.request(role, "post", path, f"{variant} garbage POST #{index}", data=payload)
    model_admin = _admin_for(crawl.route) if crawl.name.endswith("_changelist") else None
    rows = _admin_rows(model_admin, crawl.world) if model_admin else {}
    selections = (["abc", "1e400", PAST_BIGINT], *([rows[k]] for k in ("own", "other") if k in rows))
    for action in _actions(get):
        for selected in selections:
            crawl.request(
                role,
                "post",
                path,
                f"{variant} action {action} on {selected}",
                data={"action": action, "_selected_action": selected, "index": "0"},
            )
    if not in_admin and (_is_json(get) or _is_json(empty)):
        for body in JSON_BODIES:
            crawl.request(
                role, "post", path, f"{variant} JSON {body[:40]!r}", data=body, content_type="application/json"
            )
    return names, get


# Where an id of university B must never answer 200 to a role of A (platform admins see every university).
PUBLIC_OF_B = {"catalog:course-detail", "learning:enroll", "learning:drop", "community:course-reviews"}
# A certificate issuer's profile, keys and revocation list are public (verifiers of any university read them).
PUBLIC_OF_B |= {"certificate_issuer", "certificate_issuer_jwks", "certificate_issuer_key", "certificate_revocations"}


def _check_leak(crawl: Crawl, role: str, variant: str, path: str, response) -> None:
    if role == "platform_admin" or response is None or response.status_code != 200:
        return
    if variant == "other_private" or (variant == "other" and crawl.name not in PUBLIC_OF_B):
        crawl.leaks.append(f"{role} GET {path}: 200 on university B's row ({variant})")


def _check_changelist_leak(crawl: Crawl, role: str, response) -> None:
    """A changelist of a university admin of A names nothing of university B."""
    if role == "platform_admin" or response is None or response.status_code != 200 or response.streaming:
        return
    text = response.content.decode(errors="replace")
    for marker in ("@b.example.edu", "(BETA)", "Beta Institute of Technology"):
        if marker in text:
            crawl.leaks.append(f"{role} GET {crawl.name}: the change list shows {marker!r}")


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(PATTERNS))
def test_no_server_error(name, crawl_world):
    crawl = Crawl(name, crawl_world)
    variants = _urls(PATTERNS[name], crawl_world)
    assert variants, name
    # The platform admin first: the names of its form are the fallback for roles that see no form.
    names_fallback: list[str] = []
    for role in ("platform_admin", *TENANT_ROLES):
        for variant, path in variants:
            names, get = _crawl_path(crawl, role, variant, path, names_fallback)
            if role == "platform_admin" and variant == "own":
                names_fallback = names
            if name.endswith("_changelist"):
                _check_changelist_leak(crawl, role, get)
    assert not crawl.leaks, "university B's rows answered 200:\n" + "\n".join(crawl.leaks)
    assert not crawl.failures, f"{len(crawl.failures)} of {crawl.requests} requests failed:\n" + "\n".join(
        crawl.failures[:40]
    )


def test_the_crawl_sees_every_pattern():
    """At least every non-admin pattern and, per admin model, changelist/add/change/delete/history."""
    names = set(PATTERNS)
    for model in admin.site._registry:
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        for suffix in ("changelist", "add", "change", "delete", "history"):
            assert f"{prefix}_{suffix}" in names
    assert "learning:roster" in names and "player:item-progress" in names and "prompts:api-prompt-list" in names
