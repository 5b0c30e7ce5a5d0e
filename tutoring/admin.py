"""Staff console for tutoring: chat sessions (messages inline), messages, notes, the tutor switches of
courses and items.

A chat belongs to the tenant of the content it is about (``content_item.university``); a session about no
content item is platform data (platform admins only). Scoped by ``accounts.admin_policy``.
"""

from django.contrib import admin

from accounts.admin_policy import TenantScopedAdmin, TenantScopedInline
from tutoring import services
from tutoring.models import ChatMessage, ChatNote, ChatSession, TutorCourseSetting, TutorItemSetting


class ChatMessageInline(TenantScopedInline, admin.TabularInline):
    model = ChatMessage
    tenant_path = "session__content_item__university"
    department_path = "session__content_item__course__department"
    fields = ("role", "content", "created_at")
    readonly_fields = ("created_at",)
    extra = 0


@admin.register(ChatSession)
class ChatSessionAdmin(TenantScopedAdmin):
    tenant_path = "content_item__university"
    department_path = "content_item__course__department"
    list_display = ("id", "user", "content_item", "share_enabled", "updated_at")
    list_filter = ("share_enabled", "content_item__university")
    search_fields = ("user__email", "user__full_name", "content_item__title")
    list_select_related = ("user", "content_item")
    autocomplete_fields = ("user", "content_item")
    readonly_fields = ("share_token", "created_at", "updated_at")
    date_hierarchy = "created_at"
    inlines = [ChatMessageInline]

    def save_model(self, request, obj, form, change):
        # The form's flag alone would break ck_chat_sessions_shared_has_token (the token is read-only here):
        # save the other fields with the stored flag, then let the service switch sharing with its token.
        wanted = obj.share_enabled
        obj.share_enabled = ChatSession.objects.get(pk=obj.pk).share_enabled if change else False
        super().save_model(request, obj, form, change)
        if wanted != obj.share_enabled:
            switch = services.enable_session_sharing if wanted else services.disable_session_sharing
            switch(actor=request.user, session=obj)


@admin.register(ChatMessage)
class ChatMessageAdmin(TenantScopedAdmin):
    tenant_path = "session__content_item__university"
    department_path = "session__content_item__course__department"
    list_display = ("session", "role", "content", "created_at")
    list_filter = ("role",)
    search_fields = ("content",)
    list_select_related = ("session",)
    autocomplete_fields = ("session",)
    date_hierarchy = "created_at"


@admin.register(ChatNote)
class ChatNoteAdmin(TenantScopedAdmin):
    tenant_path = "session__content_item__university"
    department_path = "session__content_item__course__department"
    list_display = ("session", "message", "content", "created_at")
    search_fields = ("content", "selected_text")
    list_select_related = ("session", "message")
    autocomplete_fields = ("session", "message")
    date_hierarchy = "created_at"


class _TutorSwitchAdmin(TenantScopedAdmin):
    """A tutor switch: its tenant column is its parent's (``parent``: the course or the item), copied on
    save, never a choice."""

    parent: str
    readonly_fields = ("university", "updated_at")

    def save_model(self, request, obj, form, change):
        obj.university_id = getattr(obj, self.parent).university_id
        super().save_model(request, obj, form, change)


@admin.register(TutorCourseSetting)
class TutorCourseSettingAdmin(_TutorSwitchAdmin):
    """The tutor switches of a course."""

    parent = "course"
    tenant_path = "course__university"
    department_path = "course__department"
    list_display = ("course", "tutor_enabled", "practice_answers_allowed", "updated_at")
    list_filter = ("tutor_enabled", "practice_answers_allowed", "course__university")
    search_fields = ("course__code", "course__title")
    list_select_related = ("course",)
    autocomplete_fields = ("course",)


@admin.register(TutorItemSetting)
class TutorItemSettingAdmin(_TutorSwitchAdmin):
    """A per-item tutor switch."""

    parent = "content_item"
    tenant_path = "content_item__university"
    department_path = "content_item__course__department"
    list_display = ("content_item", "tutor_enabled", "updated_at")
    list_filter = ("tutor_enabled", "content_item__university")
    search_fields = ("content_item__title",)
    list_select_related = ("content_item",)
    autocomplete_fields = ("content_item",)
