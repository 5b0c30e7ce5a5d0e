"""``manage.py seed_demo [--if-empty]``: fill the database with a small, realistic demo world.

Idempotent: every row is looked up by its natural key first and created (through the catalog, syllabus,
accounts and prompts services where they exist) only when missing, so a second run writes nothing.
Every content payload is validated against its content type's JSON Schema before anything is written,
and the whole run is one transaction: invalid demo data fails loudly and leaves the database as it was.
The data itself lives in ``learning/management/demo_data.py``; the demo accounts and their shared
password are printed at the end (and listed in README.md, "Demo data").
"""

from __future__ import annotations

import os
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import Any

from django.contrib.staticfiles import finders
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts import services as account_services
from accounts.models import User, UserUniversityRole
from catalog import services as catalog_services
from catalog.dates import university_zone
from catalog.models import (
    Country,
    Course,
    CourseOffering,
    CourseOfferingInstructor,
    CoursePrerequisite,
    CourseSubject,
    Department,
    Domain,
    OfferingStaffRole,
    Subject,
    University,
)
from learning.management import demo_data as data
from learning.models import (
    Certificate,
    CourseEnrollment,
    CourseGrade,
    EnrollmentStatus,
    QuizAttempt,
    UserContentProgress,
    UserModuleProgress,
)
from prompts import services as prompt_services
from prompts.models import Prompt
from syllabus import services as syllabus_services
from syllabus.assets import has_stored_file, replace_asset_file, upload_asset
from syllabus.content_schemas import validate_data_json
from syllabus.models import Asset, ContentItem, ContentType, Module, ModuleType, Question, QuestionPool

SEASONS = ["Spring", "Summer", "Fall"]


class DemoDataError(CommandError):
    """The demo data itself is wrong (a payload against its schema, a service refusal)."""


def _season_index(moment: datetime) -> int:
    return 0 if moment.month <= 5 else 1 if moment.month <= 8 else 2


def term_names(now: datetime) -> dict[str, str]:
    """Distinct names of the past, current and upcoming terms around ``now``."""
    year, index = now.year, _season_index(now)

    def shifted(step: int) -> str:
        total = year * 3 + index + step
        return f"{SEASONS[total % 3]} {total // 3}"

    return {"past": shifted(-1), "current": shifted(0), "upcoming": shifted(1)}


def term_dates(when: str, now: datetime, zone_name: str = "UTC") -> dict[str, datetime]:
    """Dates of an offering relative to ``now``: current (running, enrollment open), upcoming
    (enrollment open, not started), past (ended). Each at midnight in the university's zone, so every
    page (which shows them in that zone, ``catalog.dates``) reads the day the term was set to start."""
    zone = university_zone(zone_name)
    local = now.astimezone(zone).replace(tzinfo=None)
    day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    spans = {
        # starts, ends, enrollment opens, enrollment closes (days from today)
        "current": (-30, 60, -60, 14),
        "upcoming": (90, 200, -7, 80),
        "past": (-220, -120, -260, -200),
    }[when]
    starts, ends, opens, closes = ((day + timedelta(days=offset)).replace(tzinfo=zone) for offset in spans)
    return {"starts_at": starts, "ends_at": ends, "enrollment_start": opens, "enrollment_end": closes}


class Builder:
    """Builds the demo world; ``created`` counts the rows made, per kind."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.terms = term_names(now)
        self.created: Counter[str] = Counter()
        self.universities: dict[str, University] = {}
        self.departments: dict[tuple[str, str], Department] = {}
        self.domains: dict[str, Domain] = {}
        self.subjects: dict[str, Subject] = {}
        self.courses: dict[tuple[str, str], Course] = {}
        self.offerings: dict[tuple[str, str, str], CourseOffering] = {}
        self.users: dict[str, User] = {}
        self.assets: dict[str, Asset] = {}
        self.stored_files: list[str] = []  # deleted again if the run fails (storage is not transactional)
        self.pools: dict[str, QuestionPool] = {}
        self.items: dict[tuple[str, str, str], ContentItem] = {}
        self.modules: dict[tuple[str, str, str], Module] = {}

    # --- helpers ---------------------------------------------------------------------------------

    def _made(self, kind: str, created: bool = True) -> None:
        if created:
            self.created[kind] += 1

    @staticmethod
    def _service(call, what: str):
        """Run a service call; a refusal is the demo data's fault and fails the command loudly."""
        try:
            return call()
        except ValidationError as error:
            detail = error.message_dict if hasattr(error, "error_dict") else error.messages
            raise DemoDataError(f"Demo data rejected ({what}): {detail}") from error

    # --- catalog -----------------------------------------------------------------------------------

    def geography(self) -> None:
        countries = {}
        for iso_code, name, region in data.COUNTRIES:
            countries[iso_code], created = Country.objects.get_or_create(
                iso_code=iso_code, defaults={"name": name, "region_name": region}
            )
            self._made("countries", created)
        for short_code, name, iso_code, tz, website in data.UNIVERSITIES:
            self.universities[short_code], created = University.objects.get_or_create(
                short_code=short_code,
                defaults={"name": name, "country": countries[iso_code], "time_zone": tz, "website_url": website},
            )
            self._made("universities", created)
        for short_code, code, name in data.DEPARTMENTS:
            self.departments[(short_code, code)], created = Department.objects.get_or_create(
                university=self.universities[short_code], code=code, defaults={"name": name}
            )
            self._made("departments", created)

    def taxonomy(self) -> None:
        for code, name, description in data.DOMAINS:
            self.domains[code], created = Domain.objects.get_or_create(
                code=code, defaults={"name": name, "description": description}
            )
            self._made("domains", created)
        for code, name, domain, parent in data.SUBJECTS:
            subject = Subject.objects.filter(code=code).first()
            if subject is None:
                subject = self._service(
                    lambda code=code, name=name, domain=domain, parent=parent: catalog_services.create_subject(
                        parent=self.subjects[parent] if parent else None,
                        domain=self.domains[domain],
                        name=name,
                        code=code,
                    ),
                    f"subject {code}",
                )
                self._made("subjects")
            self.subjects[code] = subject

    def courses_and_offerings(self) -> None:
        for (
            uni,
            code,
            title,
            dept,
            primary,
            others,
            level,
            difficulty,
            credits,
            published,
            soon,
            description,
        ) in data.COURSES:
            university = self.universities[uni]
            course = Course.objects.filter(university=university, code=code).first()
            if course is None:
                course = self._service(
                    partial(
                        catalog_services.create_course,
                        university=university,
                        code=code,
                        title=title,
                        primary_subject=self.subjects[primary],
                        department=self.departments[(uni, dept)],
                        description=description,
                        level=level,
                        difficulty=difficulty,
                        credit_hours=Decimal(credits),
                        is_published=published,
                        is_coming_soon=soon,
                    ),
                    f"course {uni} {code}",
                )
                self._made("courses")
            for other in others:
                if not CourseSubject.objects.filter(course=course, subject=self.subjects[other]).exists():
                    catalog_services.add_course_subject(course=course, subject=self.subjects[other])
                    self._made("course_subjects")
            self.courses[(uni, code)] = course

        for uni, code, prereq, kind in data.PREREQUISITES:
            course, required = self.courses[(uni, code)], self.courses[(uni, prereq)]
            if not CoursePrerequisite.objects.filter(course=course, prerequisite_course=required).exists():
                self._service(
                    lambda course=course, required=required, kind=kind: catalog_services.add_prerequisite(
                        course=course, prerequisite_course=required, prerequisite_type=kind
                    ),
                    f"prerequisite {prereq} of {code}",
                )
                self._made("course_prerequisites")

        for uni, code, when, visibility, capacity, approval in data.OFFERINGS:
            course = self.courses[(uni, code)]
            term = self.terms[when]
            offering = CourseOffering.objects.filter(course=course, term_name=term).first()
            if offering is None:
                offering = self._service(
                    lambda course=course, term=term, when=when, visibility=visibility, capacity=capacity, approval=approval: (
                        catalog_services.create_offering(
                            course=course,
                            term_name=term,
                            visibility=visibility,
                            capacity=capacity,
                            requires_approval=approval,
                            **term_dates(when, self.now, course.university.time_zone),
                        )
                    ),
                    f"offering {code} {term}",
                )
                self._made("course_offerings")
            self.offerings[(uni, code, when)] = offering

    # --- people ------------------------------------------------------------------------------------

    def people(self) -> None:
        for email, full_name, role, uni, dept in data.USERS:
            user = User.objects.filter(email=email).first()
            if user is None:
                if role == "superuser":
                    user = User.objects.create_superuser(email=email, password=data.DEMO_PASSWORD, full_name=full_name)
                else:
                    user = account_services.register_user(
                        email=email, full_name=full_name, password=data.DEMO_PASSWORD, locale=data.LOCALES.get(email)
                    )
                self._made("users")
            if uni is not None:
                university = self.universities[uni]
                created = not UserUniversityRole.objects.filter(user=user, university=university, role=role).exists()
                # The role service keeps is_staff in step with admin roles.
                account_services.grant_role(
                    actor=None,
                    user=user,
                    university=university,
                    role=role,
                    department=self.departments[(uni, dept)] if dept else None,
                )
                self._made("user_university_roles", created)
            self.users[email] = user

        # Each university's instructor teaches all its offerings; its TA assists on the current ones.
        for (uni, _code, when), offering in self.offerings.items():
            staff = [(f"instructor@{uni.lower()}.example.edu", OfferingStaffRole.INSTRUCTOR)]
            if when == "current":
                staff.append((f"ta@{uni.lower()}.example.edu", OfferingStaffRole.TA))
            for email, role in staff:
                _, created = CourseOfferingInstructor.objects.get_or_create(
                    course_offering=offering, user=self.users[email], defaults={"role": role}
                )
                self._made("course_offering_instructors", created)

    # --- syllabus ----------------------------------------------------------------------------------

    def media(self) -> None:
        """The demo files, stored in the asset library through its services (so the file link and the size
        shown are real). An asset an earlier seed made without a file (its ``url`` the static path) gets its
        file under the same id, which the demo content refers to."""
        for key, (uni, static_path, alt_text, extra_meta) in data.ASSETS.items():
            university = self.universities[uni]
            path = finders.find(static_path)
            if path is None:
                raise DemoDataError(f"Demo file missing: static/{static_path}")
            asset = (
                Asset.objects.filter(university=university, meta_json__demo_key=key).first()
                or Asset.objects.filter(university=university, url=f"/static/{static_path}").first()
            )
            if asset is not None and has_stored_file(asset):
                self.assets[key] = asset
                continue
            with open(path, "rb") as handle:
                file = File(handle, name=os.path.basename(path))
                if asset is None:
                    asset = self._service(
                        partial(upload_asset, university=university, file=file, alt_text=alt_text), f"asset {key}"
                    )
                else:
                    asset = self._service(partial(replace_asset_file, asset=asset, file=file), f"asset {key}")
            self.stored_files.append(asset.meta_json["storage_name"])
            asset.meta_json = {**asset.meta_json, **extra_meta, "alt_text": alt_text, "demo_key": key}
            asset.save(update_fields=["meta_json"])
            self.assets[key] = asset
            self._made("asset_files")

    def question_bank(self) -> None:
        for (uni, code), pools in data.POOLS.items():
            course = self.courses[(uni, code)]
            for spec in pools:
                pool = QuestionPool.objects.filter(course=course, title=spec["title"]).first()
                if pool is None:
                    pool = syllabus_services.create_question_pool(
                        course=course, title=spec["title"], description=spec.get("description")
                    )
                    self._made("question_pools")
                for question in spec["questions"]:
                    if Question.objects.filter(pool=pool, prompt=question["prompt"]).exists():
                        continue
                    fields = {k: v for k, v in question.items() if k not in ("numeric_tolerance", "points")}
                    if "numeric_tolerance" in question:
                        fields["numeric_tolerance"] = Decimal(question["numeric_tolerance"])
                    fields["points"] = Decimal(question.get("points", "1"))
                    self._service(
                        lambda pool=pool, fields=fields: syllabus_services.create_question(pool=pool, **fields),
                        f"question {question['prompt'][:40]!r}",
                    )
                    self._made("questions")
                self.pools[spec["title"]] = pool

    def tutor_prompt(self) -> None:
        if Prompt.objects.filter(name=data.TUTOR_PROMPT_NAME).exists():
            return
        self._service(
            lambda: prompt_services.create_prompt_version(
                actor=None,
                name=data.TUTOR_PROMPT_NAME,
                prompt=data.TUTOR_PROMPT,
                type="text",
                labels=["production"],
                tags=["tutor", "demo"],
                config={"model": "gpt-4o-mini", "temperature": 0.3},
                commit_message="Demo tutor prompt (seed_demo)",
            ),
            "tutor prompt",
        )
        self._made("prompts")

    def _resolve(self, value: Any) -> Any:
        """Replace ``@asset:<key>`` / ``@pool:<title>`` references by row ids."""
        if isinstance(value, dict):
            return {key: self._resolve(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self._resolve(item) for item in value]
        if isinstance(value, str) and value.startswith("@asset:"):
            return self.assets[value.removeprefix("@asset:")].pk
        if isinstance(value, str) and value.startswith("@pool:"):
            return self.pools[value.removeprefix("@pool:")].pk
        return value

    def validate_syllabi(self, content_types: dict[str, ContentType]) -> None:
        """Every payload against its type's schema, before any module or item is written."""
        problems = []

        def walk(nodes, where):
            for node in nodes:
                for item in node.get("items", []):
                    schema = content_types[item["type"]].json_schema
                    for path, message in validate_data_json(schema, self._resolve(item["data"])):
                        problems.append(
                            f"{where} / {node['title']} / {item['title']} ({item['type']}): {path}: {message}"
                        )
                walk(node.get("children", []), f"{where} / {node['title']}")

        for (uni, code), units in data.SYLLABI.items():
            walk(units, f"{uni} {code}")
        if problems:
            raise DemoDataError("Invalid demo content:\n  " + "\n  ".join(problems))

    def syllabi(self) -> None:
        names = {item["type"] for units in data.SYLLABI.values() for item in _all_items(units)}
        content_types = {ct.name: ct for ct in ContentType.objects.filter(name__in=names)}
        missing = names - set(content_types)
        if missing:
            raise CommandError(f"Content types missing: {', '.join(sorted(missing))}. Run `manage.py migrate` first.")
        self.validate_syllabi(content_types)

        for (uni, code), units in data.SYLLABI.items():
            course = self.courses[(uni, code)]
            root = Module.objects.get(course=course, module_type=ModuleType.COURSE_ROOT)
            if not root.is_published:
                syllabus_services.publish_module(module=root, include_subtree=False)
                self._made("modules published")
            self._tree(course, root, units, content_types, (uni, code))

    def _tree(self, course: Course, parent: Module, nodes, content_types, key) -> None:
        for node in nodes:
            module = Module.objects.filter(course=course, parent_module=parent, title=node["title"]).first()
            if module is None:
                module = self._service(
                    lambda node=node: syllabus_services.create_module(
                        parent=parent,
                        module_type=node["type"],
                        title=node["title"],
                        description=node.get("description"),
                        is_published=True,
                    ),
                    f"module {node['title']}",
                )
                self._made("modules")
            self.modules[(*key, node["title"])] = module
            for spec in node.get("items", []):
                item = ContentItem.objects.filter(module=module, title=spec["title"]).first()
                if item is None:
                    fields = {
                        "description": spec.get("description"),
                        "estimated_duration_seconds": spec.get("duration"),
                        "learning_objectives": spec.get("objectives", []),
                    }
                    if spec.get("prompt"):
                        fields |= {"prompt_name": spec["prompt"], "prompt_label": "production"}
                    item = self._service(
                        lambda module=module, spec=spec, fields=fields: syllabus_services.create_content_item(
                            module=module,
                            content_type=content_types[spec["type"]],
                            title=spec["title"],
                            data_json=self._resolve(spec["data"]),
                            **fields,
                        ),
                        f"content item {spec['title']}",
                    )
                    self._made("content_items")
                self.items[(*key, spec["title"])] = item
            self._tree(course, module, node.get("children", []), content_types, key)

    # --- learning ----------------------------------------------------------------------------------

    def enrollments(self) -> None:
        touched = set()
        for email, uni, code, when, status in data.ENROLLMENTS:
            offering = self.offerings[(uni, code, when)]
            user = self.users[email]
            if CourseEnrollment.objects.filter(user=user, course_offering=offering).exists():
                continue
            fields: dict[str, Any] = {"status": status}
            if status == EnrollmentStatus.WAITLISTED:
                fields["waitlist_position"] = (
                    CourseEnrollment.objects.filter(
                        course_offering=offering, status=EnrollmentStatus.WAITLISTED
                    ).count()
                    + 1
                )
            if status == EnrollmentStatus.COMPLETED:
                fields["completed_at"] = offering.ends_at
            CourseEnrollment.objects.create(user=user, course_offering=offering, **fields)
            self._made("course_enrollments")
            touched.add(offering.pk)
        # The denormalised counts, through the catalog's service (only where they are off).
        for offering in CourseOffering.objects.filter(pk__in=[o.pk for o in self.offerings.values()]):
            statuses = Counter(offering.enrollments.values_list("status", flat=True))
            enrolled = statuses[EnrollmentStatus.ACTIVE] + statuses[EnrollmentStatus.COMPLETED]
            waitlisted = statuses[EnrollmentStatus.WAITLISTED]
            if (offering.enrolled_count, offering.waitlist_count) != (enrolled, waitlisted):
                catalog_services.set_offering_counts(
                    offering_id=offering.pk, enrolled_count=enrolled, waitlist_count=waitlisted
                )

        for email, uni, code, score, letter in data.GRADES:
            offering = self.offerings[(uni, code, "past")]
            _, created = CourseGrade.objects.get_or_create(
                user=self.users[email],
                course_offering=offering,
                defaults={
                    "final_score": Decimal(score),
                    "letter_grade": letter,
                    "passed": True,
                    "graded_at": offering.ends_at,
                },
            )
            self._made("course_grades", created)
            _, created = Certificate.objects.get_or_create(
                certificate_code=f"SIGMA-{uni}-{code}-{self.users[email].pk:05d}",
                defaults={
                    "user": self.users[email],
                    "course_offering": offering,
                    "metadata_json": {"final_score": score, "letter_grade": letter, "term": offering.term_name},
                },
            )
            self._made("certificates", created)

    def progress(self) -> None:
        now = self.now
        plan = [
            # email, university, course, item title, percent, completed
            ("student1@nit.example.edu", "NIT", "MATH101", "What is a derivative?", 100, True),
            (
                "student1@nit.example.edu",
                "NIT",
                "MATH101",
                "Lecture: derivatives, slope, velocity, rate of change",
                60,
                False,
            ),
            ("student2@nit.example.edu", "NIT", "MATH101", "What is a derivative?", 40, False),
            ("student1@thr.example.edu", "THR", "MATH110", "Lecture: the geometry of linear equations", 100, True),
            ("student1@thr.example.edu", "THR", "MATH110", "Linear combinations of columns", 100, True),
        ]
        for email, uni, code, title, percent, done in plan:
            item = self.items[(uni, code, title)]
            _, created = UserContentProgress.objects.get_or_create(
                user=self.users[email],
                course_offering=self.offerings[(uni, code, "current")],
                content_item=item,
                defaults={
                    "first_started_at": now - timedelta(days=6),
                    "last_interacted_at": now - timedelta(days=1),
                    "completed_at": now - timedelta(days=1) if done else None,
                    "progress_percent": Decimal(percent),
                    "attempts_count": 1,
                },
            )
            self._made("user_content_progress", created)
        modules = [
            ("student1@nit.example.edu", "NIT", "MATH101", "Lesson 1.1: Tangent lines and the derivative", 80),
            ("student1@nit.example.edu", "NIT", "MATH101", "Unit 1: The Derivative", 25),
            ("student1@thr.example.edu", "THR", "MATH110", "Lesson 1.1: Row and column pictures", 100),
        ]
        for email, uni, code, title, percent in modules:
            _, created = UserModuleProgress.objects.get_or_create(
                user=self.users[email],
                course_offering=self.offerings[(uni, code, "current")],
                module=self.modules[(uni, code, title)],
                defaults={
                    "started_at": now - timedelta(days=6),
                    "completed_at": now - timedelta(days=1) if percent == 100 else None,
                    "progress_percent": Decimal(percent),
                },
            )
            self._made("user_module_progress", created)
        quiz = self.items[("NIT", "MATH101", "Derivatives checkpoint")]
        _, created = QuizAttempt.objects.get_or_create(
            user=self.users["student1@nit.example.edu"],
            course_offering=self.offerings[("NIT", "MATH101", "current")],
            content_item=quiz,
            attempt_number=1,
            defaults={
                "started_at": now - timedelta(days=2, minutes=18),
                "submitted_at": now - timedelta(days=2),
                "score_obtained": Decimal(4),
                "max_score": Decimal(5),
                "passed": True,
                "raw_response_json": {"answers_correct": 4, "answers_total": 5},
            },
        )
        self._made("quiz_attempts", created)

    def build(self) -> None:
        self.geography()
        self.taxonomy()
        self.courses_and_offerings()
        self.people()
        self.media()
        self.question_bank()
        self.tutor_prompt()
        self.syllabi()
        self.enrollments()
        self.progress()


def _all_items(nodes):
    for node in nodes:
        yield from node.get("items", [])
        yield from _all_items(node.get("children", []))


def account_rows() -> list[tuple[str, str, str]]:
    names = {short_code: name for short_code, name, *_ in data.UNIVERSITIES}
    return [
        (email, role, f"{names[uni]} ({uni})" if uni else "— (platform)")
        for email, _name, role, uni, _dept in data.USERS
    ]


class Command(BaseCommand):
    help = "Fill the database with the demo world (idempotent). Prints the demo accounts."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing when the database already has a university."
        )

    def handle(self, *args, **options) -> None:
        if options["if_empty"] and University.objects.exists():
            self.stdout.write("seed_demo: the database already has data; nothing done (--if-empty).")
            return
        started = time.monotonic()
        builder = Builder(timezone.now().astimezone(UTC))
        try:
            with transaction.atomic():
                builder.build()
        except BaseException:
            for name in builder.stored_files:
                default_storage.delete(name)
            raise
        elapsed = time.monotonic() - started
        if builder.created:
            made = ", ".join(f"{count} {kind}" for kind, count in sorted(builder.created.items()))
            self.stdout.write(self.style.SUCCESS(f"seed_demo: created {made} in {elapsed:.1f}s."))
        else:
            self.stdout.write(
                self.style.SUCCESS(f"seed_demo: the demo world is complete; nothing to do ({elapsed:.1f}s).")
            )
        self.print_accounts()

    def print_accounts(self) -> None:
        rows = account_rows()
        widths = [
            max(len(header), *(len(row[i]) for row in rows)) for i, header in enumerate(("Email", "Role", "University"))
        ]
        line = "  ".join(f"{{:<{width}}}" for width in widths)
        self.stdout.write("")
        self.stdout.write(f"Demo accounts (password for all: {data.DEMO_PASSWORD})")
        self.stdout.write(line.format("Email", "Role", "University").rstrip())
        self.stdout.write(line.format(*("-" * width for width in widths)).rstrip())
        for row in rows:
            self.stdout.write(line.format(*row).rstrip())
