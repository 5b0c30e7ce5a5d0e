"""The course player: renderers, sanitization, access, navigation, resume, progress endpoints."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from learning.models import CourseEnrollment, EnrollmentStatus, UserContentProgress
from learning.player import content as player_content
from learning.player.views import DENIED_MESSAGES, NOT_ENROLLED_MESSAGE
from learning.progress import services as progress_services
from learning.tests.factories import LabSubmissionFactory, QuizAttemptFactory
from learning.tests.test_player_fixtures import bump
from syllabus import mathml
from syllabus.mathml import render_latex
from syllabus.models import Module, QuestionPool
from syllabus.tests.factories import (
    AssetFactory,
    ContentItemFactory,
    LabContentItemFactory,
    ModuleFactory,
    QuestionFactory,
    QuizContentItemFactory,
    builtin_content_type,
)

# The demo's first article (learning/management/demo_data.py), with a real asset.
DEMO_TEXT = {
    "layout": "rich_text_v1",
    "title": "What is a derivative?",
    "blocks": [
        {"type": "paragraph", "text": "The parabola $y = x^2$ is flat at the origin and grows steeper."},
        {"type": "math", "latex": "f'(x_0) = \\lim_{\\Delta x \\to 0} \\frac{f(x_0 + \\Delta x) - f(x_0)}{\\Delta x}"},
        {
            "type": "image",
            "asset_id": None,
            "caption": "The tangent line to $y = x^2$ at $(1, 1)$.",
            "alt_text": "Parabola y = x squared with the tangent line y = 2x − 1 touching it at (1, 1).",
        },
        {
            "type": "link_list",
            "items": [
                {
                    "label": "MIT OCW 18.01 — Single Variable Calculus",
                    "url": "https://ocw.mit.edu/courses/18-01sc-single-variable-calculus-fall-2010/",
                }
            ],
        },
    ],
}


@pytest.fixture
def student(client, tree):
    client.force_login(tree.student)
    return client


def item_url(tree, item):
    return reverse("player:item", args=[tree.offering.pk, item.pk])


def add_item(tree, **kwargs):
    item = ContentItemFactory(module=tree.lesson_a2, **kwargs)
    bump(tree.course)
    return item


# --- renderers -----------------------------------------------------------------------------------


def test_text_renders_math_as_mathml_image_with_alt_and_links(student, tree, world):
    asset = AssetFactory(university=world.a.university, url="/static/demo/tangent-line.png")
    data = json.loads(json.dumps(DEMO_TEXT))
    data["blocks"][2]["asset_id"] = asset.pk
    item = add_item(tree, title="What is a derivative?", data_json=data)
    html = student.get(item_url(tree, item)).content.decode()
    assert html.count("<math") >= 3  # inline in the paragraph and the caption, display block
    # The syllabus editor's renderer: real MathML elements, not ElementTree's "ns0:" prefixes.
    assert html.count('<math xmlns="http://www.w3.org/1998/Math/MathML"') >= 3 and "ns0:" not in html
    assert 'display="block"' in html
    assert "\\lim" not in html  # LaTeX never reaches the page as text or HTML
    assert 'src="/static/demo/tangent-line.png"' in html
    assert 'alt="Parabola y = x squared with the tangent line y = 2x − 1 touching it at (1, 1)."' in html
    assert "<figcaption" in html
    assert 'href="https://ocw.mit.edu/courses/18-01sc-single-variable-calculus-fall-2010/"' in html
    assert "Mark as done" in html


def test_player_math_is_the_syllabus_renderer_cached():
    latex = r"\frac{a}{b} + \sqrt{c}"
    before = mathml.cache_info().hits
    assert player_content.latex_to_mathml(latex, True) == render_latex(latex, display=True)
    assert player_content.latex_to_mathml(latex, False) == render_latex(latex, display=False)
    assert mathml.cache_info().hits > before
    # What the editor refuses is shown as escaped source.
    assert (
        player_content.latex_to_mathml(r"\text{<b>x</b>}")
        == '<code class="math-error">\\text{&lt;b&gt;x&lt;/b&gt;}</code>'
    )


def test_an_asset_of_another_university_is_not_shown(student, tree, world):
    foreign = AssetFactory(university=world.b.university, url="https://b.example.edu/secret.png")
    data = {"blocks": [{"type": "image", "asset_id": foreign.pk, "alt_text": "x"}]}
    html = student.get(item_url(tree, add_item(tree, data_json=data))).content.decode()
    assert "secret.png" not in html and "Image unavailable" in html


def test_stored_script_and_event_handlers_are_inert(student, tree):
    data = {
        "blocks": [
            {"type": "paragraph", "text": "Hi <script>alert('x')</script><img src=x onerror=alert(1)> <b>bold</b>"},
            {"type": "math", "latex": "\\text{<script>alert(2)</script>}"},
            {"type": "image", "asset_id": 999999, "caption": "<svg onload=alert(3)>cap</svg>", "alt_text": '"><b>'},
            {"type": "link_list", "items": [{"label": "<i>x</i>", "url": "javascript:alert(4)"}]},
        ]
    }
    item = add_item(tree, title="<script>alert('title')</script>", data_json=data)
    html = student.get(item_url(tree, item)).content.decode()
    article = html[html.index("<article") : html.index("</article>")]
    assert "<script" not in article
    assert "onerror" not in article and "onload" not in article
    assert "javascript:" not in article
    assert "&lt;script&gt;alert(&#x27;title&#x27;)&lt;/script&gt;" in article
    assert "<b>bold</b>" in article  # harmless inline markup survives sanitizing
    assert "&lt;i&gt;x&lt;/i&gt;" not in article  # the unsafe link was dropped entirely


def test_youtube_video_uses_nocookie_embed_and_interactive_transcript(student, tree):
    html = student.get(item_url(tree, tree.v1)).content.decode()
    assert 'src="https://www.youtube-nocookie.com/embed/7K1sB05pE0A?enablejsapi=1' in html
    assert "www.youtube.com/embed" not in html
    assert html.count('class="seg"') == 2
    assert 'data-start="12.5"' in html and "The slope of the tangent line at a point." in html
    assert 'id="transcript-search"' in html
    assert "js/player.js" in html
    assert "Mark as done" not in html  # videos complete at the end


def test_vimeo_uses_dnt_and_internal_video_uses_html5(student, tree, world):
    vimeo = add_item(
        tree,
        content_type=builtin_content_type("video"),
        data_json={"provider": "vimeo", "url": "https://vimeo.com/76979871"},
    )
    html = student.get(item_url(tree, vimeo)).content.decode()
    assert 'src="https://player.vimeo.com/video/76979871?dnt=1"' in html
    asset = AssetFactory(university=world.a.university, url="/media/lectures/l1.mp4", asset_type="video")
    internal = add_item(
        tree, content_type=builtin_content_type("video"), data_json={"provider": "internal", "asset_id": asset.pk}
    )
    html = student.get(item_url(tree, internal)).content.decode()
    assert '<video id="player-video"' in html and 'src="/media/lectures/l1.mp4"' in html


def test_resource_links_open_directly_and_a_post_records_the_interaction(student, tree):
    html = student.get(item_url(tree, tree.r1)).content.decode()
    record_url = reverse("player:resource-open", args=[tree.offering.pk, tree.r1.pk, 1])
    # The link itself goes to the resource (it opens without JavaScript); the script posts to record it.
    assert 'href="https://www.youtube.com/watch?v=WUvTyaaNkzM"' in html and f'data-record-url="{record_url}"' in html
    assert "bi-file-earmark-pdf" in html and "bi-play-circle" in html  # Bootstrap Icons, not emoji
    UserContentProgress.objects.all().delete()  # the page's own "start" is not what this test is about
    # A GET writes nothing (and is not allowed).
    assert student.get(record_url).status_code == 405
    assert not UserContentProgress.objects.exists()
    response = student.post(record_url)
    assert response.status_code == 204
    row = UserContentProgress.objects.get(user=tree.student, content_item=tree.r1)
    assert row.last_interacted_at is not None and row.completed_at is None
    assert student.post(reverse("player:resource-open", args=[tree.offering.pk, tree.r1.pk, 9])).status_code == 404


def test_a_resource_with_an_unsafe_url_is_shown_without_a_link(student, tree):
    item = add_item(
        tree,
        content_type=builtin_content_type("resource"),
        data_json={"resources": [{"label": "Sneaky", "url": "javascript:alert(1)", "kind": "article"}]},
    )
    html = student.get(item_url(tree, item)).content.decode()
    assert "Sneaky" in html and "javascript:" not in html
    assert student.post(reverse("player:resource-open", args=[tree.offering.pk, item.pk, 0])).status_code == 404


def test_assessment_cards_summarise_without_an_attempt_flow(student, tree):
    quiz = QuizContentItemFactory(module=tree.lesson_a2, title="Checkpoint quiz")
    pool = QuestionPool.objects.get(pk=quiz.data_json["question_pool_id"])
    for _ in range(8):
        QuestionFactory(pool=pool)
    lab = LabContentItemFactory(module=tree.lesson_a2, title="Numerical lab")
    assignment = add_item(
        tree,
        title="Problem set 1",
        content_type=builtin_content_type("assignment"),
        data_json={
            "instructions": [{"type": "paragraph", "text": "Differentiate $x^3$."}],
            "due_offset_days": 14,
            "max_points": 20,
            "submission_types": ["file_upload"],
        },
    )
    html = student.get(item_url(tree, quiz)).content.decode()
    assert "Quiz · Practice" in html and "5 of 5" in html and "Questions per attempt" in html
    # The quiz card is the entry point of attempts (learning/assessments).
    assert f"/learn/{tree.offering.pk}/quiz/{quiz.pk}/start/" in html and "Unlimited" not in html
    assert "Mark as done" not in html
    html = student.get(item_url(tree, lab)).content.decode()
    assert "python-datascience" in html and "100" in html and f"/labs/{lab.pk}/" in html and "Start the lab" in html
    html = student.get(item_url(tree, assignment)).content.decode()
    assert "Max points" in html and "20" in html and "<math" in html and "<time datetime=" in html


def test_assessment_cards_show_the_real_numbers(student, tree, world):
    """Questions from the pool, attempts left from quiz_attempts, lab submissions, the due date in the
    student's time zone, max points: nothing on the cards is a fixed text."""
    tree.student.time_zone = "America/New_York"
    tree.student.save(update_fields=["time_zone"])
    quiz = QuizContentItemFactory(module=tree.lesson_a2, title="Checkpoint quiz")
    pool = QuestionPool.objects.get(pk=quiz.data_json["question_pool_id"])
    for _ in range(3):  # fewer questions than the 5 per attempt asked for
        QuestionFactory(pool=pool, points=2)
    for n in (1, 2):
        QuizAttemptFactory(user=tree.student, course_offering=tree.offering, content_item=quiz, attempt_number=n)
    html = student.get(item_url(tree, quiz)).content.decode()
    assert "3 of 5" in html  # attempts left of max_attempts 5
    assert '<dd class="col-sm-7">3</dd>' in html  # questions per attempt: the pool's 3
    # Without mastery points, max points are the questions' points.
    data = {**quiz.data_json, "mastery": {"max_attempts": 2}, "num_questions_per_attempt": 2}
    type(quiz).objects.filter(pk=quiz.pk).update(data_json=data)
    html = student.get(item_url(tree, quiz)).content.decode()
    assert "0 of 2" in html and "2 drawn from a pool of 3" in html and '<dd class="col-sm-7">4</dd>' in html

    lab = LabContentItemFactory(module=tree.lesson_a2, title="Numerical lab")
    LabSubmissionFactory(user=tree.student, course_offering=tree.offering, content_item=lab)
    bump(tree.course)
    html = student.get(item_url(tree, lab)).content.decode()
    assert "Code lab · python-datascience" in html and "Unlimited (1 submitted)" in html

    assignment = add_item(
        tree,
        title="Essay",
        content_type=builtin_content_type("assignment"),
        data_json={
            "instructions": [{"type": "paragraph", "text": "Write."}],
            "due_at": "2030-03-01T17:00:00Z",
            "max_points": 12.5,
            "submission_types": ["text_entry", "url"],
        },
    )
    html = student.get(item_url(tree, assignment)).content.decode()
    assert "Fri 1 Mar 2030, 12:00 EST" in html  # 17:00 UTC in New York
    assert "12.5" in html and "text entry, link" in html
    assert "Attempts left" not in html  # assignments set no attempt limit: no made-up number


def test_self_paced_assignment_is_due_after_the_enrollment(student, tree):
    type(tree.offering).objects.filter(pk=tree.offering.pk).update(starts_at=None, ends_at=None)
    enrolled_at = CourseEnrollment.objects.get(user=tree.student, course_offering=tree.offering).enrolled_at
    item = add_item(
        tree,
        content_type=builtin_content_type("assignment"),
        data_json={
            "instructions": [{"type": "paragraph", "text": "Write."}],
            "due_offset_days": 7,
            "max_points": 5,
            "submission_types": ["text_entry"],
        },
    )
    html = student.get(item_url(tree, item)).content.decode()
    assert f'<time datetime="{(enrolled_at + timedelta(days=7)).isoformat()}"' in html


# --- access --------------------------------------------------------------------------------------


def test_anonymous_goes_to_login(client, tree):
    response = client.get(item_url(tree, tree.t1))
    assert response.status_code == 302 and "/accounts/login" in response["Location"]


def test_not_enrolled_member_is_sent_to_the_course_page_with_the_reason(client, tree, world):
    client.force_login(world.a.instructor)
    response = client.get(reverse("player:resume", args=[tree.offering.pk]))
    assert response.status_code == 302 and response["Location"] == "/courses/ALPHA/MATH101/"
    assert [str(m) for m in get_messages(response.wsgi_request)] == [NOT_ENROLLED_MESSAGE]


@pytest.mark.parametrize("status", [EnrollmentStatus.DROPPED, EnrollmentStatus.PENDING])
def test_dropped_or_pending_student_is_sent_to_the_course_page(student, tree, status):
    CourseEnrollment.objects.filter(user=tree.student).update(status=status)
    response = student.get(item_url(tree, tree.t1))
    assert response.status_code == 302 and response["Location"] == "/courses/ALPHA/MATH101/"
    assert [str(m) for m in get_messages(response.wsgi_request)] == [DENIED_MESSAGES[status]]
    response = student.post(reverse("player:item-progress", args=[tree.offering.pk, tree.t1.pk]), {"event": "start"})
    assert response.status_code == 403
    assert not UserContentProgress.objects.exists()


def test_completed_enrollment_still_enters(student, tree):
    CourseEnrollment.objects.filter(user=tree.student).update(status=EnrollmentStatus.COMPLETED)
    assert student.get(item_url(tree, tree.t1)).status_code == 200


def test_other_university_gets_404(client, tree, world):
    client.force_login(world.b.student)
    assert client.get(reverse("player:resume", args=[tree.offering.pk])).status_code == 404
    assert client.get(item_url(tree, tree.t1)).status_code == 404
    assert client.post(reverse("player:item-done", args=[tree.offering.pk, tree.t1.pk])).status_code == 404


def test_unpublished_inactive_and_foreign_items_answer_404(student, tree, world):
    foreign = ContentItemFactory(module__course=world.b.course)
    for item in (tree.x1, tree.inactive, foreign):
        assert student.get(item_url(tree, item)).status_code == 404
        url = reverse("player:item-progress", args=[tree.offering.pk, item.pk])
        assert student.post(url, {"event": "start"}).status_code == 404
    assert student.get(reverse("player:resume", args=[999999])).status_code == 404


def test_unpublished_modules_are_not_in_the_outline(student, tree):
    html = student.get(item_url(tree, tree.t1)).content.decode()
    assert "Chapter A: Slopes" in html and "Chapter C: Draft" not in html and "Draft page" not in html
    assert "Retired page" not in html


# --- navigation, resume, progress ------------------------------------------------------------------


def test_breadcrumbs_and_previous_next_follow_tree_order(student, tree):
    response = student.get(item_url(tree, tree.t2))
    html = response.content.decode()
    crumbs = html[html.index('class="breadcrumb') : html.index("</ol>")]
    assert crumbs.index("Chapter A: Slopes") < crumbs.index("Lesson A1: Tangent lines") < crumbs.index("The power rule")
    assert response.context["previous"] == (tree.t1.pk, "What is a derivative?")
    # A module's own items come before its child modules: after t2 comes the section's video.
    assert response.context["next"] == (tree.v1.pk, "Lecture video")
    assert student.get(item_url(tree, tree.r1)).context["next"] is None
    assert student.get(item_url(tree, tree.t1)).context["previous"] is None


def test_resume_reopens_the_last_item_touched(student, tree):
    response = student.get(reverse("player:resume", args=[tree.offering.pk]))
    assert response.context["item"].pk == tree.t1.pk  # nothing touched yet: the first item
    progress_services.open_item(user=tree.student, offering=tree.offering, item_id=tree.r1.pk)
    response = student.get(reverse("player:resume", args=[tree.offering.pk]))
    assert response.context["item"].pk == tree.r1.pk


def test_resume_skips_a_last_item_that_left_the_published_tree(student, tree):
    progress_services.open_item(user=tree.student, offering=tree.offering, item_id=tree.t2.pk)
    progress_services.open_item(user=tree.student, offering=tree.offering, item_id=tree.v1.pk)
    type(tree.section).objects.filter(pk=tree.section.pk).update(is_published=False)  # hides v1
    bump(tree.course)
    response = student.get(reverse("player:resume", args=[tree.offering.pk]))
    assert response.status_code == 200 and response.context["item"].pk == tree.t2.pk


def test_finishing_the_last_item_in_the_player_completes_the_enrollment(student, tree):
    for item in (tree.t1, tree.t2, tree.r1):
        assert student.post(reverse("player:item-done", args=[tree.offering.pk, item.pk])).status_code == 302
    data = student.post(reverse("player:item-progress", args=[tree.offering.pk, tree.v1.pk]), {"event": "ended"}).json()
    assert data["course_completed"] is True
    enrollment = CourseEnrollment.objects.get(user=tree.student, course_offering=tree.offering)
    assert enrollment.status == EnrollmentStatus.COMPLETED and enrollment.completed_at is not None
    assert "Course complete ✓" in student.get(item_url(tree, tree.t1)).content.decode()


def test_mark_as_done_with_and_without_htmx(student, tree):
    url = reverse("player:item-done", args=[tree.offering.pk, tree.t1.pk])
    response = student.post(url)
    assert response.status_code == 302 and response["Location"] == item_url(tree, tree.t1)
    assert UserContentProgress.objects.get(user=tree.student, content_item=tree.t1).completed_at is not None
    response = student.post(reverse("player:item-done", args=[tree.offering.pk, tree.t2.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "bi-check-circle-fill" in response.content.decode()
    assert "Done" in response.content.decode()
    # Video cannot be marked: it completes at the end.
    response = student.post(reverse("player:item-done", args=[tree.offering.pk, tree.v1.pk]))
    assert response.status_code == 302
    assert not UserContentProgress.objects.filter(content_item=tree.v1).exists()
    html = student.get(item_url(tree, tree.t2)).content.decode()
    assert "bi-check-circle-fill" in html and "Done" in html and "Mark as done" not in html
    # The outline overlay shows the lesson at 2 of 3 items.
    assert f'#m{tree.lesson_a1.pk}>a{{--po:" 66%"}}' in html


def test_progress_endpoint_start_watch_and_end(student, tree):
    url = reverse("player:item-progress", args=[tree.offering.pk, tree.v1.pk])
    data = student.post(url, {"event": "start"}).json()
    assert data["percent"] == 0 and data["completed"] is False and data["streak_days"] == 1
    assert student.post(url, {"event": "watch", "percent": "40"}).json()["percent"] == 40
    assert student.post(url, {"event": "watch", "percent": "10"}).json()["percent"] == 40
    assert student.post(url, {"event": "watch", "percent": "abc"}).status_code == 400
    assert student.post(url, {"event": "dance"}).status_code == 400
    data = student.post(url, {"event": "ended"}).json()
    assert data["completed"] is True and data["percent"] == 100
    assert student.get(url).status_code == 405


def test_course_percent_and_completion_in_the_header(student, tree):
    for item in (tree.t1, tree.t2, tree.r1):
        progress_services.mark_item_done(user=tree.student, offering=tree.offering, item_id=item.pk)
    assert "75% complete" in student.get(item_url(tree, tree.t1)).content.decode()
    progress_services.report_video_progress(user=tree.student, offering=tree.offering, item_id=tree.v1.pk, percent=100)
    html = student.get(item_url(tree, tree.t1)).content.decode()
    assert "Course complete ✓" in html and "1 day streak" in html


# --- the notification bell -------------------------------------------------------------------------


def test_the_bell_shows_the_unread_count_in_the_player_without_a_query_of_its_own(
    student, tree, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    from learning.notifications.services import notify

    url = item_url(tree, tree.t1)
    student.get(url)  # warm: the cached structure and outline
    html = student.get(url).content.decode()
    assert 'id="nav-notifications"' in html and 'aria-label="Notifications"' in html
    assert "data-unread-count" not in html
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(3):
            notify(user_ids=[tree.student.pk], kind="reply", text=f"Reply {n}", url="/learn/")
    # The count is read with the session's user row: the warm page's bound is the same as without it.
    with django_assert_max_num_queries(2):
        html = student.get(url).content.decode()
    assert 'aria-label="Notifications, 3 unread"' in html and "data-unread-count>3<" in html
    assert f'href="{reverse("notifications:list")}" id="nav-notifications"' in html


# --- caching ---------------------------------------------------------------------------------------


def test_outline_is_cached_per_structure_version(student, tree):
    student.get(item_url(tree, tree.t1))
    new = ModuleFactory(parent_module=tree.root, title="Chapter D: Integrals")
    ContentItemFactory(module=new, title="Riemann sums")
    # Same version: the cached outline is served (the edit went around the services on purpose).
    assert "Chapter D: Integrals" not in student.get(item_url(tree, tree.t1)).content.decode()
    bump(tree.course)
    assert "Chapter D: Integrals" in student.get(item_url(tree, tree.t1)).content.decode()
    Module.objects.filter(pk=new.pk).update(is_published=False)
    bump(tree.course)
    assert "Chapter D: Integrals" not in student.get(item_url(tree, tree.t1)).content.decode()


def test_mark_done_returns_the_new_module_percents_for_the_outline(student, tree):
    """htmx swaps the button and player.js patches the outline from the HX-Trigger payload: the touched
    item's ancestors, root first, with their new whole percent and completion."""
    from learning.player.views import PROGRESS_EVENT

    progress_services.mark_item_done(user=tree.student, offering=tree.offering, item_id=tree.t1.pk)
    url = reverse("player:item-done", args=[tree.offering.pk, tree.t2.pk])
    response = student.post(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    payload = json.loads(response["HX-Trigger"])[PROGRESS_EVENT]
    assert payload["item"] == tree.t2.pk and payload["completed"] is True
    assert payload["modules"] == [
        {"id": tree.root.pk, "percent": 50, "complete": False},
        {"id": tree.chapter_a.pk, "percent": 50, "complete": False},
        {"id": tree.lesson_a1.pk, "percent": 66, "complete": False},
    ]
    # The video's end (JSON endpoint) completes the lesson and says so.
    data = student.post(reverse("player:item-progress", args=[tree.offering.pk, tree.v1.pk]), {"event": "ended"}).json()
    assert {"id": tree.lesson_a1.pk, "percent": 100, "complete": True} in data["modules"]
    assert {"id": tree.section.pk, "percent": 100, "complete": True} in data["modules"]
