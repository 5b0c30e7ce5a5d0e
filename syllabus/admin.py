"""Admin registrations for the syllabus (plain Django admin; the tenant-scoped staff console is its own issue).

Tree columns (depth, parent, order) are maintained by the syllabus services, so they are read-only here.
"""

from django.contrib import admin

from syllabus.models import Asset, ContentItem, ContentType, Module, ModuleTemplate, Question, QuestionPool


@admin.register(ModuleTemplate)
class ModuleTemplateAdmin(admin.ModelAdmin):
    list_display = ("title", "template_type", "university", "updated_at")
    list_filter = ("template_type", "university")
    search_fields = ("title",)
    list_select_related = ("university",)


@admin.register(Module)
class ModuleAdmin(admin.ModelAdmin):
    list_display = ("title", "course", "module_type", "parent_module", "depth", "sequence_index", "is_published")
    list_filter = ("module_type", "is_published")
    search_fields = ("title", "course__code", "course__title")
    list_select_related = ("course", "parent_module")
    raw_id_fields = ("course", "parent_module", "module_template")
    readonly_fields = ("depth", "created_at", "updated_at")


@admin.register(ContentType)
class ContentTypeAdmin(admin.ModelAdmin):
    list_display = ("name", "label", "is_active", "is_builtin")
    list_filter = ("is_active", "is_builtin")
    search_fields = ("name", "label")
    readonly_fields = ("is_builtin", "created_at", "updated_at")


@admin.register(ContentItem)
class ContentItemAdmin(admin.ModelAdmin):
    list_display = ("title", "content_type", "module", "course", "university", "sequence_index", "is_active")
    list_filter = ("content_type", "is_active", "university")
    search_fields = ("title", "course__code", "module__title")
    list_select_related = ("content_type", "module", "course", "university")
    raw_id_fields = ("module", "course", "university")
    readonly_fields = ("created_at", "updated_at")


@admin.register(Asset)
class AssetAdmin(admin.ModelAdmin):
    list_display = ("url", "asset_type", "university", "created_at")
    list_filter = ("asset_type", "university")
    search_fields = ("url",)
    list_select_related = ("university",)


class QuestionInline(admin.StackedInline):
    model = Question
    extra = 0


@admin.register(QuestionPool)
class QuestionPoolAdmin(admin.ModelAdmin):
    list_display = ("title", "course", "university", "updated_at")
    list_filter = ("university",)
    search_fields = ("title", "course__code", "course__title")
    list_select_related = ("course", "university")
    raw_id_fields = ("course", "university")
    inlines = [QuestionInline]


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ("prompt", "pool", "question_type", "points", "sequence_index")
    list_filter = ("question_type",)
    search_fields = ("prompt", "pool__title")
    list_select_related = ("pool",)
    raw_id_fields = ("pool",)
