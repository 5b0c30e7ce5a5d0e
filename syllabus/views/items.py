"""Content item editors (one form per type), live previews and "preview as student"."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import render
from django.utils.html import escape
from django.views import View
from django.views.generic import TemplateView

from syllabus import selectors, services
from syllabus.forms import content_form_class
from syllabus.mathml import LatexError, render_latex
from syllabus.models import ContentItem, ContentType, Module, QuestionPool
from syllabus.permissions import anything_editable_by
from syllabus.transcripts import TranscriptError, format_timestamp, parse_transcript
from syllabus.views.common import CourseAuthorMixin, back_to_tree, service_error_to_messages

NO_TYPE = "Choose a content type."


class ItemFormMixin(CourseAuthorMixin):
    template_name = "syllabus/item_form.html"

    def build_form(self, data=None):
        form_class = content_form_class(self.content_type)
        return form_class(data, course=self.course, content_type=self.content_type, item=getattr(self, "item", None))

    def render_form(self, form, status=200):
        context = {
            "course": self.course,
            "form": form,
            "content_type": self.content_type,
            "module": self.module,
            "item": getattr(self, "item", None),
        }
        return render(self.request, self.template_name, context, status=status)

    def with_added_block(self, form):
        """ "Add block" without JavaScript: the same data with one more blank form in the named formset.

        The new form is posted with the values an untouched blank form would post (its initial kind), so it
        counts as unchanged: it shows no "required" error before anything is typed and is ignored if left so.
        """
        name = self.request.POST.get("add_row")
        if name not in form.formsets:
            return None
        data = self.request.POST.copy()
        key = f"{name}-TOTAL_FORMS"
        try:
            count = int(data.get(key, "0"))
        except ValueError:
            return None  # a broken management form: the formset reports it
        data[key] = str(count + 1)
        blank = form.formsets[name].empty_form
        for field in blank:
            value = field.value()
            if value not in (None, ""):
                data[f"{name}-{count}-{field.name}"] = str(value)
        return self.build_form(data)

    def post(self, request, *args, **kwargs):
        form = self.build_form(request.POST)
        if "add_row" in request.POST:
            grown = self.with_added_block(form)
            if grown is not None:
                return self.render_form(grown)
        if not form.is_valid():
            return self.render_form(form)
        try:
            with transaction.atomic():
                self.save(form)
        except ValidationError as error:
            form.add_service_errors(error)
            return self.render_form(form)
        messages.success(request, "Content saved.")
        return back_to_tree(self, self.module.pk)


class ItemCreateView(ItemFormMixin, View):
    def setup_type(self) -> bool:
        self.module = self.get_module(self.kwargs["module_id"])
        name = self.request.GET.get("type") or self.request.POST.get("content_type")
        self.content_type = ContentType.objects.filter(name=name, is_active=True).first() if name else None
        return self.content_type is not None

    def get(self, request, *args, **kwargs):
        if not self.setup_type():
            types = ContentType.objects.filter(is_active=True).order_by("-is_builtin", "label")
            return render(
                request,
                "syllabus/item_type_picker.html",
                {"course": self.course, "module": self.module, "types": types},
            )
        return self.render_form(self.build_form())

    def post(self, request, *args, **kwargs):
        if not self.setup_type():
            return HttpResponseBadRequest(NO_TYPE)
        return super().post(request, *args, **kwargs)

    def save(self, form):
        values = form.common_values()
        services.create_content_item(
            actor=self.request.user,
            module=self.module,
            content_type=self.content_type,
            data_json=form.build_data(),
            position=form.cleaned_data.get("position"),
            **values,
        )


class ItemEditView(ItemFormMixin, View):
    def load(self):
        self.item = self.get_item(self.kwargs["item_id"])
        self.module, self.content_type = self.item.module, self.item.content_type

    def get(self, request, *args, **kwargs):
        self.load()
        return self.render_form(self.build_form())

    def post(self, request, *args, **kwargs):
        self.load()
        return super().post(request, *args, **kwargs)

    def save(self, form):
        position = form.cleaned_data.get("position")
        services.update_content_item(
            actor=self.request.user, item=self.item, data_json=form.build_data(), **form.common_values()
        )
        if position and position != self.item.sequence_index:
            services.reorder_content_item(actor=self.request.user, item=self.item, position=position)


class ItemDeleteView(CourseAuthorMixin, TemplateView):
    template_name = "syllabus/confirm.html"

    def get_context_data(self, **kwargs):
        item = self.get_item(self.kwargs["item_id"])
        return super().get_context_data(
            page_title=f"Delete “{item.title}”?",
            page_intro=f"This {item.content_type.label.lower()} item and the learners' progress on it are deleted.",
            confirm_label="Delete",
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        item = self.get_item(self.kwargs["item_id"])
        module_id = item.module_id
        services.delete_content_item(actor=request.user, item=item)
        messages.success(request, f"Deleted “{item.title}”.")
        return back_to_tree(self, module_id)


class ItemStepView(CourseAuthorMixin, View):
    def post(self, request, *args, **kwargs):
        item = self.get_item(self.kwargs["item_id"])
        direction = request.POST.get("direction")
        if direction not in ("up", "down"):
            return HttpResponseBadRequest("direction must be up or down")
        position = item.sequence_index + (-1 if direction == "up" else 1)
        try:
            services.reorder_content_item(actor=request.user, item=item, position=max(position, 1))
        except ValidationError as error:
            if direction == "up":
                service_error_to_messages(request, error)
        return back_to_tree(self, item.module_id)


# --- live previews (htmx) -------------------------------------------------------------------------------


class LatexPreviewView(LoginRequiredMixin, View):
    """htmx: the MathML of the posted LaTeX, or the error. The field is the one ``latex_field`` names (the
    "Preview math" button's own value: htmx posts the whole enclosing form, every block's ``latex`` with
    it), else the first field whose name ends in ``latex``."""

    def post(self, request, *args, **kwargs):
        if not anything_editable_by(request.user):
            raise Http404
        named = request.POST.get("latex_field", "")
        if named.endswith("latex") and named in request.POST:
            latex = request.POST[named]
        else:
            latex = next((value for key, value in request.POST.items() if key.endswith("latex")), "")
        try:
            mathml = render_latex(latex)
            error = None
        except LatexError as exc:
            mathml, error = None, str(exc)
        return render(request, "syllabus/_partials/latex_preview.html", {"mathml": mathml, "error": error})


class TranscriptPreviewView(LoginRequiredMixin, View):
    def post(self, request, *args, **kwargs):
        if not anything_editable_by(request.user):
            raise Http404
        text = next((value for key, value in request.POST.items() if key.endswith("transcript")), "")
        try:
            segments = parse_transcript(text)
            errors = []
        except TranscriptError as exc:
            segments, errors = [], exc.errors
        for segment in segments:
            segment["start_label"] = format_timestamp(segment["start"], srt=False)
            segment["end_label"] = format_timestamp(segment["end"], srt=False)
        return render(request, "syllabus/_partials/transcript_preview.html", {"segments": segments, "errors": errors})


# --- preview as student -----------------------------------------------------------------------------------


def display_item(item: ContentItem, *, course_id: int) -> dict:
    """What the simple student renderer needs: math as MathML, assets as access-checked URLs, the pool."""
    from django.urls import reverse

    data = item.data_json if isinstance(item.data_json, dict) else {}
    blocks = []
    for block in data.get("blocks") or data.get("instructions") or []:
        shown = dict(block)
        if block.get("type") == "math":
            try:
                shown["mathml"] = render_latex(block.get("latex", ""))
            except LatexError:
                shown["mathml"] = f"<code>{escape(block.get('latex', ''))}</code>"
        if block.get("type") == "image" and block.get("asset_id"):
            shown["src"] = reverse("syllabus:asset-file", args=[block["asset_id"]])
        blocks.append(shown)
    pool = None
    if item.content_type.name == "quiz" and isinstance(data.get("question_pool_id"), int):
        pool = QuestionPool.objects.filter(pk=data["question_pool_id"], course_id=course_id).first()
    return {"item": item, "data": data, "blocks": blocks, "pool": pool, "type": item.content_type.name}


class ModulePreviewView(CourseAuthorMixin, TemplateView):
    """The module as an enrolled student sees it: published children only, active items only."""

    edit_required = False
    template_name = "syllabus/preview.html"

    def get_context_data(self, **kwargs):
        module = self.get_module(self.kwargs["module_id"])
        ancestors_published = selectors.is_published_with_ancestors(module_id=module.pk)
        items = [
            display_item(item, course_id=self.course.pk)
            for item in ContentItem.objects.filter(module=module, is_active=True)
            .select_related("content_type")
            .order_by("sequence_index")
        ]
        children = Module.objects.filter(parent_module=module, is_published=True).order_by("sequence_index")
        return super().get_context_data(
            module=module,
            visible=ancestors_published and self.course.is_published,
            items=items,
            children=children,
            **kwargs,
        )


class ItemPreviewView(CourseAuthorMixin, TemplateView):
    edit_required = False
    template_name = "syllabus/preview.html"

    def get_context_data(self, **kwargs):
        item = self.get_item(self.kwargs["item_id"])
        module = item.module
        visible = (
            self.course.is_published and item.is_active and selectors.is_published_with_ancestors(module_id=module.pk)
        )
        return super().get_context_data(
            module=module,
            items=[display_item(item, course_id=self.course.pk)],
            children=[],
            visible=visible,
            single=True,
            **kwargs,
        )
