"""Syllabus: module templates, the per-course module tree, content types and items, assets, the question bank.

Trees stay trees by construction in the database where it can say so (one root per course, root iff
no parent, parent in the same course, unique sibling order) and in the syllabus services otherwise
(no cycles, depth = parent depth + 1). Composite foreign keys are added in ``0002_tenant_foreign_keys``.
"""

from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce, Now

from lms.models_base import LongNameGinIndex, LongNameIndex, choices_check, non_negative


class ModuleType(models.TextChoices):
    """Seed 000's ``module_type_enum``."""

    COURSE_ROOT = "course_root", "Course root"
    UNIT = "unit", "Unit"
    CHAPTER = "chapter", "Chapter"
    LESSON = "lesson", "Lesson"
    TOPIC = "topic", "Topic"
    SECTION = "section", "Section"
    LAB = "lab", "Lab"
    QUIZ = "quiz", "Quiz"
    OTHER = "other", "Other"


class ModuleTemplate(models.Model):
    """A reusable module in a library: platform-wide when ``university`` is null, else that university's."""

    template_type = models.CharField(max_length=32, choices=ModuleType.choices)
    university = models.ForeignKey(
        "catalog.University", on_delete=models.CASCADE, null=True, blank=True, related_name="module_templates"
    )
    title = models.CharField(max_length=255)
    description = models.TextField(null=True, blank=True)
    default_data = models.JSONField(null=True, blank=True, help_text="Optional metadata / default layout.")
    created_at = models.DateTimeField(db_default=Now(), editable=False)
    updated_at = models.DateTimeField(db_default=Now(), editable=False)

    class Meta:
        db_table = "module_templates"
        ordering = ["title"]
        constraints = [choices_check("template_type", ModuleType, name="ck_module_templates_template_type")]

    def __str__(self) -> str:
        return f"{self.title} ({self.template_type})"


class Module(models.Model):
    """A node of a course's syllabus tree. Created, moved and reordered only by the syllabus services."""

    course = models.ForeignKey("catalog.Course", on_delete=models.CASCADE, related_name="modules", db_index=False)
    parent_module = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="child_modules", db_index=False
    )
    module_type = models.CharField(max_length=32, choices=ModuleType.choices)
    # A module is a copy of its template; deleting the library entry keeps the copy.
    module_template = models.ForeignKey(
        ModuleTemplate, on_delete=models.SET_NULL, null=True, blank=True, related_name="modules", db_index=False
    )
    title = models.CharField(max_length=255)
    description = models.TextField(null=True, blank=True)
    sequence_index = models.IntegerField(default=1, db_default=1, help_text="Order among siblings, from 1.")
    depth = models.IntegerField(default=0, db_default=0, help_text="Cached tree depth; the root is 0.")
    is_published = models.BooleanField(default=False, db_default=False)
    created_at = models.DateTimeField(db_default=Now(), editable=False)
    updated_at = models.DateTimeField(db_default=Now(), editable=False)

    class Meta:
        db_table = "modules"
        ordering = ["course_id", "depth", "sequence_index"]
        constraints = [
            models.UniqueConstraint(
                F("course"),
                Coalesce(F("parent_module"), Value(0), output_field=models.BigIntegerField()),
                F("sequence_index"),
                name="ux_modules_course_parent_sequence",
            ),
            # Target of composite FKs: a parent, a content item, … of the same course.
            models.UniqueConstraint(fields=["id", "course"], name="ux_modules_id_course"),
            models.UniqueConstraint(
                fields=["course"],
                condition=Q(module_type=ModuleType.COURSE_ROOT),
                name="ux_modules_one_root_per_course",
            ),
            choices_check("module_type", ModuleType, name="ck_modules_module_type"),
            models.CheckConstraint(
                condition=(Q(module_type=ModuleType.COURSE_ROOT) & Q(parent_module__isnull=True))
                | (~Q(module_type=ModuleType.COURSE_ROOT) & Q(parent_module__isnull=False)),
                name="ck_modules_root_iff_no_parent",
            ),
            models.CheckConstraint(
                condition=(Q(parent_module__isnull=True) & Q(depth=0))
                | (Q(parent_module__isnull=False) & Q(depth__gte=1)),
                name="ck_modules_depth_matches_parent",
            ),
            models.CheckConstraint(condition=~Q(parent_module=F("id")), name="ck_modules_not_own_parent"),
            models.CheckConstraint(condition=Q(sequence_index__gte=1), name="ck_modules_sequence_index_positive"),
        ]
        indexes = [
            models.Index(fields=["course"], name="ix_modules_course_id"),
            models.Index(fields=["parent_module"], name="ix_modules_parent_module_id"),
            models.Index(fields=["module_template"], name="ix_modules_template_id"),
        ]

    def __str__(self) -> str:
        return self.title


class ContentType(models.Model):
    """An admin-managed kind of content (seed 001) whose ``json_schema`` validates ``ContentItem.data_json``.

    Not to be confused with ``django.contrib.contenttypes``. An inactive type cannot be chosen for new
    items; existing items still render.
    """

    name = models.CharField(max_length=50, help_text='Internal name, e.g. "video".')
    label = models.CharField(max_length=100)
    description = models.TextField(null=True, blank=True)
    is_active = models.BooleanField(default=True, db_default=True)
    json_schema = models.JSONField(default=dict, db_default=Value({}, output_field=models.JSONField()))
    is_builtin = models.BooleanField(default=False, db_default=False)
    created_at = models.DateTimeField(db_default=Now(), editable=False)
    updated_at = models.DateTimeField(db_default=Now(), editable=False)

    class Meta:
        db_table = "content_types"
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["name"], name="ux_content_types_name")]

    def __str__(self) -> str:
        return self.label


class ContentItem(models.Model):
    """Polymorphic content in a module; ``data_json`` follows its content type's JSON Schema.

    ``course`` equals the module's course and ``university`` the course's university (composite FKs).
    """

    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="content_items", db_index=False)
    course = models.ForeignKey("catalog.Course", on_delete=models.CASCADE, related_name="content_items", db_index=False)
    university = models.ForeignKey(
        "catalog.University", on_delete=models.CASCADE, related_name="content_items", db_index=False
    )
    content_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, related_name="content_items", db_index=False
    )
    title = models.CharField(max_length=255)
    description = models.TextField(null=True, blank=True)
    sequence_index = models.IntegerField(default=1, db_default=1, help_text="Order within the module, from 1.")
    estimated_duration_seconds = models.IntegerField(null=True, blank=True)
    data_json = models.JSONField()
    learning_objectives = models.JSONField(
        default=list, blank=True, db_default=Value([], output_field=models.JSONField())
    )
    prompt_name = models.CharField(max_length=255, null=True, blank=True, help_text="Prompt for the AI tutor.")
    prompt_label = models.CharField(max_length=36, default="production", db_default="production")
    is_active = models.BooleanField(default=True, db_default=True)
    created_at = models.DateTimeField(db_default=Now(), editable=False)
    updated_at = models.DateTimeField(db_default=Now(), editable=False)

    class Meta:
        db_table = "content_items"
        ordering = ["module_id", "sequence_index"]
        constraints = [
            models.UniqueConstraint(fields=["module", "sequence_index"], name="ux_content_items_module_sequence"),
            models.CheckConstraint(condition=Q(sequence_index__gte=1), name="ck_content_items_sequence_index_positive"),
            non_negative("estimated_duration_seconds", name="ck_content_items_duration_nonnegative"),
        ]
        indexes = [
            models.Index(fields=["module"], name="ix_content_items_module_id"),
            models.Index(fields=["course"], name="ix_content_items_course_id"),
            LongNameIndex(fields=["university"], name="ix_content_items_university_id"),
            models.Index(fields=["content_type"], name="ix_content_items_content_type"),
            LongNameGinIndex(fields=["data_json"], name="ix_content_items_data_json_gin"),
        ]

    def __str__(self) -> str:
        return self.title


class AssetType(models.TextChoices):
    """Seed 000 says "image", "pdf", "audio", "other", e.g.; completed."""

    IMAGE = "image", "Image"
    PDF = "pdf", "PDF"
    AUDIO = "audio", "Audio"
    VIDEO = "video", "Video"
    DOCUMENT = "document", "Document"
    ARCHIVE = "archive", "Archive"
    OTHER = "other", "Other"


class Asset(models.Model):
    """A file in the media library; ``university`` null = platform-wide. ``url``: storage or external URL."""

    # Seed 000 says ON DELETE SET NULL, which would turn a deleted tenant's files into platform-wide
    # ones; the tenant's assets go with it instead (docs/schema.md).
    university = models.ForeignKey(
        "catalog.University", on_delete=models.CASCADE, null=True, blank=True, related_name="assets", db_index=False
    )
    url = models.CharField(max_length=1024)
    asset_type = models.CharField(max_length=32, choices=AssetType.choices)
    meta_json = models.JSONField(null=True, blank=True, help_text="Dimensions, alt text, licensing, …")
    created_at = models.DateTimeField(db_default=Now(), editable=False)
    updated_at = models.DateTimeField(db_default=Now(), editable=False)

    class Meta:
        db_table = "assets"
        constraints = [choices_check("asset_type", AssetType, name="ck_assets_asset_type")]
        indexes = [
            models.Index(fields=["university"], name="ix_assets_university_id"),
            LongNameGinIndex(fields=["meta_json"], name="ix_assets_meta_json_gin"),
        ]

    def __str__(self) -> str:
        return f"{self.asset_type}: {self.url}"


class QuestionPool(models.Model):
    """The bank a quiz draws from (seed 000's ``question_pool_id``). Belongs to a course and its university."""

    course = models.ForeignKey("catalog.Course", on_delete=models.CASCADE, related_name="question_pools")
    university = models.ForeignKey("catalog.University", on_delete=models.CASCADE, related_name="question_pools")
    title = models.CharField(max_length=255)
    description = models.TextField(null=True, blank=True)
    created_at = models.DateTimeField(db_default=Now(), editable=False)
    updated_at = models.DateTimeField(db_default=Now(), editable=False)

    class Meta:
        db_table = "question_pools"
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class QuestionType(models.TextChoices):
    MULTIPLE_CHOICE = "multiple_choice", "Multiple choice"
    MULTIPLE_SELECT = "multiple_select", "Multiple select"
    TRUE_FALSE = "true_false", "True / false"
    NUMERIC = "numeric", "Numeric"
    SHORT_TEXT = "short_text", "Short text"


class ToleranceMode(models.TextChoices):
    ABSOLUTE = "absolute", "Absolute (± the tolerance)"
    RELATIVE = "relative", "Relative (± the tolerance × the answer)"


class Question(models.Model):
    """One question of a pool.

    ``choices``: ``[{"key": "a", "text": "…"}, …]`` for multiple choice/select, else ``[]``.
    ``correct_answer`` by type: multiple_choice ``"a"``; multiple_select ``["a", "c"]``; true_false
    ``true``; numeric ``9.81`` (with ``numeric_tolerance``); short_text ``["accepted", "answers"]``.
    Grading options (docs/assessments.md): ``partial_credit`` (multiple select), ``tolerance_mode``
    (numeric), ``exact_match`` (short text: case and spaces count).
    """

    pool = models.ForeignKey(QuestionPool, on_delete=models.CASCADE, related_name="questions", db_index=False)
    question_type = models.CharField(max_length=32, choices=QuestionType.choices)
    prompt = models.TextField(help_text="The question text shown to the student.")
    choices = models.JSONField(default=list, blank=True, db_default=Value([], output_field=models.JSONField()))
    correct_answer = models.JSONField()
    numeric_tolerance = models.DecimalField(max_digits=12, decimal_places=6, null=True, blank=True)
    points = models.DecimalField(max_digits=6, decimal_places=2, default=1, db_default=1)
    explanation = models.TextField(null=True, blank=True)
    sequence_index = models.IntegerField(default=1, db_default=1)
    partial_credit = models.BooleanField(
        default=False, db_default=False, help_text="Multiple select: credit per correct tick, minus wrong ticks."
    )
    tolerance_mode = models.CharField(
        max_length=16, choices=ToleranceMode.choices, default=ToleranceMode.ABSOLUTE, db_default=ToleranceMode.ABSOLUTE
    )
    exact_match = models.BooleanField(
        default=False, db_default=False, help_text="Short text: case and spaces must match exactly."
    )
    created_at = models.DateTimeField(db_default=Now(), editable=False)
    updated_at = models.DateTimeField(db_default=Now(), editable=False)

    class Meta:
        db_table = "questions"
        ordering = ["pool_id", "sequence_index"]
        constraints = [
            models.UniqueConstraint(fields=["pool", "sequence_index"], name="ux_questions_pool_sequence"),
            choices_check("question_type", QuestionType, name="ck_questions_question_type"),
            choices_check("tolerance_mode", ToleranceMode, name="ck_questions_tolerance_mode"),
            models.CheckConstraint(condition=Q(sequence_index__gte=1), name="ck_questions_sequence_index_positive"),
            non_negative("points", name="ck_questions_points_nonnegative"),
            non_negative("numeric_tolerance", name="ck_questions_tolerance_nonnegative"),
            models.CheckConstraint(
                condition=Q(question_type=QuestionType.NUMERIC) | Q(numeric_tolerance__isnull=True),
                name="ck_questions_tolerance_only_numeric",
            ),
        ]

    def __str__(self) -> str:
        return self.prompt[:60]
