"""Every model of the schema apps is in the admin, and its list, search, change and add pages render."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from syllabus.tests.test_factories import FACTORIES

pytestmark = pytest.mark.django_db

SCHEMA_APPS = ("accounts", "catalog", "syllabus", "learning", "tutoring", "lms")
# Session rows hold bearer credentials (the key is the row's id, so it would sit in admin URLs): staff end
# an account's sessions with the user admin's "sign out" action instead (accounts/tests/test_sessions.py).
# Grading policies, scales and course-grade finalisation are edited on the instructors' grading pages
# (learning/gradebook/grading_views.py), whose services validate weights totalling 100 % and recompute
# the course grades after commit; a console form would bypass both.
NOT_IN_ADMIN = {
    "accounts.UserSession",
    "learning.GradingCategory",
    "learning.GradingItem",
    "learning.GradingPolicy",
    "learning.GradingScale",
    "learning.GradingScaleRow",
}
# Written only by their services (audit trail, stored files, notifications, graded hand-ins): listed and shown
# read-only, never added in the console (accounts.admin_policy.ReadOnlyConsoleMixin).
READ_ONLY = {
    "learning.AssignmentSubmission",
    "learning.CourseReview",
    "learning.CourseReviewModeration",
    "learning.DiscussionPostUpvote",
    "learning.DiscussionThreadFollow",
    "learning.GradeChange",
    "learning.ItemScoreOverride",
    "learning.Notification",
    "learning.NotificationDigest",
    "learning.SubmissionFile",
}
MODELS = sorted(
    (
        model
        for label in SCHEMA_APPS
        for model in apps.get_app_config(label).get_models()
        if model._meta.label not in NOT_IN_ADMIN
    ),
    key=lambda model: model._meta.label,
)


def _factory_for(model):
    candidates = [f for f in FACTORIES if f._meta.model is model]
    return next((f for f in candidates if not f._meta.django_get_or_create), candidates[0])


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model._meta.label)
def test_model_is_registered_with_list_display_and_search(model):
    model_admin = admin.site._registry.get(model)
    assert model_admin is not None, f"{model._meta.label} is not in the admin"
    assert model_admin.list_display != ("__str__",)
    assert model_admin.search_fields


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model._meta.label)
def test_admin_pages_render(admin_client, django_assert_max_num_queries, model):
    obj = _factory_for(model)()
    _factory_for(model)()
    prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
    with django_assert_max_num_queries(12):  # list_select_related: no query per row
        response = admin_client.get(reverse(f"{prefix}_changelist"), {"q": "x"})
    assert response.status_code == 200
    assert admin_client.get(reverse(f"{prefix}_changelist")).status_code == 200
    assert admin_client.get(reverse(f"{prefix}_change", args=[obj.pk])).status_code == 200
    assert admin_client.get(reverse(f"{prefix}_add")).status_code == (403 if model._meta.label in READ_ONLY else 200)


@pytest.mark.parametrize("label", sorted(READ_ONLY))
def test_read_only_admins_show_rows_but_never_write_them(admin_client, label):
    model = apps.get_model(label)
    obj = _factory_for(model)()
    prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
    change_url = reverse(f"{prefix}_change", args=[obj.pk])
    page = admin_client.get(change_url)
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert admin_client.post(change_url, {}).status_code == 403
    assert admin_client.post(reverse(f"{prefix}_delete", args=[obj.pk]), {"post": "yes"}).status_code == 403
    assert model.objects.filter(pk=obj.pk).exists()


@pytest.mark.django_db
def test_encrypted_setting_is_masked_in_the_list(admin_client):
    from lms.tests.factories import SystemSettingFactory

    SystemSettingFactory(setting_key="llm_api_key", setting_value="gAAAA-ciphertext", is_encrypted=True)
    SystemSettingFactory(setting_key="site_name", setting_value="Sigma")
    html = admin_client.get(reverse("admin:lms_systemsetting_changelist")).content.decode()
    assert "gAAAA-ciphertext" not in html and "••••" in html and "Sigma" in html


# --- admin writes go through the syllabus services -----------------------------------------------------------


@pytest.mark.django_db
def test_editing_a_module_in_the_admin_bumps_the_structure_version(admin_client, world):
    from catalog.models import Course
    from syllabus import services

    module = services.create_module(course=world.a.course, module_type="lesson", title="Lesson")
    version = Course.objects.get(pk=world.a.course.pk).structure_version
    response = admin_client.post(
        reverse("admin:syllabus_module_change", args=[module.pk]),
        {"parent_module": world.a.root_module.pk, "module_type": "chapter", "title": "Renamed", "description": ""},
    )
    assert response.status_code == 302
    module.refresh_from_db()
    assert (module.title, module.module_type) == ("Renamed", "chapter")
    assert Course.objects.get(pk=world.a.course.pk).structure_version > version


def _pool_with_three_questions(world):
    from syllabus import services
    from syllabus.tests.factories import QuestionPoolFactory

    pool = QuestionPoolFactory(course=world.a.course)
    questions = [
        services.create_question(pool=pool, question_type="true_false", prompt=f"Q{n}?", correct_answer=True)
        for n in (1, 2, 3)
    ]
    return pool, questions


def _order(pool):
    return list(pool.questions.order_by("sequence_index").values_list("prompt", "sequence_index"))


@pytest.mark.django_db
def test_deleting_a_question_in_the_admin_keeps_the_pool_numbered(admin_client, world):
    pool, questions = _pool_with_three_questions(world)
    response = admin_client.post(reverse("admin:syllabus_question_delete", args=[questions[0].pk]), {"post": "yes"})
    assert response.status_code == 302
    assert _order(pool) == [("Q2?", 1), ("Q3?", 2)]


@pytest.mark.django_db
def test_deleting_a_question_inline_keeps_the_pool_numbered(admin_client, world):
    pool, questions = _pool_with_three_questions(world)
    data = {
        "title": pool.title,
        "description": "",
        "questions-TOTAL_FORMS": "3",
        "questions-INITIAL_FORMS": "3",
        "questions-MIN_NUM_FORMS": "0",
        "questions-MAX_NUM_FORMS": "1000",
    }
    for index, question in enumerate(questions):
        data.update(
            {
                f"questions-{index}-id": question.pk,
                f"questions-{index}-pool": pool.pk,
                f"questions-{index}-question_type": "true_false",
                f"questions-{index}-prompt": question.prompt,
                f"questions-{index}-choices": "[]",
                f"questions-{index}-correct_answer": "true",
                f"questions-{index}-tolerance_mode": "absolute",
                f"questions-{index}-points": "1",
                f"questions-{index}-explanation": "",
            }
        )
    data["questions-1-DELETE"] = "on"
    response = admin_client.post(reverse("admin:syllabus_questionpool_change", args=[pool.pk]), data)
    assert response.status_code == 302, response.context["errors"] if response.context else response
    assert _order(pool) == [("Q1?", 1), ("Q3?", 2)]


@pytest.mark.django_db
def test_pool_admin_edits_and_deletes_through_the_service(admin_client, world):
    from syllabus.models import QuestionPool
    from syllabus.tests.factories import ModuleFactory, QuizContentItemFactory

    quiz = QuizContentItemFactory(module=ModuleFactory(parent_module=world.a.root_module), title="Unit quiz")
    used = QuestionPool.objects.get(pk=quiz.data_json["question_pool_id"])
    free, _ = _pool_with_three_questions(world)
    # Delete page and bulk action: the pool a quiz uses stays, with the reason; the free one goes.
    response = admin_client.post(reverse("admin:syllabus_questionpool_delete", args=[used.pk]), {"post": "yes"})
    assert response.status_code == 302 and QuestionPool.objects.filter(pk=used.pk).exists()
    response = admin_client.post(
        reverse("admin:syllabus_questionpool_changelist"),
        {"action": "delete_selected", "_selected_action": [used.pk, free.pk], "post": "yes"},
        follow=True,
    )
    assert "“Unit quiz”" in response.content.decode()
    assert list(QuestionPool.objects.values_list("pk", flat=True)) == [used.pk]
    # A change of the title is saved (through update_question_pool).
    response = admin_client.post(
        reverse("admin:syllabus_questionpool_change", args=[used.pk]),
        {"title": "Renamed", "description": "", "questions-TOTAL_FORMS": "0", "questions-INITIAL_FORMS": "0"},
    )
    assert response.status_code == 302 and QuestionPool.objects.get(pk=used.pk).title == "Renamed"
