"""The interface in the student's language (README "Languages").

The user's own language (``users.locale``) wins over the browser's Accept-Language; a language the site
does not offer falls back to English. The German catalog is committed compiled (``.mo``): these tests
check that it is exactly what its ``.po`` compiles to, so it cannot go stale."""

from __future__ import annotations

import gettext
import shutil
import subprocess

import pytest
from django.conf import settings
from django.urls import reverse

from accounts.models import User
from accounts.tests.factories import PASSWORD

LOCALE_DIR = settings.BASE_DIR / "locale"
DE = {"HTTP_ACCEPT_LANGUAGE": "de-DE,de;q=0.9,en;q=0.5"}


def _catalog(mo_path) -> dict:
    with open(mo_path, "rb") as handle:
        catalog = dict(gettext.GNUTranslations(handle)._catalog)
    catalog.pop("", None)  # the header (carries dates)
    return catalog


@pytest.mark.parametrize("code", [code for code, _ in settings.LANGUAGES if code != settings.LANGUAGE_CODE])
def test_every_offered_language_has_a_committed_catalog_that_is_its_po_compiled(code, tmp_path):
    po = LOCALE_DIR / code / "LC_MESSAGES" / "django.po"
    mo = LOCALE_DIR / code / "LC_MESSAGES" / "django.mo"
    assert po.exists(), f"{code} is in LANGUAGES but has no {po} (make messages LOCALE={code})"
    assert mo.exists(), f"{mo} is missing: run make messages and commit it"
    msgfmt = shutil.which("msgfmt")
    assert msgfmt, "GNU gettext's msgfmt is missing: scripts/system-deps.sh installs it (apt-get install -y gettext)"
    fresh = tmp_path / "django.mo"
    result = subprocess.run([msgfmt, "--check-format", "-o", str(fresh), str(po)], capture_output=True, text=True)  # noqa: S603
    assert result.returncode == 0, result.stderr
    assert _catalog(mo) == _catalog(fresh), f"{mo} is stale: run make messages and commit the .mo"


@pytest.mark.parametrize("code", [code for code, _ in settings.LANGUAGES if code != settings.LANGUAGE_CODE])
def test_every_message_of_a_shipped_language_is_translated(code, tmp_path):
    msgfmt = shutil.which("msgfmt")
    assert msgfmt, "GNU gettext's msgfmt is missing: scripts/system-deps.sh installs it (apt-get install -y gettext)"
    po = LOCALE_DIR / code / "LC_MESSAGES" / "django.po"
    result = subprocess.run([msgfmt, "--statistics", "-o", str(tmp_path / "x.mo"), str(po)], capture_output=True, text=True)  # noqa: S603
    # "412 translated messages." — no "fuzzy" or "untranslated" part.
    assert "untranslated" not in result.stderr and "fuzzy" not in result.stderr, result.stderr


def test_an_anonymous_german_browser_gets_the_site_in_german(client, world):
    response = client.get(reverse("home"), **DE)
    html = response.content.decode()
    assert response["Content-Language"] == "de"
    assert '<html lang="de">' in html
    assert ">Kurse<" in html and ">Anmelden<" in html and ">Registrieren<" in html
    assert "Alle Kurse ansehen" in html
    assert "Accept-Language" in response["Vary"]


def test_without_a_language_the_site_is_english(client, world):
    html = client.get(reverse("home")).content.decode()
    assert '<html lang="en">' in html and ">Courses<" in html and "Browse all courses" in html


@pytest.mark.parametrize("header", ["fr-FR,fr;q=0.9", "xx", "*", "de;q=garbage"])
def test_a_browser_language_the_site_does_not_offer_falls_back_to_english(client, world, header):
    response = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE=header)
    assert response.status_code == 200
    assert ">Courses<" in response.content.decode()


def test_the_users_own_language_wins_over_the_browsers(client, world):
    student = world.a.student
    User.objects.filter(pk=student.pk).update(locale="de")
    client.force_login(student)
    html = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9", follow=True).content.decode()
    assert '<html lang="de">' in html and ">Mein Lernen<" in html and ">Abmelden<" in html

    User.objects.filter(pk=student.pk).update(locale="en")
    html = client.get(reverse("home"), follow=True, **DE).content.decode()
    assert '<html lang="en">' in html and ">My learning<" in html


@pytest.mark.parametrize("stored", ["fr", "klingon", ""])
def test_a_stored_language_the_site_does_not_offer_falls_back_to_the_browser_then_english(client, world, stored):
    student = world.a.student
    User.objects.filter(pk=student.pk).update(locale=stored)
    client.force_login(student)
    assert ">My learning<" in client.get(reverse("home"), follow=True).content.decode()
    assert ">Mein Lernen<" in client.get(reverse("home"), follow=True, **DE).content.decode()


def test_a_regional_variant_of_an_offered_language_is_that_language(client, world):
    student = world.a.student
    User.objects.filter(pk=student.pk).update(locale="de-at")
    client.force_login(student)
    assert ">Mein Lernen<" in client.get(reverse("home"), follow=True).content.decode()


def test_choosing_german_on_the_profile_page_switches_the_interface(client, world):
    student = world.a.student
    client.force_login(student)
    page = client.get(reverse("accounts:profile")).content.decode()
    assert '<option value="de">Deutsch</option>' in page and '<option value="en" selected>English</option>' in page
    response = client.post(
        reverse("accounts:profile"),
        {"full_name": student.full_name, "locale": "de", "time_zone": "Europe/Berlin", "notification_email": "off"},
        follow=True,
    )
    html = response.content.decode()
    assert "Profil gespeichert." in html  # the flash speaks the language just chosen
    assert "Ihr Profil" in html and "Profil speichern" in html and "Sprache" in html
    student.refresh_from_db()
    assert student.locale == "de"


@pytest.mark.parametrize("locale", ["fr", "xx", "de-xx-yy", ""])
def test_an_unknown_language_on_the_profile_page_is_a_field_error_and_writes_nothing(client, world, locale):
    student = world.a.student
    client.force_login(student)
    response = client.post(
        reverse("accounts:profile"),
        {"full_name": "Someone Else", "locale": locale, "time_zone": "UTC", "notification_email": "off"},
        **DE,
    )
    assert response.status_code == 200
    assert response.context["form"].errors["locale"]
    student.refresh_from_db()
    assert (student.full_name, student.locale) != ("Someone Else", locale)
    assert student.locale == "en"


def test_profile_errors_are_in_the_users_language(client, world):
    student = world.a.student
    User.objects.filter(pk=student.pk).update(locale="de")
    client.force_login(student)
    response = client.post(reverse("accounts:profile"), {"full_name": "", "locale": "xx", "time_zone": "Mars/Olympus"})
    errors = response.context["form"].errors
    assert errors["locale"] == ["Wählen Sie eine Sprache aus der Liste."]
    assert errors["full_name"] == ["Dieses Feld ist zwingend erforderlich."]  # Django's own catalog


def test_signing_up_from_a_german_browser_stores_german_and_greets_in_german(client, world):
    response = client.post(
        reverse("accounts:signup"),
        {"full_name": "Greta Berg", "email": "greta@example.org", "password1": "a long enough passphrase 42",
         "password2": "a long enough passphrase 42"},
        follow=True,
        **DE,
    )
    assert "Willkommen bei Sigma LMS! Ihr Konto ist eingerichtet." in response.content.decode()
    assert User.objects.get(email="greta@example.org").locale == "de"


def test_signing_up_from_a_browser_in_an_unoffered_language_stores_english(client, world):
    client.post(
        reverse("accounts:signup"),
        {"full_name": "Jean Roux", "email": "jean@example.org", "password1": "a long enough passphrase 42",
         "password2": "a long enough passphrase 42"},
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert User.objects.get(email="jean@example.org").locale == "en"


def test_log_in_errors_are_in_german_for_a_german_browser(client, world):
    response = client.post(reverse("accounts:login"), {"username": world.a.student.email, "password": "wrong"}, **DE)
    html = response.content.decode()
    assert "Geben Sie eine korrekte E-Mail-Adresse und ein korrektes Passwort ein." in html
    assert response.context["form"].is_bound
    # A good password then logs in; the session's language is the account's.
    client.post(reverse("accounts:login"), {"username": world.a.student.email, "password": PASSWORD}, **DE)


def test_dates_follow_the_language(client, world):
    student = world.a.student
    client.force_login(student)
    User.objects.filter(pk=student.pk).update(locale="de")
    html = client.get(reverse("accounts:profile")).content.decode()
    year = student.created_at.year
    months_de = ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
                 "November", "Dezember"]
    assert f"Mitglied seit {student.created_at.day}. {months_de[student.created_at.month - 1]} {year}" in html
