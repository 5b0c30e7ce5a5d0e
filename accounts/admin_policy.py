"""The staff console's share of the policy: one mixin every ModelAdmin (and inline) of the project uses.

Each admin declares where its rows' tenant is, as ORM path strings (this module imports no higher app)::

    class CourseEnrollmentAdmin(TenantScopedAdmin):
        tenant_path = "course_offering__university"
        department_path = "course_offering__course__department"

and the mixin applies ``accounts.permissions`` everywhere the admin touches rows:

- ``get_queryset`` (change list, change/delete pages → 404 for a foreign row, bulk actions, autocomplete
  results, since Django's ``AutocompleteJsonView`` starts from the remote admin's ``get_queryset``);
- ``has_view/add/change/delete_permission`` and ``has_module_permission`` (no Django model permissions
  are needed: the role rows are the permissions);
- ``formfield_for_foreignkey`` / ``formfield_for_manytomany``: choices are the rows the related model's
  admin would show this user, so a foreign id posted by hand is a form error;
- the saved instance itself (``_post_clean`` of the form): its university/department must be one the user
  administers (catches nullable tenant columns and indirect paths), as a form error before any write.

``platform_only = True`` hides a model from everyone but platform admins (countries, domains, subjects,
content types, system settings, the admin log). ``department_read_only`` lets department admins look but
not write (their university, their department). ``platform_add_delete`` keeps add/delete of the model
itself (universities) to platform admins.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import NotRelationField, get_fields_from_path
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db import models
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse

from accounts.imports import CsvImportError
from accounts.permissions import (
    _as_paths,
    can_manage_row,
    get_staff_scope,
    has_admin_access,
    rows_visible_to,
)
from lms.admin_input import (
    BAD_SELECTION,
    DatabaseDefaultReadonlyMixin,
    SafeAutocompleteSelect,
    SafeAutocompleteSelectMultiple,
    unparseable_selection,
)
from lms.json_input import SafeJSONFormField

OUT_OF_SCOPE = "You can only save rows of a university or department you administer."


def value_at(obj: Any, path: str) -> Any:
    """The primary key at the end of an ORM path on an (unsaved) instance, without touching the database
    for the last hop (``course_offering__university`` → ``obj.course_offering.university_id``)."""
    parts = path.split("__")
    current = obj
    for part in parts[:-1]:
        current = getattr(current, part, None)
        if current is None:
            return None
    last = parts[-1]
    if last == "pk":
        return current.pk
    field = current._meta.get_field(last)
    if field.is_relation and field.many_to_one:
        return getattr(current, field.attname)
    return getattr(current, last)


def _error_text(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return "; ".join(error.messages)
    return str(error) or "You do not have permission to do that."


class ScopeMixin(DatabaseDefaultReadonlyMixin):
    """Shared by ``TenantScopedAdmin`` and ``TenantScopedInline`` (with "set when saved" for read-only
    fields the database fills in, ``lms.admin_input.DatabaseDefaultReadonlyMixin``)."""

    tenant_path: str | tuple[str, ...] | None = None
    department_path: str | tuple[str, ...] | None = None
    tenant_distinct = False  # a path crosses a to-many relation
    platform_only = False
    department_read_only = False

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if isinstance(db_field, models.JSONField):  # bounded depth and size: deep JSON is a field error
            kwargs.setdefault("form_class", SafeJSONFormField)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    # --- the rows -------------------------------------------------------------------------------

    def scope_queryset(self, request, queryset):
        scope = get_staff_scope(request.user)
        if scope.platform:
            return queryset
        if self.platform_only or not has_admin_access(request.user) or self.tenant_path is None:
            return queryset.none()
        return rows_visible_to(
            request.user,
            queryset,
            university=self.tenant_path,
            department=self.department_path,
            distinct=self.tenant_distinct,
        )

    def get_queryset(self, request):
        return self.scope_queryset(request, super().get_queryset(request))

    def in_scope(self, request, obj) -> bool:
        if get_staff_scope(request.user).platform:
            return True
        if self.platform_only or self.tenant_path is None or not has_admin_access(request.user):
            return False
        return can_manage_row(request.user, obj, university=self.tenant_path, department=self.department_path)

    def _may_write(self, request) -> bool:
        scope = get_staff_scope(request.user)
        if scope.platform:
            return True
        if self.department_read_only and not scope.university_ids:
            return False
        return self._may_see(request)

    def _may_see(self, request) -> bool:
        if not has_admin_access(request.user):
            return False
        scope = get_staff_scope(request.user)
        if scope.platform:
            return True
        if self.platform_only:
            return False
        # A model with no department path is a university matter: department admins do not see it.
        return bool(scope.university_ids) or self.department_path is not None

    # --- choices --------------------------------------------------------------------------------

    def scoped_choices(self, request, model):
        """The rows of ``model`` this user may pick: what its admin would list (None: no admin, no limit)."""
        related_admin = self.admin_site._registry.get(model)
        if getattr(related_admin, "shared_reference", False):
            return None  # platform-managed reference data (countries, subjects, …) every admin may pick
        if isinstance(related_admin, ScopeMixin):
            return related_admin.scope_queryset(request, model._default_manager.all())
        if not get_staff_scope(request.user).platform:
            # A model outside the policy (auth groups, …) is offered to platform admins only.
            return model._default_manager.none()
        return None

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "queryset" not in kwargs:
            queryset = self.scoped_choices(request, db_field.related_model)
            if queryset is not None:
                kwargs["queryset"] = queryset
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            # Django's own autocomplete widget queries a posted "abc" as a key while rendering (a 500).
            kwargs["widget"] = SafeAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "queryset" not in kwargs:
            queryset = self.scoped_choices(request, db_field.related_model)
            if queryset is not None:
                kwargs["queryset"] = queryset
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = SafeAutocompleteSelectMultiple(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    # --- the saved instance ---------------------------------------------------------------------

    def instance_in_scope(self, request, instance) -> bool:
        """Whether an unsaved instance's tenant columns are the user's (single-valued paths only)."""
        scope = get_staff_scope(request.user)
        if scope.platform:
            return True
        if self.tenant_distinct:  # to-many paths are checked on the saved row by the service
            return True
        for path in _as_paths(self.tenant_path):
            if value_at(instance, path) in scope.university_ids:
                return True
        return any(value_at(instance, path) in scope.department_ids for path in _as_paths(self.department_path))

    def scoped_form(self, request, form_class):
        admin_ = self

        class ScopedForm(form_class):
            def _post_clean(self):
                super()._post_clean()
                if self.errors:
                    return
                try:
                    ok = admin_.instance_in_scope(request, self.instance)
                except (AttributeError, models.ObjectDoesNotExist):
                    ok = False
                if not ok:
                    self.add_error(None, OUT_OF_SCOPE)

        ScopedForm.__name__ = form_class.__name__
        return ScopedForm


class TenantScopedAdmin(ScopeMixin, admin.ModelAdmin):
    """A ModelAdmin whose rows, choices, permissions and actions follow ``accounts.permissions``."""

    platform_add_delete = False
    list_per_page = 50

    def response_action(self, request, queryset):
        # Django filters by the posted ids unparsed: "abc" in _selected_action raised ValueError (a 500).
        if unparseable_selection(request, self.model):
            self.message_user(request, BAD_SELECTION, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())
        return super().response_action(request, queryset)

    def has_module_permission(self, request) -> bool:
        return self._may_see(request)

    def has_view_permission(self, request, obj=None) -> bool:
        if not self._may_see(request):
            return False
        return obj is None or self.in_scope(request, obj)

    def has_add_permission(self, request) -> bool:
        if self.platform_add_delete and not get_staff_scope(request.user).platform:
            return False
        return self._may_write(request)

    def has_change_permission(self, request, obj=None) -> bool:
        if not self._may_write(request):
            return False
        return obj is None or self.in_scope(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        if self.platform_add_delete and not get_staff_scope(request.user).platform:
            return False
        return self.has_change_permission(request, obj)

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        # Another tenant's row and a missing row look the same: 404 (Django would redirect to the index).
        raise Http404(f"No {opts.verbose_name} with id {object_id!r}.")

    def get_list_filter(self, request):
        """Filters on a relation list only the related rows present in this user's rows
        (``RelatedOnlyFieldListFilter``), so another tenant's names never show in the sidebar."""
        result = []
        for entry in super().get_list_filter(request):
            if isinstance(entry, str):
                try:
                    last = get_fields_from_path(self.model, entry)[-1]
                except (FieldDoesNotExist, NotRelationField):
                    last = None
                if last is not None and last.is_relation:
                    entry = (entry, admin.RelatedOnlyFieldListFilter)
            result.append(entry)
        return result

    def get_form(self, request, obj=None, change=False, **kwargs):
        return self.scoped_form(request, super().get_form(request, obj, change=change, **kwargs))

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # A service refusing the write (after the form validated) rolls back Django's transaction around
        # the view; show its message on the same page instead of a 500.
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as error:
            self.message_user(request, _error_text(error), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def delete_queryset(self, request, queryset):
        """Bulk delete row by row through ``delete_model`` (which the admins point at their services)."""
        for obj in queryset:
            self.delete_model(request, obj)

    # --- helpers for service-backed writes and actions --------------------------------------------

    def run_action(self, request, queryset, func, *, done: str, log: str, permission=None) -> int:
        """Call ``func(obj)`` for every row (already scoped by ``get_queryset``), log each success with the
        actor, and report refusals as messages instead of a 500."""
        count = 0
        permission = permission or self.has_change_permission
        for obj in queryset:
            if not permission(request, obj):
                continue
            try:
                func(obj)
            except (ValidationError, PermissionDenied) as error:
                self.message_user(request, f"{obj}: {_error_text(error)}", messages.ERROR)
                continue
            self.log_change(request, obj, log)
            count += 1
        if count:
            self.message_user(request, done.format(count=count), messages.SUCCESS)
        return count


class TenantScopedInline(ScopeMixin):
    """Mix into an ``InlineModelAdmin``: rows and choices scoped; writable when the parent is."""

    def _parent_ok(self, request, obj) -> bool:
        if not self._may_see(request):
            return False
        parent_admin = self.admin_site._registry.get(self.parent_model)
        if obj is None or not isinstance(parent_admin, ScopeMixin):
            return True
        return parent_admin.in_scope(request, obj)

    def has_view_permission(self, request, obj=None) -> bool:
        return self._parent_ok(request, obj)

    def has_add_permission(self, request, obj=None) -> bool:
        return self._may_write(request) and self._parent_ok(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return self._may_write(request) and self._parent_ok(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return self._may_write(request) and self._parent_ok(request, obj)

    # No instance check on inline forms: the parent form was checked and the inline's foreign-key
    # choices are scoped; the parent's tenant columns are copied onto inline rows by the services.


class PlatformOnlyAdmin(TenantScopedAdmin):
    """Platform-wide data: countries, domains, subjects, content types, system settings, the admin log."""

    platform_only = True


class SharedReferenceAdmin(PlatformOnlyAdmin):
    """Platform-managed reference data (countries, domains, subjects, content types): edited by platform
    admins only, but every admin may pick its rows in a foreign-key field of their own rows."""

    shared_reference = True


class ReadOnlyConsoleMixin:
    """Mix in before ``TenantScopedAdmin``: rows are written only by their services (an audit trail, stored
    files, notifications), so the console lists and shows them (still tenant-scoped) but never adds,
    changes or deletes one: the add page answers 403 and the change page is a read-only view."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class RefusedDeleteMixin:
    """The delete page of an admin whose ``delete_model`` calls a service that may refuse (a course root, a
    pool a quiz uses, a department in use): the refusal is an error message on the row's change page, never
    a 500. Django's ``delete_view`` runs in a transaction, so the refused delete has written nothing."""

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            opts = self.model._meta
            return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[object_id]))


# --- CSV import pages ---------------------------------------------------------------------------


class CsvImportForm(forms.Form):
    """A target (university, offering, …) chosen among the rows the user may manage, and a CSV file."""

    file = forms.FileField(help_text="CSV, UTF-8, with a header line.")

    def __init__(self, *args, target_field: forms.Field | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if target_field is not None:
            self.fields = {"target": target_field, **self.fields}


def csv_import_view(model_admin, request, *, title: str, columns: str, target_field, run):
    """The shared import page: GET shows the form; POST validates every row through ``run(target, data)``
    (a service) and either reports every error with its row and column (nothing written) or the result."""
    if not model_admin.has_add_permission(request) and not model_admin.has_change_permission(request):
        raise PermissionDenied
    form = CsvImportForm(request.POST or None, request.FILES or None, target_field=target_field)
    errors: list = []
    result = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                result = run(form.cleaned_data.get("target"), form.cleaned_data["file"].read())
            except CsvImportError as error:
                errors = error.errors
                status = 400
            except (ValidationError, PermissionDenied) as error:
                errors = [_error_text(error)]
                status = 400
        else:
            status = 400
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": title,
        "form": form,
        "errors": errors,
        "result": result,
        "columns": columns,
    }
    return render(request, "admin/csv_import.html", context, status=status)
