"""The isolation matrix of the staff console: for every model with a tenant, an admin of A never sees,
picks or acts on B's rows (404 on the change page, absent from the list and autocomplete JSON, a form
pointing at B's foreign key is an error with nothing written, a bulk action on B's rows does nothing).
The same one level down: a department admin against another department of the same university."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.contrib import admin
from django.urls import reverse

from accounts.models import UniversityRole, UserUniversityRole
from accounts.tests.factories import UserFactory, UserProfileFactory, UserSubjectPreferenceFactory
from catalog.models import CourseOfferingInstructor, OfferingStaffRole
from catalog.tests.factories import (
    CourseFactory,
    CourseOfferingFactory,
    CourseOfferingInstructorFactory,
    CoursePrerequisiteFactory,
    CourseSubjectFactory,
    DepartmentFactory,
)
from conftest import WORLD_PASSWORD
from learning.models import CourseEnrollment
from learning.tests import factories as lf
from syllabus.models import Module
from syllabus.tests.factories import (
    AssetFactory,
    ContentItemFactory,
    ModuleFactory,
    ModuleTemplateFactory,
    QuestionFactory,
    QuestionPoolFactory,
)
from tutoring.tests.factories import (
    ChatMessageFactory,
    ChatNoteFactory,
    ChatSessionFactory,
    TutorCourseSettingFactory,
    TutorItemSettingFactory,
)

pytestmark = pytest.mark.django_db


def _item(t):
    return ContentItemFactory(module=ModuleFactory(course=t.course))


def _pool(t):
    return QuestionPoolFactory(course=t.course, university=t.university)


def _session(t):
    return ChatSessionFactory(user=t.student, content_item=_item(t))


def _attempt(t):
    return lf.QuizAttemptFactory(user=t.student, course_offering=t.offering)


def _thread(t):
    return lf.DiscussionThreadFactory(course_offering=t.offering, created_by_user=t.student)


# model label → builder of one row in tenant ``t`` (a world tenant, or another department of A)
BUILDERS = {
    "catalog.university": lambda t: t.university,
    "catalog.department": lambda t: t.department,
    "catalog.course": lambda t: t.course,
    "catalog.courseoffering": lambda t: t.offering,
    "catalog.courseofferinginstructor": lambda t: CourseOfferingInstructor.objects.get(
        course_offering=t.offering, user=t.instructor
    ),
    "catalog.coursesubject": lambda t: CourseSubjectFactory(course=t.course),
    "catalog.courseprerequisite": lambda t: CoursePrerequisiteFactory(
        course=t.course, prerequisite_course=CourseFactory(university=t.university, department=t.department)
    ),
    "accounts.user": lambda t: t.student,
    "accounts.useruniversityrole": lambda t: UserUniversityRole.objects.get(user=t.student),
    "accounts.userprofile": lambda t: UserProfileFactory(user=t.student),
    "accounts.usersubjectpreference": lambda t: UserSubjectPreferenceFactory(user=t.student),
    "syllabus.moduletemplate": lambda t: ModuleTemplateFactory(university=t.university),
    "syllabus.module": lambda t: ModuleFactory(course=t.course),
    "syllabus.contentitem": _item,
    "syllabus.asset": lambda t: AssetFactory(university=t.university),
    "syllabus.questionpool": _pool,
    "syllabus.question": lambda t: QuestionFactory(pool=_pool(t)),
    "learning.courseenrollment": lambda t: CourseEnrollment.objects.get(user=t.student, course_offering=t.offering),
    "learning.courseinvitation": lambda t: lf.CourseInvitationFactory(course_offering=t.offering),
    "learning.usermoduleprogress": lambda t: lf.UserModuleProgressFactory(user=t.student, course_offering=t.offering),
    "learning.usercontentprogress": lambda t: lf.UserContentProgressFactory(user=t.student, course_offering=t.offering),
    "learning.quizattempt": lambda t: lf.QuizAttemptFactory(user=t.student, course_offering=t.offering),
    "learning.labsubmission": lambda t: lf.LabSubmissionFactory(user=t.student, course_offering=t.offering),
    "learning.coursegrade": lambda t: lf.CourseGradeFactory(user=t.student, course_offering=t.offering),
    "learning.certificate": lambda t: lf.CertificateFactory(user=t.student, course_offering=t.offering),
    "learning.discussionthread": lambda t: lf.DiscussionThreadFactory(course_offering=t.offering, created_by_user=t.student),
    "learning.discussionpost": lambda t: lf.DiscussionPostFactory(
        thread=lf.DiscussionThreadFactory(course_offering=t.offering, created_by_user=t.student), user=t.student
    ),
    "learning.coursereview": lambda t: lf.CourseReviewFactory(user=t.student, course_offering=t.offering),
    "learning.coursereviewmoderation": lambda t: lf.CourseReviewModerationFactory(
        review=lf.CourseReviewFactory(user=t.student, course_offering=t.offering), actor=t.instructor
    ),
    "learning.accommodation": lambda t: lf.AccommodationFactory(student=t.student, course_offering=t.offering),
    "learning.quizattemptquestion": lambda t: lf.QuizAttemptQuestionFactory(attempt=_attempt(t)),
    "learning.quizmastery": lambda t: lf.QuizMasteryFactory(user=t.student, course_offering=t.offering),
    "learning.quizregrade": lambda t: lf.QuizRegradeFactory(attempt=_attempt(t)),
    "learning.assignmentsubmission": lambda t: lf.AssignmentSubmissionFactory(user=t.student, course_offering=t.offering),
    "learning.submissionfile": lambda t: lf.SubmissionFileFactory(
        assignment_submission=lf.AssignmentSubmissionFactory(user=t.student, course_offering=t.offering)
    ),
    "learning.gradechange": lambda t: lf.GradeChangeFactory(
        target=lf.LabSubmissionFactory(user=t.student, course_offering=t.offering)
    ),
    "learning.itemscoreoverride": lambda t: lf.ItemScoreOverrideFactory(student=t.student, course_offering=t.offering),
    "learning.notification": lambda t: lf.NotificationFactory(user=t.student, university=t.university),
    "learning.discussionpostupvote": lambda t: lf.DiscussionPostUpvoteFactory(
        post=lf.DiscussionPostFactory(thread=_thread(t), user=t.student), user=t.student
    ),
    "learning.discussionthreadfollow": lambda t: lf.DiscussionThreadFollowFactory(thread=_thread(t), user=t.student),
    "learning.discussionsettings": lambda t: lf.DiscussionSettingsFactory(course_offering=t.offering),
    "tutoring.tutorcoursesetting": lambda t: TutorCourseSettingFactory(course=t.course),
    "tutoring.tutoritemsetting": lambda t: TutorItemSettingFactory(content_item=_item(t)),
    "tutoring.chatsession": _session,
    "tutoring.chatmessage": lambda t: ChatMessageFactory(session=_session(t)),
    "tutoring.chatnote": lambda t: ChatNoteFactory(session=_session(t)),
}
# University-level models a department admin does not see at all (no department path).
NO_DEPARTMENT_VIEW = {
    "accounts.useruniversityrole",
    "syllabus.moduletemplate",
    "syllabus.asset",
    "learning.notification",
}
# Same university for both departments: the department admin sees (read-only) its university.
SAME_ROW_FOR_DEPARTMENTS = {"catalog.university"}


def _label(model) -> str:
    return model._meta.label_lower


def test_every_tenant_model_of_the_schema_is_in_the_matrix():
    from accounts.admin_policy import ScopeMixin

    scoped = {
        _label(model)
        for model, model_admin in admin.site._registry.items()
        if isinstance(model_admin, ScopeMixin) and not model_admin.platform_only
    }
    assert scoped == set(BUILDERS)


def other_department(world) -> SimpleNamespace:
    """A second department of university A with its own course, offering and people."""
    a = world.a
    department = DepartmentFactory(university=a.university, code="PHYS", name="Physics")
    course = CourseFactory(university=a.university, department=department, code="PHYS101", is_published=True)
    offering = CourseOfferingFactory(course=course)
    student, instructor = UserFactory(), UserFactory()
    UserUniversityRole.objects.create(user=student, university=a.university, role=UniversityRole.STUDENT)
    CourseOfferingInstructorFactory(course_offering=offering, user=instructor, role=OfferingStaffRole.INSTRUCTOR)
    CourseEnrollment.objects.create(user=student, course_offering=offering)
    return SimpleNamespace(
        university=a.university,
        department=department,
        course=course,
        root_module=Module.objects.get(course=course, parent_module=None),
        offering=offering,
        student=student,
        instructor=instructor,
    )


def _login(client, user):
    assert client.login(email=user.email, password=WORLD_PASSWORD)
    return client


def _urls(label: str, pk=None):
    app, model = label.split(".")
    if pk is None:
        return reverse(f"admin:{app}_{model}_changelist")
    return reverse(f"admin:{app}_{model}_change", args=[pk])


CASES = [(label, level) for label in sorted(BUILDERS) for level in ("university", "department")]


@pytest.mark.parametrize(("label", "level"), CASES, ids=[f"{label}-{level}" for label, level in CASES])
def test_isolation_matrix(client, world, label, level):
    if level == "department" and label in SAME_ROW_FOR_DEPARTMENTS:
        pytest.skip("both departments share the university row")
    build = BUILDERS[label]
    if level == "university":
        actor, own, foreign = world.a.university_admin, world.a, world.b
    else:
        actor, own, foreign = world.a.department_admin, world.a, other_department(world)
    mine, theirs = build(own), build(foreign)
    _login(client, actor)

    if level == "department" and label in NO_DEPARTMENT_VIEW:
        # A university-level model: the department admin cannot open it at all (403 for every id).
        assert client.get(_urls(label)).status_code == 403
        assert client.get(_urls(label, theirs.pk)).status_code == 403
        assert client.get(_urls(label, mine.pk)).status_code == 403
        return
    # Change page of a foreign row: 404, the same as a row that does not exist.
    assert client.get(_urls(label, theirs.pk)).status_code == 404

    listing = client.get(_urls(label))
    assert listing.status_code == 200
    shown = {obj.pk for obj in listing.context["cl"].result_list}
    assert mine.pk in shown and theirs.pk not in shown
    assert client.get(_urls(label, mine.pk)).status_code == 200

    # A bulk action on the foreign row (every list offers delete_selected or a service action) changes nothing.
    model = type(theirs)
    form = listing.context["action_form"]
    actions = {name for name, _ in form.fields["action"].choices if name} if form is not None else set()
    for name in sorted(actions | {"delete_selected"}):
        if name.startswith("export"):
            continue
        client.post(_urls(label), {"action": name, "_selected_action": [theirs.pk], "post": "yes"})
    assert model._default_manager.filter(pk=theirs.pk).exists()
    before = {f.attname: getattr(theirs, f.attname) for f in model._meta.concrete_fields if f.attname != "updated_at"}
    theirs.refresh_from_db()
    after = {f.attname: getattr(theirs, f.attname) for f in model._meta.concrete_fields if f.attname != "updated_at"}
    assert before == after


def _autocomplete_cases():
    cases = []
    for model, model_admin in admin.site._registry.items():
        for field_name in model_admin.autocomplete_fields:
            target = model._meta.get_field(field_name).related_model
            if _label(target) in BUILDERS:
                cases.append((_label(model), field_name, _label(target)))
    return sorted(cases)


AUTOCOMPLETE = _autocomplete_cases()


@pytest.mark.parametrize(("source", "field_name", "target"), AUTOCOMPLETE, ids=[f"{s}.{f}" for s, f, _ in AUTOCOMPLETE])
def test_autocomplete_never_offers_another_tenants_rows(client, world, source, field_name, target):
    mine, theirs = BUILDERS[target](world.a), BUILDERS[target](world.b)
    _login(client, world.a.university_admin)
    app, model = source.split(".")
    response = client.get(
        reverse("admin:autocomplete"), {"app_label": app, "model_name": model, "field_name": field_name, "term": ""}
    )
    if response.status_code == 403:  # a source the university admin may not open (none today)
        pytest.fail(f"{source}.{field_name}: autocomplete refused to a university admin")
    ids = {int(row["id"]) for row in response.json()["results"]}
    assert theirs.pk not in ids
    assert mine.pk in ids or response.json()["pagination"]["more"]


def _count(model):
    return model._default_manager.count()


def test_forms_pointing_at_another_tenants_rows_are_errors(client, world):
    from catalog.models import Course, CourseOffering
    from syllabus.models import ModuleTemplate

    a, b = world.a, world.b
    _login(client, a.university_admin)
    posts = [
        (Course, "catalog.course", {"university": b.university.pk, "department": b.department.pk, "title": "X",
                                    "code": "X1", "level": "undergraduate", "language_code": "en",
                                    "offerings-TOTAL_FORMS": 0, "offerings-INITIAL_FORMS": 0,
                                    "prerequisite_links-TOTAL_FORMS": 0, "prerequisite_links-INITIAL_FORMS": 0,
                                    "course_subjects-TOTAL_FORMS": 0, "course_subjects-INITIAL_FORMS": 0}),
        (Course, "catalog.course", {"university": a.university.pk, "department": b.department.pk, "title": "X",
                                    "code": "X2", "level": "undergraduate", "language_code": "en",
                                    "offerings-TOTAL_FORMS": 0, "offerings-INITIAL_FORMS": 0,
                                    "prerequisite_links-TOTAL_FORMS": 0, "prerequisite_links-INITIAL_FORMS": 0,
                                    "course_subjects-TOTAL_FORMS": 0, "course_subjects-INITIAL_FORMS": 0}),
        (CourseOffering, "catalog.courseoffering", {"course": b.course.pk, "visibility": "private",
                                                    "instructors-TOTAL_FORMS": 0, "instructors-INITIAL_FORMS": 0}),
        (CourseOfferingInstructor, "catalog.courseofferinginstructor", {"course_offering": b.offering.pk,
                                                                        "user": a.instructor.pk, "role": "ta"}),
        (UserUniversityRole, "accounts.useruniversityrole", {"user": a.student.pk, "university": b.university.pk,
                                                              "role": "ta"}),
        (Module, "syllabus.module", {"course": b.course.pk, "parent_module": b.root_module.pk, "module_type": "lesson",
                                     "title": "Sneaky"}),
        (CourseEnrollment, "learning.courseenrollment", {"user": a.student.pk, "course_offering": b.offering.pk}),
        (ModuleTemplate, "syllabus.moduletemplate", {"title": "Platform-wide?", "template_type": "lesson"}),
    ]
    for model, label, data in posts:
        app, name = label.split(".")
        before = _count(model)
        response = client.post(reverse(f"admin:{app}_{name}_add"), data)
        assert response.status_code == 200, (label, response.status_code)
        assert response.context["adminform"].form.errors, label
        assert _count(model) == before, label
    # Changing A's course to point at B's department is refused the same way.
    change = client.post(
        _urls("catalog.course", a.course.pk),
        {"department": b.department.pk, "title": a.course.title, "code": a.course.code, "level": "undergraduate",
         "language_code": "en", "offerings-TOTAL_FORMS": 0, "offerings-INITIAL_FORMS": 0,
         "prerequisite_links-TOTAL_FORMS": 0, "prerequisite_links-INITIAL_FORMS": 0,
         "course_subjects-TOTAL_FORMS": 0, "course_subjects-INITIAL_FORMS": 0},
    )
    assert change.status_code == 200
    a.course.refresh_from_db()
    assert a.course.department_id == a.department.pk


def _content_item_post(module, title: str) -> dict:
    """A content item form that is valid for its type (a text item, the factory's own payload)."""
    import json

    from syllabus.tests.factories import builtin_content_type

    return {
        "module": module.pk,
        "content_type": builtin_content_type("text").pk,
        "title": title,
        "data_json": json.dumps(ContentItemFactory.data_json.function()),
        "learning_objectives": "[]",
        "prompt_label": "production",
        "estimated_duration_seconds": 300,
        "is_active": "on",
    }


@pytest.mark.parametrize("level", ["university", "department"])
def test_content_item_form_cannot_reach_a_foreign_module(client, world, level):
    from syllabus.models import ContentItem

    if level == "university":
        actor, foreign = world.a.university_admin, world.b
    else:
        actor, foreign = world.a.department_admin, other_department(world)
    add = reverse("admin:syllabus_contentitem_add")
    _login(client, actor)
    # The same form is accepted for the actor's own module: the refusal below is about the tenant alone.
    own = client.post(add, _content_item_post(world.a.root_module, "Mine"))
    assert own.status_code == 302, own.context and own.context["adminform"].form.errors
    assert ContentItem.objects.filter(module=world.a.root_module, title="Mine").exists()

    before = ContentItem.objects.count()
    response = client.post(add, _content_item_post(foreign.root_module, "Sneaky"))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert ContentItem.objects.count() == before
    assert not ContentItem.objects.filter(module=foreign.root_module).exists()

    # Editing the other tenant's item by id: 404, and it is unchanged.
    theirs = ContentItemFactory(module=foreign.root_module, title="Theirs")
    change = reverse("admin:syllabus_contentitem_change", args=[theirs.pk])
    assert client.get(change).status_code == 404
    assert client.post(change, {**_content_item_post(foreign.root_module, "Hijacked")}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.title == "Theirs"


# A department admin of A's mathematics against A's physics department (and B): what the pickers offer.
DEPARTMENT_CHOICES = [
    ("catalog.courseoffering", "course", "course"),
    ("catalog.courseofferinginstructor", "course_offering", "offering"),
    ("catalog.courseofferinginstructor", "user", "instructor"),
    ("learning.courseenrollment", "course_offering", "offering"),
    ("learning.courseenrollment", "user", "student"),
    ("syllabus.module", "course", "course"),
]


@pytest.mark.parametrize(("source", "field_name", "attr"), DEPARTMENT_CHOICES,
                         ids=[f"{s}.{f}" for s, f, _ in DEPARTMENT_CHOICES])
def test_department_admin_pickers_offer_only_their_department(client, world, source, field_name, attr):
    physics = other_department(world)
    mine, same_university, other_university = (
        getattr(world.a, attr), getattr(physics, attr), getattr(world.b, attr)
    )
    _login(client, world.a.department_admin)
    app, model = source.split(".")
    # The add form's select (or the autocomplete widget's queryset) …
    form = client.get(reverse(f"admin:{app}_{model}_add")).context["adminform"].form
    choices = set(form.fields[field_name].queryset.values_list("pk", flat=True))
    assert mine.pk in choices
    assert same_university.pk not in choices and other_university.pk not in choices
    # … and the autocomplete JSON behind it.
    if field_name in admin.site.get_model_admin(_model(source)).autocomplete_fields:
        response = client.get(
            reverse("admin:autocomplete"),
            {"app_label": app, "model_name": model, "field_name": field_name, "term": ""},
        )
        assert response.status_code == 200
        ids = {int(row["id"]) for row in response.json()["results"]}
        assert mine.pk in ids
        assert same_university.pk not in ids and other_university.pk not in ids


def _model(label: str):
    from django.apps import apps

    return apps.get_model(label)


@pytest.mark.parametrize("label", ["catalog.course", "catalog.courseoffering", "syllabus.module",
                                   "learning.courseenrollment", "accounts.user"])
def test_department_admin_gets_404_for_another_departments_row_by_id(client, world, label):
    physics = other_department(world)
    theirs = {
        "catalog.course": physics.course,
        "catalog.courseoffering": physics.offering,
        "syllabus.module": physics.root_module,
        "learning.courseenrollment": CourseEnrollment.objects.get(course_offering=physics.offering),
        "accounts.user": physics.student,
    }[label]
    _login(client, world.a.department_admin)
    assert client.get(_urls(label, theirs.pk)).status_code == 404
    app, model = label.split(".")
    # Delete: 404, or 403 where the department admin may delete no row of the model at all (accounts).
    delete = reverse(f"admin:{app}_{model}_delete", args=[theirs.pk])
    assert client.get(delete).status_code in (403, 404)
    assert client.post(delete, {"post": "yes"}).status_code in (403, 404)
    assert type(theirs)._default_manager.filter(pk=theirs.pk).exists()
    assert client.get(reverse(f"admin:{app}_{model}_history", args=[theirs.pk])).status_code == 404


@pytest.mark.parametrize("who", ["student", "instructor", "ta"])
def test_teaching_and_learning_roles_get_no_admin(client, world, who):
    _login(client, getattr(world.a, who))
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert client.get(_urls("catalog.course")).status_code == 302


PLATFORM_ONLY = [
    "catalog.country", "catalog.domain", "catalog.subject", "syllabus.contenttype", "lms.systemsetting",
    "admin.logentry", "auth.group",
]


@pytest.mark.parametrize("label", PLATFORM_ONLY)
def test_platform_only_models_are_hidden_from_tenant_admins(client, world, label):
    for actor in (world.a.university_admin, world.a.department_admin):
        _login(client, actor)
        assert client.get(_urls(label)).status_code == 403
        index = client.get(reverse("admin:index")).content.decode()
        assert _urls(label) not in index
    _login(client, world.platform_admin)
    assert client.get(_urls(label)).status_code == 200


def test_university_admin_sees_only_their_university_on_the_index(client, world):
    _login(client, world.a.university_admin)
    html = client.get(reverse("admin:index")).content.decode()
    assert world.a.university.name in html and world.b.university.name not in html
    courses = client.get(_urls("catalog.course")).content.decode()
    assert world.b.university.name not in courses  # not even in the filter sidebar
