"""Question pools per course (CRUD, import) and the asset library (upload, pick, serve)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.views import View
from django.views.generic import FormView, TemplateView

from syllabus import assets as asset_services
from syllabus import question_import, services
from syllabus.forms import AssetUploadForm, QuestionForm, QuestionImportForm, QuestionPoolForm
from syllabus.forms.structure import AltTextForm
from syllabus.models import Asset, Question
from syllabus.permissions import can_view_asset
from syllabus.views.common import CourseAuthorMixin, add_service_errors


class PoolListView(CourseAuthorMixin, TemplateView):
    edit_required = False
    template_name = "syllabus/pool_list.html"

    def get_context_data(self, **kwargs):
        pools = self.course.question_pools.annotate(question_count=Count("questions")).order_by("title")
        return super().get_context_data(pools=pools, can_edit=self.course.can_edit, **kwargs)


class PoolCreateView(CourseAuthorMixin, FormView):
    template_name = "syllabus/form_page.html"
    form_class = QuestionPoolForm

    def get_context_data(self, **kwargs):
        return super().get_context_data(page_title="New question pool", **kwargs)

    def form_valid(self, form):
        pool = services.create_question_pool(
            actor=self.request.user,
            course=self.course,
            title=form.cleaned_data["title"],
            description=form.cleaned_data["description"] or None,
        )
        messages.success(self.request, f"Pool “{pool.title}” created.")
        return redirect("syllabus:pool-detail", course_id=self.course.pk, pool_id=pool.pk)


class PoolEditView(CourseAuthorMixin, FormView):
    template_name = "syllabus/form_page.html"
    form_class = QuestionPoolForm

    def load_objects(self):
        self.pool = self.get_pool(self.kwargs["pool_id"])

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["initial"] = {"title": self.pool.title, "description": self.pool.description or ""}
        return kwargs

    def get_context_data(self, **kwargs):
        return super().get_context_data(page_title=f"Edit pool “{self.pool.title}”", **kwargs)

    def form_valid(self, form):
        try:
            services.update_question_pool(
                actor=self.request.user,
                pool=self.pool,
                title=form.cleaned_data["title"],
                description=form.cleaned_data["description"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        return redirect("syllabus:pool-detail", course_id=self.course.pk, pool_id=self.pool.pk)


class PoolDeleteView(CourseAuthorMixin, TemplateView):
    template_name = "syllabus/confirm.html"

    def get_context_data(self, **kwargs):
        pool = self.get_pool(self.kwargs["pool_id"])
        return super().get_context_data(
            page_title=f"Delete pool “{pool.title}”?",
            page_intro=f"Its {pool.questions.count()} question(s) are deleted too. Quizzes that use it stop working.",
            confirm_label="Delete pool",
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        pool = self.get_pool(self.kwargs["pool_id"])
        try:
            services.delete_question_pool(actor=request.user, pool=pool)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("syllabus:pool-detail", course_id=self.course.pk, pool_id=pool.pk)
        messages.success(request, "Pool deleted.")
        return redirect("syllabus:pool-list", course_id=self.course.pk)


class PoolDetailView(CourseAuthorMixin, TemplateView):
    edit_required = False
    template_name = "syllabus/pool_detail.html"

    def get_context_data(self, **kwargs):
        pool = self.get_pool(self.kwargs["pool_id"])
        return super().get_context_data(
            pool=pool, questions=pool.questions.order_by("sequence_index"), can_edit=self.course.can_edit, **kwargs
        )


class QuestionFormView(CourseAuthorMixin, FormView):
    template_name = "syllabus/form_page.html"
    form_class = QuestionForm

    def load_objects(self):
        self.pool = self.get_pool(self.kwargs["pool_id"])
        self.question = None
        if "question_id" in self.kwargs:
            self.question = get_object_or_404(Question, pk=self.kwargs["question_id"], pool=self.pool)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if self.question is not None:
            kwargs["initial"] = QuestionForm.initial_from_question(self.question)
        return kwargs

    def get_context_data(self, **kwargs):
        title = "Edit question" if self.question else f"New question in “{self.pool.title}”"
        return super().get_context_data(page_title=title, **kwargs)

    def form_valid(self, form):
        try:
            if self.question is None:
                services.create_question(actor=self.request.user, pool=self.pool, **form.service_values())
            else:
                services.update_question(actor=self.request.user, question=self.question, **form.service_values())
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, "Question saved.")
        return redirect("syllabus:pool-detail", course_id=self.course.pk, pool_id=self.pool.pk)


class QuestionDeleteView(CourseAuthorMixin, TemplateView):
    template_name = "syllabus/confirm.html"

    def get_question(self):
        pool = self.get_pool(self.kwargs["pool_id"])
        return get_object_or_404(Question, pk=self.kwargs["question_id"], pool=pool)

    def get_context_data(self, **kwargs):
        question = self.get_question()
        return super().get_context_data(
            page_title="Delete this question?", page_intro=question.prompt, confirm_label="Delete", **kwargs
        )

    def post(self, request, *args, **kwargs):
        question = self.get_question()
        pool_id = question.pool_id
        services.delete_question(actor=request.user, question=question)
        messages.success(request, "Question deleted.")
        return redirect("syllabus:pool-detail", course_id=self.course.pk, pool_id=pool_id)


class QuestionImportView(CourseAuthorMixin, FormView):
    template_name = "syllabus/question_import.html"
    form_class = QuestionImportForm

    def load_objects(self):
        self.pool = self.get_pool(self.kwargs["pool_id"])

    def get_context_data(self, **kwargs):
        return super().get_context_data(pool=self.pool, **kwargs)

    def form_valid(self, form):
        result = question_import.import_questions(
            actor=self.request.user, pool=self.pool, text=form.cleaned_data["content"], fmt=form.cleaned_data["format"]
        )
        if not result.ok:
            return self.render_to_response(self.get_context_data(form=form, row_errors=result.errors))
        messages.success(self.request, f"Imported {len(result.questions)} question(s).")
        return redirect("syllabus:pool-detail", course_id=self.course.pk, pool_id=self.pool.pk)


# --- assets ----------------------------------------------------------------------------------------------


ASSETS_PER_PAGE = 100


class AssetListView(CourseAuthorMixin, FormView):
    """The library of the course's university (and platform-wide files), with the upload form."""

    edit_required = False
    template_name = "syllabus/asset_list.html"
    form_class = AssetUploadForm

    def get_context_data(self, **kwargs):
        page = Paginator(
            asset_services.assets_for_university(university_id=self.course.university_id).order_by("-created_at", "-pk"),
            ASSETS_PER_PAGE,
        ).get_page(self.request.GET.get("page"))
        return super().get_context_data(assets=page.object_list, page=page, can_edit=self.course.can_edit, **kwargs)

    def post(self, request, *args, **kwargs):
        if not self.course.can_edit:
            raise Http404
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        try:
            asset = asset_services.upload_asset(
                actor=self.request.user,
                university=self.course.university,
                file=form.cleaned_data["file"],
                alt_text=form.cleaned_data["alt_text"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"Uploaded asset #{asset.pk}.")
        return redirect("syllabus:asset-list", course_id=self.course.pk)


class AssetEditView(CourseAuthorMixin, FormView):
    template_name = "syllabus/form_page.html"
    form_class = AltTextForm

    def load_objects(self):
        self.asset = get_object_or_404(Asset, pk=self.kwargs["asset_id"], university_id=self.course.university_id)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["initial"] = {"alt_text": (self.asset.meta_json or {}).get("alt_text", "")}
        return kwargs

    def get_context_data(self, **kwargs):
        return super().get_context_data(page_title=f"Alt text of asset #{self.asset.pk}", **kwargs)

    def form_valid(self, form):
        try:
            asset_services.update_asset_alt_text(
                actor=self.request.user, asset=self.asset, alt_text=form.cleaned_data["alt_text"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        return redirect("syllabus:asset-list", course_id=self.course.pk)


class AssetFileView(LoginRequiredMixin, View):
    """The file, only for people who may see the library (404 otherwise); never inline HTML/SVG."""

    def get(self, request, asset_id: int):
        asset = get_object_or_404(Asset, pk=asset_id)
        if not can_view_asset(request.user, asset):
            raise Http404("No such asset.")
        return asset_services.asset_response(asset)
