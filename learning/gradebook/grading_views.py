"""The grading pages (thin: reads in ``grading_selectors``, writes in ``policy_services``, ``grades``,
``services``).

Staff pages of an offering (``learn/offerings/<id>/grading/…``): the offering's instructors and the admins in
scope may act; its TAs may read the course grades (a 403 on acting); everyone else gets a 404.
- ``policy``: the grading policy form with a preview of how the learners' grades change before saving.
- ``course_grades``: learners with current and final grade, letter, pass, certificate; finalise; override
  one course grade (reason required); revoke a certificate (reason required).
The student's page (``learn/<id>/grades/``): their own grades in an offering they are enrolled in.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from learning.gradebook import grades, grading_selectors, policy_services, services
from learning.gradebook.permissions import can_manage_grading, can_manage_scales
from learning.gradebook.policy_forms import (
    CategoryFormSet,
    CourseGradeOverrideForm,
    GradingScaleForm,
    ItemFormSet,
    PolicySettingsForm,
    RemoveOverrideForm,
    RevokeCertificateForm,
    ScaleRowsForm,
    draft_from,
    scale_rows_text,
)
from learning.gradebook.scores import offering_policy

SAVED = "The grading policy is saved; the course grades are being recomputed."
FINAL_NOTE = "The course grades are final: a new policy does not change them (only overrides do)."
FINALIZED = "The course grades are final ({count} students)."
OVERRIDDEN = "{name}'s course grade is now {score} %."
OVERRIDE_REMOVED = "The override is removed: {name}'s course grade is the computed one again."
REVOKED = "The certificate of {name} is revoked."
SCALE_SAVED = "The scale “{name}” is saved; offerings of {university} can now choose it."
SCALE_ROWS_SAVED = "The rows of “{name}” are saved; the course grades of the offerings using it are recomputed."
PREVIEW = "preview"
SAVE = "save"


def _manager_or_403(request, offering) -> None:
    if not can_manage_grading(request.user, offering):
        raise PermissionDenied("Only the offering's instructors and admins can do this.")


def _spread(error: ValidationError, settings_form, problems: list[str]) -> None:
    """A service's refusal into the forms: settings fields by name, the rest as page-level problems."""
    if hasattr(error, "error_dict"):
        for name, messages_ in error.message_dict.items():
            if name in settings_form.fields:
                for message in messages_:
                    settings_form.add_error(name, message)
            else:
                problems.extend(messages_)
    else:
        problems.extend(error.messages)


def _into_form(form, error: ValidationError, *, default: str | None) -> None:
    """A service's refusal into the form: a reason's refusal (codes ``reason_*``) under the reason field, any
    other under ``default`` (None: above the form)."""
    for refusal in error.error_list:
        code = refusal.code or ""
        form.add_error("reason" if code.startswith("reason_") else default, refusal.messages)


def _initial(policy) -> tuple[dict, list[dict], list[dict]]:
    names = {category.key: category.name for category in policy.categories}
    return (
        {
            "grading_scale": policy.scale_id,
            "pass_mark": policy.pass_mark,
            "certificate_rule": policy.certificate_rule,
            "certificate_valid_months": policy.certificate_valid_months,
        },
        [
            {
                "id": category.id,
                "name": category.name,
                "weight": category.weight,
                "drop_lowest": category.drop_lowest,
                "default_kind": category.default_kind or "",
            }
            for category in policy.categories
        ],
        [
            {
                "item_id": item.id,
                "category": names.get(policy.item_category.get(item.id), ""),
                "never_drop": item.never_drop,
                "extra_credit": item.extra_credit,
            }
            for item in policy.items
        ],
    )


@login_required
@require_http_methods(["GET", "POST"])
def policy(request, offering_id: int):
    offering = grading_selectors.get_offering_for_grading(request.user, offering_id)
    _manager_or_403(request, offering)
    current = offering_policy(offering)
    settings_initial, categories_initial, items_initial = _initial(current)
    preview, problems = None, []
    if request.method == "POST":
        settings_form = PolicySettingsForm(request.POST, university=offering.university)
        categories = CategoryFormSet(request.POST, prefix="categories")
        items = ItemFormSet(request.POST, prefix="items")
        if settings_form.is_valid() and categories.is_valid() and items.is_valid():
            draft = draft_from(settings_form, categories, items)
            try:
                if request.POST.get("action") == SAVE:
                    policy_services.save_grading_policy(actor=request.user, offering=offering, draft=draft)
                    messages.success(request, SAVED if current.finalized_at is None else FINAL_NOTE)
                    return redirect("grading:policy", offering_id=offering.pk)
                preview = policy_services.preview_policy(offering=offering, draft=draft)
            except ValidationError as error:
                _spread(error, settings_form, problems)
        status = (
            400
            if (problems or not settings_form.is_valid() or not categories.is_valid() or not items.is_valid())
            else 200
        )
    else:
        settings_form = PolicySettingsForm(initial=settings_initial, university=offering.university)
        categories = CategoryFormSet(initial=categories_initial, prefix="categories")
        items = ItemFormSet(initial=items_initial, prefix="items")
        status = 200
    titles = {item.id: item for item in current.items}
    item_rows = []
    for form in items.forms:
        raw = form["item_id"].value()
        try:
            item = titles.get(int(raw))
        except (TypeError, ValueError):
            item = None
        item_rows.append((form, item))
    category_names = [c.name for c in current.categories]
    return render(
        request,
        "learning/grading/policy.html",
        {
            "offering": offering,
            "policy": current,
            "settings_form": settings_form,
            "categories": categories,
            "items": items,
            "item_rows": item_rows,
            "category_names": category_names,
            "preview": preview,
            "problems": problems,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET"])
def course_grades(request, offering_id: int):
    offering = grading_selectors.get_offering_for_grading(request.user, offering_id)
    page, rows = grading_selectors.course_grade_rows(offering, page=request.GET.get("page") or 1)
    current = offering_policy(offering)
    return render(
        request,
        "learning/grading/course_grades.html",
        {
            "offering": offering,
            "policy": current,
            "page": page,
            "rows": rows,
            "can_manage": can_manage_grading(request.user, offering),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def finalize(request, offering_id: int):
    offering = grading_selectors.get_offering_for_grading(request.user, offering_id)
    _manager_or_403(request, offering)
    current = offering_policy(offering)
    problems = []
    if request.method == "POST":
        if request.POST.get("confirm") == "yes":
            try:
                count = grades.finalize_course_grades(actor=request.user, offering=offering)
            except ValidationError as error:
                problems = error.messages
            else:
                messages.success(request, FINALIZED.format(count=count))
                return redirect("grading:course-grades", offering_id=offering.pk)
        else:
            problems = ["Tick the box to confirm that the course grades become final."]
    return render(
        request,
        "learning/grading/finalize.html",
        {"offering": offering, "policy": current, "problems": problems},
        status=400 if problems else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def override(request, offering_id: int, student_id: int):
    offering = grading_selectors.get_offering_for_grading(request.user, offering_id)
    enrollment, grade = grading_selectors.get_learner_grade(offering, student_id)
    _manager_or_403(request, offering)
    form = CourseGradeOverrideForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                saved = grades.override_course_grade(
                    actor=request.user,
                    offering=offering,
                    student_id=student_id,
                    score=form.cleaned_data["score"],
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as error:
                _into_form(form, error, default="score")
            else:
                messages.success(request, OVERRIDDEN.format(name=_name(enrollment), score=saved.final_score))
                return redirect("grading:course-grades", offering_id=offering.pk)
        status = 400
    return _override_page(request, offering, enrollment, grade, form, RemoveOverrideForm(), status)


@login_required
@require_http_methods(["POST"])
def remove_override(request, offering_id: int, student_id: int):
    offering = grading_selectors.get_offering_for_grading(request.user, offering_id)
    enrollment, grade = grading_selectors.get_learner_grade(offering, student_id)
    _manager_or_403(request, offering)
    form = RemoveOverrideForm(request.POST)
    if form.is_valid():
        try:
            grades.remove_course_grade_override(
                actor=request.user, offering=offering, student_id=student_id, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            _into_form(form, error, default=None)
        else:
            messages.success(request, OVERRIDE_REMOVED.format(name=_name(enrollment)))
            return redirect("grading:course-grades", offering_id=offering.pk)
    return _override_page(request, offering, enrollment, grade, CourseGradeOverrideForm(), form, 400)


def _name(enrollment) -> str:
    return enrollment.user.full_name or enrollment.user.email


def _override_page(request, offering, enrollment, grade, form, remove_form, status: int):
    """The override page (set a course grade / remove the override), with either form's errors."""
    context = {
        "offering": offering,
        "student": enrollment.user,
        "grade": grade,
        "form": form,
        "remove_form": remove_form,
    }
    return render(request, "learning/grading/override.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def revoke(request, offering_id: int, certificate_id: int):
    offering = grading_selectors.get_offering_for_grading(request.user, offering_id)
    certificate = grading_selectors.get_certificate_for_staff(offering, certificate_id)
    _manager_or_403(request, offering)
    form = RevokeCertificateForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.revoke_certificate(
                    actor=request.user, certificate=certificate, reason=form.cleaned_data["reason"]
                )
            except ValidationError as error:
                _into_form(form, error, default=None)
            else:
                name = certificate.user.full_name or certificate.user.email
                messages.success(request, REVOKED.format(name=name))
                return redirect("grading:course-grades", offering_id=offering.pk)
        status = 400
    return render(
        request,
        "learning/grading/revoke.html",
        {"offering": offering, "certificate": certificate, "form": form},
        status=status,
    )


@login_required
@require_http_methods(["GET"])
def my_grades(request, offering_id: int):
    offering, enrollment = grading_selectors.get_offering_for_learner(request.user, offering_id)
    certificate = services.Certificate.objects.filter(user_id=request.user.pk, course_offering_id=offering.pk).first()
    return render(
        request,
        "learning/grading/my_grades.html",
        {
            "offering": offering,
            "enrollment": enrollment,
            "grades": grading_selectors.student_grades(request.user, offering),
            "certificate": certificate,
            "certificate_status": certificate.status_at(timezone.now()) if certificate else None,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def scales(request, offering_id: int):
    """The offering's university's grading scales; its admins add one (reached from the policy page)."""
    offering = grading_selectors.get_offering_for_grading(request.user, offering_id)
    university = offering.university
    allowed = can_manage_scales(request.user, university)
    form = GradingScaleForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if not allowed:
            raise PermissionDenied(policy_services.SCALE_NOT_ALLOWED)
        if form.is_valid():
            try:
                rows = policy_services.parse_scale_rows(form.cleaned_data["rows"])
                scale = policy_services.create_grading_scale(
                    actor=request.user, university=university, name=form.cleaned_data["name"], rows=rows
                )
            except ValidationError as error:
                if hasattr(error, "error_dict"):
                    for name, found in error.message_dict.items():
                        for message in found:
                            form.add_error(name if name in form.fields else None, message)
                else:
                    for message in error.messages:
                        form.add_error("rows", message)
            else:
                messages.success(request, SCALE_SAVED.format(name=scale.name, university=university.name))
                return redirect("grading:scales", offering_id=offering.pk)
        status = 400
    listed = list(
        policy_services.GradingScale.objects.filter(university=university).prefetch_related("rows").order_by("name")
    )
    return render(
        request,
        "learning/grading/scales.html",
        {"offering": offering, "scales": listed, "form": form, "can_manage_scales": allowed},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def scale_edit(request, offering_id: int, scale_id: int):
    """Edit the rows of one of the university's scales (its admins; reached from the scales page)."""
    offering = grading_selectors.get_offering_for_grading(request.user, offering_id)
    scale = grading_selectors.get_scale_of_offering_university(offering, scale_id)
    if not can_manage_scales(request.user, offering.university):
        raise PermissionDenied(policy_services.SCALE_NOT_ALLOWED)
    form = ScaleRowsForm(request.POST or None, initial={"rows": scale_rows_text(scale)})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                rows = policy_services.parse_scale_rows(form.cleaned_data["rows"])
                policy_services.update_grading_scale_rows(actor=request.user, scale=scale, rows=rows)
            except ValidationError as error:
                for message in error.messages:
                    form.add_error("rows", message)
            else:
                messages.success(request, SCALE_ROWS_SAVED.format(name=scale.name))
                return redirect("grading:scales", offering_id=offering.pk)
        status = 400
    return render(
        request,
        "learning/grading/scale_edit.html",
        {"offering": offering, "scale": scale, "form": form},
        status=status,
    )
