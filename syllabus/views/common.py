"""The access mixin every authoring view uses, and small helpers shared by the view modules."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse

from syllabus.models import ContentItem, Module, QuestionPool
from syllabus.permissions import get_course_for_author


class CourseAuthorMixin(LoginRequiredMixin):
    """Loads ``self.course`` through the access selector (404 for anyone who may not see it).

    ``edit_required``: the view changes something, so TAs (read-only) get 404 like strangers.
    """

    edit_required = True

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.course = get_course_for_author(request.user, kwargs["course_id"], edit=self.edit_required)
        self.load_objects()
        return super().dispatch(request, *args, **kwargs)

    def load_objects(self) -> None:
        """Fetch the view's objects (scoped to ``self.course``, 404 otherwise) before any handler runs."""

    def get_module(self, module_id: int) -> Module:
        return get_object_or_404(Module, pk=module_id, course_id=self.course.pk)

    def get_item(self, item_id: int) -> ContentItem:
        return get_object_or_404(
            ContentItem.objects.select_related("content_type", "module"), pk=item_id, course_id=self.course.pk
        )

    def get_pool(self, pool_id: int) -> QuestionPool:
        return get_object_or_404(QuestionPool, pk=pool_id, course_id=self.course.pk)

    def tree_url(self, anchor: int | None = None) -> str:
        url = reverse("syllabus:syllabus-tree", args=[self.course.pk])
        return f"{url}#module-{anchor}" if anchor else url

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["course"] = self.course
        return context


def service_error_to_messages(request, error: ValidationError | PermissionDenied) -> None:
    if isinstance(error, PermissionDenied):
        messages.error(request, str(error))
        return
    for message in error.messages:
        messages.error(request, message)


def add_service_errors(form, error: ValidationError) -> None:
    """A service ValidationError into the form: keys that name a field go on it, the rest on top."""
    if not hasattr(error, "error_dict"):
        for message in error.messages:
            form.add_error(None, message)
        return
    for key, messages_ in error.message_dict.items():
        for message in messages_:
            if key in form.fields:
                form.add_error(key, message)
            elif key == "parent_module" and "new_parent" in form.fields:
                form.add_error("new_parent", message)
            else:
                form.add_error(None, message)


def back_to_tree(view, module_id: int | None = None):
    return redirect(view.tree_url(module_id))
