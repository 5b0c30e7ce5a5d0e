"""Lab pages: the student's lab page (starter files, upload, attempts, results with htmx polling) and the
graders' pages (every submission, sandbox output, re-run, override with a reason, feedback).

Access: students through ``access.get_student_item`` / their own submissions; graders through
``access.get_graded_offering``. Anything else is a 404. Refusals of the services come back as form errors or
messages, never a 500. Files are sent as attachments, never rendered inline.
"""

from __future__ import annotations

import io
import zipfile

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from learning.assessments import access, lab_selectors, labs
from learning.assessments.audit import grade_changes_for
from learning.assessments.uploads import read_upload

RERUN_QUEUED = gettext_noop("Grading queued again for {count} submission(s).")
OVERRIDDEN = gettext_noop("Score set to {score}.")
FEEDBACK_SAVED = gettext_noop("Feedback saved.")
BAD_ACTION = gettext_noop("That action could not be understood; use the buttons on this page.")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented pattern); the checks are ``uploads.read_upload``'s."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"multiple": True}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, (list, tuple)):
            return [super(MultipleFileField, self).clean(item, initial) for item in data]
        return super().clean(data, initial)


class LabUploadForm(forms.Form):
    files = MultipleFileField(
        required=False,
        label=_("Files"),
        help_text=_("Your files, or one .zip archive (at most 20 files, 1 MB in total)."),
    )


class OverrideForm(forms.Form):
    score = forms.DecimalField(min_value=0, max_digits=6, decimal_places=2)
    reason = forms.CharField(max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))


class FeedbackForm(forms.Form):
    feedback = forms.CharField(required=False, max_length=20000, widget=forms.Textarea(attrs={"rows": 4}))


def _attachment(name: str, data: bytes) -> HttpResponse:
    response = HttpResponse(data, content_type="application/octet-stream")
    safe = name.rsplit("/", 1)[-1].replace('"', "")
    response["Content-Disposition"] = f'attachment; filename="{safe}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- students ------------------------------------------------------------------------------------------


@login_required
def lab_page(request, offering_id: int, item_id: int):
    found = access.get_student_item(
        user=request.user, offering_id=offering_id, item_id=item_id, type_name="engineering_lab"
    )
    form = LabUploadForm()
    if request.method == "POST":
        form = LabUploadForm(request.POST, request.FILES)
        form.is_valid()  # one optional field: the checks are read_upload's and the service's
        try:
            files = read_upload(request.FILES.getlist("files"), limits=labs.LAB_UPLOAD_LIMITS)
            submission = labs.submit_lab(actor=request.user, offering=found.offering, item=found.item, files=files)
        except ValidationError as error:
            form.add_error("files", error)
        else:
            return redirect("labs:submission", offering_id=offering_id, submission_id=submission.pk)
    elif request.method != "GET":
        return HttpResponseNotAllowed(["GET", "POST"])
    state = lab_selectors.student_lab_state(user=request.user, offering=found.offering, item=found.item)
    return render(
        request,
        "learning/assessments/lab.html",
        {"offering": found.offering, "item": found.item, "state": state, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
def starter_files(request, offering_id: int, item_id: int):
    """A zip of the lab's student-visible and read-only files; hidden tests and solutions never leave."""
    found = access.get_student_item(
        user=request.user, offering_id=offering_id, item_id=item_id, type_name="engineering_lab"
    )
    lab = labs.lab_settings(found.item)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path, content in {**lab.starter, **lab.read_only}.items():
            archive.writestr(path, content)
    return _attachment(f"lab-{found.item.pk}-starter.zip", buffer.getvalue())


def _student_submission(request, offering_id: int, submission_id: int):
    """The student's own submission (404 for anyone else's) and its lab, still open to them. The status
    partial is polled every 2 s: the row is read once, again only after a lost run was recovered."""
    submission = lab_selectors.get_own_submission(
        user=request.user, offering_id=offering_id, submission_id=submission_id
    )
    found = access.get_student_item(
        user=request.user, offering_id=offering_id, item_id=submission.content_item_id, type_name="engineering_lab"
    )
    if labs.recover_if_lost(submission):  # next touch: a run its worker lost is queued again
        submission.refresh_from_db()
    return found, submission


def _submission_context(found, submission) -> dict:
    lab = labs.lab_settings(found.item)
    return {
        "offering": found.offering,
        "item": found.item,
        "submission": submission,
        "lab": lab,
        "tests": lab_selectors.student_test_rows(submission, lab),
        "final": submission.status in lab_selectors.FINAL_STATUSES,
        "files": lab_selectors.submission_files(submission),
    }


@login_required
def submission_page(request, offering_id: int, submission_id: int):
    found, submission = _student_submission(request, offering_id, submission_id)
    return render(request, "learning/assessments/lab_submission.html", _submission_context(found, submission))


@login_required
def submission_status(request, offering_id: int, submission_id: int):
    """The htmx partial polled every 2 s until the status is final (then it stops polling)."""
    found, submission = _student_submission(request, offering_id, submission_id)
    return render(request, "learning/assessments/_partials/lab_status.html", _submission_context(found, submission))


@login_required
def submission_file(request, offering_id: int, file_id: int):
    """Any file of the offering to its graders; to anyone else only their own (404 for every other file)."""
    as_grader = access.graded_offerings(request.user).filter(pk=offering_id).exists()
    found = lab_selectors.get_file_for_user(
        user=request.user, offering_id=offering_id, file_id=file_id, as_grader=as_grader
    )
    return _attachment(found.path, bytes(found.data))


# --- graders -------------------------------------------------------------------------------------------


@login_required
def grading_list(request, offering_id: int, item_id: int):
    offering = access.get_graded_offering(user=request.user, offering_id=offering_id)
    item = access.get_graded_item(offering=offering, item_id=item_id, type_name="engineering_lab")
    if request.method == "POST":
        try:
            count = labs.rerun_lab_grading_all(actor=request.user, offering=offering, item=item)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, gettext(RERUN_QUEUED).format(count=count))
        return redirect("labs:grading-list", offering_id=offering_id, item_id=item_id)
    page = lab_selectors.grading_page(offering=offering, item=item, page_number=request.GET.get("page"))
    return render(
        request,
        "learning/assessments/lab_grading_list.html",
        {"offering": offering, "item": item, "page": page, "lab": labs.lab_settings(item)},
    )


@login_required
def grading_detail(request, offering_id: int, submission_id: int):
    offering = access.get_graded_offering(user=request.user, offering_id=offering_id)
    submission = lab_selectors.get_offering_submission(offering=offering, submission_id=submission_id)
    if labs.recover_if_lost(submission):  # next touch: a run its worker lost is queued again
        submission = lab_selectors.get_offering_submission(offering=offering, submission_id=submission_id)
    lab = labs.lab_settings(submission.content_item)
    override_form = OverrideForm(prefix="override")
    feedback_form = FeedbackForm(prefix="feedback", initial={"feedback": submission.instructor_feedback or ""})
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "override":
                override_form = OverrideForm(request.POST, prefix="override")
                if override_form.is_valid():
                    labs.override_lab_score(actor=request.user, submission=submission, **override_form.cleaned_data)
                    messages.success(request, gettext(OVERRIDDEN).format(score=override_form.cleaned_data["score"]))
                    return redirect(request.path)
            elif action == "feedback":
                feedback_form = FeedbackForm(request.POST, prefix="feedback")
                if feedback_form.is_valid():
                    labs.set_lab_feedback(actor=request.user, submission=submission, **feedback_form.cleaned_data)
                    messages.success(request, gettext(FEEDBACK_SAVED))
                    return redirect(request.path)
            elif action == "rerun":
                labs.rerun_lab_grading(actor=request.user, submission=submission)
                messages.success(request, gettext(RERUN_QUEUED).format(count=1))
                return redirect(request.path)
            else:
                messages.error(request, gettext(BAD_ACTION))
                status = 400
        except ValidationError as error:
            form = override_form if action == "override" else feedback_form
            if action in ("override", "feedback"):
                form.add_error(None, error)
            else:
                messages.error(request, " ".join(error.messages))
        if override_form.errors or feedback_form.errors:
            status = 400
    elif request.method != "GET":
        return HttpResponseNotAllowed(["GET", "POST"])
    context = {
        "offering": offering,
        "item": submission.content_item,
        "submission": submission,
        "lab": lab,
        "report": submission.auto_grade_json or {},
        "files": lab_selectors.submission_files(submission),
        "trail": list(grade_changes_for(submission)),
        "override_form": override_form,
        "feedback_form": feedback_form,
        "list_url": reverse("labs:grading-list", args=[offering.pk, submission.content_item_id]),
    }
    return render(request, "learning/assessments/lab_grading_detail.html", context, status=status)
