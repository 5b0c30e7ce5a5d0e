"""The /teach/ list, the syllabus tree and every structural edit of it (modules, publish, move, reorder)."""

from __future__ import annotations

import contextlib
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Exists, OuterRef
from django.http import HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect
from django.views import View
from django.views.generic import FormView, ListView, TemplateView

from lms.json_input import NOT_JSON, JsonInputError, parse_json
from syllabus import library, selectors, services
from syllabus.forms import (
    CopyCourseForm,
    InstantiateTemplateForm,
    ModuleForm,
    MoveModuleForm,
    PublishForm,
    SaveTemplateForm,
)
from syllabus.models import ContentItem, Module
from syllabus.permissions import (
    can_create_edition,
    can_view_authoring,
    courses_editable_by,
    courses_viewable_by,
    is_platform_admin,
)
from syllabus.views.common import CourseAuthorMixin, add_service_errors, back_to_tree, service_error_to_messages

NEW_EDITION_NOT_YOURS_YET = (
    "{code} was created unpublished, with no offering. You can edit it once you teach one of its offerings; "
    "your department's admin schedules them."
)


REORDER_FIELDS_REQUIRED = "Send module, parent and position as whole numbers."
REORDER_UNKNOWN_MODULE = "No such module in this course."


class CourseListView(LoginRequiredMixin, ListView):
    template_name = "syllabus/course_list.html"
    context_object_name = "courses"

    def get_queryset(self):
        editable = courses_editable_by(self.request.user).filter(pk=OuterRef("pk"))
        return (
            courses_viewable_by(self.request.user)
            .select_related("university", "department")
            .annotate(module_count=Count("modules", distinct=True), can_edit=Exists(editable))
            .order_by("university__name", "code")
        )


# --- the tree ---------------------------------------------------------------------------------------------


@dataclass
class TreeRow:
    module: Module
    items: list[ContentItem] = field(default_factory=list)
    has_children: bool = False
    is_first: bool = False
    is_last: bool = False
    closes: range = range(0)
    hidden_by_ancestor: bool = False
    position: int = 1


def build_tree_rows(course_id: int) -> list[TreeRow]:
    """The course's modules in pre-order with their items: two queries, whatever the size of the course.

    ``closes`` says how many nested lists end after a leaf row, so the template nests ``<ul>`` without
    recursion (a recursive include per node is slow for thousands of modules).
    """
    modules = selectors.get_course_tree(course_id=course_id)
    items: dict[int, list[ContentItem]] = defaultdict(list)
    for item in (
        ContentItem.objects.filter(course_id=course_id)
        .select_related("content_type")
        .only("pk", "module_id", "title", "sequence_index", "is_active", "content_type__name", "content_type__label")
        .order_by("module_id", "sequence_index")
    ):
        items[item.module_id].append(item)
    child_counts: dict[int, int] = defaultdict(int)
    for module in modules:
        if module.parent_module_id is not None:
            child_counts[module.parent_module_id] += 1
    published = {}
    rows = []
    for module in modules:
        parent_visible = published.get(module.parent_module_id, True)
        published[module.pk] = parent_visible and module.is_published
        rows.append(
            TreeRow(
                module=module,
                items=items.get(module.pk, []),
                has_children=child_counts[module.pk] > 0,
                is_first=module.sequence_index == 1,
                is_last=module.parent_module_id is not None
                and module.sequence_index == child_counts[module.parent_module_id],
                hidden_by_ancestor=not parent_visible,
                position=module.sequence_index,
            )
        )
    for index, row in enumerate(rows):
        if not row.has_children:
            next_depth = rows[index + 1].module.depth if index + 1 < len(rows) else 0
            row.closes = range(row.module.depth - next_depth)
    return rows


class SyllabusTreeView(CourseAuthorMixin, TemplateView):
    edit_required = False
    template_name = "syllabus/tree.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = build_tree_rows(self.course.pk)
        context.update(rows=rows, can_edit=self.course.can_edit, module_count=len(rows))
        return context


# --- modules ---------------------------------------------------------------------------------------------


class ModuleCreateView(CourseAuthorMixin, FormView):
    """Add a child of ``module_id`` (``?as=sibling``: a sibling right after it)."""

    template_name = "syllabus/form_page.html"
    form_class = ModuleForm

    def load_objects(self):
        self.anchor = self.get_module(self.kwargs["module_id"])
        self.as_sibling = self.request.GET.get("as") == "sibling" and self.anchor.parent_module_id is not None

    def get_context_data(self, **kwargs):
        where = f"after “{self.anchor.title}”" if self.as_sibling else f"inside “{self.anchor.title}”"
        return super().get_context_data(page_title=f"New module {where}", **kwargs)

    def form_valid(self, form):
        if self.as_sibling:
            parent, position = self.anchor.parent_module, self.anchor.sequence_index + 1
        else:
            parent, position = self.anchor, None
        try:
            module = services.create_module(
                actor=self.request.user,
                parent=parent,
                position=position,
                module_type=form.cleaned_data["module_type"],
                title=form.cleaned_data["title"],
                description=form.cleaned_data["description"] or None,
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"Module “{module.title}” added.")
        return back_to_tree(self, module.pk)


class ModuleEditView(CourseAuthorMixin, FormView):
    template_name = "syllabus/form_page.html"
    form_class = ModuleForm

    def load_objects(self):
        self.module = self.get_module(self.kwargs["module_id"])

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["is_root"] = self.module.parent_module_id is None
        kwargs["initial"] = {
            "title": self.module.title,
            "module_type": self.module.module_type,
            "description": self.module.description or "",
        }
        return kwargs

    def get_context_data(self, **kwargs):
        return super().get_context_data(page_title=f"Edit “{self.module.title}”", **kwargs)

    def form_valid(self, form):
        try:
            services.update_module(actor=self.request.user, module=self.module, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, "Module saved.")
        return back_to_tree(self, self.module.pk)


class ModuleDeleteView(CourseAuthorMixin, TemplateView):
    template_name = "syllabus/module_delete.html"

    def get_context_data(self, **kwargs):
        module = self.get_module(self.kwargs["module_id"])
        ids = {module.pk}
        for row in selectors.get_course_tree(course_id=self.course.pk):  # pre-order: parents come first
            if row.parent_module_id in ids:
                ids.add(row.pk)
        return super().get_context_data(
            module=module,
            module_count=len(ids),
            item_count=ContentItem.objects.filter(module_id__in=ids).count(),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        module = self.get_module(self.kwargs["module_id"])
        parent_id = module.parent_module_id
        try:
            counts = services.delete_module(actor=request.user, module=module)
        except ValidationError as error:
            service_error_to_messages(request, error)
            return back_to_tree(self, module.pk)
        messages.success(
            request, f"Deleted {counts['modules']} module(s) and {counts['content_items']} content item(s)."
        )
        return back_to_tree(self, parent_id)


class ModuleStepView(CourseAuthorMixin, View):
    """Up / down buttons (no JavaScript needed)."""

    def post(self, request, *args, **kwargs):
        module = self.get_module(self.kwargs["module_id"])
        direction = request.POST.get("direction")
        if direction not in ("up", "down") or module.parent_module_id is None:
            return HttpResponseBadRequest("direction must be up or down")
        position = module.sequence_index + (-1 if direction == "up" else 1)
        with contextlib.suppress(ValidationError):  # already first or last: nothing to do
            services.reorder_module(actor=request.user, module=module, position=max(position, 1))
        return back_to_tree(self, module.pk)


class ModuleReorderView(CourseAuthorMixin, View):
    """The drag-and-drop endpoint: ``module``, ``parent`` and 1-based ``position``; answers JSON."""

    def post(self, request, *args, **kwargs):
        try:
            payload = parse_json(request.body) if request.content_type == "application/json" else request.POST
        except JsonInputError as error:  # not JSON: the fields are missing; too deep or too large: say so
            message = REORDER_FIELDS_REQUIRED if error.message == NOT_JSON else error.message
            return JsonResponse({"ok": False, "error": message}, status=400)
        try:
            module_id, parent_id = int(payload["module"]), int(payload["parent"])
            position = int(payload["position"])
        except (KeyError, TypeError, ValueError, OverflowError):
            return JsonResponse({"ok": False, "error": REORDER_FIELDS_REQUIRED}, status=400)
        ids = [pk for pk in (module_id, parent_id) if 0 < pk < 2**63]  # beyond bigint: no such row
        found = {m.pk: m for m in Module.objects.filter(course_id=self.course.pk, pk__in=ids)}
        if module_id not in found or parent_id not in found:
            # Ids of another course (or of nothing) are named as such; nothing about them is revealed.
            return JsonResponse({"ok": False, "error": REORDER_UNKNOWN_MODULE}, status=400)
        module, parent = found[module_id], found[parent_id]
        try:
            if parent.pk == module.parent_module_id:
                services.reorder_module(actor=request.user, module=module, position=position)
            else:
                services.move_module(actor=request.user, module=module, new_parent=parent, position=position)
        except ValidationError as error:
            return JsonResponse({"ok": False, "error": " ".join(error.messages)}, status=400)
        return JsonResponse({"ok": True})


class ModuleMoveView(CourseAuthorMixin, FormView):
    template_name = "syllabus/form_page.html"
    form_class = MoveModuleForm

    def load_objects(self):
        self.module = self.get_module(self.kwargs["module_id"])

    def get_form_kwargs(self):
        modules = selectors.get_course_tree(course_id=self.course.pk)
        # Only the moved subtree is left out of the list; a hand-crafted post is still refused by the service.
        excluded = {self.module.pk}
        for module in modules:
            if module.parent_module_id in excluded:
                excluded.add(module.pk)
        kwargs = super().get_form_kwargs()
        kwargs.update(modules=modules, excluded_ids=excluded if self.request.method == "GET" else {self.module.pk})
        kwargs["initial"] = {"new_parent": self.module.parent_module_id}
        return kwargs

    def get_context_data(self, **kwargs):
        return super().get_context_data(page_title=f"Move “{self.module.title}”", **kwargs)

    def form_valid(self, form):
        new_parent = self.get_module(form.cleaned_data["new_parent"])
        try:
            services.move_module(
                actor=self.request.user,
                module=self.module,
                new_parent=new_parent,
                position=form.cleaned_data["position"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"Moved “{self.module.title}” into “{new_parent.title}”.")
        return back_to_tree(self, self.module.pk)


class ModulePublishView(CourseAuthorMixin, FormView):
    template_name = "syllabus/form_page.html"
    form_class = PublishForm
    publish = True

    def load_objects(self):
        self.module = self.get_module(self.kwargs["module_id"])

    def get_context_data(self, **kwargs):
        verb = "Publish" if self.publish else "Unpublish"
        intro = (
            "Students see a module only when it and all its parents are published."
            if self.publish
            else "Students will no longer see this module or anything below it."
        )
        return super().get_context_data(page_title=f"{verb} “{self.module.title}”", page_intro=intro, **kwargs)

    def form_valid(self, form):
        action = services.publish_module if self.publish else services.unpublish_module
        changed = action(
            actor=self.request.user, module=self.module, include_subtree=form.cleaned_data["include_subtree"]
        )
        messages.success(self.request, f"{'Published' if self.publish else 'Unpublished'} {changed} module(s).")
        return back_to_tree(self, self.module.pk)


class CoursePublishView(CourseAuthorMixin, View):
    def post(self, request, *args, **kwargs):
        is_published = request.POST.get("is_published") == "1"
        try:
            services.publish_course(actor=request.user, course=self.course, is_published=is_published)
        except (ValidationError, PermissionDenied) as error:
            service_error_to_messages(request, error)
            return back_to_tree(self)
        messages.success(request, "Course published." if is_published else "Course unpublished.")
        return back_to_tree(self)


# --- library: templates and copies -------------------------------------------------------------------------


class TemplateSaveView(CourseAuthorMixin, FormView):
    template_name = "syllabus/form_page.html"
    form_class = SaveTemplateForm

    def load_objects(self):
        self.module = self.get_module(self.kwargs["module_id"])

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["allow_platform"] = is_platform_admin(self.request.user)
        kwargs["initial"] = {"title": self.module.title, "description": self.module.description or ""}
        return kwargs

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            page_title=f"Save “{self.module.title}” as a template",
            page_intro="The module, everything below it, its content and the question pools its quizzes use "
            "are saved to your university's library.",
            **kwargs,
        )

    def form_valid(self, form):
        try:
            template = library.save_subtree_as_template(
                actor=self.request.user,
                module=self.module,
                title=form.cleaned_data["title"],
                description=form.cleaned_data["description"] or None,
                platform_wide=form.cleaned_data.get("platform_wide", False),
            )
        except (ValidationError, PermissionDenied) as error:
            form.add_error(None, str(error.messages[0]) if isinstance(error, ValidationError) else str(error))
            return self.form_invalid(form)
        messages.success(self.request, f"Template “{template.title}” saved.")
        return back_to_tree(self, self.module.pk)


class TemplateInstantiateView(CourseAuthorMixin, FormView):
    template_name = "syllabus/form_page.html"
    form_class = InstantiateTemplateForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["templates"] = library.templates_available_for(course=self.course)
        kwargs["modules"] = selectors.get_course_tree(course_id=self.course.pk)
        if "parent" in self.request.GET:
            kwargs["initial"] = {"parent": self.request.GET["parent"]}
        return kwargs

    def get_context_data(self, **kwargs):
        return super().get_context_data(page_title="Insert a module template", **kwargs)

    def form_valid(self, form):
        parent = self.get_module(form.cleaned_data["parent"])
        parent.course = self.course
        try:
            tops = library.instantiate_template(
                actor=self.request.user, template=form.cleaned_data["template"], parent=parent
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"Inserted “{form.cleaned_data['template'].title}”.")
        return back_to_tree(self, tops[0].pk if tops else None)


class SyllabusCopyView(CourseAuthorMixin, FormView):
    """Copy this course's syllabus into a new course (the next edition) or into another course of the same
    university that the user may edit."""

    edit_required = False
    template_name = "syllabus/form_page.html"
    form_class = CopyCourseForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["targets"] = (
            courses_editable_by(self.request.user)
            .filter(university_id=self.course.university_id)
            .exclude(pk=self.course.pk)
            .order_by("code")
        )
        kwargs["allow_new"] = self.course.can_edit and can_create_edition(self.request.user, self.course)
        return kwargs

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            page_title=f"Copy the syllabus of {self.course.code}",
            page_intro="Every module, content item and question pool is copied, unpublished, in one step: into a "
            f"new course of {self.course.university.name} (same department, unpublished), or after the existing "
            "modules of a course you may edit.",
            **kwargs,
        )

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            if data["destination"] == CopyCourseForm.NEW:
                target, counts = library.copy_syllabus_to_new_course(
                    actor=self.request.user, source=self.course, code=data["code"], title=data["title"]
                )
            else:
                target = data["target"]
                counts = library.copy_course_syllabus(actor=self.request.user, source=self.course, target=target)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        except PermissionDenied as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        messages.success(
            self.request,
            f"Copied {counts['modules']} module(s), {counts['content_items']} item(s) and "
            f"{counts['question_pools']} pool(s) into {target.code}.",
        )
        if not can_view_authoring(self.request.user, target):
            # An instructor's new edition has no offering yet, so they do not teach it until one is scheduled.
            messages.info(self.request, NEW_EDITION_NOT_YOURS_YET.format(code=target.code))
            return back_to_tree(self)
        return redirect("syllabus:syllabus-tree", course_id=target.pk)
