"""Admin registration for system settings. An encrypted value is never shown in clear: the list shows a
mask and the form shows the stored ciphertext, read-only (change secrets through the settings service)."""

from django.contrib import admin

from lms.models import SystemSetting

MASK = "••••••••"


@admin.register(SystemSetting)
class SystemSettingAdmin(admin.ModelAdmin):
    list_display = ("setting_key", "shown_value", "is_encrypted", "updated_at")
    list_filter = ("is_encrypted",)
    search_fields = ("setting_key", "description")

    @admin.display(description="value")
    def shown_value(self, obj: SystemSetting) -> str:
        if obj.is_encrypted:
            return MASK
        return obj.setting_value if len(obj.setting_value) <= 80 else obj.setting_value[:77] + "…"

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.is_encrypted:
            return ("setting_key", "setting_value", "is_encrypted", "created_at", "updated_at")
        return ("created_at", "updated_at")
