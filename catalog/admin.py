"""Staff console for the catalog: tenants and their departments, courses, offerings and their staff.

Every class follows ``accounts.admin_policy`` (tenant paths below); writes of courses, offerings,
prerequisites, course subjects and subjects go through ``catalog.services``. Countries, domains and subjects
are platform-managed reference data. Summary columns owned by services are read-only.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.http import HttpResponseRedirect
from django.utils import timezone

from accounts.admin_policy import RefusedDeleteMixin, SharedReferenceAdmin, TenantScopedAdmin, TenantScopedInline
from catalog import dates, services
from catalog.models import (
    Country,
    Course,
    CourseOffering,
    CourseOfferingInstructor,
    CoursePrerequisite,
    CourseSubject,
    Department,
    Domain,
    Subject,
    University,
)

COURSE_FORM_FIELDS = services.COURSE_EDITABLE_FIELDS
OFFERING_FORM_FIELDS = services.OFFERING_EDITABLE_FIELDS


def _changed(form, names) -> dict:
    return {name: form.cleaned_data[name] for name in names if name in form.changed_data}


class ServiceDeleteMixin(RefusedDeleteMixin):
    """Deletes through a catalog service (``delete_model``); a refusal is an admin error message, never a 500.

    - The delete page: the service's ``ValidationError`` rolls back Django's transaction and the user is
      sent back to the row's change page with the message.
    - The "delete selected" action: all or nothing. Every row is tried (each in a savepoint, so one
      refusal does not hide the next); if any is refused, nothing is deleted and every refusal is listed.
    """

    def get_deleted_objects(self, objs, request):
        # The service decides what may go (and refuses with a message what may not): rows it would
        # cascade to need no admin delete permission of their own here, or Django answers 403 first.
        deleted, model_count, _perms_needed, protected = super().get_deleted_objects(objs, request)
        return deleted, model_count, set(), protected

    def delete_queryset(self, request, queryset):
        refusals: list[str] = []
        with transaction.atomic():
            for obj in queryset:
                try:
                    with transaction.atomic():
                        self.delete_model(request, obj)
                except ValidationError as error:
                    refusals.extend(error.messages)
            if refusals:
                raise ValidationError(["Nothing was deleted.", *refusals])

    def response_action(self, request, queryset):
        try:
            # Django logs the deletions before it deletes: a refusal must roll the log entries back too.
            with transaction.atomic():
                return super().response_action(request, queryset)
        except ValidationError as error:
            for message in error.messages:
                self.message_user(request, message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


@admin.register(Country)
class CountryAdmin(SharedReferenceAdmin):
    list_display = ("iso_code", "name", "region_name")
    list_filter = ("region_name",)
    search_fields = ("iso_code", "name")


class DepartmentInline(TenantScopedInline, admin.TabularInline):
    model = Department
    tenant_path = "university"
    department_path = "pk"
    department_read_only = True
    fields = ("code", "name")
    extra = 0
    show_change_link = True


@admin.register(University)
class UniversityAdmin(TenantScopedAdmin):
    tenant_path = "pk"
    department_path = "departments"
    tenant_distinct = True
    department_read_only = True
    platform_add_delete = True
    list_display = ("name", "short_code", "country", "time_zone", "is_active")
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_filter = ("is_active", "country")
    search_fields = ("name", "short_code")
    list_select_related = ("country",)
    date_hierarchy = "created_at"
    inlines = [DepartmentInline]

    def save_formset(self, request, form, formset, change):
        if formset.model is not Department:  # pragma: no cover - the department inline is the only one
            formset.save()
            return
        rows = formset.save(commit=False)
        # A refused delete raises ValidationError: changeform_view rolls back the whole save and shows it.
        for department in formset.deleted_objects:
            services.delete_department(actor=request.user, department=department)
        for department in rows:
            department.save()


@admin.register(Department)
class DepartmentAdmin(ServiceDeleteMixin, TenantScopedAdmin):
    tenant_path = "university"
    department_path = "pk"
    department_read_only = True
    list_display = ("code", "name", "university")
    list_filter = ("university",)
    search_fields = ("code", "name", "university__name")
    list_select_related = ("university",)
    autocomplete_fields = ("university",)
    date_hierarchy = "created_at"

    def delete_model(self, request, obj):
        services.delete_department(actor=request.user, department=obj)


@admin.register(Domain)
class DomainAdmin(SharedReferenceAdmin):
    list_display = ("code", "name")
    search_fields = ("code", "name")


@admin.register(Subject)
class SubjectAdmin(ServiceDeleteMixin, SharedReferenceAdmin):
    list_display = ("code", "name", "domain", "parent_subject", "depth")
    list_filter = ("domain", "depth")
    search_fields = ("code", "name")
    list_select_related = ("domain", "parent_subject")
    autocomplete_fields = ("parent_subject", "domain")
    readonly_fields = ("depth",)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        # A subject's domain is its tree's: it is chosen when the subject is created, or follows its parent.
        return [*fields, "domain"] if obj is not None else fields

    def save_model(self, request, obj, form, change):
        if not change:
            saved = services.create_subject(
                actor=request.user,
                parent=obj.parent_subject,
                domain=obj.domain,
                name=obj.name,
                code=obj.code,
                description=obj.description,
            )
            obj.pk = saved.pk
            return
        with transaction.atomic():
            fresh = Subject.objects.get(pk=obj.pk)
            if "parent_subject" in form.changed_data:
                fresh = services.move_subject(actor=request.user, subject=fresh, new_parent=obj.parent_subject)
            fields = _changed(form, ("name", "code", "description"))
            if fields:
                services.update_subject(actor=request.user, subject=fresh, **fields)
        obj.depth = fresh.depth

    def delete_model(self, request, obj):
        services.delete_subject(actor=request.user, subject=obj)


class UniversityTimeZoneMixin:
    """Offering dates in the staff console follow the rule of every page (``catalog.dates``): a change form
    shows and reads them in the university's time zone (the form runs under it, so Django's widgets
    convert), and a new offering's dates typed on the add form are read in its course's university zone."""

    offering_date_fields = ("starts_at", "ends_at", "enrollment_start", "enrollment_end")

    def university_time_zone(self, object_id) -> str | None:
        raise NotImplementedError

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        zone_name = self.university_time_zone(object_id) if object_id else None
        if zone_name is None:
            return super().changeform_view(request, object_id, form_url, extra_context)
        extra_context = {**(extra_context or {}), "university_time_zone": dates.university_zone(zone_name).key}
        with timezone.override(dates.university_zone(zone_name)):
            response = super().changeform_view(request, object_id, form_url, extra_context)
            if hasattr(response, "render"):
                response.render()  # while the zone is active: the widgets show local times
            return response

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if field is not None and db_field.name in self.offering_date_fields:
            zone = timezone.get_current_timezone_name()
            # Under the university's zone on a change form; an add form reads them in the course's (save_model).
            field.help_text = (
                f"In the university's time zone ({zone})." if zone != "UTC" else "In the course's university time zone."
            )
        return field


class CourseOfferingInline(TenantScopedInline, admin.TabularInline):
    # Dates in the course's university zone: CourseAdmin's change form runs under it (UniversityTimeZoneMixin).
    model = CourseOffering
    tenant_path = "university"
    department_path = "course__department"
    fields = ("term_name", "starts_at", "ends_at", "visibility", "capacity", "requires_approval", "enrolled_count")
    readonly_fields = ("enrolled_count",)
    extra = 0
    show_change_link = True


class CoursePrerequisiteInline(TenantScopedInline, admin.TabularInline):
    model = CoursePrerequisite
    fk_name = "course"
    tenant_path = "course__university"
    department_path = "course__department"
    fields = ("prerequisite_course", "prerequisite_type")
    autocomplete_fields = ("prerequisite_course",)
    extra = 0


class CourseSubjectInline(TenantScopedInline, admin.TabularInline):
    model = CourseSubject
    tenant_path = "course__university"
    department_path = "course__department"
    fields = ("subject", "is_primary")
    extra = 0


@admin.register(Course)
class CourseAdmin(UniversityTimeZoneMixin, TenantScopedAdmin):
    tenant_path = "university"
    department_path = "department"
    list_display = ("code", "title", "university", "department", "level", "difficulty", "is_published", "is_coming_soon")
    list_filter = ("is_published", "is_coming_soon", "level", "difficulty", "university", "department")
    search_fields = ("code", "title", "university__name", "university__short_code")
    list_select_related = ("university", "department")
    autocomplete_fields = ("university", "department")
    readonly_fields = ("primary_subject", "structure_version", "rating_avg", "rating_count", "created_at", "updated_at")
    date_hierarchy = "created_at"
    inlines = [CourseOfferingInline, CoursePrerequisiteInline, CourseSubjectInline]
    actions = ["publish_courses", "unpublish_courses"]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "university"] if obj is not None else fields

    def university_time_zone(self, object_id) -> str | None:
        return (
            Course.objects.filter(pk=object_id if str(object_id).isdigit() else None)
            .values_list("university__time_zone", flat=True)
            .first()
        )

    def save_model(self, request, obj, form, change):
        if not change:
            fields = {name: form.cleaned_data[name] for name in COURSE_FORM_FIELDS if name not in ("code", "title")}
            saved = services.create_course(
                actor=request.user, university=obj.university, code=obj.code, title=obj.title, **fields
            )
            obj.pk = saved.pk
            return
        fields = _changed(form, COURSE_FORM_FIELDS)
        published = fields.pop("is_published", None)
        fresh = Course.objects.get(pk=obj.pk)
        if fields:
            services.update_course(actor=request.user, course=fresh, **fields)
        if published is not None:
            services.set_course_published(actor=request.user, course=fresh, is_published=published)

    def save_formset(self, request, form, formset, change):
        course = Course.objects.get(pk=form.instance.pk)
        rows = formset.save(commit=False)
        with transaction.atomic():
            if formset.model is CourseOffering:
                # A refused delete (enrollments exist) raises ValidationError: the whole save rolls back
                # and changeform_view shows the message.
                for offering in formset.deleted_objects:
                    services.delete_offering(actor=request.user, offering=offering)
                for offering in rows:
                    data = {name: getattr(offering, name) for name in OFFERING_FORM_FIELDS if name in formset.form.base_fields}
                    if offering.pk is None:
                        services.create_offering(actor=request.user, course=course, **data)
                    else:
                        services.update_offering(
                            actor=request.user, offering=CourseOffering.objects.get(pk=offering.pk), **data
                        )
            elif formset.model is CoursePrerequisite:
                for link in formset.deleted_objects:
                    services.remove_prerequisite(
                        actor=request.user, course=course, prerequisite_course=link.prerequisite_course
                    )
                for link in rows:
                    if link.pk is not None:
                        services.remove_prerequisite(
                            actor=request.user,
                            course=course,
                            prerequisite_course=CoursePrerequisite.objects.get(pk=link.pk).prerequisite_course,
                        )
                    services.add_prerequisite(
                        actor=request.user,
                        course=course,
                        prerequisite_course=link.prerequisite_course,
                        prerequisite_type=link.prerequisite_type,
                    )
            elif formset.model is CourseSubject:
                for link in formset.deleted_objects:
                    services.remove_course_subject(actor=request.user, course=course, subject=link.subject)
                for link in rows:
                    if link.pk is not None:
                        old = CourseSubject.objects.get(pk=link.pk)
                        if old.subject_id != link.subject_id:
                            services.remove_course_subject(actor=request.user, course=course, subject=old.subject)
                    services.set_course_subject(
                        actor=request.user, course=course, subject=link.subject, is_primary=link.is_primary
                    )
            else:  # pragma: no cover - every inline is handled above
                formset.save()

    @admin.action(description="Publish selected courses")
    def publish_courses(self, request, queryset):
        self.run_action(
            request,
            queryset,
            lambda course: services.set_course_published(actor=request.user, course=course, is_published=True),
            done="Published {count} course(s).",
            log="Published the course.",
        )

    @admin.action(description="Unpublish selected courses")
    def unpublish_courses(self, request, queryset):
        self.run_action(
            request,
            queryset,
            lambda course: services.set_course_published(actor=request.user, course=course, is_published=False),
            done="Unpublished {count} course(s).",
            log="Unpublished the course.",
        )


@admin.register(CourseSubject)
class CourseSubjectAdmin(TenantScopedAdmin):
    tenant_path = "course__university"
    department_path = "course__department"
    list_display = ("course", "subject", "is_primary")
    list_filter = ("is_primary",)
    search_fields = ("course__code", "course__title", "subject__code", "subject__name")
    list_select_related = ("course", "subject")
    autocomplete_fields = ("course",)

    def save_model(self, request, obj, form, change):
        if change:
            old = CourseSubject.objects.select_related("subject").get(pk=obj.pk)
            if old.subject_id != obj.subject_id:
                services.remove_course_subject(actor=request.user, course=obj.course, subject=old.subject)
        saved = services.set_course_subject(
            actor=request.user, course=obj.course, subject=obj.subject, is_primary=obj.is_primary
        )
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        services.remove_course_subject(actor=request.user, course=obj.course, subject=obj.subject)


@admin.register(CoursePrerequisite)
class CoursePrerequisiteAdmin(TenantScopedAdmin):
    tenant_path = "course__university"
    department_path = "course__department"
    list_display = ("course", "prerequisite_course", "prerequisite_type")
    list_filter = ("prerequisite_type",)
    search_fields = ("course__code", "prerequisite_course__code")
    list_select_related = ("course", "prerequisite_course")
    autocomplete_fields = ("course", "prerequisite_course")
    date_hierarchy = "created_at"

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            if change:
                old = CoursePrerequisite.objects.get(pk=obj.pk)
                services.remove_prerequisite(
                    actor=request.user, course=old.course, prerequisite_course=old.prerequisite_course
                )
            saved = services.add_prerequisite(
                actor=request.user,
                course=obj.course,
                prerequisite_course=obj.prerequisite_course,
                prerequisite_type=obj.prerequisite_type,
            )
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        services.remove_prerequisite(actor=request.user, course=obj.course, prerequisite_course=obj.prerequisite_course)


class CourseOfferingInstructorInline(TenantScopedInline, admin.TabularInline):
    model = CourseOfferingInstructor
    tenant_path = "course_offering__university"
    department_path = "course_offering__course__department"
    fields = ("user", "role")
    autocomplete_fields = ("user",)
    extra = 0


@admin.register(CourseOffering)
class CourseOfferingAdmin(UniversityTimeZoneMixin, ServiceDeleteMixin, TenantScopedAdmin):
    tenant_path = "university"
    department_path = "course__department"
    list_display = (
        "course",
        "term_name",
        "university",
        "dates",
        "visibility",
        "capacity",
        "enrolled_count",
        "waitlist_count",
    )
    list_filter = ("visibility", "requires_approval", "university")
    search_fields = ("term_name", "course__code", "course__title")
    list_select_related = ("course", "university")
    autocomplete_fields = ("course",)
    exclude = ("university",)  # always the course's: copied by the service
    readonly_fields = ("university", "enrolled_count", "waitlist_count", "created_at", "updated_at")
    date_hierarchy = "starts_at"
    inlines = [CourseOfferingInstructorInline]

    @admin.display(description="Dates (university time)", ordering="starts_at")
    def dates(self, obj: CourseOffering) -> str:
        zone = dates.university_zone(obj.university.time_zone).key
        return f"{dates.offering_dates(obj.starts_at, obj.ends_at, zone)} ({zone})"

    def university_time_zone(self, object_id) -> str | None:
        return (
            CourseOffering.objects.filter(pk=object_id if str(object_id).isdigit() else None)
            .values_list("university__time_zone", flat=True)
            .first()
        )

    def instance_in_scope(self, request, instance) -> bool:
        # The university column is copied from the course by the service; judge by the course.
        if instance.course_id is not None and instance.university_id is None:
            instance.university_id = instance.course.university_id
        return super().instance_in_scope(request, instance)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "course"] if obj is not None else fields

    def save_model(self, request, obj, form, change):
        if not change:
            data = {name: form.cleaned_data[name] for name in OFFERING_FORM_FIELDS if name in form.cleaned_data}
            # The add form ran in UTC (its course was not known yet): read the typed wall-clock times in the
            # course's university zone, as the change form shows them.
            zone = dates.university_zone(obj.course.university.time_zone)
            for name in self.offering_date_fields:
                if data.get(name) is not None:
                    data[name] = timezone.make_naive(data[name], timezone.get_current_timezone()).replace(tzinfo=zone)
            saved = services.create_offering(actor=request.user, course=obj.course, **data)
            obj.pk, obj.university_id = saved.pk, saved.university_id
            return
        data = _changed(form, OFFERING_FORM_FIELDS)
        if data:
            services.update_offering(actor=request.user, offering=CourseOffering.objects.get(pk=obj.pk), **data)

    def delete_model(self, request, obj):
        services.delete_offering(actor=request.user, offering=obj)


@admin.register(CourseOfferingInstructor)
class CourseOfferingInstructorAdmin(TenantScopedAdmin):
    tenant_path = "course_offering__university"
    department_path = "course_offering__course__department"
    list_display = ("course_offering", "user", "role")
    list_filter = ("role", "course_offering__university")
    search_fields = ("user__email", "user__full_name", "course_offering__course__code")
    list_select_related = ("course_offering__course", "user")
    autocomplete_fields = ("course_offering", "user")
