"""Assignment pages: the student's page (draft, submit, resubmit; the grade once posted) and the graders'
one-submission-at-a-time page with next/previous paged on the server by id (keyset: a fixed number of small
queries whatever the queue's length), rubric or plain score, feedback and a file back, exemption, posting
and missing scores. Anonymous grading hides names on the graders' pages until the grade is posted.

Access as for labs: students through ``access.get_student_item``, graders through ``access.get_graded_offering``;
anything else is a 404; refusals are form errors or messages, never a 500.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Max, Min, Q
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from learning.assessments import access, assignments
from learning.assessments.audit import grade_changes_for
from learning.assessments.lab_views import MultipleFileField
from learning.assessments.models_submissions import AssignmentStatus, AssignmentSubmission, SubmissionFile
from learning.assessments.uploads import read_upload

SAVED_DRAFT = gettext_noop("Draft saved.")
SUBMITTED = gettext_noop("Submitted. You can see your grade here once it is posted.")
GRADED = gettext_noop("Grade saved.")
POSTED = "Posted {count} grade(s)."
MISSING_APPLIED = gettext_noop("Missing score given to {count} student(s).")
EXEMPTION_SET = gettext_noop("Late policy exemption updated.")
BAD_ACTION = gettext_noop("That action could not be understood; use the buttons on this page.")
FILE_TOO_LARGE = gettext_noop("The file back must be at most 10 MB.")


class AssignmentForm(forms.Form):
    text = forms.CharField(
        required=False, max_length=assignments.TEXT_LIMIT, widget=forms.Textarea(attrs={"rows": 10}), label=_("Text")
    )
    files = MultipleFileField(required=False, label=_("Files"))


class GradeForm(forms.Form):
    feedback = forms.CharField(required=False, max_length=20000, widget=forms.Textarea(attrs={"rows": 4}))
    feedback_file = forms.FileField(required=False, label="File back (optional)")

    def __init__(self, *args, config: assignments.AssignmentSettings, **kwargs):
        super().__init__(*args, **kwargs)
        self.config = config
        if config.rubric:
            for index, criterion in enumerate(config.rubric):
                self.fields[f"criterion_{index}"] = forms.TypedChoiceField(
                    label=criterion.get("title"),
                    coerce=int,
                    choices=[
                        (n, f"{level.get('title')} ({level.get('points')} pts)")
                        for n, level in enumerate(criterion.get("levels") or [])
                    ],
                    widget=forms.RadioSelect,
                )
        else:
            self.fields["score"] = forms.DecimalField(
                min_value=0, max_value=config.max_points, max_digits=7, decimal_places=2,
                label=f"Score (of {config.max_points})",
            )  # fmt: skip
        self.order_fields(
            [f for f in self.fields if f not in ("feedback", "feedback_file")] + ["feedback", "feedback_file"]
        )

    def clean_feedback_file(self):
        upload = self.cleaned_data.get("feedback_file")
        if upload is not None and upload.size > 10 * 1024 * 1024:
            raise ValidationError(gettext(FILE_TOO_LARGE))
        return upload

    def grade_kwargs(self) -> dict:
        data = self.cleaned_data
        kwargs = {"feedback": data.get("feedback", "")}
        if self.config.rubric:
            kwargs["rubric_levels"] = [data[f"criterion_{i}"] for i in range(len(self.config.rubric))]
        else:
            kwargs["raw_score"] = data["score"]
        upload = data.get("feedback_file")
        if upload is not None:
            kwargs["feedback_file"] = (upload.name.rsplit("/", 1)[-1][:200], upload.read())
        return kwargs


# --- students ------------------------------------------------------------------------------------------


@login_required
def assignment_page(request, offering_id: int, item_id: int):
    found = access.get_student_item(user=request.user, offering_id=offering_id, item_id=item_id, type_name="assignment")
    config = assignments.assignment_settings(found.item)
    submission = AssignmentSubmission.objects.filter(
        user_id=request.user.pk, course_offering_id=offering_id, content_item_id=item_id
    ).first()
    form = AssignmentForm(initial={"text": submission.text_answer if submission else ""})
    status = 200
    if request.method == "POST":
        form = AssignmentForm(request.POST, request.FILES)
        action = request.POST.get("action")
        if action not in ("save", "submit"):
            messages.error(request, gettext(BAD_ACTION))
            status = 400
        elif form.is_valid():
            try:
                uploaded = request.FILES.getlist("files")
                files = read_upload(uploaded, limits=config.upload_limits, unpack_zip=False) if uploaded else {}
                assignments.save_assignment(
                    actor=request.user, offering=found.offering, item=found.item,
                    text=form.cleaned_data["text"], files=files, submit=action == "submit",
                )  # fmt: skip
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, gettext(SUBMITTED) if action == "submit" else gettext(SAVED_DRAFT))
                return redirect(request.path)
        if form.errors:
            status = 400
    elif request.method != "GET":
        return HttpResponseNotAllowed(["GET", "POST"])
    times = assignments.student_deadlines(
        settings_=config, offering=found.offering, item=found.item, student_id=request.user.pk
    )
    refusal = assignments.hand_in_refusal(config=config, times=times, now=timezone.now())
    files = (
        list(SubmissionFile.objects.filter(assignment_submission=submission).defer("data").order_by("role", "path"))
        if submission
        else []
    )
    visible = assignments.visible_grade(submission)
    context = {
        "offering": found.offering,
        "item": found.item,
        "config": config,
        "submission": submission,
        "form": form,
        "times": times,
        "closed_reason": " ".join(refusal.messages) if refusal is not None else "",
        "visible": visible,
        "files": [f for f in files if f.role == "submission" or visible],
        "rubric_rows": _rubric_rows(config, submission) if visible else [],
        "can_submit": submission is None or submission.status == AssignmentStatus.DRAFT or config.allow_resubmission,
    }
    return render(request, "learning/assessments/assignment.html", context, status=status)


def _rubric_rows(config, submission) -> list[dict]:
    chosen = ((submission.rubric_json or {}).get("levels") or []) if submission else []
    rows = []
    for index, criterion in enumerate(config.rubric):
        levels = criterion.get("levels") or []
        pick = chosen[index] if index < len(chosen) and isinstance(chosen[index], int) else None
        rows.append({"title": criterion.get("title"), "levels": levels, "chosen": pick})
    return rows


# --- graders -------------------------------------------------------------------------------------------


def _queue(offering, item):
    return AssignmentSubmission.objects.filter(course_offering_id=offering.pk, content_item_id=item.pk).filter(
        Q(status=AssignmentStatus.SUBMITTED) | Q(is_missing=True)
    )


@login_required
def grading_start(request, offering_id: int, item_id: int):
    """The queue's summary and bulk actions; "Start grading" opens the first submission."""
    offering = access.get_graded_offering(user=request.user, offering_id=offering_id)
    item = access.get_graded_item(offering=offering, item_id=item_id, type_name="assignment")
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "post":
                messages.success(
                    request,
                    POSTED.format(
                        count=assignments.post_assignment_grades(actor=request.user, offering=offering, item=item)
                    ),
                )
            elif action == "missing":
                count = assignments.apply_missing_scores(actor=request.user, offering=offering, item=item)
                messages.success(request, gettext(MISSING_APPLIED).format(count=count))
            else:
                messages.error(request, gettext(BAD_ACTION))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect(request.path)
    counts = _queue(offering, item).aggregate(  # one query, however long the queue
        first=Min("id"),
        total=Count("id"),
        graded=Count("id", filter=Q(score__isnull=False)),
        unposted=Count("id", filter=Q(score__isnull=False, posted_at__isnull=True)),
    )
    first = counts.pop("first")
    return render(
        request,
        "learning/assessments/assignment_grading_start.html",
        {
            "offering": offering,
            "item": item,
            "first": first,
            "counts": counts,
            "config": assignments.assignment_settings(item),
        },
    )


@login_required
def grade_submission(request, offering_id: int, assignment_submission_id: int):
    offering = access.get_graded_offering(user=request.user, offering_id=offering_id)
    submission = (
        AssignmentSubmission.objects.select_related("user", "content_item", "course_offering")
        .filter(pk=assignment_submission_id, course_offering_id=offering.pk)
        .first()
    )
    if submission is None:
        raise Http404("No such submission.")
    item = submission.content_item
    config = assignments.assignment_settings(item)
    initial = {"feedback": submission.feedback}
    if submission.raw_score is not None and not config.rubric:
        initial["score"] = submission.raw_score
    for index, level in enumerate(((submission.rubric_json or {}).get("levels") or [])[: len(config.rubric)]):
        initial[f"criterion_{index}"] = level
    form = GradeForm(initial=initial, config=config)
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "grade":
            form = GradeForm(request.POST, request.FILES, config=config)
            if form.is_valid():
                try:
                    assignments.grade_assignment(actor=request.user, submission=submission, **form.grade_kwargs())
                except ValidationError as error:
                    form.add_error(None, error)
                else:
                    messages.success(request, gettext(GRADED))
                    following = (
                        _queue(offering, item)
                        .filter(id__gt=submission.pk)
                        .order_by("id")
                        .values_list("id", flat=True)
                        .first()
                    )
                    if following is not None and request.POST.get("then") == "next":
                        return redirect(
                            "assignments:grade", offering_id=offering_id, assignment_submission_id=following
                        )
                    return redirect(request.path)
        elif action in ("exempt", "unexempt"):
            try:
                assignments.set_late_exemption(actor=request.user, submission=submission, exempt=action == "exempt")
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, gettext(EXEMPTION_SET))
            return redirect(request.path)
        else:
            messages.error(request, gettext(BAD_ACTION))
            status = 400
        if form.errors:
            status = 400
    elif request.method != "GET":
        return HttpResponseNotAllowed(["GET", "POST"])
    around = _queue(offering, item).aggregate(  # the pager in one query, however long the queue
        previous=Max("id", filter=Q(id__lt=submission.pk)),
        following=Min("id", filter=Q(id__gt=submission.pk)),
        position=Count("id", filter=Q(id__lte=submission.pk)),
        total=Count("id"),
    )
    anonymous = config.anonymous_grading and submission.posted_at is None
    times = assignments.student_deadlines(settings_=config, offering=offering, item=item, student_id=submission.user_id)
    context = {
        "offering": offering,
        "item": item,
        "config": config,
        "submission": submission,
        "student_label": f"Student {submission.pk}" if anonymous else submission.user.full_name,
        "anonymous": anonymous,
        "form": form,
        "previous": around["previous"],
        "next": around["following"],
        "position": around["position"],
        "total": around["total"],
        "times": times,
        "files": list(
            SubmissionFile.objects.filter(assignment_submission=submission).defer("data").order_by("role", "path")
        ),
        "trail": list(grade_changes_for(submission)),
    }
    return render(request, "learning/assessments/assignment_grade.html", context, status=status)
