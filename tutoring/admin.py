"""Admin registrations for tutoring (plain Django admin)."""

from django.contrib import admin

from tutoring.models import ChatMessage, ChatNote, ChatSession


@admin.register(ChatSession)
class ChatSessionAdmin(admin.ModelAdmin):
    list_display = ("id", "user", "content_item", "share_enabled", "updated_at")
    list_filter = ("share_enabled",)
    search_fields = ("user__email", "user__full_name", "content_item__title")
    list_select_related = ("user", "content_item")
    raw_id_fields = ("user", "content_item")
    readonly_fields = ("share_token", "created_at", "updated_at")


@admin.register(ChatMessage)
class ChatMessageAdmin(admin.ModelAdmin):
    list_display = ("session", "role", "content", "created_at")
    list_filter = ("role",)
    search_fields = ("content",)
    list_select_related = ("session",)
    raw_id_fields = ("session",)


@admin.register(ChatNote)
class ChatNoteAdmin(admin.ModelAdmin):
    list_display = ("session", "message", "content", "created_at")
    search_fields = ("content", "selected_text")
    list_select_related = ("session", "message")
    raw_id_fields = ("session", "message")
