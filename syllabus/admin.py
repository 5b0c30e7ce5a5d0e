"""Staff console for the syllabus: module templates, the module tree, content, assets and the question bank.

Every class follows ``accounts.admin_policy``. Tree columns (depth, order) and content tenant columns are
maintained by ``syllabus.services``, which every write here goes through. The module change list shows each
course's syllabus as an indented tree (depth-first order from a recursive subquery), filterable by course.
Content types and platform-wide templates/assets are platform-only.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models.expressions import RawSQL
from django.utils.html import format_html

from accounts.admin_policy import RefusedDeleteMixin, SharedReferenceAdmin, TenantScopedAdmin, TenantScopedInline
from syllabus import services
from syllabus.content_schemas import schema_problem
from syllabus.models import Asset, ContentItem, ContentType, Module, ModuleTemplate, Question, QuestionPool

# Depth-first sort key of a module: the sequence indexes from the root down to it ({1,2,1}).
TREE_KEY_SQL = """
    (WITH RECURSIVE up(id, parent_id, key) AS (
        SELECT m.id, m.parent_module_id, ARRAY[m.sequence_index]
        FROM modules m WHERE m.id = modules.id
      UNION ALL
        SELECT p.id, p.parent_module_id, p.sequence_index || up.key
        FROM modules p JOIN up ON p.id = up.parent_id
    )
    SELECT key FROM up WHERE parent_id IS NULL)
"""
CONTENT_FIELDS = (
    "title",
    "description",
    "content_type",
    "data_json",
    "estimated_duration_seconds",
    "learning_objectives",
    "prompt_name",
    "prompt_label",
    "is_active",
)
CONTENT_TYPE_SCHEMA_INVALID = "Not a valid JSON Schema (draft 2020-12): {error}."
QUESTION_FIELDS = (
    "question_type",
    "prompt",
    "choices",
    "correct_answer",
    "numeric_tolerance",
    "tolerance_mode",
    "partial_credit",
    "exact_match",
    "points",
    "explanation",
)


@admin.register(ModuleTemplate)
class ModuleTemplateAdmin(TenantScopedAdmin):
    """A university's library; the platform-wide library (no university) is for platform admins only."""

    tenant_path = "university"
    list_display = ("title", "template_type", "university", "updated_at")
    list_filter = ("template_type", "university")
    search_fields = ("title",)
    list_select_related = ("university",)
    autocomplete_fields = ("university",)
    date_hierarchy = "created_at"


class CourseFilter(admin.SimpleListFilter):
    """The courses this user may see (a plain RelatedFieldListFilter would list every tenant's)."""

    title = "course"
    parameter_name = "course__id__exact"

    def lookups(self, request, model_admin):
        courses = admin.site._registry[Module.course.field.related_model]
        queryset = courses.scope_queryset(request, courses.model._default_manager.all()).order_by("code")
        return [(course.pk, str(course)) for course in queryset.only("pk", "code", "title")]

    def queryset(self, request, queryset):
        return queryset.filter(course_id=self.value()) if self.value() else queryset


@admin.register(Module)
class ModuleAdmin(RefusedDeleteMixin, TenantScopedAdmin):
    tenant_path = "course__university"
    department_path = "course__department"
    list_display = ("indented_title", "course", "module_type", "sequence_index", "depth", "is_published")
    list_display_links = ("indented_title",)
    list_filter = (CourseFilter, "module_type", "is_published")
    search_fields = ("title", "course__code", "course__title")
    list_select_related = ("course",)
    autocomplete_fields = ("course", "parent_module", "module_template")
    readonly_fields = ("depth", "sequence_index", "created_at", "updated_at")
    date_hierarchy = "created_at"
    actions = ["publish_modules", "publish_subtrees", "unpublish_modules"]
    fields = (
        "course",
        "parent_module",
        "module_type",
        "title",
        "description",
        "module_template",
        "is_published",
        "depth",
        "sequence_index",
    )

    def get_queryset(self, request):
        # Annotate before ordering (ModelAdmin.get_queryset would order by the not-yet-existing key).
        queryset = Module._default_manager.annotate(
            tree_key=RawSQL(TREE_KEY_SQL, (), output_field=ArrayField(models.IntegerField()))  # noqa: S611 (constant SQL)
        ).order_by(*self.get_ordering(request))
        return self.scope_queryset(request, queryset)

    def get_ordering(self, request):
        # By course, then depth-first through the tree (the annotation below; not a model field, so not
        # in ``ordering``, which the system checks validate against the model).
        return ("course__code", "course_id", "tree_key")

    @admin.display(description="module", ordering="tree_key")
    def indented_title(self, obj: Module) -> str:
        return format_html('<span style="padding-left:{}em">{}</span>', obj.depth * 1.5, obj.title)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            fields.append("course")
            if obj.parent_module_id is None:
                fields += ["parent_module", "module_type"]
        return fields

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if not change:
            saved = services.create_module(
                actor=request.user,
                course=obj.course,
                parent=data.get("parent_module"),
                module_type=obj.module_type,
                title=obj.title,
                description=obj.description,
                module_template=obj.module_template,
                is_published=obj.is_published,
            )
            obj.pk, obj.depth, obj.sequence_index = saved.pk, saved.depth, saved.sequence_index
            return
        with transaction.atomic():
            stored = Module.objects.get(pk=obj.pk)
            if "parent_module" in form.changed_data and data.get("parent_module") is not None:
                services.move_module(actor=request.user, module=stored, new_parent=data["parent_module"])
            if "is_published" in form.changed_data:
                change_flag = services.publish_module if obj.is_published else services.unpublish_module
                change_flag(actor=request.user, module=stored, include_subtree=False)
            if {"title", "description", "module_type"} & set(form.changed_data):
                # The service bumps the course's structure_version (titles and types are in cached outlines).
                services.update_module(
                    actor=request.user,
                    module=stored,
                    title=obj.title,
                    description=obj.description,
                    module_type=obj.module_type if stored.parent_module_id is not None else None,
                )
            if "module_template" in form.changed_data:
                # Provenance only (which template a copy came from): not part of the outline.
                Module.objects.filter(pk=obj.pk).update(module_template=obj.module_template)

    def delete_model(self, request, obj):
        services.delete_module(actor=request.user, module=obj)

    def _publish(self, request, queryset, *, publish: bool, subtree: bool, done: str):
        func = services.publish_module if publish else services.unpublish_module
        self.run_action(
            request,
            queryset,
            lambda module: func(actor=request.user, module=module, include_subtree=subtree),
            done=done,
            log=("Published" if publish else "Unpublished")
            + (" the module and its subtree." if subtree else " the module."),
        )

    @admin.action(description="Publish selected modules")
    def publish_modules(self, request, queryset):
        self._publish(request, queryset, publish=True, subtree=False, done="Published {count} module(s).")

    @admin.action(description="Publish selected modules with everything below them")
    def publish_subtrees(self, request, queryset):
        self._publish(request, queryset, publish=True, subtree=True, done="Published {count} subtree(s).")

    @admin.action(description="Unpublish selected modules")
    def unpublish_modules(self, request, queryset):
        self._publish(request, queryset, publish=False, subtree=False, done="Unpublished {count} module(s).")


class ContentTypeAdminForm(forms.ModelForm):
    class Meta:
        model = ContentType
        fields = "__all__"  # noqa: DJ007 -- the admin's own fieldsets decide what shows

    def clean_json_schema(self):
        schema = self.cleaned_data.get("json_schema")
        problem = schema_problem(schema if schema is not None else {})
        if problem is not None:
            raise forms.ValidationError(CONTENT_TYPE_SCHEMA_INVALID.format(error=problem))
        return schema


@admin.register(ContentType)
class ContentTypeAdmin(SharedReferenceAdmin):
    form = ContentTypeAdminForm
    list_display = ("name", "label", "is_active", "is_builtin")
    list_filter = ("is_active", "is_builtin")
    search_fields = ("name", "label")
    readonly_fields = ("is_builtin", "created_at", "updated_at")
    date_hierarchy = "created_at"


@admin.register(ContentItem)
class ContentItemAdmin(TenantScopedAdmin):
    tenant_path = "university"
    department_path = "course__department"
    list_display = ("title", "content_type", "module", "course", "university", "sequence_index", "is_active")
    list_filter = ("content_type", "is_active", "university")
    search_fields = ("title", "course__code", "module__title")
    list_select_related = ("content_type", "module", "course", "university")
    autocomplete_fields = ("module",)
    exclude = ("course", "university")  # copied from the module by the service
    readonly_fields = ("course", "university", "sequence_index", "created_at", "updated_at")
    date_hierarchy = "created_at"

    def instance_in_scope(self, request, instance) -> bool:
        if instance.module_id is not None:
            instance.course_id = instance.module.course_id
            instance.university_id = instance.module.course.university_id
        return super().instance_in_scope(request, instance)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "module"] if obj is not None else fields

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in CONTENT_FIELDS if name in form.cleaned_data}
        if not change:
            title, content_type, data_json = data.pop("title"), data.pop("content_type"), data.pop("data_json")
            saved = services.create_content_item(
                actor=request.user,
                module=obj.module,
                content_type=content_type,
                title=title,
                data_json=data_json,
                **data,
            )
            obj.pk = saved.pk
            return
        changed = {name: value for name, value in data.items() if name in form.changed_data}
        if changed:
            services.update_content_item(actor=request.user, item=ContentItem.objects.get(pk=obj.pk), **changed)

    def delete_model(self, request, obj):
        services.delete_content_item(actor=request.user, item=obj)


@admin.register(Asset)
class AssetAdmin(TenantScopedAdmin):
    """A university's media library; platform-wide assets (no university) are for platform admins only."""

    tenant_path = "university"
    list_display = ("url", "asset_type", "university", "created_at")
    list_filter = ("asset_type", "university")
    search_fields = ("url",)
    list_select_related = ("university",)
    autocomplete_fields = ("university",)
    date_hierarchy = "created_at"


class QuestionInline(TenantScopedInline, admin.StackedInline):
    model = Question
    tenant_path = "pool__university"
    department_path = "pool__course__department"
    fields = (*QUESTION_FIELDS, "sequence_index")
    readonly_fields = ("sequence_index",)
    extra = 0


@admin.register(QuestionPool)
class QuestionPoolAdmin(RefusedDeleteMixin, TenantScopedAdmin):
    tenant_path = "university"
    department_path = "course__department"
    list_display = ("title", "course", "university", "updated_at")
    list_filter = ("university",)
    search_fields = ("title", "course__code", "course__title")
    list_select_related = ("course", "university")
    autocomplete_fields = ("course",)
    exclude = ("university",)
    readonly_fields = ("university", "created_at", "updated_at")
    date_hierarchy = "created_at"
    inlines = [QuestionInline]

    def instance_in_scope(self, request, instance) -> bool:
        if instance.course_id is not None:
            instance.university_id = instance.course.university_id
        return super().instance_in_scope(request, instance)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "course"] if obj is not None else fields

    def save_model(self, request, obj, form, change):
        if not change:
            saved = services.create_question_pool(
                actor=request.user, course=obj.course, title=obj.title, description=obj.description
            )
            obj.pk, obj.university_id = saved.pk, saved.university_id
            return
        services.update_question_pool(
            actor=request.user, pool=QuestionPool.objects.get(pk=obj.pk), title=obj.title, description=obj.description
        )

    def delete_model(self, request, obj):
        services.delete_question_pool(actor=request.user, pool=obj)

    def delete_queryset(self, request, queryset):
        # A pool a quiz still uses is refused by the service: say which, delete the others.
        for pool in queryset:
            try:
                services.delete_question_pool(actor=request.user, pool=pool)
            except ValidationError as error:
                self.message_user(request, f"{pool}: {' '.join(error.messages)}", messages.ERROR)

    def save_formset(self, request, form, formset, change):
        pool = form.instance
        rows = formset.save(commit=False)
        for question in formset.deleted_objects:
            services.delete_question(actor=request.user, question=question)
        for question in rows:
            data = {name: getattr(question, name) for name in QUESTION_FIELDS}
            if question.pk is None:
                services.create_question(actor=request.user, pool=pool, **data)
            else:
                services.update_question(actor=request.user, question=Question.objects.get(pk=question.pk), **data)


@admin.register(Question)
class QuestionAdmin(TenantScopedAdmin):
    tenant_path = "pool__university"
    department_path = "pool__course__department"
    list_display = ("prompt", "pool", "question_type", "points", "sequence_index")
    list_filter = ("question_type",)
    search_fields = ("prompt", "pool__title")
    list_select_related = ("pool",)
    autocomplete_fields = ("pool",)
    readonly_fields = ("sequence_index", "created_at", "updated_at")
    date_hierarchy = "created_at"

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "pool"] if obj is not None else fields

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in QUESTION_FIELDS if name in form.cleaned_data}
        if not change:
            saved = services.create_question(actor=request.user, pool=obj.pool, **data)
            obj.pk = saved.pk
            return
        services.update_question(actor=request.user, question=Question.objects.get(pk=obj.pk), **data)

    def delete_model(self, request, obj):
        # Through the service, which closes the gap in the pool's numbering.
        services.delete_question(actor=request.user, question=obj)
