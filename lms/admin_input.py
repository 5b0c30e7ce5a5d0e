"""Admin input Django itself passes to the ORM unchecked, made safe for every ModelAdmin of the project.

Two places in ``django.contrib.admin`` turn a hand-written id into a query without parsing it first, so
``abc`` (or ``1e400``, ``nan``) where an integer key belongs raised ``ValueError`` and answered 500:

- the autocomplete widget, rendering a form whose submitted (or ``?field=`` initial) value is not a key:
  :class:`SafeAutocompleteSelect` / :class:`SafeAutocompleteSelectMultiple` leave such a value out of the
  rendered choices (the field's own validation already reports it as "Select a valid choice");
- a change-list action whose ``_selected_action`` ids are not keys: :func:`unparseable_selection` finds
  them and the admin answers with a message (:data:`BAD_SELECTION`) and nothing done.

And one thing it shows raw: a read-only field the database fills in on insert (``db_default``, such as
``created_at``) holds a ``DatabaseDefault`` expression until the row is saved, which the admin printed as
``<django.db.models.expressions.DatabaseDefault object at 0x…>`` on every add form and every new inline
row. :class:`DatabaseDefaultReadonlyMixin` shows :data:`SET_WHEN_SAVED` there instead.

``lms`` imports no project app; ``accounts.admin_policy`` (and any other admin base) uses these.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.utils import display_for_field
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.db.models.expressions import DatabaseDefault
from django.utils.text import capfirst

BAD_SELECTION = "The selection holds ids that are not rows of this list; nothing was done."
SET_WHEN_SAVED = "set when saved"


def parses_as(field: models.Field, raw) -> bool:
    """Whether ``raw`` is a value ``field`` can be queried with (``abc`` is not an integer key)."""
    try:
        field.get_prep_value(field.to_python(raw))
    except (ValidationError, ValueError, TypeError, OverflowError):
        return False
    return True


def unparseable_selection(request, model: type[models.Model]) -> list[str]:
    """The posted change-list selection values that are not primary keys of ``model``."""
    pk = model._meta.pk
    return [raw for raw in request.POST.getlist(ACTION_CHECKBOX_NAME) if not parses_as(pk, raw)]


class _SafeOptgroupsMixin:
    def optgroups(self, name, value: Iterable, attr=None):
        remote = self.field.remote_field
        target = remote.model._meta.get_field(getattr(remote, "field_name", None) or remote.model._meta.pk.name)
        kept = [v for v in value if v in (None, "") or parses_as(target, v)]
        return super().optgroups(name, kept, attr)


class SafeAutocompleteSelect(_SafeOptgroupsMixin, AutocompleteSelect):
    pass


class SafeAutocompleteSelectMultiple(_SafeOptgroupsMixin, AutocompleteSelectMultiple):
    pass


class DatabaseDefaultReadonlyMixin:
    """For a ModelAdmin or an InlineModelAdmin: each read-only model field with a ``db_default`` is shown
    through a display function that reads "set when saved" while the row is unsaved (the attribute is still
    the ``DatabaseDefault`` expression, which the insert needs) and the stored value, formatted as Django
    formats a read-only field, once it is saved. Relations keep Django's own display (their link)."""

    def _db_default_display(self, name: str) -> Callable | None:
        cache = self.__dict__.setdefault("_db_default_displays", {})
        if name not in cache:
            cache[name] = None
            try:
                field = self.model._meta.get_field(name)
            except FieldDoesNotExist:
                return None
            if field.is_relation or getattr(field, "db_default", models.NOT_PROVIDED) is models.NOT_PROVIDED:
                return None
            empty = self.get_empty_value_display()

            def display(obj, field=field):
                value = getattr(obj, field.attname, None)
                if isinstance(value, DatabaseDefault):
                    return SET_WHEN_SAVED
                return display_for_field(value, field, empty)

            display.__name__ = name  # the row's CSS class stays "field-<name>"
            display.short_description = capfirst(field.verbose_name)
            cache[name] = display
        return cache[name]

    def get_readonly_fields(self, request, obj=None):
        return [
            (self._db_default_display(name) or name) if isinstance(name, str) else name
            for name in super().get_readonly_fields(request, obj)
        ]

    def get_fieldsets(self, request, obj=None):
        # The same display function where the field is read-only (the one get_readonly_fields gives), so the
        # admin's "is it read-only?" check (identity) holds.
        readonly = self.get_readonly_fields(request, obj)

        def swap(name):
            if isinstance(name, (list, tuple)):
                return tuple(swap(n) for n in name)
            display = self._db_default_display(name) if isinstance(name, str) else None
            return display if display is not None and display in readonly else name

        return [
            (title, {**options, "fields": [swap(name) for name in options.get("fields", ())]})
            for title, options in super().get_fieldsets(request, obj)
        ]
