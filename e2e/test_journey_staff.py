"""Journey 3 (issue 22): a university admin imports users from CSV, grants a role and finds a course in the staff
console; a student of another university sees none of it, and neither does that university's admin."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from e2e.conftest import log_in, log_out

pytestmark = pytest.mark.django_db  # the test database, not the developer's (e2e/conftest.py, site())

NIT_ADMIN = "uni-admin@nit.example.edu"
THR_STUDENT = "student1@thr.example.edu"
THR_ADMIN = "uni-admin@thr.example.edu"
CSV = (
    "email,full_name,role\n"
    "ada.new@nit.example.edu,Ada Newcomer,student\n"
    "grace.new@nit.example.edu,Grace Newhire,instructor\n"
)


def test_university_admin_imports_grants_and_finds_a_course(journey, site):
    page = journey.page
    log_in(page, site, NIT_ADMIN)
    page.get_by_role("link", name="Staff console").click()
    expect(page.locator("h1").first).to_be_visible()
    journey.step("staff console")

    # Import two people from a CSV file.
    page.goto(site("/admin/accounts/user/"))
    page.get_by_role("link", name="Import users (CSV)").click()
    expect(page).to_have_url(re.compile(r"/admin/accounts/user/import/$"))
    university = page.get_by_label("University")
    university.select_option(label=university.locator("option", has_text="Northbridge").first.inner_text())
    page.locator("input[type=file]").set_input_files(
        files=[{"name": "people.csv", "mimeType": "text/csv", "buffer": CSV.encode()}]
    )
    journey.step("import form filled")
    page.get_by_role("button", name="Import").click()
    expect(page.locator(".messagelist .success")).to_contain_text("Imported: 2 new account(s)")
    journey.step("imported")
    page.goto(site("/admin/accounts/user/?q=new%40nit.example.edu"))
    expect(page.locator("#result_list")).to_contain_text("ada.new@nit.example.edu")
    expect(page.locator("#result_list")).to_contain_text("grace.new@nit.example.edu")
    journey.step("imported people in the user list")

    # Grant Ada a second role: teaching assistant at NIT.
    page.goto(site("/admin/accounts/useruniversityrole/add/"))
    pick(page, "user", "ada.new")
    pick(page, "university", "Northbridge")
    page.get_by_label("Role").select_option("ta")
    journey.step("grant a role")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    page.goto(site("/admin/accounts/useruniversityrole/?q=ada.new"))
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(2)
    expect(page.locator("#result_list")).to_contain_text("Teaching assistant", ignore_case=True)
    journey.step("roles of the imported person")

    # Find a course of the university in the console; another university's course is not there.
    page.goto(site("/admin/"))
    page.locator("#content-main, #content").get_by_role("link", name=re.compile(r"^Courses$")).first.click()
    page.locator("#searchbar").fill("calculus")
    page.locator("#searchbar").press("Enter")
    expect(page.locator("#result_list")).to_contain_text("MATH101")
    journey.step("course found in the console")
    page.locator("#searchbar").fill("linear algebra")
    page.locator("#searchbar").press("Enter")
    expect(page.locator("#result_list")).to_have_count(0)
    journey.step("another university's course is not in the console")
    log_out(page)

    # A student of another university: no console link, the console and the import refuse them.
    log_in(page, site, THR_STUDENT)
    expect(page.get_by_role("link", name="Staff console")).to_have_count(0)
    journey.step("student of another university: no console")
    page.goto(site("/admin/accounts/user/import/"))
    expect(page).to_have_url(re.compile(r"/admin/login/"))
    expect(page.get_by_text("ada.new@nit.example.edu")).to_have_count(0)
    journey.step("student sent to the console's log-in")
    page.goto(site("/admin/accounts/user/?q=ada.new"))
    expect(page).to_have_url(re.compile(r"/admin/login/"))
    expect(page.get_by_text("Ada Newcomer")).to_have_count(0)
    page.goto(site("/"))
    log_out(page)

    # Nor does the other university's admin see the imported people, their roles or the course.
    log_in(page, site, THR_ADMIN)
    page.goto(site("/admin/accounts/user/?q=new%40nit.example.edu"))
    expect(page.locator("#result_list")).to_have_count(0)
    expect(page.get_by_text("ada.new@nit.example.edu")).to_have_count(0)
    page.goto(site("/admin/accounts/useruniversityrole/?q=ada.new"))
    expect(page.get_by_text("ada.new@nit.example.edu")).to_have_count(0)
    page.goto(site("/admin/catalog/course/?q=calculus"))
    expect(page.get_by_text("MATH101")).to_have_count(0)
    # ... while the same console pages work for them: their own course and people are listed (so the empty
    # lists above are the scoping, not a log-in page or a broken search).
    page.goto(site("/admin/catalog/course/?q=linear+algebra"))
    expect(page.locator("#result_list")).to_contain_text("MATH110")
    page.goto(site("/admin/accounts/user/?q=thr.example.edu"))
    expect(page.locator("#result_list")).to_contain_text(THR_STUDENT)
    journey.step("the other university's admin sees none of it")


def pick(page, field: str, text: str) -> None:
    """Choose ``text`` in the admin's autocomplete (select2) for ``field``."""
    page.locator(f"#id_{field}").locator("xpath=following-sibling::span[contains(@class,'select2')]").click()
    page.locator(".select2-container--open .select2-search__field").fill(text)
    option = page.locator(".select2-results__option", has_text=re.compile(re.escape(text), re.I)).first
    expect(option).to_be_visible()
    option.click()
