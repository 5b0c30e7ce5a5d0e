"""Admin registrations for the catalog (plain Django admin; the tenant-scoped staff console is its own issue).

Summary columns owned by services (counts, ratings, structure version) are read-only here.
"""

from django.contrib import admin
from django.db import models

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


@admin.register(Country)
class CountryAdmin(admin.ModelAdmin):
    list_display = ("iso_code", "name", "region_name")
    list_filter = ("region_name",)
    search_fields = ("iso_code", "name")


@admin.register(University)
class UniversityAdmin(admin.ModelAdmin):
    list_display = ("name", "short_code", "country", "time_zone", "is_active")
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_filter = ("is_active", "country")
    search_fields = ("name", "short_code")
    list_select_related = ("country",)


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "university")
    list_filter = ("university",)
    search_fields = ("code", "name", "university__name")
    list_select_related = ("university",)


@admin.register(Domain)
class DomainAdmin(admin.ModelAdmin):
    list_display = ("code", "name")
    search_fields = ("code", "name")


@admin.register(Subject)
class SubjectAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "domain", "parent_subject", "depth")
    list_filter = ("domain", "depth")
    search_fields = ("code", "name")
    list_select_related = ("domain", "parent_subject")
    raw_id_fields = ("parent_subject",)
    readonly_fields = ("depth",)


class CourseOfferingInline(admin.TabularInline):
    model = CourseOffering
    fields = ("term_name", "starts_at", "ends_at", "visibility", "capacity", "enrolled_count")
    readonly_fields = ("enrolled_count",)
    extra = 0
    show_change_link = True


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ("code", "title", "university", "department", "level", "difficulty", "is_published", "is_coming_soon")
    list_filter = ("is_published", "is_coming_soon", "level", "difficulty", "university")
    search_fields = ("code", "title", "university__name", "university__short_code")
    list_select_related = ("university", "department")
    raw_id_fields = ("department", "primary_subject")
    readonly_fields = ("structure_version", "rating_avg", "rating_count", "created_at", "updated_at")


@admin.register(CourseSubject)
class CourseSubjectAdmin(admin.ModelAdmin):
    list_display = ("course", "subject", "is_primary")
    list_filter = ("is_primary",)
    search_fields = ("course__code", "course__title", "subject__code", "subject__name")
    list_select_related = ("course", "subject")
    raw_id_fields = ("course", "subject")


@admin.register(CoursePrerequisite)
class CoursePrerequisiteAdmin(admin.ModelAdmin):
    list_display = ("course", "prerequisite_course", "prerequisite_type")
    list_filter = ("prerequisite_type",)
    search_fields = ("course__code", "prerequisite_course__code")
    list_select_related = ("course", "prerequisite_course")
    raw_id_fields = ("course", "prerequisite_course")


@admin.register(CourseOffering)
class CourseOfferingAdmin(admin.ModelAdmin):
    list_display = (
        "course",
        "term_name",
        "university",
        "starts_at",
        "ends_at",
        "visibility",
        "capacity",
        "enrolled_count",
        "waitlist_count",
    )
    list_filter = ("visibility", "requires_approval", "university")
    search_fields = ("term_name", "course__code", "course__title")
    list_select_related = ("course", "university")
    raw_id_fields = ("course", "university")
    readonly_fields = ("enrolled_count", "waitlist_count", "created_at", "updated_at")


@admin.register(CourseOfferingInstructor)
class CourseOfferingInstructorAdmin(admin.ModelAdmin):
    list_display = ("course_offering", "user", "role")
    list_filter = ("role",)
    search_fields = ("user__email", "user__full_name", "course_offering__course__code")
    list_select_related = ("course_offering__course", "user")
    raw_id_fields = ("course_offering", "user")
