"""Admin registrations for learning (plain Django admin; the tenant-scoped staff console is its own issue)."""

from django.contrib import admin

from learning.models import (
    Certificate,
    CourseEnrollment,
    CourseGrade,
    CourseInvitation,
    CourseReview,
    DiscussionPost,
    DiscussionThread,
    LabSubmission,
    QuizAttempt,
    UserContentProgress,
    UserModuleProgress,
)

USER_SEARCH = ("user__email", "user__full_name")


@admin.register(CourseEnrollment)
class CourseEnrollmentAdmin(admin.ModelAdmin):
    list_display = ("user", "course_offering", "status", "waitlist_position", "enrolled_at", "status_changed_at")
    list_filter = ("status",)
    search_fields = (*USER_SEARCH, "course_offering__course__code")
    list_select_related = ("user", "course_offering__course")
    raw_id_fields = ("user", "course_offering")


@admin.register(CourseInvitation)
class CourseInvitationAdmin(admin.ModelAdmin):
    list_display = ("code", "course_offering", "email", "created_by", "expires_at", "max_uses", "used_count")
    search_fields = ("code", "email", "course_offering__course__code")
    list_select_related = ("course_offering__course", "created_by")
    raw_id_fields = ("course_offering", "created_by")
    readonly_fields = ("used_count", "created_at")


@admin.register(UserModuleProgress)
class UserModuleProgressAdmin(admin.ModelAdmin):
    list_display = ("user", "course_offering", "module", "progress_percent", "completed_at")
    search_fields = (*USER_SEARCH, "module__title")
    list_select_related = ("user", "course_offering__course", "module")
    raw_id_fields = ("user", "course_offering", "module")


@admin.register(UserContentProgress)
class UserContentProgressAdmin(admin.ModelAdmin):
    list_display = ("user", "course_offering", "content_item", "progress_percent", "attempts_count", "completed_at")
    search_fields = (*USER_SEARCH, "content_item__title")
    list_select_related = ("user", "course_offering__course", "content_item")
    raw_id_fields = ("user", "course_offering", "content_item")


@admin.register(QuizAttempt)
class QuizAttemptAdmin(admin.ModelAdmin):
    list_display = ("user", "content_item", "attempt_number", "score_obtained", "max_score", "passed", "submitted_at")
    list_filter = ("passed",)
    search_fields = (*USER_SEARCH, "content_item__title")
    list_select_related = ("user", "content_item")
    raw_id_fields = ("user", "course_offering", "content_item")


@admin.register(LabSubmission)
class LabSubmissionAdmin(admin.ModelAdmin):
    list_display = ("user", "content_item", "status", "score_obtained", "max_score", "submitted_at")
    list_filter = ("status",)
    search_fields = (*USER_SEARCH, "content_item__title")
    list_select_related = ("user", "content_item")
    raw_id_fields = ("user", "course_offering", "content_item")


@admin.register(CourseGrade)
class CourseGradeAdmin(admin.ModelAdmin):
    list_display = ("user", "course_offering", "final_score", "letter_grade", "passed", "graded_at")
    list_filter = ("passed", "letter_grade")
    search_fields = (*USER_SEARCH, "course_offering__course__code")
    list_select_related = ("user", "course_offering__course")
    raw_id_fields = ("user", "course_offering")


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    list_display = ("certificate_code", "user", "course_offering", "issued_at", "expires_at")
    search_fields = ("certificate_code", *USER_SEARCH)
    list_select_related = ("user", "course_offering__course")
    raw_id_fields = ("user", "course_offering")


@admin.register(DiscussionThread)
class DiscussionThreadAdmin(admin.ModelAdmin):
    list_display = ("title", "course_offering", "created_by_user", "is_locked", "created_at")
    list_filter = ("is_locked",)
    search_fields = ("title", "created_by_user__email")
    list_select_related = ("course_offering__course", "created_by_user")
    raw_id_fields = ("course_offering", "module", "content_item", "created_by_user")


@admin.register(DiscussionPost)
class DiscussionPostAdmin(admin.ModelAdmin):
    list_display = ("thread", "user", "parent_post", "is_deleted", "created_at")
    list_filter = ("is_deleted",)
    search_fields = ("body", *USER_SEARCH)
    list_select_related = ("thread", "user", "parent_post")
    raw_id_fields = ("thread", "parent_post", "user")


@admin.register(CourseReview)
class CourseReviewAdmin(admin.ModelAdmin):
    list_display = ("course_offering", "user", "rating", "created_at")
    list_filter = ("rating",)
    search_fields = ("review_text", *USER_SEARCH, "course_offering__course__code")
    list_select_related = ("course_offering__course", "user")
    raw_id_fields = ("user", "course_offering")
