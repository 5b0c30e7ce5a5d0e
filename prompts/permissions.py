"""Who may do what with prompts: the one policy of the admin, its extra pages, the public API and the services.

Contract:
- An *actor* is a user, a ``PromptApiKey`` (the public API) or ``None`` (trusted code: a management command,
  a data migration, another app's service acting for the platform), which may do everything.
- Platform admins (``is_superuser`` or a ``platform_admin`` role row) may do everything, protected labels
  and API keys included. Django's ``has_perm`` knows nothing of role rows, so it is never asked alone.
- Other staff act through Django model permissions, normally by membership of the "Prompt editors" group
  (data migration ``0003``): view, add, change and delete prompts, but not ``prompts.change_protected_labels``.
- An API key acts on the (single) project's prompts while it is active; its ``can_change_protected_labels``
  flag decides protected labels. API keys never manage API keys.
- Every ``can_*`` answers a bool; services turn a ``False`` into ``PermissionDenied``, the admin into 403.

``prompts`` is a leaf and imports no other project app: the role rows (table ``user_university_roles``,
owned by ``accounts``) are read through the user model's ``university_roles`` relation by name, the same
way a foreign key to a higher app is written as a string.
"""

from __future__ import annotations

from typing import Any

from prompts.models import PromptApiKey

PROMPT_EDITORS_GROUP = "Prompt editors"
PLATFORM_ADMIN_ROLE = "platform_admin"
# The permissions the "Prompt editors" group carries (codenames of the prompts app).
PROMPT_EDITOR_CODENAMES = (
    "view_prompt",
    "add_prompt",
    "change_prompt",
    "delete_prompt",
    "view_promptlabel",
    "view_promptdependency",
    "view_protectedlabel",
)

_PLATFORM_CACHE_ATTR = "_prompts_platform_admin"

Actor = Any  # a user, a PromptApiKey, or None for trusted code


def _active_user(user: Any) -> bool:
    return (
        user is not None
        and not isinstance(user, PromptApiKey)
        and getattr(user, "is_authenticated", False)
        and getattr(user, "is_active", False)
    )


def is_platform_admin(user: Any) -> bool:
    """``is_superuser`` or a ``platform_admin`` role row; one query per user object at most (cached on it)."""
    if not _active_user(user):
        return False
    if user.is_superuser:
        return True
    cached = getattr(user, _PLATFORM_CACHE_ATTR, None)
    if cached is None:
        roles = getattr(user, "university_roles", None)
        cached = roles is not None and roles.filter(role=PLATFORM_ADMIN_ROLE).exists()
        setattr(user, _PLATFORM_CACHE_ATTR, cached)
    return cached


def api_key_may_act(key: PromptApiKey) -> bool:
    """Whether this API key may act on the project's prompts at all."""
    return key.is_active


def _may(actor: Actor, codename: str, *, api_key_allowed: bool = True) -> bool:
    if actor is None:
        return True
    if isinstance(actor, PromptApiKey):
        return api_key_allowed and api_key_may_act(actor)
    if not _active_user(actor):
        return False
    return is_platform_admin(actor) or actor.has_perm(f"prompts.{codename}")


def can_view_prompts(actor: Actor) -> bool:
    return _may(actor, "view_prompt") or can_change_prompts(actor)


def can_add_prompts(actor: Actor) -> bool:
    return _may(actor, "add_prompt")


def can_change_prompts(actor: Actor) -> bool:
    """Move unprotected labels and set tags."""
    return _may(actor, "change_prompt")


def can_delete_prompts(actor: Actor) -> bool:
    return _may(actor, "delete_prompt")


def can_change_protected_labels(actor: Actor) -> bool:
    """Create, move, add or remove a protected label, delete a version carrying one, manage the list."""
    if isinstance(actor, PromptApiKey):
        return api_key_may_act(actor) and actor.can_change_protected_labels
    return _may(actor, "change_protected_labels")


def can_view_protected_labels(actor: Actor) -> bool:
    """Prompt editors see which labels are protected (the buttons they cannot use)."""
    return _may(actor, "view_protectedlabel") or can_view_prompts(actor) or can_change_protected_labels(actor)


def can_view_prompt_rows(actor: Actor, model_name: str) -> bool:
    """The read-only tables (label rows, dependency rows): whoever may see prompts."""
    return _may(actor, f"view_{model_name}") or can_view_prompts(actor)


def can_manage_api_keys(actor: Actor, action: str = "view") -> bool:
    """``action`` is view, add, change or delete; API keys never manage API keys."""
    return _may(actor, f"{action}_promptapikey", api_key_allowed=False)


def can_grant_protected_label_flag(actor: Actor) -> bool:
    """Only those who may change protected labels may give a key that right."""
    return can_change_protected_labels(actor)


def can_use_prompt_admin(user: Actor) -> bool:
    """Whether the prompts section appears in the admin at all (a staff page: never for an API key)."""
    if isinstance(user, PromptApiKey):
        return False
    return can_view_protected_labels(user) or can_manage_api_keys(user)
