"""The instructor gradebook's pages: the grid, its CSV exports, the item-score override page, the CSV import
of one item's scores (check, then import).

Access: ``grid.get_gradebook_offering`` (the offering's teachers and the admins in scope; 404 for anyone else,
another tenant's offering and a missing id alike). Writes need ``permissions.can_override_grades`` (TAs see the
gradebook but get 403 on the write pages). A foreign or unknown student or item id is a 404; refusals of the
services come back as form errors with status 400, never a 500.
"""

from __future__ import annotations

import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods, require_POST

from accounts.imports import RowError
from accounts.models import User
from learning.assessments.audit import grade_changes_for
from learning.gradebook import grid, imports, overrides
from learning.gradebook.grid_forms import ClearOverrideForm, GridForm, ImportForm, OverrideForm
from learning.gradebook.models_overrides import ItemScoreOverride
from learning.gradebook.permissions import can_override_grades
from learning.gradebook.scores import offering_policy, offering_scores

OVERRIDE_SAVED = "The score of {student} on {item} is now {value}."
OVERRIDE_CLEARED = "The override is removed: {item}'s own grading counts again for {student}."
IMPORTED = "{count} score(s) of {item} changed."
NOTHING_TO_IMPORT = "The file changes no score: nothing to import."
IMPORT_EXPIRED = "This check has expired or was already imported; choose the file again."
BAD_PARAMETERS = "Some parameters of this page were not understood: the defaults are shown."
SESSION_KEY = "gradebook-import"


def _offering(request, offering_id: int):
    return grid.get_gradebook_offering(request.user, offering_id)


def _writer_offering(request, offering_id: int):
    offering = _offering(request, offering_id)
    if not can_override_grades(request.user, offering):
        raise PermissionDenied(overrides.NOT_ALLOWED)
    return offering


# --- the grid -----------------------------------------------------------------------------------------------

_MARKS = (
    ("late", "L", "late"),
    ("missing", "M", "missing"),
    ("excused", "EX", "excused"),
    ("overridden", "O", "overridden"),
)


_FINAL_OVERRIDDEN = (
    '<span class="gb-mark" title="overridden"><span aria-hidden="true">O</span>'
    '<span class="visually-hidden">overridden</span></span>'
)


def _number(value) -> str:
    return "" if value is None else f"{value:.2f}".rstrip("0").rstrip(".")


def _percent(value) -> str:
    return "–" if value is None else f"{value:.2f} %"


def _cells(page: grid.GridPage, row: grid.Row) -> str:
    """The row's item cells as HTML, built here rather than in the template: 5,000 cells a page."""
    parts = []
    student_id = row.student.id
    for item, cell in zip(page.items, row.scores, strict=True):
        marks = [(key, short, word) for key, short, word in _MARKS if getattr(cell, key, False)]
        classes = "".join(f" gb-{key}" for key, _, _ in marks)
        text = "EX" if cell.excused else ("–" if cell.earned is None else _number(cell.earned))
        if cell.source_id is not None and not cell.excused:
            value = f'<a href="{page.item_links[item.id].format(cell.source_id)}">{text}</a>'
        else:
            value = f"<span>{text}</span>" if text != "EX" else ""
        flags = "".join(
            f'<span class="gb-mark" title="{word}"><span aria-hidden="true">{short}</span>'
            f'<span class="visually-hidden">{word}</span></span>'
            for key, short, word in marks
        )
        parts.append(
            f'<td class="gb-cell{classes}">{value}{flags}'
            f'<a class="gb-o" href="o/{student_id}/{item.id}/" aria-label="Override">&#9998;</a></td>'
        )
    return mark_safe("".join(parts))  # noqa: S308 - numbers, ids and fixed words only


def _final(row: grid.Row, course_grade_link: str | None) -> str:
    """The final grade, linked to the course-grade override page for those who may override it."""
    if course_grade_link is None:
        return _percent(row.final)
    return f'<a href="{course_grade_link.format(row.student.id)}">{_percent(row.final)}</a>'


def _row_html(page: grid.GridPage, row: grid.Row, course_grade_link: str | None = None) -> str:
    categories = "".join(
        f'<td class="gb-sub">{_percent(current)}<br><small>final {_percent(final)}</small></td>'
        for current, final in row.categories
    )
    passed = "–" if row.passed is None else ("pass" if row.passed else "fail")
    return mark_safe(  # noqa: S308 - the name and e-mail are escaped; the rest is numbers and fixed words
        f'<tr><th scope="row" class="gb-student">{escape(row.student.full_name)}'
        f'<br><small>{escape(row.student.email)}</small></th>'
        f"<td>{escape(row.student.status)}</td>{_cells(page, row)}{categories}"
        f'<td class="gb-grade">{_percent(row.current)}</td><td class="gb-grade{" gb-overridden" if row.final_overridden else ""}">'
        f"{_final(row, course_grade_link)}{_FINAL_OVERRIDDEN if row.final_overridden else ''}</td>"
        f'<td>{escape(row.letter or "–")}</td><td>{passed}</td></tr>'
    )


def _sort_link(request_params: grid.GridRequest, key: str) -> tuple[str, str | None]:
    """The URL query of a column's sort link, and its ``aria-sort`` value when it is the current sort."""
    current = request_params.sort == key
    descending = not request_params.descending if current else key in ("current", "final") or key.startswith(
        ("cat-", "item-")
    )
    query = f"?sort={key}&dir={'desc' if descending else 'asc'}"
    if request_params.status:
        query += f"&status={request_params.status}"
    aria = None
    if current:
        aria = "descending" if request_params.descending else "ascending"
    return query, aria


@login_required
def gradebook(request, offering_id: int):
    offering = _offering(request, offering_id)
    form = GridForm(request.GET or None)
    params = {}
    if request.GET and form.is_valid():
        params = form.cleaned_data
    elif request.GET:
        messages.warning(request, BAD_PARAMETERS)
        params = {name: form.cleaned_data.get(name) for name in form.fields if name not in form.errors}
    query = grid.GridRequest(
        status=params.get("status") or "",
        sort=params.get("sort") or "name",
        descending=params.get("dir") == "desc",
        page=params.get("page") or 1,
    )
    page = grid.gradebook_page(offering, request=query)
    can_override = can_override_grades(request.user, offering)
    course_grade_link = None
    if can_override:
        course_grade_link = grid.link_pattern("grading:override", "student_id", offering_id=offering.pk)
    columns = [("name", "Student"), ("status", "Status")]
    headers = {key: _sort_link(page.request, key) for key in ("name", "email", "status", "current", "final")}
    item_headers = [(item, *_sort_link(page.request, f"item-{item.id}")) for item in page.items]
    category_headers = [(column, *_sort_link(page.request, f"cat-{column.key}")) for column in page.categories]
    pager = f"&sort={page.request.sort}&dir={'desc' if page.request.descending else 'asc'}"
    if page.request.status:
        pager += f"&status={page.request.status}"
    return render(
        request,
        "learning/gradebook/grid.html",
        {
            "offering": offering,
            "page": page,
            "rows": [_row_html(page, row, course_grade_link) for row in page.rows],
            "columns": columns,
            "headers": headers,
            "item_headers": item_headers,
            "category_headers": category_headers,
            "pager": pager,
            "filter_form": GridForm(initial={"status": page.request.status}),
            "status_choices": grid.STATUS_CHOICES,
            "can_override": can_override,
        },
    )


def _csv_response(stream, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(stream, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def export_grid(request, offering_id: int):
    offering = _offering(request, offering_id)
    return _csv_response(grid.stream_gradebook_csv(offering), f"gradebook-{offering.pk}.csv")


@login_required
def export_scores(request, offering_id: int):
    offering = _offering(request, offering_id)
    return _csv_response(grid.stream_scores_csv(offering), f"scores-{offering.pk}.csv")


# --- overrides ----------------------------------------------------------------------------------------------


def _student_and_item(offering, student_id: int, item_id: int):
    """The learner and graded item of this offering, or 404 (another tenant's ids look like unknown ones)."""
    book = offering_scores(offering, user_ids=[student_id])
    student = next((s for s in book.students if s.id == student_id), None)
    item = next((i for i in book.items if i.id == item_id), None)
    if student is None or item is None:
        raise Http404("No such student or item in this gradebook.")
    return book, student, item


@login_required
@require_http_methods(["GET", "POST"])
def override(request, offering_id: int, student_id: int, item_id: int):
    offering = _offering(request, offering_id)
    book, student, item = _student_and_item(offering, student_id, item_id)
    can_write = can_override_grades(request.user, offering)
    row = ItemScoreOverride.objects.filter(
        course_offering_id=offering.pk, student_id=student.id, content_item_id=item.id
    ).first()
    form = OverrideForm(initial={"score": None if row is None else row.score, "excused": bool(row and row.excused)})
    clear_form = ClearOverrideForm()
    status = 200
    if request.method == "POST":
        if not can_write:
            raise PermissionDenied(overrides.NOT_ALLOWED)
        user = User(pk=student.id)
        clearing = request.POST.get("action") == "clear"
        bound = ClearOverrideForm(request.POST) if clearing else OverrideForm(request.POST)
        if bound.is_valid():
            data = bound.cleaned_data
            try:
                if clearing:
                    overrides.clear_item_override(actor=request.user, offering=offering, student=user,
                                                  item=item, reason=data["reason"])  # fmt: skip
                    messages.success(request, OVERRIDE_CLEARED.format(item=item.title, student=student.full_name))
                else:
                    saved = overrides.override_item_score(
                        actor=request.user, offering=offering, student=user, item=item,
                        score=data["score"], excused=data["excused"], reason=data["reason"],
                    )  # fmt: skip
                    value = "excused" if saved.excused else f"{saved.score} / {item.points_possible:g}"
                    messages.success(request, OVERRIDE_SAVED.format(student=student.full_name, item=item.title,
                                                                    value=value))  # fmt: skip
                return redirect(reverse("gradebook:override", args=[offering.pk, student.id, item.id]))
            except ValidationError as error:
                bound.add_error(None, error.messages)
        status = 400
        if clearing:
            clear_form = bound
        else:
            form = bound
    history = grade_changes_for(row) if row is not None else []
    return render(
        request,
        "learning/gradebook/override.html",
        {
            "offering": offering,
            "student": student,
            "item": item,
            "cell": book.scores[(student.id, item.id)],
            "source_url": grid.item_links(offering, [item])[item.id],
            "override": row,
            "history": history,
            "form": form,
            "clear_form": clear_form,
            "can_write": can_write,
        },
        status=status,
    )


# --- CSV import ---------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def import_scores(request, offering_id: int):
    offering = _writer_offering(request, offering_id)
    policy = offering_policy(offering)
    items = {item.id: item for item in policy.items}
    form = ImportForm(request.POST or None, request.FILES or None, items=policy.items)
    context = {"offering": offering, "form": form, "errors": [], "check": None}
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "learning/gradebook/import.html", context, status=400)
        item = items[form.cleaned_data["item"]]
        data = form.cleaned_data["file"].read()  # at most MAX_BYTES: the form refuses a larger file unread
        check = imports.check_item_scores(actor=request.user, offering=offering, item=item, data=data)
        context.update(check=check, item=item, errors=check.errors)
        try:
            overrides.check_reason(form.cleaned_data["reason"])
        except ValidationError as error:
            form.add_error("reason", error.messages)
            return render(request, "learning/gradebook/import.html", context, status=400)
        if check.errors:
            return render(request, "learning/gradebook/import.html", context, status=400)
        token = secrets.token_urlsafe(16)
        request.session[SESSION_KEY] = {
            "token": token,
            "offering": offering.pk,
            "item": item.id,
            "reason": form.cleaned_data["reason"],
            "values": imports.encode_values(check.values),
        }
        context["token"] = token
    return render(request, "learning/gradebook/import.html", context)


@login_required
@require_POST
def import_confirm(request, offering_id: int):
    offering = _writer_offering(request, offering_id)
    stored = request.session.get(SESSION_KEY)
    if not stored or stored.get("token") != request.POST.get("token") or stored.get("offering") != offering.pk:
        messages.error(request, IMPORT_EXPIRED)
        return redirect("gradebook:import", offering_id=offering.pk)
    policy = offering_policy(offering)
    item = next((i for i in policy.items if i.id == stored["item"]), None)
    if item is None:
        messages.error(request, IMPORT_EXPIRED)
        return redirect("gradebook:import", offering_id=offering.pk)
    values = imports.decode_values(stored["values"])
    if not values:
        messages.info(request, NOTHING_TO_IMPORT)
        del request.session[SESSION_KEY]
        return redirect("gradebook:grid", offering_id=offering.pk)
    try:
        count = imports.import_item_scores(actor=request.user, offering=offering, item=item, values=values,
                                           reason=stored["reason"])  # fmt: skip
    except ValidationError as error:
        form = ImportForm(items=policy.items)
        errors = [RowError(None, None, message) for message in error.messages]
        return render(request, "learning/gradebook/import.html",
                      {"offering": offering, "form": form, "errors": errors, "check": None}, status=400)  # fmt: skip
    del request.session[SESSION_KEY]
    messages.success(request, IMPORTED.format(count=count, item=item.title))
    return redirect("gradebook:grid", offering_id=offering.pk)

