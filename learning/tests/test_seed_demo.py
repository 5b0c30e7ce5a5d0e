"""``manage.py seed_demo``: the demo world is complete, valid and idempotent."""

import re
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.template.defaultfilters import filesizeformat

from accounts.models import UniversityRole, User, UserUniversityRole
from catalog.models import Course, CourseOffering, CoursePrerequisite, Subject, University
from learning.management import demo_data
from learning.models import CourseEnrollment, UserContentProgress, UserModuleProgress
from prompts.models import Prompt
from syllabus.content_schemas import BUILTIN_CONTENT_SCHEMAS, validate_data_json
from syllabus.models import Asset, ContentItem, Module, ModuleType, Question, QuestionPool, QuestionType

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """The demo's files go to a storage of the test's own."""
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def seed(*args) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def table_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        counts = {}
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608 - names from the catalog
            counts[table] = cursor.fetchone()[0]
    return counts


def test_the_command_builds_the_demo_world():
    seed()
    assert University.objects.count() == 3
    assert Course.objects.count() == 12
    assert {p.prerequisite_type for p in CoursePrerequisite.objects.all()} == {"strict", "recommended", "co_requisite"}
    assert {o.visibility for o in CourseOffering.objects.all()} == {"public", "unlisted", "invite_only", "private"}
    assert CourseOffering.objects.filter(capacity__isnull=False).exists()
    assert Subject.objects.filter(depth__gte=2).exists()
    assert {s.domain.name for s in Subject.objects.select_related("domain")} == {
        "Mathematics",
        "Science",
        "Engineering",
    }
    # Every course has exactly one root, and every other module descends from it at parent depth + 1.
    for module in Module.objects.select_related("parent_module"):
        if module.module_type == ModuleType.COURSE_ROOT:
            assert module.parent_module is None and module.depth == 0
        else:
            assert module.depth == module.parent_module.depth + 1
            assert module.course_id == module.parent_module.course_id
    assert {m.module_type for m in Module.objects.all()} >= {"unit", "chapter", "lesson"}


def test_all_six_content_types_have_valid_payloads_in_both_full_syllabi():
    seed()
    items = list(ContentItem.objects.select_related("content_type", "module__course"))
    for item in items:
        assert validate_data_json(item.content_type.json_schema, item.data_json) == [], item.title
        assert item.course_id == item.module.course_id
        assert item.university_id == item.module.course.university_id
    for course in Course.objects.filter(content_items__isnull=False).distinct():
        kinds = {item.content_type.name for item in items if item.course_id == course.pk}
        assert kinds == set(BUILTIN_CONTENT_SCHEMAS), course.code
    assert Course.objects.filter(content_items__isnull=False).distinct().count() == 2


def test_the_rich_content_is_there():
    seed()
    texts = ContentItem.objects.filter(content_type__name="text")
    blocks = [block for item in texts for block in item.data_json["blocks"]]
    assert {"paragraph", "math", "image", "link_list"} <= {block["type"] for block in blocks}
    image = next(block for block in blocks if block["type"] == "image")
    asset = Asset.objects.get(pk=image["asset_id"])
    assert asset.meta_json["alt_text"]
    assert asset.meta_json["width"] == 320 and asset.meta_json["height"] == 240

    for video in ContentItem.objects.filter(content_type__name="video"):
        assert video.data_json["provider"] == "youtube" and video.data_json["video_id"]
        segments = video.data_json["transcript"]["segments"]
        assert len(segments) >= 8
        assert all(
            a["end"] <= b["start"] + 1e-9 and a["start"] < a["end"]
            for a, b in zip(segments, segments[1:], strict=False)
        )

    for quiz in ContentItem.objects.filter(content_type__name="quiz"):
        pool = QuestionPool.objects.get(pk=quiz.data_json["question_pool_id"])
        assert pool.course_id == quiz.course_id
        questions = Question.objects.filter(pool=pool)
        assert questions.count() >= 6
        assert {q.question_type for q in questions} == set(QuestionType.values)

    assert ContentItem.objects.filter(prompt_name=demo_data.TUTOR_PROMPT_NAME).exists()
    assert Prompt.objects.filter(name=demo_data.TUTOR_PROMPT_NAME, labels__contains=["production"]).exists()


def test_every_role_and_enrollment_status_is_present_and_accounts_log_in(client):
    seed()
    assert set(UserUniversityRole.objects.values_list("role", flat=True)) == set(UniversityRole.values)
    assert User.objects.filter(is_superuser=True).exists()
    for row in UserUniversityRole.objects.filter(role__in=["department_admin", "university_admin", "platform_admin"]):
        assert row.user.is_staff, row.user.email
    assert {"active", "completed", "waitlisted", "pending"} <= set(
        CourseEnrollment.objects.values_list("status", flat=True)
    )
    assert UserContentProgress.objects.exists() and UserModuleProgress.objects.exists()
    waitlisted = CourseEnrollment.objects.get(status="waitlisted")
    assert waitlisted.course_offering.waitlist_count == 1
    assert waitlisted.course_offering.enrolled_count == waitlisted.course_offering.capacity
    assert client.login(email="student1@nit.example.edu", password=demo_data.DEMO_PASSWORD)


def test_a_second_run_changes_nothing():
    seed()
    before = table_counts()
    updated = {c.pk: c.updated_at for c in Course.objects.all()}
    out = seed()
    assert table_counts() == before
    assert {c.pk: c.updated_at for c in Course.objects.all()} == updated
    assert "nothing to do" in out


def test_if_empty_skips_a_database_that_has_a_university(world):
    before = table_counts()
    out = seed("--if-empty")
    assert table_counts() == before
    assert not University.objects.filter(short_code="NIT").exists()
    assert "nothing done" in out


def test_if_empty_seeds_an_empty_database():
    seed("--if-empty")
    assert University.objects.filter(short_code__in=["NIT", "THR", "DUS"]).count() == 3


def test_the_printed_table_lists_every_demo_account():
    out = seed()
    assert demo_data.DEMO_PASSWORD in out
    lines = out.splitlines()
    for email, _name, role, _uni, _dept in demo_data.USERS:
        line = next(line for line in lines if line.startswith(email + " "))
        assert role in line
        assert User.objects.filter(email=email).exists()
    assert any("Northbridge Institute of Technology" in line for line in lines)


def test_invalid_demo_content_fails_loudly_and_writes_nothing(monkeypatch):
    units = demo_data.SYLLABI[("NIT", "MATH101")]
    lesson = units[0]["children"][0]["children"][0]
    broken = {**lesson["items"][0], "data": {"blocks": [{"type": "math"}]}}
    monkeypatch.setitem(lesson, "items", [broken, *lesson["items"][1:]])
    with pytest.raises(CommandError, match=r"\$\.blocks\[0\]\.latex"):
        seed()
    assert not University.objects.exists()


def test_the_demo_asset_is_a_real_file_that_the_library_serves_and_sizes(client, media_root):
    seed()
    asset = Asset.objects.get(meta_json__demo_key="tangent-line")
    demo_png = (Path(settings.BASE_DIR) / "static" / "demo" / "tangent-line.png").read_bytes()
    course = Course.objects.get(code="MATH101", university__short_code="NIT")
    client.login(email="instructor@nit.example.edu", password=demo_data.DEMO_PASSWORD)
    library = client.get(f"/teach/{course.pk}/assets/").content.decode()
    file_url = f"/teach/assets/{asset.pk}/file/"
    assert f'href="{file_url}"' in library
    assert "image 320×240" in library
    assert f"<td>{filesizeformat(len(demo_png))}</td>" in library and "0\xa0bytes" not in library
    served = client.get(file_url)
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert b"".join(served.streaming_content) == demo_png
    assert client.get(asset.url).status_code == 200  # the URL the content's image block uses
    client.login(email="instructor@thr.example.edu", password=demo_data.DEMO_PASSWORD)
    assert client.get(file_url).status_code == 404  # another university's staff
    stored = sorted(p for p in media_root.rglob("*") if p.is_file())
    seed()  # a second run stores nothing more
    assert sorted(p for p in media_root.rglob("*") if p.is_file()) == stored and len(stored) == 1


def test_a_demo_asset_seeded_without_a_file_gets_its_file_under_the_same_id(media_root):
    seed()
    asset = Asset.objects.get(meta_json__demo_key="tangent-line")
    # What the earlier seed stored: a row pointing at the static path, and no file.
    Asset.objects.filter(pk=asset.pk).update(url="/static/demo/tangent-line.png", meta_json={"alt_text": "x"})
    for path in media_root.rglob("*.png"):
        path.unlink()
    seed()
    repaired = Asset.objects.get(pk=asset.pk)
    assert repaired.url == f"/assets/{asset.pk}/" and repaired.meta_json["size_bytes"] > 0
    assert Asset.objects.count() == 1 and len(list(media_root.rglob("*.png"))) == 1


# Signed out, the catalog lists the courses with a public offering or none yet; README "Demo data".
LISTED_TO_VISITORS = {"MATH101", "MATH102", "PHYS101", "MATH110", "MATH210", "EE201", "CHEM101"}
COMING_SOON = {"MATH210"}


def catalog_codes(client, url: str) -> set[str]:
    return set(re.findall(r'badge text-bg-light border">([^<]+)<', client.get(url).content.decode()))


def test_the_catalog_shows_each_state_the_readme_describes(client):
    seed()
    assert catalog_codes(client, "/courses/") == LISTED_TO_VISITORS
    assert catalog_codes(client, "/courses/?coming_soon=on") == COMING_SOON
    page = client.get("/courses/THR/MATH210/").content.decode()
    assert "Coming soon" in page and "has not scheduled this course yet" in page
    # The other courses are reached by invitation (ME210, CHEM201), link (CS101, CS110) or membership (EE101).
    client.login(email="student1@nit.example.edu", password=demo_data.DEMO_PASSWORD)
    assert catalog_codes(client, "/courses/") == LISTED_TO_VISITORS | {"ME210"}  # invited, request pending
    client.login(email="student1@thr.example.edu", password=demo_data.DEMO_PASSWORD)
    assert catalog_codes(client, "/courses/") == LISTED_TO_VISITORS | {"EE101"}  # private to THR's members


def test_physics_is_filed_under_science_only():
    seed()
    physics = Course.objects.get(code="PHYS101")
    domains = {row.subject.domain.code for row in physics.course_subjects.select_related("subject__domain")}
    assert domains == {"SCI"}
    assert physics.primary_subject.code == "SCI_PHYS_MECH"


def test_mathematics_browse_pages_do_not_list_physics(client):
    seed()
    assert "PHYS101" not in catalog_codes(client, "/subjects/MATH_CALC_DIFF/")
    assert "PHYS101" not in catalog_codes(client, "/domains/MATH/")
    assert "PHYS101" in catalog_codes(client, "/subjects/SCI_PHYS_MECH/")
