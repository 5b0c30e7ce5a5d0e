"""Admin input Django itself passes to the ORM unchecked, made safe for every ModelAdmin of the project.

Two places in ``django.contrib.admin`` turn a hand-written id into a query without parsing it first, so
``abc`` (or ``1e400``, ``nan``) where an integer key belongs raised ``ValueError`` and answered 500:

- the autocomplete widget, rendering a form whose submitted (or ``?field=`` initial) value is not a key:
  :class:`SafeAutocompleteSelect` / :class:`SafeAutocompleteSelectMultiple` leave such a value out of the
  rendered choices (the field's own validation already reports it as "Select a valid choice");
- a change-list action whose ``_selected_action`` ids are not keys: :func:`unparseable_selection` finds
  them and the admin answers with a message (:data:`BAD_SELECTION`) and nothing done.

``lms`` imports no project app; ``accounts.admin_policy`` (and any other admin base) uses these.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.core.exceptions import ValidationError
from django.db import models

BAD_SELECTION = "The selection holds ids that are not rows of this list; nothing was done."


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
