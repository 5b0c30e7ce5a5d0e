"""Admin classes for the platform-wide models of ``lms`` (system settings) and Django's admin log, and the
staff console's name and layout (Django's default admin site, named here because ``lms`` is the project).

``lms`` is a leaf that imports no project app, so these classes are *registered* by ``accounts/admin.py``
combined with the staff policy's ``PlatformOnlyAdmin`` (only platform admins see them).

An encrypted setting's value is write-only: the form shows "set" / "not set", takes a new value in a
password field that never renders the stored one, and saves through ``lms.services`` (which encrypts):
``set_system_setting`` for a new setting, ``update_system_setting`` for a change (an empty value keeps the
stored secret). Without a usable ``SETTINGS_ENCRYPTION_KEYS`` a secret is refused as a form error on the
value, before anything is written. The change list shows a mask. POST values are marked sensitive so error reports never
carry them, and the admin log records only the names of the changed fields.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters

from lms.crypto import NO_KEY_CONFIGURED, EncryptionError
from lms.models import SystemSetting
from lms.services import check_encryption_configured, set_system_setting, update_system_setting

STAFF_CONSOLE = "Sigma LMS staff console"

# The admin is the staff console: its own name on every page (templates/admin/base_site.html adds a link
# back to the site). No navigation sidebar: it took 300 px of every page, so change lists and forms did
# not fit a 1280 px screen; the index and the breadcrumbs lead to every list.
admin.site.site_header = STAFF_CONSOLE
admin.site.site_title = STAFF_CONSOLE
admin.site.index_title = "Overview"
admin.site.site_url = "/"
admin.site.enable_nav_sidebar = False

MASK = "••••••••"
VALUE_REQUIRED = "Enter a value."
ENCRYPTION_NOT_CONFIGURED = "Secret settings need SETTINGS_ENCRYPTION_KEYS to be configured."
SECRET_KEEP_HELP = "Write-only. Leave empty to keep the stored secret."  # noqa: S105 (help text)


class SystemSettingForm(forms.ModelForm):
    value = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}), strip=False)

    class Meta:
        model = SystemSetting
        fields = ("setting_key", "is_encrypted", "description")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        stored_secret = self.instance.pk is not None and self.instance.is_encrypted
        posted_secret = self.is_bound and self.fields["is_encrypted"].widget.value_from_datadict(
            self.data, self.files, self.add_prefix("is_encrypted")
        )
        if stored_secret or posted_secret:
            # Never rendered: neither the stored secret nor one typed in and sent back with an error.
            self.fields["value"].widget = forms.PasswordInput(render_value=False)
        if stored_secret:
            self.fields["value"].help_text = SECRET_KEEP_HELP
        elif self.instance.pk is not None:
            self.fields["value"].initial = self.instance.setting_value

    def clean(self):
        data = super().clean()
        had_secret = self.instance.pk is not None and self.instance.is_encrypted
        keeps_secret = had_secret and data.get("is_encrypted") and not data.get("value")
        # A new encrypted setting, or one switching between clear and encrypted, needs its value again.
        if data.get("is_encrypted") and not data.get("value") and not keeps_secret:
            self.add_error("value", VALUE_REQUIRED)
        if had_secret and not data.get("is_encrypted") and not data.get("value"):
            self.add_error("value", VALUE_REQUIRED)
        if data.get("is_encrypted") and data.get("value"):
            # A secret to encrypt: refuse it here, before any write, when no usable key is configured.
            try:
                check_encryption_configured()
            except EncryptionError as error:
                message = ENCRYPTION_NOT_CONFIGURED if str(error) == NO_KEY_CONFIGURED else str(error)
                self.add_error("value", message)
        return data


class SystemSettingAdmin(admin.ModelAdmin):
    form = SystemSettingForm
    list_display = ("setting_key", "shown_value", "is_encrypted", "updated_at")
    list_filter = ("is_encrypted",)
    search_fields = ("setting_key", "description")
    readonly_fields = ("secret_status", "created_at", "updated_at")
    date_hierarchy = "updated_at"

    def get_fields(self, request, obj=None):
        fields = ["setting_key", "is_encrypted", "value", "description"]
        if obj is not None:
            fields += ["secret_status", "created_at", "updated_at"]
        return fields

    @admin.display(description="value")
    def shown_value(self, obj: SystemSetting) -> str:
        if obj.is_encrypted:
            return MASK
        return obj.setting_value if len(obj.setting_value) <= 80 else obj.setting_value[:77] + "…"

    @admin.display(description="stored value")
    def secret_status(self, obj: SystemSetting) -> str:
        if not obj.is_encrypted:
            return "in clear (shown above)"
        return "set" if obj.setting_value else "not set"

    @method_decorator(sensitive_post_parameters("value"))
    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj: SystemSetting, form, change: bool) -> None:
        data = form.cleaned_data
        is_encrypted = bool(data.get("is_encrypted"))
        if change:
            # An encrypted setting saved with an empty value keeps the stored secret (the form's clean made
            # sure the flag did not change then); everything else replaces the value.
            keeps_secret = form.initial.get("is_encrypted") and is_encrypted and not data.get("value")
            saved = update_system_setting(
                setting_id=obj.pk,
                key=data["setting_key"],
                description=data.get("description") or "",
                value=None if keeps_secret else data.get("value") or "",
                is_encrypted=is_encrypted,
            )
        else:
            saved = set_system_setting(
                key=data["setting_key"],
                value=data.get("value") or "",
                is_encrypted=is_encrypted,
                description=data.get("description") or "",
            )
        obj.pk = saved.pk
        obj.setting_key, obj.description = saved.setting_key, saved.description
        obj.setting_value, obj.is_encrypted = saved.setting_value, saved.is_encrypted


class LogEntryAdmin(admin.ModelAdmin):
    """The admin log, read-only: who changed what, when."""

    list_display = ("action_time", "user", "action_flag", "content_type", "object_repr", "change_message")
    list_filter = ("action_flag", "content_type")
    search_fields = ("object_repr", "change_message", "user__email")
    date_hierarchy = "action_time"
    list_select_related = ("user", "content_type")
    ordering = ("-action_time",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


__all__ = ["LogEntry", "LogEntryAdmin", "SystemSettingAdmin", "SystemSettingForm"]
