"""Tutoring: AI chat sessions about content, their messages, and the notes a learner keeps."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now

from lms.models_base import LongNameGinIndex, choices_check


class ChatSession(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_sessions")
    content_item = models.ForeignKey(
        "syllabus.ContentItem", on_delete=models.SET_NULL, null=True, blank=True, related_name="chat_sessions"
    )
    content_context = models.JSONField(null=True, blank=True, help_text="Snapshot of the content discussed.")
    share_enabled = models.BooleanField(default=False, db_default=False)
    share_token = models.CharField(max_length=255, null=True, blank=True)
    created_at = models.DateTimeField(db_default=Now(), editable=False)
    updated_at = models.DateTimeField(db_default=Now(), editable=False)

    class Meta:
        db_table = "chat_sessions"
        ordering = ["-updated_at"]
        constraints = [
            models.UniqueConstraint(fields=["share_token"], name="ux_chat_sessions_share_token"),
            # One tutor conversation per student and content item (tutoring.chat.start_session).
            models.UniqueConstraint(fields=["user", "content_item"], name="ux_chat_sessions_user_item"),
            # A shared session is reachable only through its token.
            models.CheckConstraint(
                condition=Q(share_enabled=False) | Q(share_token__isnull=False),
                name="ck_chat_sessions_shared_has_token",
            ),
        ]
        indexes = [LongNameGinIndex(fields=["content_context"], name="ix_chat_sessions_content_context_gin")]

    def __str__(self) -> str:
        return f"Chat {self.pk} of {self.user_id}"


class MessageRole(models.TextChoices):
    USER = "user", "User"
    ASSISTANT = "assistant", "Assistant"
    SYSTEM = "system", "System"


class ChatMessage(models.Model):
    session = models.ForeignKey(ChatSession, on_delete=models.CASCADE, related_name="messages")
    role = models.CharField(max_length=16, choices=MessageRole.choices)
    content = models.TextField()
    meta = models.JSONField(null=True, blank=True, help_text="Model, prompt id, token counts, …")
    created_at = models.DateTimeField(db_default=Now(), editable=False)

    class Meta:
        db_table = "chat_messages"
        ordering = ["created_at", "id"]
        constraints = [
            choices_check("role", MessageRole, name="ck_chat_messages_role"),
            # Target of the composite FK that keeps a note's message in the note's session.
            models.UniqueConstraint(fields=["id", "session"], name="ux_chat_messages_id_session"),
        ]

    def __str__(self) -> str:
        return f"{self.role}: {self.content[:60]}"


class ChatNote(models.Model):
    session = models.ForeignKey(ChatSession, on_delete=models.CASCADE, related_name="notes")
    message = models.ForeignKey(ChatMessage, on_delete=models.SET_NULL, null=True, blank=True, related_name="notes")
    content = models.TextField()
    selected_text = models.TextField(null=True, blank=True)
    created_at = models.DateTimeField(db_default=Now(), editable=False)
    updated_at = models.DateTimeField(db_default=Now(), editable=False)

    class Meta:
        db_table = "chat_notes"
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.content[:60]


class TutorCourseSetting(models.Model):
    """The tutor's switches for a course: on/off, and whether practice quizzes may get outright answers."""

    course = models.OneToOneField("catalog.Course", on_delete=models.CASCADE, related_name="tutor_setting")
    university = models.ForeignKey("catalog.University", on_delete=models.CASCADE, related_name="+")
    tutor_enabled = models.BooleanField(default=True, db_default=True)
    # Off (the default): in a practice quiz the tutor gives hints, and a reply that reveals is replaced.
    practice_answers_allowed = models.BooleanField(default=False, db_default=False)
    updated_at = models.DateTimeField(db_default=Now(), editable=False)

    class Meta:
        db_table = "tutor_course_settings"

    def __str__(self) -> str:
        return f"Tutor settings of course {self.course_id}"


class TutorItemSetting(models.Model):
    """A per-item switch: an instructor may turn the tutor off for one item (e.g. a graded lab)."""

    content_item = models.OneToOneField("syllabus.ContentItem", on_delete=models.CASCADE, related_name="tutor_setting")
    university = models.ForeignKey("catalog.University", on_delete=models.CASCADE, related_name="+")
    tutor_enabled = models.BooleanField(default=True, db_default=True)
    updated_at = models.DateTimeField(db_default=Now(), editable=False)

    class Meta:
        db_table = "tutor_item_settings"

    def __str__(self) -> str:
        return f"Tutor settings of item {self.content_item_id}"
