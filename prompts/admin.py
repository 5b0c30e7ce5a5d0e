"""The prompt console in the Django admin (platform staff).

Prompts are shown grouped by name; a version is immutable, so "editing" is the new-version form. Extra
pages hang off the Prompt admin: a name's versions with promote buttons and tags, one version with its
resolved content and dependency graph, a side-by-side diff, the playground and the new-version form. Every
write goes through ``prompts.services``, which re-checks permissions; a ``ValidationError`` comes back as a
form error and a ``PermissionDenied`` as a 403 or an error message, never a 500.
"""

from __future__ import annotations

import difflib
import json
from typing import Any
from urllib.parse import urlencode

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe

from lms.json_input import SafeJSONFormField
from prompts import permissions, selectors, services
from prompts.exceptions import PromptNotFoundError, PromptResolutionError
from prompts.forms import (
    ApiKeyChangeForm,
    ApiKeyCreateForm,
    ChatMessageFormSet,
    DiffForm,
    LabelForm,
    NewVersionForm,
    PlaygroundForm,
    PromptListFilterForm,
    TagsForm,
)
from prompts.models import LATEST_LABEL, Prompt, PromptApiKey, PromptDependency, PromptLabel, PromptType, ProtectedLabel
from prompts.templating import chat_placeholders, chat_variables, compile_content, find_variables

CHAT_NEEDS_MESSAGES = "A chat prompt needs at least one message."
TEXT_NEEDS_CONTENT = "A text prompt needs some text."
# The grouped list's page number is bounded so the offset always fits the database's integers.
MAX_PAGE = 2**31 - 1


def _url(view: str, /, **params: Any) -> str:
    return reverse(f"admin:{view}") + ("?" + urlencode(params) if params else "")


def _content_lines(prompt_type: str, content: Any) -> list[str]:
    if prompt_type == PromptType.TEXT:
        return str(content or "").splitlines()
    return json.dumps(content, indent=2, ensure_ascii=False).splitlines()


class PromptPolicyAdmin(admin.ModelAdmin):
    """The prompts section is shown to whoever ``prompts.permissions`` lets use any part of it."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return permissions.can_use_prompt_admin(request.user)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if isinstance(db_field, models.JSONField):  # bounded depth and size: deep JSON is a field error
            kwargs.setdefault("form_class", SafeJSONFormField)
        return super().formfield_for_dbfield(db_field, request, **kwargs)


@admin.register(Prompt)
class PromptAdmin(PromptPolicyAdmin):
    list_display = ["name", "version", "type", "labels", "tags", "created_by", "created_at"]
    search_fields = ["name"]
    list_per_page = 20

    # --- Permissions: the policy, not has_perm (a platform admin by role row holds no model permission) ---

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return permissions.can_view_prompts(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return permissions.can_add_prompts(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return permissions.can_change_prompts(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return permissions.can_delete_prompts(request.user)

    # --- URLs ---

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("by-name/", wrap(self.name_view), name="prompts_prompt_name"),
            path("version/", wrap(self.version_view), name="prompts_prompt_version"),
            path("diff/", wrap(self.diff_view), name="prompts_prompt_diff"),
            path("new/", wrap(self.new_version_view), name="prompts_prompt_new"),
            path("playground/", wrap(self.playground_view), name="prompts_prompt_playground"),
            path("labels/", wrap(self.labels_view), name="prompts_prompt_labels"),
            path("tags/", wrap(self.tags_view), name="prompts_prompt_tags"),
            path("delete-version/", wrap(self.delete_version_view), name="prompts_prompt_delete_version"),
            *super().get_urls(),
        ]

    def _context(self, request: HttpRequest, title: str, **extra: Any) -> dict[str, Any]:
        return {**self.admin_site.each_context(request), "opts": self.model._meta, "title": title, **extra}

    def _require_view(self, request: HttpRequest) -> None:
        if not self.has_view_permission(request):
            raise PermissionDenied

    def _version_or_404(self, name: str, version: Any) -> Prompt:
        try:
            return Prompt.objects.get(name=name, version=int(version))
        except (Prompt.DoesNotExist, TypeError, ValueError):
            raise Http404("No such prompt version.")

    # --- The grouped list replaces the changelist; versions are never edited in place ---

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        self._require_view(request)
        labels, tags = selectors.label_and_tag_choices()
        form = PromptListFilterForm(request.GET, labels=labels, tags=tags)
        # A bad filter (an unknown label, a bad date) is shown on the form, not applied.
        filters = form.filters() if form.is_valid() else {}
        try:
            page = min(MAX_PAGE, max(1, int(request.GET.get("page", "1"))))
        except ValueError:
            page = 1
        groups, result = selectors.prompt_groups(**filters, page=page, per_page=self.list_per_page)
        creators = selectors.creator_names(created_by={v.created_by for g in groups for v in g.versions})
        for group in groups:
            for version in group.versions:
                version.creator_name = creators.get(version.created_by)
        query = request.GET.copy()
        query.pop("page", None)
        context = self._context(
            request,
            "Prompts",
            groups=groups,
            result=result,
            form=form,
            filtered=bool(filters and any(filters.values())),
            query=query.urlencode(),
            page=page,
            can_add=self.has_add_permission(request),
        )
        status = 200 if form.is_valid() else 400
        return render(request, "prompts/admin/prompt_list.html", context, status=status)

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context: dict | None = None) -> HttpResponse:
        return HttpResponseRedirect(_url("prompts_prompt_new"))

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict | None = None):
        prompt = self.get_object(request, object_id)
        if prompt is None:
            raise Http404
        return HttpResponseRedirect(_url("prompts_prompt_version", name=prompt.name, version=prompt.version))

    def delete_view(self, request: HttpRequest, object_id: str, extra_context: dict | None = None):
        prompt = self.get_object(request, object_id)
        if prompt is None:
            raise Http404
        return HttpResponseRedirect(_url("prompts_prompt_version", name=prompt.name, version=prompt.version))

    def get_actions(self, request: HttpRequest):
        return {}  # bulk deletion would bypass the services

    # --- One name: its versions, promote buttons, tags ---

    def name_view(self, request: HttpRequest) -> HttpResponse:
        self._require_view(request)
        name = request.GET.get("name", "")
        versions = list(selectors.prompt_versions(name=name).defer("prompt"))
        if not versions:
            raise Http404("No such prompt.")
        labels = sorted({label for v in versions for label in v.labels if label != LATEST_LABEL})
        creators = selectors.creator_names(created_by={v.created_by for v in versions})
        rows = [
            {
                "prompt": v,
                "creator": creators.get(v.created_by),
                "promotable": [lab for lab in labels if lab not in v.labels],
            }
            for v in versions
        ]
        context = self._context(
            request,
            f"Prompt {name}",
            name=name,
            rows=rows,
            tags_form=TagsForm(initial={"tags": ", ".join(versions[0].tags)}),
            protected=selectors.protected_labels(),
            diff_form=DiffForm(
                versions=[v.version for v in versions], initial={"a": versions[-1].version, "b": versions[0].version}
            ),
            can_change=self.has_change_permission(request),
            can_delete=self.has_delete_permission(request),
        )
        return render(request, "prompts/admin/prompt_name.html", context)

    def version_view(self, request: HttpRequest) -> HttpResponse:
        self._require_view(request)
        prompt = self._version_or_404(request.GET.get("name", ""), request.GET.get("version"))
        resolved, resolution_error = None, None
        try:
            resolved = selectors.get_prompt(name=prompt.name, version=prompt.version)
        except PromptResolutionError as error:
            resolution_error = error.message
        context = self._context(
            request,
            f"{prompt.name} v{prompt.version}",
            prompt=prompt,
            raw=_content_lines(prompt.type, prompt.prompt),
            resolved=_content_lines(prompt.type, resolved.prompt) if resolved else None,
            resolution_error=resolution_error,
            config=json.dumps(prompt.config, indent=2, ensure_ascii=False),
            graph=selectors.dependency_graph(prompt=prompt),
            creator=selectors.creator_names(created_by={prompt.created_by})[prompt.created_by],
            can_change=self.has_change_permission(request),
            can_delete=self.has_delete_permission(request),
        )
        return render(request, "prompts/admin/prompt_version.html", context)

    def diff_view(self, request: HttpRequest) -> HttpResponse:
        self._require_view(request)
        name = request.GET.get("name", "")
        versions = list(selectors.prompt_versions(name=name))
        if not versions:
            raise Http404("No such prompt.")
        form = DiffForm(request.GET, versions=[v.version for v in versions])
        table = None
        if form.is_valid():
            by_number = {v.version: v for v in versions}
            a, b = by_number[form.cleaned_data["a"]], by_number[form.cleaned_data["b"]]
            left = [
                *_content_lines(a.type, a.prompt),
                "",
                "--- config ---",
                *json.dumps(a.config, indent=2).splitlines(),
            ]
            right = [
                *_content_lines(b.type, b.prompt),
                "",
                "--- config ---",
                *json.dumps(b.config, indent=2).splitlines(),
            ]
            # HtmlDiff escapes the content it renders.
            table = mark_safe(difflib.HtmlDiff(wrapcolumn=70).make_table(left, right, f"v{a.version}", f"v{b.version}"))  # noqa: S308
        context = self._context(request, f"Diff of {name}", name=name, form=form, table=table)
        return render(request, "prompts/admin/prompt_diff.html", context, status=200 if form.is_valid() else 400)

    # --- New version (text or chat) ---

    def new_version_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        if request.method == "POST" and "add_row" in request.POST:
            # "Add message rows" without JavaScript: the rows typed so far come back, followed by empty ones.
            posted = ChatMessageFormSet(request.POST, prefix="messages")
            posted.is_valid()
            rows = [f.cleaned_data for f in posted.forms if f.has_changed() and getattr(f, "cleaned_data", None)]
            form = NewVersionForm(initial={key: request.POST.get(key) for key in NewVersionForm.base_fields})
            formset = ChatMessageFormSet(prefix="messages", initial=rows)
            return render(
                request,
                "prompts/admin/prompt_new.html",
                self._context(request, "New prompt version", form=form, formset=formset),
            )
        if request.method == "POST":
            form = NewVersionForm(request.POST)
            formset = ChatMessageFormSet(request.POST, prefix="messages")
            if form.is_valid() & formset.is_valid():
                created = self._create_from_forms(request, form, formset)
                if created is not None:
                    messages.success(request, f"Created {created.name} v{created.version}.")
                    return HttpResponseRedirect(_url("prompts_prompt_name", name=created.name))
        else:
            form, formset = self._initial_forms(request.GET.get("name", ""))
        context = self._context(request, "New prompt version", form=form, formset=formset)
        status = 400 if request.method == "POST" else 200
        return render(request, "prompts/admin/prompt_new.html", context, status=status)

    def _initial_forms(self, name: str):
        newest = selectors.prompt_versions(name=name).first() if name else None
        if newest is None:
            return NewVersionForm(initial={"name": name}), ChatMessageFormSet(prefix="messages")
        initial = {
            "name": newest.name,
            "type": newest.type,
            "text": newest.prompt if newest.type == PromptType.TEXT else "",
            "config": json.dumps(newest.config, indent=2),
        }
        rows = []
        if newest.type == PromptType.CHAT:
            for entry in newest.prompt:
                if entry.get("type") == "placeholder":
                    rows.append({"kind": "placeholder", "placeholder": entry["name"]})
                else:
                    rows.append({"kind": "message", "role": entry["role"], "content": entry["content"]})
        return NewVersionForm(initial=initial), ChatMessageFormSet(prefix="messages", initial=rows)

    def _create_from_forms(self, request: HttpRequest, form: NewVersionForm, formset) -> Prompt | None:
        data = form.cleaned_data
        if data["type"] == PromptType.CHAT:
            content: Any = [entry for entry in (f.entry() for f in formset.forms) if entry is not None]
            if not content:
                form.add_error(None, CHAT_NEEDS_MESSAGES)
                return None
        else:
            content = data["text"]
            if not content.strip():
                form.add_error("text", TEXT_NEEDS_CONTENT)
                return None
        try:
            return services.create_prompt_version(
                actor=request.user,
                name=data["name"],
                prompt=content,
                type=data["type"],
                labels=data["labels"],
                tags=data["tags"],
                config=data["config"],
                commit_message=data["commit_message"] or None,
            )
        except (ValidationError, PermissionDenied) as error:
            form.add_error(None, error.messages if isinstance(error, ValidationError) else str(error))
            return None

    # --- Playground ---

    def playground_view(self, request: HttpRequest) -> HttpResponse:
        self._require_view(request)
        prompt = self._version_or_404(request.GET.get("name", ""), request.GET.get("version"))
        try:
            resolved = selectors.get_prompt(name=prompt.name, version=prompt.version)
        except PromptResolutionError as error:
            messages.error(request, error.message)
            return HttpResponseRedirect(_url("prompts_prompt_version", name=prompt.name, version=prompt.version))
        if resolved.type == PromptType.CHAT:
            variables, placeholders = chat_variables(resolved.prompt), chat_placeholders(resolved.prompt)
        else:
            variables, placeholders = find_variables(resolved.prompt), []
        variables = list(dict.fromkeys(v for v in variables if v))
        form = PlaygroundForm(
            request.POST if request.method == "POST" else None, variables=variables, placeholders=placeholders
        )
        compiled, status = None, 200
        if request.method == "POST":
            if form.is_valid():
                try:
                    result = compile_content(
                        resolved.type, resolved.prompt, form.cleaned_data["values"], strict=form.cleaned_data["strict"]
                    )
                    compiled = result if isinstance(result, str) else json.dumps(result, indent=2, ensure_ascii=False)
                except ValidationError as error:
                    form.add_error(None, error.messages)
            if not form.is_valid():
                status = 400
        context = self._context(
            request,
            f"Playground: {prompt.name} v{prompt.version}",
            prompt=prompt,
            resolved="\n".join(_content_lines(resolved.type, resolved.prompt)),
            form=form,
            compiled=compiled,
        )
        return render(request, "prompts/admin/prompt_playground.html", context, status=status)

    # --- Writes from the name and version pages (POST only) ---

    def _post_only(self, request: HttpRequest) -> None:
        if request.method != "POST":
            raise PermissionDenied

    def labels_view(self, request: HttpRequest) -> HttpResponse:
        self._post_only(request)
        if not self.has_change_permission(request):
            raise PermissionDenied
        name = request.POST.get("name", "")
        form = LabelForm(request.POST)
        if not form.is_valid():
            messages.error(request, "; ".join(f"{field}: {' '.join(errs)}" for field, errs in form.errors.items()))
            return HttpResponseRedirect(_url("prompts_prompt_name", name=name))
        data = form.cleaned_data
        change = {"add": [data["label"]]} if data["action"] == "add" else {"remove": [data["label"]]}
        try:
            services.update_prompt_labels(actor=request.user, name=name, version=data["version"], **change)
            verb = "Promoted" if data["action"] == "add" else "Removed"
            messages.success(request, f"{verb} '{data['label']}' on v{data['version']}.")
        except (ValidationError, PermissionDenied, PromptNotFoundError) as error:
            messages.error(request, _message(error))
        return HttpResponseRedirect(_safe_next(request) or _url("prompts_prompt_name", name=name))

    def tags_view(self, request: HttpRequest) -> HttpResponse:
        self._post_only(request)
        if not self.has_change_permission(request):
            raise PermissionDenied
        name = request.POST.get("name", "")
        form = TagsForm(request.POST)
        if form.is_valid():
            try:
                services.set_prompt_tags(actor=request.user, name=name, tags=form.cleaned_data["tags"])
                messages.success(request, "Tags saved.")
            except (ValidationError, PermissionDenied, PromptNotFoundError) as error:
                messages.error(request, _message(error))
        return HttpResponseRedirect(_url("prompts_prompt_name", name=name))

    def delete_version_view(self, request: HttpRequest) -> HttpResponse:
        self._post_only(request)
        if not self.has_delete_permission(request):
            raise PermissionDenied
        name = request.POST.get("name", "")
        try:
            version = int(request.POST.get("version", ""))
        except ValueError:
            raise Http404("No such prompt version.")
        try:
            services.delete_prompt(actor=request.user, name=name, version=version)
            messages.success(request, f"Deleted {name} v{version}.")
        except (ValidationError, PermissionDenied, PromptNotFoundError) as error:
            messages.error(request, _message(error))
            return HttpResponseRedirect(_url("prompts_prompt_version", name=name, version=version))
        if Prompt.objects.filter(name=name).exists():
            return HttpResponseRedirect(_url("prompts_prompt_name", name=name))
        return HttpResponseRedirect(reverse("admin:prompts_prompt_changelist"))


def _safe_next(request: HttpRequest) -> str | None:
    """The posted ``next`` when it stays on this site (never an open redirect), else ``None``."""
    target = request.POST.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


def _message(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    if isinstance(error, PromptNotFoundError):
        return error.message
    return str(error) or "You do not have permission to do that."


@admin.register(PromptApiKey)
class PromptApiKeyAdmin(PromptPolicyAdmin):
    """Key pairs for the public API. The secret is shown once, on the page that follows creation."""

    list_display = [
        "name",
        "public_key",
        "secret_hint",
        "is_active",
        "can_change_protected_labels",
        "created_at",
        "last_used_at",
    ]
    list_filter = ["is_active", "can_change_protected_labels"]
    search_fields = ["name", "public_key"]
    fields = [
        "name",
        "public_key",
        "secret_hint",
        "is_active",
        "can_change_protected_labels",
        "created_at",
        "last_used_at",
    ]
    readonly_fields = ["public_key", "secret_hint", "created_at", "last_used_at"]
    date_hierarchy = "created_at"
    form = ApiKeyChangeForm

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return permissions.can_manage_api_keys(request.user, "view")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return permissions.can_manage_api_keys(request.user, "add")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return permissions.can_manage_api_keys(request.user, "change")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return permissions.can_manage_api_keys(request.user, "delete")

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):
        # The form checks the protected-labels flag against the policy, so a refusal is a form error.
        kwargs["form"] = type("ApiKeyChangeForm", (ApiKeyChangeForm,), {"actor": request.user})
        return super().get_form(request, obj, change, **kwargs)

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context: dict | None = None) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ApiKeyCreateForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                key, secret = services.create_api_key(
                    actor=request.user,
                    name=form.cleaned_data["name"],
                    can_change_protected_labels=form.cleaned_data["can_change_protected_labels"],
                )
            except (ValidationError, PermissionDenied) as error:
                form.add_error(None, _message(error))
            else:
                context = {
                    **self.admin_site.each_context(request),
                    "opts": self.model._meta,
                    "title": "API key created",
                }
                return render(request, "prompts/admin/api_key_created.html", {**context, "key": key, "secret": secret})
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "title": "New prompt API key"}
        status = 400 if request.method == "POST" else 200
        return render(request, "prompts/admin/api_key_new.html", {**context, "form": form}, status=status)

    def save_model(self, request: HttpRequest, obj: PromptApiKey, form, change: bool) -> None:
        original = PromptApiKey.objects.get(pk=obj.pk)
        flag = obj.can_change_protected_labels
        obj.can_change_protected_labels = original.can_change_protected_labels
        services.update_api_key(
            actor=request.user, key=obj, name=obj.name, is_active=obj.is_active, can_change_protected_labels=flag
        )

    def delete_model(self, request: HttpRequest, obj: PromptApiKey) -> None:
        services.delete_api_key(actor=request.user, key=obj)

    def get_actions(self, request: HttpRequest):
        return {}


@admin.register(ProtectedLabel)
class ProtectedLabelAdmin(PromptPolicyAdmin):
    list_display = ["label", "created_at"]
    search_fields = ["label"]
    fields = ["label"]
    date_hierarchy = "created_at"

    def _may(self, request: HttpRequest) -> bool:
        return permissions.can_change_protected_labels(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._may(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a protected label is added or removed, never renamed

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Prompt editors see which labels are protected; tenant staff (no prompt permission) do not.
        return permissions.can_view_protected_labels(request.user)

    def save_model(self, request: HttpRequest, obj: ProtectedLabel, form, change: bool) -> None:
        saved = services.protect_label(actor=request.user, label=obj.label)
        obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: ProtectedLabel) -> None:
        services.unprotect_label(actor=request.user, label=obj.label)

    def get_actions(self, request: HttpRequest):
        return {}


class ReadOnlyAdmin(PromptPolicyAdmin):
    """Rows written only by the services (or the label trigger): visible, never edited here."""

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return permissions.can_view_prompt_rows(request.user, self.model._meta.model_name)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(PromptDependency)
class PromptDependencyAdmin(ReadOnlyAdmin):
    list_display = ["parent", "child_name", "child_version", "child_label", "created_at"]
    search_fields = ["child_name", "parent__name"]
    list_select_related = ["parent"]
    list_filter = ["child_name"]
    date_hierarchy = "created_at"


@admin.register(PromptLabel)
class PromptLabelAdmin(ReadOnlyAdmin):
    list_display = ["name", "label", "prompt", "updated_at"]
    search_fields = ["name", "label"]
    list_filter = ["label"]
    list_select_related = ["prompt"]
    date_hierarchy = "updated_at"
