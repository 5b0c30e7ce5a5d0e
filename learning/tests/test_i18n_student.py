"""The student side in German (README "Languages"): a student whose account says ``de`` sees My learning,
the player and each item kind's card in German; course content (titles, text) stays as written."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from learning.tests.factories import LabSubmissionFactory
from learning.tests.test_player_fixtures import bump
from syllabus.models import QuestionPool
from syllabus.tests.factories import (
    ContentItemFactory,
    LabContentItemFactory,
    QuestionFactory,
    QuizContentItemFactory,
    builtin_content_type,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def german(client, tree):
    User.objects.filter(pk=tree.student.pk).update(locale="de")
    client.force_login(tree.student)
    return client


def item_url(tree, item):
    return reverse("player:item", args=[tree.offering.pk, item.pk])


def test_my_learning_in_german(german, tree):
    html = german.get(reverse("learning:dashboard")).content.decode()
    assert '<html lang="de">' in html
    assert "<h1 class=\"h3 mb-0\">Mein Lernen</h1>" in html
    assert "In Bearbeitung" in html and "0 % erledigt" in html and ">Starten</a>" in html
    assert "Haben Sie einen Einladungscode?" in html and "Code einlösen" in html
    assert tree.course.title in html  # course content as written


def test_the_player_chrome_and_a_text_item_in_german(german, tree):
    html = german.get(item_url(tree, tree.t1)).content.decode()
    assert '<html lang="de">' in html
    assert ">Kurse<" in html and ">Mein Lernen<" in html and ">Abmelden<" in html  # the cached chrome
    assert "0 % erledigt" in html and ">Fortsetzen</a>" in html and ">Gliederung</h2>" in html
    assert "Als erledigt markieren" in html
    assert "What is a derivative?" in html  # the item's own title is not translated
    assert "(Text)" in html and "Nicht erledigt:" in html  # the module's item list


def test_the_cached_player_chrome_follows_each_requests_language(client, german, tree):
    german.get(item_url(tree, tree.t1))
    User.objects.filter(pk=tree.student.pk).update(locale="en")
    html = client.get(item_url(tree, tree.t1)).content.decode()
    assert ">Courses<" in html and ">My learning<" in html and "Mark as done" in html


def test_marking_done_flashes_in_german(german, tree):
    response = german.post(reverse("player:item-done", args=[tree.offering.pk, tree.t1.pk]), follow=True)
    assert "Als erledigt markiert." in response.content.decode()


def test_video_and_resource_items_in_german(german, tree):
    html = german.get(item_url(tree, tree.v1)).content.decode()
    assert "Transkript durchsuchen" in html and 'aria-label="Angesehen"' in html
    assert 'data-duration="' in html and "," not in html.split('data-duration="')[1].split('"')[0]  # machine-read
    html = german.get(item_url(tree, tree.r1)).content.decode()
    assert "OpenStax Calculus Volume 1 (PDF)" in html  # content
    assert "(Materialien)" in html or "Materialien" in html


def test_quiz_lab_and_assignment_cards_in_german(german, tree):
    quiz = QuizContentItemFactory(module=tree.lesson_a2, title="Checkpoint quiz")
    pool = QuestionPool.objects.get(pk=quiz.data_json["question_pool_id"])
    for _ in range(3):
        QuestionFactory(pool=pool, points=2)
    bump(tree.course)
    html = german.get(item_url(tree, quiz)).content.decode()
    assert "Fragen pro Versuch" in html and "Verbleibende Versuche" in html and "Bestehensgrenze" in html
    assert ">Starten</button>" in html

    lab = LabContentItemFactory(module=tree.lesson_a2, title="Numerical lab")
    LabSubmissionFactory(user=tree.student, course_offering=tree.offering, content_item=lab)
    bump(tree.course)
    html = german.get(item_url(tree, lab)).content.decode()
    assert "Ingenieurlabor" in html and "Programmierlabor · python-datascience" in html
    assert "Unbegrenzt (1 eingereicht)" in html and "Labor öffnen" in html

    due = (timezone.now() - timedelta(days=16)).strftime("%Y-%m-%dT%H:%M:%SZ")
    item = ContentItemFactory(
        module=tree.lesson_a2,
        title="Problem set",
        content_type=builtin_content_type("assignment"),
        data_json={"instructions": [{"type": "paragraph", "text": "Differentiate $x^3$."}], "max_points": 20,
                   "submission_types": ["file_upload"], "due_at": due, "late_policy": {"accept_late": False}},
    )
    bump(tree.course)
    html = german.get(item_url(tree, item)).content.decode()
    assert 'data-deadline="closed">Geschlossen</span>' in html
    assert "Der Abgabetermin ist vorbei; verspätete Abgaben werden nicht angenommen." in html
    assert "Datei-Upload" in html and "Aufgabe öffnen" in html
    assert "Differentiate" in html  # the instructions are content


def test_a_student_outside_the_course_is_told_in_german(client, world, tree):
    outsider = world.b.student
    User.objects.filter(pk=outsider.pk).update(locale="de")
    client.force_login(outsider)
    response = client.get(reverse("player:resume", args=[tree.offering.pk]), follow=True)
    assert response.status_code in (200, 404)
    if response.status_code == 200:
        assert "Sie sind in diesem Kurs nicht eingeschrieben." in response.content.decode()


# --- quiz attempt, lab and assignment pages ----------------------------------------------------------


def _german_student(client, tenant):
    User.objects.filter(pk=tenant.student.pk).update(locale="de")
    client.force_login(tenant.student)
    return client


def test_a_quiz_attempt_and_its_result_in_german(client, world):
    from learning.assessments.tests.quiz_fixtures import answer_right, build_quiz
    from learning.models import QuizAttempt, QuizAttemptQuestion

    quiz = build_quiz(world.a, questions=5)
    _german_student(client, world.a)
    start = reverse("assessments:attempt-start", kwargs={"offering_id": quiz.offering.pk, "item_id": quiz.item.pk})
    page = client.get(client.post(start)["Location"]).content.decode()
    assert "Frage 1" in page and "Antworten speichern" in page and "Versuch abgeben" in page
    assert "Antworten werden laufend gespeichert." in page and "Wahr" in page and "Falsch" in page
    assert 'data-text-saved="Frage {n} gespeichert."' in page  # quiz.js says it
    assert "Question 1 (" in page  # the question's own prompt is content
    attempt = QuizAttempt.objects.get()
    rows = list(QuizAttemptQuestion.objects.filter(attempt=attempt).order_by("position"))
    post = {f"q{p}": v for p, v in answer_right(rows).items()} | {"action": "submit"}
    url = reverse("assessments:attempt", kwargs={"offering_id": quiz.offering.pk, "item_id": quiz.item.pk,
                                                 "attempt_id": attempt.pk})
    result = client.post(url, post, follow=True).content.decode()
    assert "Ihr Versuch ist abgegeben." in result and "Bestanden" in result and "Auswertung" in result
    assert "5,00 / 5,00" in result  # numbers follow the language
    assert "Ihre Antwort:" in result and "Richtige Antwort:" in result


def test_a_lab_page_and_its_bad_input_in_german(client, world):
    from learning.assessments.tests.lab_fixtures import build_lab

    lab = build_lab(world.a)
    _german_student(client, world.a)
    url = reverse("labs:lab", kwargs={"offering_id": lab.offering.pk, "item_id": lab.item.pk})
    html = client.get(url).content.decode()
    assert "Startdateien" in html and "Ihre Abgaben" in html and "Noch nichts abgegeben." in html
    response = client.post(url, {})
    assert response.status_code == 400
    assert "Wählen Sie mindestens eine Datei (oder ein .zip-Archiv)." in response.content.decode()


def test_an_assignment_page_and_its_bad_input_in_german(client, world):
    from learning.assessments.tests.lab_fixtures import build_assignment

    task = build_assignment(world.a)
    _german_student(client, world.a)
    url = reverse("assignments:assignment", args=[task.offering.pk, task.item.pk])
    html = client.get(url).content.decode()
    assert "Entwurf speichern" in html and "Verspätete Abgabe" in html
    response = client.post(url, {"action": "submit", "text": ""})
    assert response.status_code == 400
    assert "Schreiben Sie eine Antwort oder hängen Sie eine Datei an, bevor Sie abgeben." in response.content.decode()


# --- discussions, reviews, notifications, the tutor, certificates ------------------------------------


def test_discussions_in_german_and_their_bad_input(client, world):
    from learning.community.models import DiscussionThread

    _german_student(client, world.a)
    offering = world.a.offering
    html = client.get(reverse("community:thread-list", kwargs={"offering_id": offering.pk})).content.decode()
    assert "<h1 class=\"h3 mb-0\">Diskussionen</h1>" in html and "Noch keine Themen: Stellen Sie die erste Frage." in html
    url = reverse("community:thread-create", kwargs={"offering_id": offering.pk})
    response = client.post(url, {"kind": "question", "title": "   ", "body": ""})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["title"] == ["Geben Sie dem Thema einen Titel."] and errors["body"] == ["Schreiben Sie zuerst etwas."]
    assert DiscussionThread.objects.count() == 0
    response = client.post(url, {"kind": "question", "title": "Grenzwerte?", "body": "Wie geht das?"}, follow=True)
    html = response.content.decode()
    assert "Grenzwerte?" in html and "Gefolgt: beenden" in html and "Antwort veröffentlichen" in html


def test_reviews_in_german(client, world):
    _german_student(client, world.a)
    html = client.get(reverse("community:review-edit", kwargs={"offering_id": world.a.offering.pk})).content.decode()
    assert "bewerten" in html and "Sie können diesen Kurs bewerten, sobald Sie" in html
    course = world.a.course
    html = client.get(reverse("community:course-reviews", args=[course.university.short_code, course.code])).content
    assert "Noch keine Rezensionen." in html.decode()


def test_notifications_in_german(client, world):
    _german_student(client, world.a)
    html = client.get(reverse("notifications:list")).content.decode()
    assert "<h1 class=\"h3 mb-0\">Benachrichtigungen</h1>" in html and "Noch keine Benachrichtigungen." in html


def test_the_tutor_panel_in_german_and_its_bad_input(client, world, tree):
    _german_student(client, world.a)
    html = client.get(reverse("tutoring:panel", args=[tree.offering.pk, tree.t1.pk])).content.decode()
    assert "Die Antworten schreibt eine KI" in html and ">Senden</button>" in html and "Meine Notizen" in html
    response = client.post(reverse("tutoring:send", args=[tree.offering.pk, tree.t1.pk]), {"content": "   "})
    assert response.status_code == 400
    assert "Schreiben Sie zuerst eine Frage." in response.content.decode()


def test_the_certificate_page_speaks_german_around_an_english_certificate(client, world):
    from learning.enrollment.models import CourseEnrollment, EnrollmentStatus
    from learning.gradebook import services as gradebook_services

    enrollment = CourseEnrollment.objects.get(user=world.a.student, course_offering=world.a.offering)
    CourseEnrollment.objects.filter(pk=enrollment.pk).update(status=EnrollmentStatus.COMPLETED)
    certificate = gradebook_services.issue_certificate(enrollment=enrollment)[0]
    _german_student(client, world.a)
    html = client.get(reverse("certificate_page", args=[certificate.certificate_code])).content.decode()
    assert "PDF herunterladen" in html and "Meine Note auf diesem Zertifikat" in html
    assert 'lang="en"' in html and "Certificate of completion" in html  # the issuer's words, as in the PDF
    anonymous = client.__class__().get(reverse("certificate_page", args=[certificate.certificate_code]), **{
        "HTTP_ACCEPT_LANGUAGE": "de"}).content.decode()
    assert "PDF herunterladen" in anonymous and "Certificate of completion" in anonymous


# --- the catalog: list, search, course page (cached pages are kept per language) -----------------------


def test_the_catalog_and_a_course_page_in_german(client, world):
    _german_student(client, world.a)
    html = client.get(reverse("catalog:course-list")).content.decode()
    assert "<h1 class=\"h3 mb-0\">Kurse</h1>" in html and "Nach Fachgebiet stöbern" in html
    assert "Alle Hochschulen" in html and ">Anwenden</button>" in html and "Jetzt zur Einschreibung offen" in html
    assert world.a.course.title in html  # course content as written
    html = client.get(reverse("catalog:course-list"), {"q": "zzzz-nothing"}).content.decode()
    assert "Kein Kurs entspricht diesen Filtern." in html
    course = world.a.course
    html = client.get(reverse("catalog:course-detail", args=[course.university.short_code, course.code])).content.decode()
    assert "Kursangebote" in html and "Lehrplan" in html and "Bewertungen und Rezensionen" in html
    assert "Weiterlernen" in html or "Einschreiben" in html  # the student's enroll button


def test_cached_catalog_pages_are_kept_per_language(client, world):
    english = client.get(reverse("catalog:course-list")).content.decode()
    german = client.get(reverse("catalog:course-list"), HTTP_ACCEPT_LANGUAGE="de").content.decode()
    again = client.get(reverse("catalog:course-list")).content.decode()
    assert "Browse by subject" in english and "Nach Fachgebiet stöbern" in german and "Browse by subject" in again
    course = world.a.course
    url = reverse("catalog:course-detail", args=[course.university.short_code, course.code])
    assert "Offerings" in client.get(url).content.decode()
    assert "Kursangebote" in client.get(url, HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Offerings" in client.get(url).content.decode()


def test_the_students_grades_page_in_german(client, world):
    _german_student(client, world.a)
    response = client.get(reverse("grading:my-grades", args=[world.a.offering.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1 class=\"h3\">Ihre Noten</h1>" in html and ">Mein Lernen</a>" in html
    other = client.get(reverse("grading:my-grades", args=[world.b.offering.pk]))
    assert other.status_code == 404  # another university's offering


def test_the_scripts_get_their_words_from_the_page(german, tree):
    """player.js, quiz.js and tutor.js write status texts; the page hands them the reader's words."""
    html = german.get(item_url(tree, tree.t1)).content.decode()
    assert 'data-text-complete="Kurs abgeschlossen ✓"' in html and 'data-text-percent="{percent} % erledigt"' in html
    html = german.get(reverse("tutoring:panel", args=[tree.offering.pk, tree.t1.pk])).content.decode()
    assert 'data-text-send-failed="Senden fehlgeschlagen."' in html
