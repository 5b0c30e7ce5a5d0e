"""Catalog: geography and tenants, the subject taxonomy, courses and their offerings.

Tables, columns and index names follow ``shared/seeds/000`` (baseline DDL) plus the extra columns of
``001`` and the decisions in ``docs/schema.md``. Composite foreign keys that keep denormalised tenant
columns in agreement are added by raw SQL in ``0002_tenant_foreign_keys``.
"""

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _

from lms.models_base import LongNameIndex, before, choices_check, non_negative, nullable_choices_check


class Country(models.Model):
    iso_code = models.CharField(max_length=2, help_text="ISO 3166-1 alpha-2 country code.")
    name = models.CharField(max_length=255)
    region_name = models.CharField(max_length=255, null=True, blank=True)

    class Meta:
        db_table = "countries"
        ordering = ["name"]
        verbose_name_plural = "countries"
        constraints = [
            # Seed 000 declares the column inline UNIQUE; this is PostgreSQL's own name for it.
            models.UniqueConstraint(fields=["iso_code"], name="countries_iso_code_key"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.iso_code})"


class University(models.Model):
    """A tenant."""

    name = models.CharField(max_length=255)
    short_code = models.CharField(max_length=64, help_text='e.g. "MIT"; unique platform-wide.')
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="universities", db_index=False)
    time_zone = models.CharField(max_length=64, default="UTC", db_default="UTC")
    website_url = models.URLField(max_length=512, null=True, blank=True)
    is_active = models.BooleanField(default=True, db_default=True)
    created_at = models.DateTimeField(db_default=Now(), editable=False)
    updated_at = models.DateTimeField(db_default=Now(), editable=False)

    class Meta:
        db_table = "universities"
        ordering = ["name"]
        verbose_name_plural = "universities"
        constraints = [
            models.UniqueConstraint(fields=["short_code"], name="ux_universities_short_code"),
        ]
        indexes = [models.Index(fields=["country"], name="ix_universities_country_id")]

    def __str__(self) -> str:
        return self.name


class Department(models.Model):
    university = models.ForeignKey(University, on_delete=models.CASCADE, related_name="departments", db_index=False)
    name = models.CharField(max_length=255)
    code = models.CharField(max_length=64, help_text='e.g. "ME", "CS"')
    created_at = models.DateTimeField(db_default=Now(), editable=False)
    updated_at = models.DateTimeField(db_default=Now(), editable=False)

    class Meta:
        db_table = "departments"
        ordering = ["university_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["university", "code"], name="ux_departments_university_code"),
            # Target of composite FKs (courses, user_university_roles): a department of the same university.
            models.UniqueConstraint(fields=["id", "university"], name="ux_departments_id_university"),
        ]
        indexes = [models.Index(fields=["university"], name="ix_departments_university_id")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Domain(models.Model):
    """A top-level area of the taxonomy: Mathematics, Science, Engineering."""

    code = models.CharField(max_length=64, help_text='"MATH", "SCI", …')
    name = models.CharField(max_length=255)
    description = models.TextField(null=True, blank=True)
    created_at = models.DateTimeField(db_default=Now(), editable=False)
    updated_at = models.DateTimeField(db_default=Now(), editable=False)

    class Meta:
        db_table = "domains"
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["code"], name="domains_code_key")]

    def __str__(self) -> str:
        return self.name


class Subject(models.Model):
    """A node of the global subject tree; ``depth`` is maintained by the catalog service."""

    parent_subject = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="child_subjects", db_index=False
    )
    domain = models.ForeignKey(
        Domain, on_delete=models.SET_NULL, null=True, blank=True, related_name="subjects", db_index=False
    )
    name = models.CharField(max_length=255)
    code = models.CharField(max_length=128, help_text='e.g. "MECH_THERMO"')
    description = models.TextField(null=True, blank=True)
    depth = models.IntegerField(default=0, db_default=0)
    created_at = models.DateTimeField(db_default=Now(), editable=False)
    updated_at = models.DateTimeField(db_default=Now(), editable=False)

    class Meta:
        db_table = "subjects"
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["code"], name="ux_subjects_code"),
            # Target of the composite FK that keeps a child in its parent's domain.
            models.UniqueConstraint(fields=["id", "domain"], name="ux_subjects_id_domain"),
            non_negative("depth", name="ck_subjects_depth_nonnegative"),
            models.CheckConstraint(condition=~Q(parent_subject=F("id")), name="ck_subjects_not_own_parent"),
            # A root sits at depth 0 and a child below it (the exact depth is kept by the services).
            models.CheckConstraint(
                condition=(Q(parent_subject__isnull=True) & Q(depth=0))
                | (Q(parent_subject__isnull=False) & Q(depth__gte=1)),
                name="ck_subjects_depth_matches_parent",
            ),
        ]
        indexes = [
            models.Index(fields=["parent_subject"], name="ix_subjects_parent_subject_id"),
            models.Index(fields=["domain"], name="ix_subjects_domain_id"),
        ]

    def __str__(self) -> str:
        return self.name


class CourseLevel(models.TextChoices):
    """Seed 000's ``course_level_enum`` (academic level)."""

    UNDERGRADUATE = "undergraduate", _("Undergraduate")
    GRADUATE = "graduate", _("Graduate")
    POSTGRADUATE = "postgraduate", _("Postgraduate")
    CERTIFICATE = "certificate", _("Certificate")
    OTHER = "other", _("Other")


class CourseDifficulty(models.TextChoices):
    """Seed 001's CourseLevel, kept as a separate ``difficulty`` column."""

    INTRODUCTORY = "introductory", _("Introductory")
    INTERMEDIATE = "intermediate", _("Intermediate")
    ADVANCED = "advanced", _("Advanced")
    EXPERT = "expert", _("Expert")


class Course(models.Model):
    """A course definition, reused across terms (offerings)."""

    university = models.ForeignKey(University, on_delete=models.CASCADE, related_name="courses", db_index=False)
    department = models.ForeignKey(
        Department, on_delete=models.SET_NULL, null=True, blank=True, related_name="courses", db_index=False
    )
    primary_subject = models.ForeignKey(
        Subject, on_delete=models.SET_NULL, null=True, blank=True, related_name="primary_courses", db_index=False
    )
    title = models.CharField(max_length=255)
    code = models.CharField(max_length=128, help_text='e.g. "ME101"')
    description = models.TextField(null=True, blank=True)
    level = models.CharField(
        max_length=32, choices=CourseLevel.choices, default=CourseLevel.UNDERGRADUATE, db_default=CourseLevel.UNDERGRADUATE
    )
    difficulty = models.CharField(max_length=32, choices=CourseDifficulty.choices, null=True, blank=True)
    language_code = models.CharField(max_length=8, default="en", db_default="en")
    credit_hours = models.DecimalField(max_digits=4, decimal_places=2, null=True, blank=True)
    is_published = models.BooleanField(default=False, db_default=False)
    is_coming_soon = models.BooleanField(default=False, db_default=False)
    # Bumped by every structural edit or publish of the syllabus; outline caches key on it.
    structure_version = models.IntegerField(default=1, db_default=1)
    # Denormalised summary of course_reviews, written only through catalog.services.set_course_rating
    # (which no review service calls yet: 0 ratings until one does).
    rating_avg = models.DecimalField(max_digits=3, decimal_places=2, null=True, blank=True)
    rating_count = models.IntegerField(default=0, db_default=0)
    created_at = models.DateTimeField(db_default=Now(), editable=False)
    updated_at = models.DateTimeField(db_default=Now(), editable=False)
    # Catalog full-text search (title weighs most, then code, then description); kept by PostgreSQL.
    search_vector = models.GeneratedField(
        expression=SearchVector("title", weight="A", config="english")
        + SearchVector("code", weight="A", config="simple")
        + SearchVector("description", weight="C", config="english"),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    class Meta:
        db_table = "courses"
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["university", "code"], name="ux_courses_university_code"),
            # Target of composite FKs (offerings, content items, question pools): same university.
            models.UniqueConstraint(fields=["id", "university"], name="ux_courses_id_university"),
            choices_check("level", CourseLevel, name="ck_courses_level"),
            nullable_choices_check("difficulty", CourseDifficulty, name="ck_courses_difficulty"),
            non_negative("credit_hours", name="ck_courses_credit_hours_nonnegative"),
            models.CheckConstraint(condition=Q(structure_version__gte=1), name="ck_courses_structure_version_positive"),
            non_negative("rating_count", name="ck_courses_rating_count_nonnegative"),
            models.CheckConstraint(
                condition=Q(rating_avg__isnull=True) | Q(rating_avg__gte=1, rating_avg__lte=5),
                name="ck_courses_rating_avg_range",
            ),
        ]
        indexes = [
            models.Index(fields=["university"], name="ix_courses_university_id"),
            models.Index(fields=["department"], name="ix_courses_department_id"),
            models.Index(fields=["primary_subject"], name="ix_courses_primary_subject_id"),
            GinIndex(fields=["search_vector"], name="ix_courses_search_vector"),
            # The catalog's sorts, so ORDER BY … LIMIT 20 walks an index instead of sorting every course.
            LongNameIndex(
                fields=["title", "id"], condition=Q(is_published=True), name="ix_courses_published_title_id"
            ),
            LongNameIndex(
                F("rating_avg").desc(nulls_last=True), F("rating_count").desc(), "title", "id",
                condition=Q(is_published=True), name="ix_courses_published_rating",
            ),
            # The catalog's language filter lists the published languages by a loose scan of this index.
            models.Index(
                fields=["language_code", "id"], condition=Q(is_published=True), name="ix_courses_published_language"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class CourseSubject(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="course_subjects", db_index=False)
    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="course_subjects", db_index=False)
    is_primary = models.BooleanField(default=False, db_default=False)

    class Meta:
        db_table = "course_subjects"
        constraints = [
            models.UniqueConstraint(fields=["course", "subject"], name="ux_course_subjects_unique"),
            models.UniqueConstraint(
                fields=["course"], condition=Q(is_primary=True), name="ux_course_subjects_one_primary"
            ),
        ]
        indexes = [models.Index(fields=["subject"], name="ix_course_subjects_subject_id")]

    def __str__(self) -> str:
        return f"{self.course_id} ↔ {self.subject_id}{' (primary)' if self.is_primary else ''}"


class PrerequisiteType(models.TextChoices):
    STRICT = "strict", _("Strict")
    RECOMMENDED = "recommended", _("Recommended")
    CO_REQUISITE = "co_requisite", _("Co-requisite")


class CoursePrerequisite(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="prerequisite_links", db_index=False)
    prerequisite_course = models.ForeignKey(
        Course, on_delete=models.CASCADE, related_name="required_by_links", db_index=False
    )
    prerequisite_type = models.CharField(
        max_length=32, choices=PrerequisiteType.choices, default=PrerequisiteType.STRICT, db_default=PrerequisiteType.STRICT
    )
    created_at = models.DateTimeField(db_default=Now(), editable=False)

    class Meta:
        db_table = "course_prerequisites"
        constraints = [
            models.UniqueConstraint(fields=["course", "prerequisite_course"], name="ux_course_prerequisites_unique"),
            models.CheckConstraint(
                condition=~Q(course=F("prerequisite_course")), name="ck_course_prerequisites_not_self"
            ),
            choices_check("prerequisite_type", PrerequisiteType, name="ck_course_prerequisites_type"),
        ]
        indexes = [models.Index(fields=["prerequisite_course"], name="ix_course_prerequisites_prereq")]

    def __str__(self) -> str:
        return f"{self.prerequisite_course_id} → {self.course_id} ({self.prerequisite_type})"


class OfferingVisibility(models.TextChoices):
    PUBLIC = "public", "Public"
    UNLISTED = "unlisted", "Unlisted"
    INVITE_ONLY = "invite_only", "Invite only"
    PRIVATE = "private", "Private"


class CourseOffering(models.Model):
    """A concrete run (term) of a course. ``university`` always equals the course's (composite FK)."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="offerings", db_index=False)
    university = models.ForeignKey(
        University, on_delete=models.CASCADE, related_name="course_offerings", db_index=False
    )
    term_name = models.CharField(max_length=255, null=True, blank=True, help_text='e.g. "Fall 2026"')
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    enrollment_start = models.DateTimeField(null=True, blank=True)
    enrollment_end = models.DateTimeField(null=True, blank=True)
    visibility = models.CharField(
        max_length=32,
        choices=OfferingVisibility.choices,
        default=OfferingVisibility.PRIVATE,
        db_default=OfferingVisibility.PRIVATE,
    )
    capacity = models.IntegerField(null=True, blank=True, help_text="Empty means unlimited.")
    requires_approval = models.BooleanField(default=False, db_default=False)
    # Denormalised counts, written only by learning's enrollment service (through catalog's service).
    enrolled_count = models.IntegerField(default=0, db_default=0)
    waitlist_count = models.IntegerField(default=0, db_default=0)
    created_at = models.DateTimeField(db_default=Now(), editable=False)
    updated_at = models.DateTimeField(db_default=Now(), editable=False)

    class Meta:
        db_table = "course_offerings"
        ordering = ["-starts_at", "id"]
        constraints = [
            choices_check("visibility", OfferingVisibility, name="ck_course_offerings_visibility"),
            before("starts_at", "ends_at", name="ck_course_offerings_starts_before_ends"),
            before("enrollment_start", "enrollment_end", name="ck_course_offerings_enrollment_window"),
            non_negative("capacity", name="ck_course_offerings_capacity_nonnegative"),
            non_negative("enrolled_count", name="ck_course_offerings_enrolled_count_nonnegative"),
            non_negative("waitlist_count", name="ck_course_offerings_waitlist_count_nonnegative"),
        ]
        indexes = [
            models.Index(fields=["course"], name="ix_course_offerings_course_id"),
            # The catalog's visibility probe (a course's public/private offerings), answered from the index.
            LongNameIndex(fields=["course", "visibility"], name="ix_course_offerings_course_visibility"),
            # The catalog's start-date sort walks offerings in start order, testing them from the index.
            LongNameIndex(
                fields=["starts_at", "course"], include=["ends_at", "visibility", "university", "id"],
                name="ix_course_offerings_starts_at_course_id",
            ),
            LongNameIndex(fields=["university"], name="ix_course_offerings_university_id"),
        ]

    def __str__(self) -> str:
        return f"{self.course} — {self.term_name or 'untitled term'}"


class OfferingStaffRole(models.TextChoices):
    INSTRUCTOR = "instructor", "Instructor"
    TA = "ta", "Teaching assistant"


class CourseOfferingInstructor(models.Model):
    course_offering = models.ForeignKey(
        CourseOffering, on_delete=models.CASCADE, related_name="instructors", db_index=False
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="teaching_assignments")
    role = models.CharField(
        max_length=16,
        choices=OfferingStaffRole.choices,
        default=OfferingStaffRole.INSTRUCTOR,
        db_default=OfferingStaffRole.INSTRUCTOR,
    )

    class Meta:
        db_table = "course_offering_instructors"
        constraints = [
            models.UniqueConstraint(
                fields=["course_offering", "user"], name="ux_course_offering_instructor_unique"
            ),
            choices_check("role", OfferingStaffRole, name="ck_course_offering_instructors_role"),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.role}) in offering {self.course_offering_id}"
