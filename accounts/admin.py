"""Staff console for accounts: users (with their roles inline), roles, profiles, subject preferences.

Every class follows ``accounts.admin_policy`` (see docs/staff-console.md). Accounts are global: university
admins see the people who hold a role at their university and grant/revoke roles there, but cannot change
an account's e-mail, password or active flag (platform admins can). ``is_staff`` is never edited by hand:
``accounts.services.grant_role`` / ``revoke_role`` keep it equal to "holds an admin role".

This module also registers the platform-only admins of the leaf apps below accounts (``lms`` system
settings, Django's admin log, auth groups), since a leaf cannot import the policy.
"""

from __future__ import annotations

from axes.models import AccessAttempt
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.models import LogEntry
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import path

from accounts import imports, services
from accounts.admin_policy import PlatformOnlyAdmin, TenantScopedAdmin, TenantScopedInline, csv_import_view
from accounts.models import User, UserProfile, UserSubjectPreference, UserUniversityRole
from accounts.permissions import (
    USER_DEPARTMENT_PATHS,
    USER_UNIVERSITY_PATHS,
    can_change_account_credentials,
    get_staff_scope,
    is_platform_admin,
)
from lms.admin import LogEntryAdmin, SystemSettingAdmin
from lms.models import SystemSetting

USER_SEARCH = ("user__email", "user__full_name")
ACCOUNT_FIELDS = ("email", "full_name", "locale", "time_zone", "is_active")


class UserCreationAdminForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "full_name")


class UserChangeAdminForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"

    def _check_changed(self, name: str, check) -> str:
        value = self.cleaned_data[name]
        if name in self.changed_data:
            try:
                check(value)
            except ValidationError as error:
                raise forms.ValidationError(error.message_dict[name]) from None
        return value

    def clean_locale(self) -> str:
        return self._check_changed("locale", services.check_locale)

    def clean_time_zone(self) -> str:
        return self._check_changed("time_zone", services.check_time_zone)


class UserUniversityListFilter(admin.SimpleListFilter):
    """"By university" on the user list, offering only the universities the requesting admin may see
    (the University admin's own scope), never the names of other universities their users also belong to."""

    title = "university"
    parameter_name = "university"

    def _universities(self, request, model_admin):
        university_model = UserUniversityRole._meta.get_field("university").related_model
        scoped = model_admin.scoped_choices(request, university_model)
        universities = university_model._default_manager.all() if scoped is None else scoped
        return universities.order_by("name")

    def lookups(self, request, model_admin):
        return [(str(pk), name) for pk, name in self._universities(request, model_admin).values_list("pk", "name")]

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        if self.value() not in {str(pk) for pk, _ in self.lookup_choices}:
            return queryset.none()  # another tenant's university: nothing to learn from its id
        return queryset.filter(university_roles__university_id=self.value()).distinct()


class UserUniversityRoleInline(TenantScopedInline, admin.TabularInline):
    model = UserUniversityRole
    tenant_path = "university"
    fields = ("university", "role", "department", "created_at")
    readonly_fields = ("created_at",)
    autocomplete_fields = ("university", "department")
    extra = 0


@admin.register(User)
class UserAdmin(TenantScopedAdmin, BaseUserAdmin):
    tenant_path = USER_UNIVERSITY_PATHS
    department_path = USER_DEPARTMENT_PATHS
    tenant_distinct = True
    department_read_only = True
    platform_add_delete = True  # other staff create accounts by CSV import, with a role at their university
    form = UserChangeAdminForm
    add_form = UserCreationAdminForm
    list_display = ("email", "full_name", "is_active", "is_staff", "is_superuser", "created_at")
    list_filter = ("is_active", "is_staff", "is_superuser", "university_roles__role", UserUniversityListFilter)
    search_fields = ("email", "full_name")
    ordering = ("email",)
    date_hierarchy = "created_at"
    inlines = [UserUniversityRoleInline]
    actions = ["activate_accounts", "deactivate_accounts", "sign_out_everywhere", "unlock_logins"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("full_name", "locale", "time_zone", "current_streak_days", "last_activity_date")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "created_at", "updated_at")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "full_name", "usable_password", "password1", "password2")}),
    )

    def get_readonly_fields(self, request, obj=None):
        always = ["is_staff", "last_login", "created_at", "updated_at", "current_streak_days", "last_activity_date"]
        if obj is None:
            return []
        if not is_platform_admin(request.user):
            # Accounts are global: a tenant's staff look, and manage roles in the inline.
            return [*always, "email", "password", "full_name", "locale", "time_zone", "is_active", "is_superuser",
                    "groups", "user_permissions"]
        if not request.user.is_superuser:
            return [*always, "is_superuser", "user_permissions"]
        return always

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not is_platform_admin(request.user):
            for name in ("activate_accounts", "deactivate_accounts", "sign_out_everywhere"):
                actions.pop(name, None)
        return actions

    def get_urls(self):
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="accounts_user_import"),
            *super().get_urls(),
        ]

    def import_view(self, request):
        """CSV of people with their roles at one university (accounts.imports validates every row first)."""
        university_model = UserUniversityRole._meta.get_field("university").related_model
        universities = university_model._default_manager.order_by("name")
        scope = get_staff_scope(request.user)
        if not scope.platform:
            universities = universities.filter(pk__in=scope.university_ids)
        if not scope.platform and not scope.university_ids:
            raise PermissionDenied
        base_url = request.build_absolute_uri("/")

        def run(university, data):
            result = imports.import_users(actor=request.user, university=university, data=data, base_url=base_url)
            self.log_change(request, university, f"Imported users from CSV: {result.created_users} new accounts, "
                            f"{result.roles_granted} roles granted.")
            return result

        return csv_import_view(
            self,
            request,
            title="Import users (CSV)",
            columns="email, full_name, role (default student), department (code; for department_admin)",
            target_field=forms.ModelChoiceField(queryset=universities, label="University"),
            run=run,
        )

    def user_change_password(self, request, id, form_url=""):
        # Platform-only (BaseUserAdmin lets in anyone with change permission on the user).
        user = self.get_object(request, id)
        if user is None or not can_change_account_credentials(request.user, user):
            raise PermissionDenied
        return super().user_change_password(request, id, form_url)

    def save_model(self, request, obj, form, change):
        if not change:
            super().save_model(request, obj, form, change)
            return
        original = User.objects.get(pk=obj.pk)
        fields = {name: form.cleaned_data[name] for name in ACCOUNT_FIELDS if name in form.cleaned_data}
        for name in fields:  # the service compares against the stored row
            setattr(obj, name, getattr(original, name))
        services.update_account(actor=request.user, user=obj, **fields)
        if "is_superuser" in form.changed_data and request.user.is_superuser:
            obj.is_superuser = form.cleaned_data["is_superuser"]
            obj.save(update_fields=["is_superuser"])
            services.sync_is_staff(user_ids=[obj.pk])

    def save_related(self, request, form, formsets, change):
        if "groups" in form.fields and "groups" not in self.get_readonly_fields(request, form.instance):
            form.instance.groups.set(form.cleaned_data.get("groups", []))
        if "user_permissions" in form.cleaned_data and request.user.is_superuser:
            form.instance.user_permissions.set(form.cleaned_data["user_permissions"])
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def save_formset(self, request, form, formset, change):
        """Role rows go through the role service (is_staff follows; the actor is re-checked)."""
        if formset.model is not UserUniversityRole:
            super().save_formset(request, form, formset, change)
            return
        user = form.instance
        formset.save(commit=False)
        for row in formset.deleted_objects:
            services.revoke_role(actor=request.user, role=row)
        for row, _changed in formset.changed_objects:
            old = UserUniversityRole.objects.get(pk=row.pk)
            services.revoke_role(actor=request.user, role=old)
            services.grant_role(
                actor=request.user, user=user, university=row.university, role=row.role, department=row.department
            )
        for row in formset.new_objects:
            services.grant_role(
                actor=request.user, user=user, university=row.university, role=row.role, department=row.department
            )

    @admin.action(description="Activate selected accounts")
    def activate_accounts(self, request, queryset):
        self.run_action(
            request,
            queryset,
            lambda user: services.set_account_active(actor=request.user, user=user, is_active=True),
            done="Activated {count} account(s).",
            log="Activated the account.",
        )

    @admin.action(description="Sign selected accounts out of every browser")
    def sign_out_everywhere(self, request, queryset):
        self.run_action(
            request,
            queryset,
            lambda user: services.end_sessions(actor=request.user, user=user),
            done="Signed {count} account(s) out of every browser.",
            log="Signed the account out of every browser.",
        )

    @admin.action(description="Unlock log-in of selected accounts (clear failed attempts)")
    def unlock_logins(self, request, queryset):
        self.run_action(
            request,
            queryset,
            lambda user: services.unlock_login(actor=request.user, user=user),
            done="Unlocked the log-in of {count} account(s).",
            log="Unlocked the log-in (cleared failed attempts).",
        )

    @admin.action(description="Deactivate selected accounts")
    def deactivate_accounts(self, request, queryset):
        self.run_action(
            request,
            queryset,
            lambda user: services.set_account_active(actor=request.user, user=user, is_active=False),
            done="Deactivated {count} account(s).",
            log="Deactivated the account.",
        )


@admin.register(UserUniversityRole)
class UserUniversityRoleAdmin(TenantScopedAdmin):
    tenant_path = "university"
    list_display = ("user", "university", "role", "department", "created_at")
    list_filter = ("role", "university")
    search_fields = ("user__email", "user__full_name", "university__name", "university__short_code")
    list_select_related = ("user", "university", "department")
    autocomplete_fields = ("user", "university", "department")
    date_hierarchy = "created_at"
    actions = ["revoke_roles"]
    readonly_fields = ("created_at",)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # "Revoke selected roles" is the same, through the service
        return actions

    def get_readonly_fields(self, request, obj=None):
        # Through super(), so that "created_at" reads "set when saved" on the add form (ScopeMixin).
        fields = list(super().get_readonly_fields(request, obj))
        return fields if obj is None else [*fields, "user", "university", "role", "department"]

    def has_change_permission(self, request, obj=None):
        # A role row is granted or revoked, never edited in place (revoke + grant keeps is_staff right).
        return super().has_change_permission(request, obj) if obj is None else False

    def save_model(self, request, obj, form, change):
        try:
            saved = services.grant_role(
                actor=request.user, user=obj.user, university=obj.university, role=obj.role, department=obj.department
            )
        except PermissionDenied as error:
            raise ValidationError(str(error)) from error
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        services.revoke_role(actor=request.user, role=obj)

    @admin.action(description="Revoke selected roles")
    def revoke_roles(self, request, queryset):
        revoked = []
        with transaction.atomic():
            for role in queryset.select_related("user", "university"):
                try:
                    services.revoke_role(actor=request.user, role=role)
                except PermissionDenied as error:
                    self.message_user(request, f"{role}: {error}", messages.ERROR)
                    continue
                revoked.append(role)  # the instance keeps its pk and text for the log entry
            if revoked:
                self.log_deletions(request, revoked)
        if revoked:
            self.message_user(request, f"Revoked {len(revoked)} role(s).", messages.SUCCESS)


class _UserOwnedAdmin(TenantScopedAdmin):
    """Rows that belong to a user: visible where the user is."""

    tenant_path = tuple(f"user__{p}" for p in USER_UNIVERSITY_PATHS)
    department_path = tuple(f"user__{p}" for p in USER_DEPARTMENT_PATHS)
    tenant_distinct = True
    department_read_only = True


@admin.register(UserProfile)
class UserProfileAdmin(_UserOwnedAdmin):
    list_display = ("user", "learning_goal", "study_level", "grade", "date_of_birth")
    list_filter = ("learning_goal", "study_level", "grade")
    search_fields = USER_SEARCH
    list_select_related = ("user",)
    autocomplete_fields = ("user",)
    date_hierarchy = "created_at"


@admin.register(UserSubjectPreference)
class UserSubjectPreferenceAdmin(_UserOwnedAdmin):
    list_display = ("user", "subject", "created_at")
    list_filter = ("subject__domain",)
    search_fields = (*USER_SEARCH, "subject__name", "subject__code")
    list_select_related = ("user", "subject")
    autocomplete_fields = ("user",)
    date_hierarchy = "created_at"


# --- platform-only admins of the leaf apps ------------------------------------------------------


@admin.register(SystemSetting)
class PlatformSystemSettingAdmin(PlatformOnlyAdmin, SystemSettingAdmin):
    pass


@admin.register(LogEntry)
class PlatformLogEntryAdmin(LogEntryAdmin, PlatformOnlyAdmin):
    pass


admin.site.unregister(Group)


@admin.register(Group)
class PlatformGroupAdmin(PlatformOnlyAdmin, BaseGroupAdmin):
    """Groups carry Django permissions (e.g. the prompt editors); only platform admins manage them."""



@admin.register(AccessAttempt)
class PlatformAccessAttemptAdmin(PlatformOnlyAdmin):
    """Failed log-ins counted by django-axes (per account and IP). Deleting a row unlocks it; the rows name
    e-mails and addresses of every university, so platform admins only (university admins unlock their
    people with the user list's action)."""

    list_display = ("username", "ip_address", "failures_since_start", "attempt_time", "path_info")
    search_fields = ("username", "ip_address")
    date_hierarchy = "attempt_time"
    fields = ("username", "ip_address", "user_agent", "path_info", "failures_since_start", "attempt_time")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
