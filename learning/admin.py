"""Staff console for learning: enrollments (status actions, CSV import, CSV export), invitations, progress,
attempts, submissions, grades (CSV export), certificates, discussions, reviews; and the staff dashboard.

Every row hangs off a course offering, so every class scopes through it (``accounts.admin_policy``).
Enrollment status changes and imports go through learning's enrollment services.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.http import HttpResponseRedirect, StreamingHttpResponse
from django.urls import path, reverse

from accounts.admin_policy import ReadOnlyConsoleMixin, TenantScopedAdmin, csv_import_view
from accounts.models import UniversityRole, UserUniversityRole
from accounts.permissions import get_staff_scope, has_admin_access
from catalog.models import Course, CourseOffering, Department, University
from learning.enrollment import imports, services
from learning.models import (
    Accommodation,
    AssignmentSubmission,
    Certificate,
    CourseEnrollment,
    CourseGrade,
    CourseInvitation,
    CourseReview,
    CourseReviewModeration,
    DiscussionPost,
    DiscussionPostUpvote,
    DiscussionSettings,
    DiscussionThread,
    DiscussionThreadFollow,
    EnrollmentStatus,
    GradeChange,
    ItemScoreOverride,
    LabSubmission,
    Notification,
    NotificationDigest,
    QuizAttempt,
    QuizAttemptQuestion,
    QuizMastery,
    QuizRegrade,
    SubmissionFile,
    UserContentProgress,
    UserModuleProgress,
)

USER_SEARCH = ("user__email", "user__full_name")
ALREADY_ENROLLED = "This person is already enrolled in this offering."
OFFERING_PARAM_INVALID = "Not an offering id: {value!r}. Choose an offering from the list."
ONE_PER_STUDENT = "one row per student"


def offering_param(value: str | None) -> int | None:
    """An offering id from a query string, or None when absent; ``ValueError`` when it is not an id."""
    return imports.parse_id(value) if value else None


class OfferingFilter(admin.SimpleListFilter):
    """The offerings this user may see, in one query (``str(offering)`` needs its course)."""

    title = "offering"
    parameter_name = "course_offering__id__exact"

    def lookups(self, request, model_admin):
        offerings = model_admin.admin_site._registry[CourseOffering]
        queryset = offerings.scope_queryset(request, CourseOffering.objects.select_related("course"))
        return [(o.pk, str(o)) for o in queryset.order_by("course__code", "-starts_at")]

    def queryset(self, request, queryset):
        try:
            offering_id = offering_param(self.value())
        except ValueError as error:
            # The change list turns this into its "?e=1" page instead of a 500.
            raise IncorrectLookupParameters(OFFERING_PARAM_INVALID.format(value=self.value())) from error
        return queryset if offering_id is None else queryset.filter(course_offering_id=offering_id)


class OnePerStudentFilter(admin.SimpleListFilter):
    """The enrollments filtered so far, one per student (their first): the staff dashboard's "students"
    figure of a department links here, so the list shows exactly the people it counted."""

    title = "students"
    parameter_name = "per_student"

    def lookups(self, request, model_admin):
        return [("1", ONE_PER_STUDENT)]

    def queryset(self, request, queryset):
        if self.value() != "1":
            return queryset
        first = queryset.order_by("user_id", "pk").distinct("user_id").values("pk")
        return queryset.filter(pk__in=first)


class OfferingScoped(TenantScopedAdmin):
    tenant_path = "course_offering__university"
    department_path = "course_offering__course__department"


def export_response(model_admin, request, stream, filename: str):
    """A CSV download of the rows this admin shows the user, optionally of one ``?offering=<id>``.
    A malformed id goes back to the change list with a message (never a 500)."""
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    queryset = model_admin.get_queryset(request)
    try:
        offering_id = offering_param(request.GET.get("offering"))
    except ValueError:
        model_admin.message_user(request, OFFERING_PARAM_INVALID.format(value=request.GET["offering"]), messages.ERROR)
        opts = model_admin.model._meta
        return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
    if offering_id is not None:
        queryset = queryset.filter(course_offering_id=offering_id)
    return csv_response(stream(queryset), filename)


def csv_response(lines, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(lines, content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@admin.register(CourseEnrollment)
class CourseEnrollmentAdmin(OfferingScoped):
    list_display = ("user", "course_offering", "status", "waitlist_position", "enrolled_at", "status_changed_at")
    list_filter = (
        "status",
        "course_offering__university",
        "course_offering__course__department",
        OfferingFilter,
        OnePerStudentFilter,
    )
    search_fields = (*USER_SEARCH, "course_offering__course__code")
    list_select_related = ("user", "course_offering__course")
    autocomplete_fields = ("user", "course_offering")
    readonly_fields = ("status", "waitlist_position", "enrolled_at", "completed_at", "status_changed_at")
    date_hierarchy = "enrolled_at"
    actions = [
        "approve_enrollments",
        "decline_enrollments",
        "drop_enrollments",
        "complete_enrollments",
        "promote_from_waitlist",
        "export_csv",
    ]

    def has_change_permission(self, request, obj=None):
        # An enrollment changes only through the status actions (services keep the counts right).
        return super().has_change_permission(request, None) if obj is None else False

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("user", "course_offering")
        return super().get_fields(request, obj)

    def save_model(self, request, obj, form, change):
        """Adding = enrolling one person through the enrollment service (capacity-aware, counts kept)."""
        with transaction.atomic():
            made = imports.enroll_users(actor=request.user, offering=obj.course_offering, users=[obj.user])
        if not made:
            raise ValidationError(ALREADY_ENROLLED)
        obj.pk = made[0].pk

    def get_urls(self):
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="learning_courseenrollment_import"),
            path("export/", self.admin_site.admin_view(self.export_view), name="learning_courseenrollment_export"),
            *super().get_urls(),
        ]

    def _offering_field(self, request):
        offerings = self.admin_site._registry[CourseOffering]
        queryset = offerings.scope_queryset(request, CourseOffering.objects.select_related("course"))
        return forms.ModelChoiceField(
            queryset=queryset, required=False, label="Offering", help_text="Or an offering_id column per row."
        )

    def import_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        base_url = request.build_absolute_uri("/")

        def run(offering, data):
            result = imports.import_enrollments(actor=request.user, offering=offering, data=data, base_url=base_url)
            if offering is not None:
                self.log_change(
                    request,
                    offering,
                    f"Imported enrollments from CSV: {result.enrolled} enrolled, "
                    f"{result.waitlisted} waitlisted, {result.created_users} new accounts.",
                )
            return result

        return csv_import_view(
            self,
            request,
            title="Import enrollments (CSV)",
            columns="email, full_name, offering_id (optional)",
            target_field=self._offering_field(request),
            run=run,
        )

    def export_view(self, request):
        return export_response(self, request, imports.stream_enrollments_csv, "enrollments.csv")

    def _status_action(self, request, queryset, service, done: str, log: str):
        # In the order the requests came in (not the list's order): an approval into a full offering
        # takes the next waitlist position, first come first served.
        self.run_action(
            request,
            queryset.order_by("enrolled_at", "pk"),
            lambda enrollment: service(actor=request.user, enrollment=enrollment),
            done=done,
            log=log,
            permission=self.has_view_permission,
        )

    @admin.action(description="Approve selected pending enrollments")
    def approve_enrollments(self, request, queryset):
        self._status_action(
            request, queryset, services.approve_enrollment, "Approved {count} enrollment(s).", "Approved."
        )

    @admin.action(description="Decline selected pending enrollments")
    def decline_enrollments(self, request, queryset):
        self._status_action(
            request, queryset, services.decline_enrollment, "Declined {count} enrollment(s).", "Declined."
        )

    @admin.action(description="Drop selected enrollments")
    def drop_enrollments(self, request, queryset):
        self._status_action(request, queryset, services.drop_enrollment, "Dropped {count} enrollment(s).", "Dropped.")

    @admin.action(description="Mark selected enrollments completed")
    def complete_enrollments(self, request, queryset):
        self._status_action(
            request, queryset, services.complete_enrollment, "Completed {count} enrollment(s).", "Completed."
        )

    @admin.action(description="Promote selected from the waitlist")
    def promote_from_waitlist(self, request, queryset):
        self._status_action(
            request,
            queryset,
            services.promote_from_waitlist,
            "Promoted {count} enrollment(s).",
            "Promoted from the waitlist.",
        )

    @admin.action(description="Export selected enrollments as CSV")
    def export_csv(self, request, queryset):
        return csv_response(imports.stream_enrollments_csv(queryset), "enrollments.csv")


@admin.register(CourseInvitation)
class CourseInvitationAdmin(OfferingScoped):
    list_display = ("code", "course_offering", "email", "created_by", "expires_at", "max_uses", "used_count")
    list_filter = ("course_offering__university",)
    search_fields = ("code", "email", "course_offering__course__code")
    list_select_related = ("course_offering__course", "created_by")
    autocomplete_fields = ("course_offering",)
    readonly_fields = ("created_by", "used_count", "created_at")
    date_hierarchy = "created_at"

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(UserModuleProgress)
class UserModuleProgressAdmin(OfferingScoped):
    list_display = ("user", "course_offering", "module", "progress_percent", "completed_at")
    list_filter = ("course_offering__university",)
    search_fields = (*USER_SEARCH, "module__title")
    list_select_related = ("user", "course_offering__course", "module")
    autocomplete_fields = ("user", "course_offering", "module")
    date_hierarchy = "completed_at"


@admin.register(UserContentProgress)
class UserContentProgressAdmin(OfferingScoped):
    list_display = ("user", "course_offering", "content_item", "progress_percent", "attempts_count", "completed_at")
    list_filter = ("course_offering__university",)
    search_fields = (*USER_SEARCH, "content_item__title")
    list_select_related = ("user", "course_offering__course", "content_item")
    autocomplete_fields = ("user", "course_offering", "content_item")
    date_hierarchy = "last_interacted_at"


@admin.register(QuizAttempt)
class QuizAttemptAdmin(OfferingScoped):
    list_display = ("user", "content_item", "attempt_number", "score_obtained", "max_score", "passed", "submitted_at")
    list_filter = ("passed", "course_offering__university")
    search_fields = (*USER_SEARCH, "content_item__title")
    list_select_related = ("user", "content_item")
    autocomplete_fields = ("user", "course_offering", "content_item")
    date_hierarchy = "started_at"


class UniversityColumnScoped(TenantScopedAdmin):
    """The quiz tables carry the offering's university themselves."""

    tenant_path = "university"
    department_path = "course_offering__course__department"


@admin.register(QuizAttemptQuestion)
class QuizAttemptQuestionAdmin(UniversityColumnScoped):
    department_path = "attempt__course_offering__course__department"
    list_display = ("attempt", "position", "question", "score", "is_correct", "answered_at")
    list_filter = ("is_correct", "university")
    search_fields = ("attempt__user__email", "attempt__content_item__title")
    list_select_related = ("attempt", "question")
    autocomplete_fields = ("question",)
    raw_id_fields = ("attempt",)


@admin.register(QuizMastery)
class QuizMasteryAdmin(UniversityColumnScoped):
    list_display = ("user", "content_item", "level", "points", "streak", "best_percent")
    list_filter = ("level", "university")
    search_fields = (*USER_SEARCH, "content_item__title")
    list_select_related = ("user", "content_item")
    autocomplete_fields = ("user", "course_offering", "content_item")


@admin.register(QuizRegrade)
class QuizRegradeAdmin(UniversityColumnScoped):
    department_path = "attempt__course_offering__course__department"
    list_display = ("attempt", "actor", "old_score", "new_score", "new_passed", "created_at")
    list_filter = ("university",)
    search_fields = ("attempt__user__email", "reason")
    list_select_related = ("attempt", "actor")
    autocomplete_fields = ("actor",)
    raw_id_fields = ("attempt",)


@admin.register(Accommodation)
class AccommodationAdmin(UniversityColumnScoped):
    list_display = ("student", "course_offering", "content_item", "time_multiplier", "extra_attempts", "extended_until")
    list_filter = ("university",)
    search_fields = ("student__email", "student__full_name", "reason")
    list_select_related = ("student", "course_offering__course", "content_item")
    autocomplete_fields = ("student", "course_offering", "content_item", "created_by")


@admin.register(LabSubmission)
class LabSubmissionAdmin(OfferingScoped):
    list_display = ("user", "content_item", "status", "score_obtained", "max_score", "submitted_at")
    list_filter = ("status", "course_offering__university")
    search_fields = (*USER_SEARCH, "content_item__title")
    list_select_related = ("user", "content_item")
    autocomplete_fields = ("user", "course_offering", "content_item")
    date_hierarchy = "submitted_at"


@admin.register(AssignmentSubmission)
class AssignmentSubmissionAdmin(ReadOnlyConsoleMixin, UniversityColumnScoped):
    """Read-only: handing in and grading go through ``learning.assessments.assignments`` (late penalty,
    audit row, notification); staff grade in the grading queue."""

    list_display = ("user", "content_item", "course_offering", "status", "score", "is_missing", "submitted_at")
    list_filter = ("status", "is_missing", "university", OfferingFilter)
    search_fields = (*USER_SEARCH, "content_item__title")
    list_select_related = ("user", "content_item", "course_offering__course")
    date_hierarchy = "submitted_at"


@admin.register(SubmissionFile)
class SubmissionFileAdmin(ReadOnlyConsoleMixin, UniversityColumnScoped):
    """Read-only, and without the file's bytes: files are uploaded and returned through the submission
    services and downloaded through the access selectors."""

    list_display = ("path", "role", "size", "lab_submission", "assignment_submission", "uploaded_by", "created_at")
    list_filter = ("role", "university")
    search_fields = ("path", "uploaded_by__email")
    list_select_related = ("lab_submission", "assignment_submission", "uploaded_by")
    exclude = ("data",)
    date_hierarchy = "created_at"


@admin.register(GradeChange)
class GradeChangeAdmin(ReadOnlyConsoleMixin, UniversityColumnScoped):
    """The grade audit trail, read-only: rows come only from ``learning.assessments.audit``."""

    list_display = ("student", "content_item", "kind", "field", "from_value", "to_value", "actor", "created_at")
    list_filter = ("kind", "university", OfferingFilter)
    search_fields = ("student__email", "student__full_name", "reason", "content_item__title")
    list_select_related = ("student", "content_item", "actor")
    date_hierarchy = "created_at"


@admin.register(ItemScoreOverride)
class ItemScoreOverrideAdmin(ReadOnlyConsoleMixin, UniversityColumnScoped):
    """Item-score overrides, read-only: written only by ``learning.gradebook.overrides`` (each change audited)."""

    list_display = ("student", "content_item", "course_offering", "score", "excused", "updated_by", "updated_at")
    list_filter = ("excused", "university", OfferingFilter)
    search_fields = ("student__email", "student__full_name", "reason", "content_item__title")
    list_select_related = ("student", "content_item", "course_offering__course", "updated_by")


@admin.register(Notification)
class NotificationAdmin(ReadOnlyConsoleMixin, TenantScopedAdmin):
    """Read-only: written only by ``learning.notifications.services``. A notification of no university
    (a platform-wide event) is seen by platform admins only; it has no department, so department admins see
    none."""

    tenant_path = "university"
    list_display = ("user", "kind", "text", "university", "created_at", "read_at", "emailed_at")
    list_filter = ("kind", "university")
    search_fields = (*USER_SEARCH, "text")
    list_select_related = ("user", "university")
    date_hierarchy = "created_at"


@admin.register(NotificationDigest)
class NotificationDigestAdmin(ReadOnlyConsoleMixin, TenantScopedAdmin):
    """Read-only: one row per daily digest mail sent (``learning.notifications.tasks``). A user's mail is
    no university's matter: platform admins only."""

    platform_only = True
    list_display = ("user", "day", "notification_count", "created_at")
    search_fields = USER_SEARCH
    list_select_related = ("user",)
    date_hierarchy = "day"


@admin.register(CourseGrade)
class CourseGradeAdmin(OfferingScoped):
    list_display = ("user", "course_offering", "final_score", "letter_grade", "passed", "graded_at")
    list_filter = ("passed", "letter_grade", "course_offering__university", OfferingFilter)
    search_fields = (*USER_SEARCH, "course_offering__course__code")
    list_select_related = ("user", "course_offering__course")
    autocomplete_fields = ("user", "course_offering")
    date_hierarchy = "graded_at"
    actions = ["export_csv"]

    def get_urls(self):
        return [
            path("export/", self.admin_site.admin_view(self.export_view), name="learning_coursegrade_export"),
            *super().get_urls(),
        ]

    def export_view(self, request):
        return export_response(self, request, imports.stream_grades_csv, "grades.csv")

    @admin.action(description="Export selected grades as CSV")
    def export_csv(self, request, queryset):
        return csv_response(imports.stream_grades_csv(queryset), "grades.csv")


@admin.register(Certificate)
class CertificateAdmin(OfferingScoped):
    list_display = ("certificate_code", "user", "course_offering", "issued_at", "expires_at")
    list_filter = ("course_offering__university",)
    search_fields = ("certificate_code", *USER_SEARCH)
    list_select_related = ("user", "course_offering__course")
    autocomplete_fields = ("user", "course_offering")
    date_hierarchy = "issued_at"


@admin.register(DiscussionThread)
class DiscussionThreadAdmin(OfferingScoped):
    list_display = ("title", "course_offering", "created_by_user", "is_locked", "created_at")
    list_filter = ("is_locked", "course_offering__university")
    search_fields = ("title", "created_by_user__email")
    list_select_related = ("course_offering__course", "created_by_user")
    autocomplete_fields = ("course_offering", "module", "content_item", "created_by_user")
    date_hierarchy = "created_at"


@admin.register(DiscussionPost)
class DiscussionPostAdmin(TenantScopedAdmin):
    tenant_path = "thread__course_offering__university"
    department_path = "thread__course_offering__course__department"
    list_display = ("thread", "user", "parent_post", "is_deleted", "created_at")
    list_filter = ("is_deleted",)
    search_fields = ("body", *USER_SEARCH)
    list_select_related = ("thread", "user", "parent_post")
    autocomplete_fields = ("thread", "parent_post", "user")
    date_hierarchy = "created_at"


@admin.register(DiscussionPostUpvote)
class DiscussionPostUpvoteAdmin(ReadOnlyConsoleMixin, TenantScopedAdmin):
    """Read-only: the community services keep each post's ``upvote_count`` equal to its upvotes."""

    tenant_path = "post__thread__course_offering__university"
    department_path = "post__thread__course_offering__course__department"
    list_display = ("post", "user", "created_at")
    search_fields = USER_SEARCH
    list_select_related = ("post", "user")
    date_hierarchy = "created_at"


@admin.register(DiscussionThreadFollow)
class DiscussionThreadFollowAdmin(ReadOnlyConsoleMixin, TenantScopedAdmin):
    """Read-only: people follow and unfollow threads themselves (the community services)."""

    tenant_path = "thread__course_offering__university"
    department_path = "thread__course_offering__course__department"
    list_display = ("thread", "user", "created_at")
    search_fields = (*USER_SEARCH, "thread__title")
    list_select_related = ("thread", "user")
    date_hierarchy = "created_at"


@admin.register(DiscussionSettings)
class DiscussionSettingsAdmin(OfferingScoped):
    list_display = ("course_offering", "allow_anonymous")
    list_filter = ("allow_anonymous", "course_offering__university")
    search_fields = ("course_offering__course__code", "course_offering__course__title")
    list_select_related = ("course_offering__course",)
    autocomplete_fields = ("course_offering",)


@admin.register(CourseReview)
class CourseReviewAdmin(ReadOnlyConsoleMixin, OfferingScoped):
    """Read-only: reviews are written by their students and hidden or shown again by staff on the course's
    reviews page, through ``learning.community.services``, which keep the course's rating right (an edit
    here would not recompute it) and audit every hide and un-hide."""

    list_display = ("course_offering", "user", "rating", "created_at")
    list_filter = ("rating", "course_offering__university")
    search_fields = ("review_text", *USER_SEARCH, "course_offering__course__code")
    list_select_related = ("course_offering__course", "user")
    autocomplete_fields = ("user", "course_offering")
    date_hierarchy = "created_at"


@admin.register(CourseReviewModeration)
class CourseReviewModerationAdmin(ReadOnlyConsoleMixin, TenantScopedAdmin):
    """The audit trail of hiding and un-hiding reviews, read-only: rows come only from
    ``learning.community.services`` (staff hide and un-hide on the course's reviews page)."""

    tenant_path = "review__course_offering__university"
    department_path = "review__course_offering__course__department"
    list_display = ("review", "action", "actor", "reason", "created_at")
    list_filter = ("action", "review__course_offering__university")
    search_fields = ("reason", "actor__email", "actor__full_name", "review__course_offering__course__code")
    list_select_related = ("review", "actor")
    date_hierarchy = "created_at"


# --- the staff dashboard (admin index) ----------------------------------------------------------


def _link(name: str, **params) -> str:
    return reverse(f"admin:{name}_changelist") + "?" + urlencode(params)


def _count_by(queryset, key: str, *, distinct: str | None = None) -> dict:
    """``{key value: row count}`` (or count of distinct ``distinct`` values) in one grouped query."""
    count = Count(distinct, distinct=True) if distinct else Count("pk")
    return dict(queryset.values_list(key).annotate(n=count))


def staff_dashboard(user) -> list[dict]:
    """Per tenant the user administers: students, active enrollments and published courses, each with a link
    into the filtered change list. Four queries whatever the number of tenants (one per figure + the tenants);
    department admins get one row per department they administer."""
    if not has_admin_access(user):
        return []
    scope = get_staff_scope(user)
    rows: list[dict] = []
    universities = University.objects.order_by("name")
    if not scope.platform:
        universities = universities.filter(pk__in=scope.university_ids)
    universities = list(universities.only("pk", "name"))
    ids = [u.pk for u in universities]
    if ids:
        students = _count_by(
            UserUniversityRole.objects.filter(university_id__in=ids, role=UniversityRole.STUDENT),
            "university_id",
            distinct="user_id",
        )
        enrollments = _count_by(
            CourseEnrollment.objects.filter(course_offering__university_id__in=ids, status=EnrollmentStatus.ACTIVE),
            "course_offering__university_id",
        )
        courses = _count_by(Course.objects.filter(university_id__in=ids, is_published=True), "university_id")
        for university in universities:
            pk = university.pk
            rows.append(
                {
                    "name": university.name,
                    "students": students.get(pk, 0),
                    # The role rows counted ((user, university, role) is unique: one per student). The user
                    # list cannot show them: its role and university filters would match two different roles.
                    "students_url": _link(
                        "accounts_useruniversityrole", role__exact=UniversityRole.STUDENT, university__id__exact=pk
                    ),
                    "active_enrollments": enrollments.get(pk, 0),
                    "enrollments_url": _link(
                        "learning_courseenrollment",
                        status__exact=EnrollmentStatus.ACTIVE,
                        course_offering__university__id__exact=pk,
                    ),
                    "published_courses": courses.get(pk, 0),
                    "courses_url": _link("catalog_course", is_published__exact=1, university__id__exact=pk),
                }
            )
    extra_departments = sorted(scope.department_ids) if not scope.platform else []
    if extra_departments:
        departments = list(
            Department.objects.filter(pk__in=extra_departments)
            .exclude(university_id__in=ids)
            .select_related("university")
            .order_by("name")
        )
        dept_ids = [d.pk for d in departments]
        enrolled = CourseEnrollment.objects.filter(course_offering__course__department_id__in=dept_ids)
        students = _count_by(enrolled, "course_offering__course__department_id", distinct="user_id")
        active = _count_by(enrolled.filter(status=EnrollmentStatus.ACTIVE), "course_offering__course__department_id")
        courses = _count_by(Course.objects.filter(department_id__in=dept_ids, is_published=True), "department_id")
        for department in departments:
            pk = department.pk
            rows.append(
                {
                    "name": f"{department.university.name} · {department.name}",
                    "students": students.get(pk, 0),
                    # Everyone enrolled in the department's courses, one enrollment row per student.
                    "students_url": _link(
                        "learning_courseenrollment",
                        course_offering__course__department__id__exact=pk,
                        per_student=1,
                    ),
                    "active_enrollments": active.get(pk, 0),
                    "enrollments_url": _link(
                        "learning_courseenrollment",
                        status__exact=EnrollmentStatus.ACTIVE,
                        course_offering__course__department__id__exact=pk,
                    ),
                    "published_courses": courses.get(pk, 0),
                    "courses_url": _link("catalog_course", is_published__exact=1, department__id__exact=pk),
                }
            )
    return rows
