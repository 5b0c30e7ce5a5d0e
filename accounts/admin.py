"""Admin registrations for accounts (plain Django admin; the tenant-scoped staff console is its own issue)."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm

from accounts.models import User, UserProfile, UserSubjectPreference, UserUniversityRole


class UserCreationAdminForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "full_name")


class UserChangeAdminForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserChangeAdminForm
    add_form = UserCreationAdminForm
    list_display = ("email", "full_name", "is_active", "is_staff", "is_superuser", "created_at")
    list_filter = ("is_active", "is_staff", "is_superuser")
    search_fields = ("email", "full_name")
    ordering = ("email",)
    readonly_fields = ("last_login", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("full_name", "locale", "time_zone", "current_streak_days", "last_activity_date")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "created_at", "updated_at")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "full_name", "usable_password", "password1", "password2")}),
    )


@admin.register(UserProfile)
class UserProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "learning_goal", "study_level", "grade", "date_of_birth")
    list_filter = ("learning_goal", "study_level", "grade")
    search_fields = ("user__email", "user__full_name")
    list_select_related = ("user",)
    raw_id_fields = ("user",)


@admin.register(UserSubjectPreference)
class UserSubjectPreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "subject", "created_at")
    search_fields = ("user__email", "subject__name", "subject__code")
    list_select_related = ("user", "subject")
    raw_id_fields = ("user", "subject")


@admin.register(UserUniversityRole)
class UserUniversityRoleAdmin(admin.ModelAdmin):
    list_display = ("user", "university", "role", "department", "created_at")
    list_filter = ("role", "university")
    search_fields = ("user__email", "user__full_name", "university__name", "university__short_code")
    list_select_related = ("user", "university", "department")
    raw_id_fields = ("user", "university", "department")
