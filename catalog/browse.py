"""Reads for the catalog pages (list, subject and domain browse, course page) and the front page's sample.

The catalog's selectors module, named for what it serves (the catalog has no other). The contract of
a selectors module: pure reads, keyword-only, typed, a fixed number of queries whatever the size of the
catalog (numbers per function below). Every read goes
through the visibility policy of :mod:`catalog.permissions`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlencode

from django.contrib.postgres.search import SearchRank
from django.db import connection
from django.db.models import BooleanField, Exists, ExpressionWrapper, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.lookups import IsNull
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html_join

from accounts.models import User
from catalog.filters import CourseFilter, search_query
from catalog.models import (
    Course,
    CourseOffering,
    CourseOfferingInstructor,
    CourseSubject,
    Domain,
    OfferingStaffRole,
    OfferingVisibility,
    Subject,
)
from catalog.permissions import (
    can_administer_course,
    courses_visible_to,
    invite_only_listed,
    listed_offerings_q,
    managed_offerings_q,
    member_university_ids,
    reachable_offerings_q,
    unlisted_link_token,
)
from lms.db import prepared_cursor

PAGE_SIZE = 20
# Counting every match of a broad query means visiting every visible course (~100 ms on 100,000 courses);
# past this many the page says "1,000+ courses" and counts no further.
COUNT_CAP = 1000
# Deep pages cost an OFFSET walk; past this page the catalog asks for narrower filters (10,000 courses).
MAX_PAGE = 500


@dataclass
class CourseCard:
    course: Course
    next_offering: CourseOffering | None


@dataclass
class CatalogPage:
    """One page of results, paginated without an exact total: ``has_next`` comes from reading one row
    more than the page holds, the total from a count capped at :data:`COUNT_CAP` (exact below it)."""

    number: int
    object_list: list[Course]
    has_next: bool
    total: int
    total_is_capped: bool  # total is a lower bound ("1,000+")
    at_max_page: bool = False  # more results exist than paging reaches: narrow the filters

    @property
    def num_pages(self) -> int | None:
        if self.total_is_capped:
            return None
        return max(1, -(-self.total // PAGE_SIZE))

    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.has_previous() or self.has_next

    def previous_page_number(self) -> int:
        return self.number - 1

    def next_page_number(self) -> int:
        return self.number + 1


@dataclass
class CatalogResult:
    filterset: CourseFilter
    page: CatalogPage
    cards: list[CourseCard]
    sort: str
    query_string: str  # every filter but the page, for pagination links

    @property
    def total(self) -> int:
        return self.page.total

    @property
    def total_is_capped(self) -> bool:
        return self.page.total_is_capped


def _not_ended_q(now: datetime) -> Q:
    return Q(ends_at__isnull=True) | Q(ends_at__gt=now)


def next_offerings(*, user, course_ids: list[int], now: datetime | None = None) -> dict[int, CourseOffering]:
    """ONE query: per course, the listed offering that runs next (earliest start among those not
    ended), else the most recent one."""
    if not course_ids:
        return {}
    now = now or timezone.now()
    rows = (
        CourseOffering.objects.filter(listed_offerings_q(user), course_id__in=course_ids)
        .order_by("course_id", F("ends_at").desc(nulls_first=True), "starts_at")
        .only(
            "id",
            "course_id",
            "term_name",
            "starts_at",
            "ends_at",
            "enrollment_start",
            "enrollment_end",
            "capacity",
            "enrolled_count",
            "waitlist_count",
            "visibility",
            "requires_approval",
        )
    )
    found: dict[int, CourseOffering] = {}
    for offering in rows:
        current = found.get(offering.course_id)
        running = offering.ends_at is None or offering.ends_at > now
        if current is None:
            found[offering.course_id] = offering
            continue
        current_running = current.ends_at is None or current.ends_at > now
        if running and (not current_running or _start_key(offering) < _start_key(current)):
            found[offering.course_id] = offering
    return found


def _start_key(offering: CourseOffering):
    return offering.starts_at or datetime.max.replace(tzinfo=timezone.get_current_timezone())


def search_courses(*, user, data, page_number=1, page_size: int = PAGE_SIZE) -> CatalogResult:
    """The catalog page. Queries: the filter form's choices (universities, domains, subjects, the
    languages of visible courses, and the chosen university's departments), one per chosen model filter
    to validate it, the page (one row
    more than it shows), the capped count (only when there is a next page or the page is past the end),
    and the next offerings of the page's courses (one). A page number past the end shows the last page
    (one more query)."""
    data = data.copy() if hasattr(data, "copy") else dict(data)
    filterset = CourseFilter(data, queryset=courses_visible_to(user), user=user)
    queryset = filterset.qs.select_related("university").defer("search_vector", "description")
    filterset.form.is_valid()  # invalid fields are left out of cleaned_data and shown as errors
    cleaned = getattr(filterset.form, "cleaned_data", {})
    _freeze_choices(filterset, with_departments=bool(cleaned.get("university")))
    q = (cleaned.get("q") or "").strip()
    sort = cleaned.get("sort") or ("relevance" if q else "title")
    if sort == "start":
        # Few matches: sort them by a per-course subquery; many: walk the offerings in start order.
        total = _capped_count(queryset, cap=COUNT_CAP)
        if total <= COUNT_CAP:
            page = paginate(
                _by_next_start_subquery(queryset, user=user),
                page_number=page_number,
                page_size=page_size,
                known_total=total,
            )
        else:
            page = paginate(
                queryset.order_by("title", "pk"),
                page_number=page_number,
                page_size=page_size,
                fetch=_by_next_start(queryset, user=user),
                known_total=total,
            )
    else:
        queryset = _sorted(queryset, sort=sort, q=q)
        page = paginate(queryset, page_number=page_number, page_size=page_size)
    courses = page.object_list
    upcoming = next_offerings(user=user, course_ids=[c.pk for c in courses])
    cards = [CourseCard(course=c, next_offering=upcoming.get(c.pk)) for c in courses]
    params = data.copy() if hasattr(data, "copy") else dict(data)
    params.pop("page", None)
    query_string = params.urlencode() if hasattr(params, "urlencode") else ""
    return CatalogResult(filterset=filterset, page=page, cards=cards, sort=sort, query_string=query_string)


def catalog_sample(*, user, limit: int = 6) -> list[CourseCard]:
    """TWO queries: the first ``limit`` courses of the catalog's default order (title) visible to
    ``user``, with their next offerings: the taste of the catalog on the front page."""
    courses = list(
        courses_visible_to(user)
        .select_related("university")
        .defer("search_vector", "description")
        .order_by("title", "pk")[:limit]
    )
    upcoming = next_offerings(user=user, course_ids=[c.pk for c in courses])
    return [CourseCard(course=c, next_offering=upcoming.get(c.pk)) for c in courses]


def _page_number(value) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return 1
    return min(max(number, 1), MAX_PAGE)


def _capped_count(queryset: QuerySet, *, cap: int) -> int:
    """``min(count, cap + 1)``: COUNT over a ``LIMIT cap + 1`` subquery, so it stops early."""
    return queryset.order_by().values("pk")[: cap + 1].count()


def paginate(
    queryset: QuerySet[Course],
    *,
    page_number,
    page_size: int = PAGE_SIZE,
    fetch: Callable[[int, int], list[Course]] | None = None,
    known_total: int | None = None,
) -> CatalogPage:
    """A :class:`CatalogPage` of ``queryset`` (already ordered; ``fetch(offset, limit)`` reads the rows
    when they come from elsewhere). One read when the page is the last one (its total is then exact
    without counting), plus the capped count otherwise; a page past the end shows the last page, as
    Django's ``Paginator.get_page`` does (an exact count and one more read). ``known_total`` is the
    capped count when the caller has it already."""
    if fetch is None:

        def fetch(offset: int, limit: int) -> list[Course]:
            return list(queryset[offset : offset + limit])

    number = _page_number(page_number)
    offset = (number - 1) * page_size
    rows = fetch(offset, page_size + 1)
    has_next = len(rows) > page_size
    rows = rows[:page_size]
    if not has_next and (rows or number == 1):
        return CatalogPage(
            number=number, object_list=rows, has_next=False, total=offset + len(rows), total_is_capped=False
        )
    if not rows:  # past the end: every match is before ``offset``, so this count is exact
        total = (
            known_total if known_total is not None and known_total <= COUNT_CAP else _capped_count(queryset, cap=offset)
        )
        number = max(1, -(-total // page_size))
        offset = (number - 1) * page_size
        rows = fetch(offset, page_size)
        return CatalogPage(number=number, object_list=rows, has_next=False, total=total, total_is_capped=False)
    total = known_total if known_total is not None else _capped_count(queryset, cap=COUNT_CAP)
    capped = total > COUNT_CAP
    at_max_page = number == MAX_PAGE
    return CatalogPage(
        number=number,
        object_list=rows,
        has_next=has_next and not at_max_page,
        total=COUNT_CAP if capped else total,
        total_is_capped=capped,
        at_max_page=at_max_page and has_next,
    )


NAME_LABELLED = {"university", "domain", "subject"}


def _freeze_choices(filterset: CourseFilter, *, with_departments: bool) -> None:
    """Each select's ``<option>`` list, rendered here once (``options_html``): the model choice lists
    read with one plain query each (no COUNT, no server-side cursor), the chosen value compared once
    rather than per option in the template (300 options cost ~10 ms of template rendering)."""
    names = ["university", "domain", "subject"] + (["department"] if with_departments else [])
    for name, form_field in filterset.form.fields.items():
        if not hasattr(form_field, "choices") or (name == "department" and not with_departments):
            continue
        if name in names:
            key = form_field.to_field_name or "pk"
            if name in NAME_LABELLED:  # their label (``__str__``) is the name: no model instances to build
                rows = list(form_field.queryset.values_list(key, "name"))
            else:
                rows = [(getattr(obj, key), form_field.label_from_instance(obj)) for obj in form_field.queryset]
            choices = [("", form_field.empty_label or ""), *rows]
        else:
            choices = list(form_field.choices)  # static choices: no query
        selected = filterset.form[name].value()
        selected = "" if selected is None else str(selected)
        form_field.options_html = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            ((value, " selected" if str(value) == selected else "", label) for value, label in choices),
        )


def _sorted(queryset: QuerySet[Course], *, sort: str, q: str) -> QuerySet[Course]:
    if sort == "relevance" and q:
        query = search_query(q)
        return queryset.annotate(rank=SearchRank(F("search_vector"), query)).order_by("-rank", "title", "pk")
    if sort == "rating":
        return queryset.order_by(F("rating_avg").desc(nulls_last=True), "-rating_count", "title", "pk")
    return queryset.order_by("title", "pk")


def _by_next_start_subquery(queryset: QuerySet[Course], *, user) -> QuerySet[Course]:
    """The start-date sort (see :func:`_by_next_start`) as a per-course subquery: fine for a few hundred
    courses, ~0.9 s for the whole catalog."""
    now = timezone.now()
    next_start = (
        CourseOffering.objects.filter(listed_offerings_q(user), _not_ended_q(now), course_id=OuterRef("pk"))
        .order_by(F("starts_at").asc(nulls_last=True))
        .values("starts_at")[:1]
    )
    return queryset.annotate(next_start=Subquery(next_start)).order_by(F("next_start").asc(nulls_last=True), "pk")


def _by_next_start(queryset: QuerySet[Course], *, user, now: datetime | None = None):
    """``fetch(offset, limit)`` for the start-date sort: courses by the start of their next offering
    listed to the user (the earliest start among those not ended), courses starting the same moment in
    course order (a whole term often starts the same day: ordering those by title would sort the term);
    courses with no such dated offering come last, by title.

    Sorting courses by a per-course subquery computes it for every course of the catalog (0.9 s on
    100,000). Instead the first part walks the listed, not-ended offerings in start order
    (``ix_course_offerings_starts_at_course_id``, read without touching the table) and keeps each
    course's first one: the course's next start. Each
    offering is tested against the catalog's filters with one probe of the course by primary key. Reads:
    the page's course ids, then their courses; past the dated courses, the undated ones by title (one
    more read, and one count of the dated ones when the page holds none of them).
    """
    now = now or timezone.now()
    listed = listed_offerings_q(user)
    dated = CourseOffering.objects.filter(listed, _not_ended_q(now), starts_at__isnull=False)
    earlier = dated.filter(course_id=OuterRef("course_id")).filter(
        Q(starts_at__lt=OuterRef("starts_at")) | Q(starts_at=OuterRef("starts_at"), pk__lt=OuterRef("pk"))
    )
    matches = queryset.order_by().filter(pk=OuterRef("course_id")).values("pk")[:1]
    firsts = (
        dated.filter(IsNull(Subquery(matches), False))
        .exclude(Exists(earlier))
        .order_by("starts_at", "course_id")
        .values_list("course_id", flat=True)
    )
    undated = queryset.exclude(Exists(dated.filter(course_id=OuterRef("pk")))).order_by("title", "pk")

    def fetch(offset: int, limit: int) -> list[Course]:
        ids = list(firsts[offset : offset + limit])
        courses = queryset.order_by().in_bulk(ids) if ids else {}
        rows = [courses[i] for i in ids if i in courses]
        if len(ids) < limit:
            n_dated = offset + len(ids) if ids else firsts.order_by()[:offset].count()
            rest = max(0, offset - n_dated)
            rows += list(undated[rest : rest + limit - len(ids)])
        return rows

    return fetch


# --- course page -------------------------------------------------------------------------------


@dataclass
class CoursePage:
    """The course page's catalog data. Each offering carries ``can_manage`` (the user may manage it:
    roster link), ``manager_only`` (shown only because they manage it: no Enroll button) and
    ``share_path`` (an unlisted offering's own link, for those who manage it; else ``None``)."""

    course: Course
    offerings: list[CourseOffering]
    subjects: list[CourseSubject] = field(default_factory=list)

    @property
    def coming_soon(self) -> bool:
        """No offering to show: the course has none yet (a course with only hidden ones is a 404)."""
        return not self.offerings


def share_path(offering: CourseOffering) -> str:
    """An unlisted offering's own link: its course page with ``?link=<token>`` (the course page and the
    roster show the same string). ``offering.university`` and ``offering.course`` are read."""
    path = reverse("catalog:course-detail", args=[offering.university.short_code, offering.course.code])
    return f"{path}?{urlencode({'link': unlisted_link_token(offering)}, safe=':')}"


def course_subjects(*, course: Course) -> list[CourseSubject]:
    """ONE query: the course's subjects, the primary one first."""
    return list(
        CourseSubject.objects.filter(course_id=course.pk)
        .select_related("subject")
        .order_by("-is_primary", "subject__name")
    )


# The course page's offerings (fixed text, prepared: read on every course page view): those listed to the
# viewer (public; private of a member university; invite-only ones listed to them, by id, as
# :func:`catalog.permissions.listed_offerings_q` lists them) and those they manage (``administers``: their
# admin scope covers the course; or they teach one as instructor), with ``reachable`` (listed) and their
# staff, ordered as the ORM version orders them. Live seat counts: they are not in the catalog cache.
_OFFERING_FIELDS = (
    "id",
    "course_id",
    "university_id",
    "term_name",
    "starts_at",
    "ends_at",
    "enrollment_start",
    "enrollment_end",
    "visibility",
    "capacity",
    "requires_approval",
    "enrolled_count",
    "waitlist_count",
)
_LISTED_SQL = """(o.visibility = 'public'
     OR (o.visibility = 'private' AND o.university_id = ANY(%(members)s::bigint[]))
     OR (o.visibility = 'invite_only' AND o.id = ANY(%(invited)s::bigint[])))"""
_COURSE_OFFERINGS_SQL = f"""
SELECT {", ".join("o." + name for name in _OFFERING_FIELDS)}, {_LISTED_SQL} AS reachable,
       (SELECT json_agg(json_build_object('id', t.id, 'user', t.user_id, 'role', t.role, 'name', u.full_name)
                        ORDER BY t.role, u.full_name)
        FROM course_offering_instructors t JOIN users u ON u.id = t.user_id
        WHERE t.course_offering_id = o.id) AS staff
FROM course_offerings o
WHERE o.course_id = %(course)s
  AND ({_LISTED_SQL}
       OR %(administers)s::boolean
       OR EXISTS (SELECT 1 FROM course_offering_instructors m
                  WHERE m.course_offering_id = o.id AND m.user_id = %(user)s::bigint AND m.role = 'instructor'))
ORDER BY o.starts_at DESC NULLS LAST, o.id
"""  # noqa: S608 - only constants are formatted in


def _from_row(model, names, values):
    """A model instance holding ``names``' values (in the model's field order, as ``Model.from_db`` wants
    them), every other field deferred: reading one loads it rather than showing a wrong default."""
    return model.from_db(connection.alias, list(names), list(values))


def _course_offerings(*, user, course: Course) -> list[CourseOffering]:
    """ONE prepared query: the offerings of ``course`` listed to ``user`` or managed by them, with
    ``is_reachable`` and their staff (``offering.instructors.all()`` reads no more)."""
    signed_in = bool(
        user is not None and getattr(user, "is_authenticated", False) and getattr(user, "is_active", False)
    )
    params = {
        "course": course.pk,
        "members": sorted(member_university_ids(user)),
        "invited": sorted(invite_only_listed(user)),
        "administers": can_administer_course(user, course),
        "user": user.pk if signed_in else None,
    }
    with prepared_cursor() as cursor:
        cursor.execute(_COURSE_OFFERINGS_SQL, params)
        rows = cursor.fetchall()
    offerings = []
    count = len(_OFFERING_FIELDS)
    for row in rows:
        offering = _from_row(CourseOffering, _OFFERING_FIELDS, row[:count])
        offering.is_reachable = row[count]
        staff = []
        for member in row[count + 1] or []:
            person = _from_row(
                CourseOfferingInstructor,
                ("id", "course_offering_id", "user_id", "role"),
                (member["id"], offering.pk, member["user"], member["role"]),
            )
            person.user = _from_row(User, ("id", "full_name"), (member["user"], member["name"]))
            staff.append(person)
        instructors = CourseOfferingInstructor.objects.all()
        instructors._result_cache, instructors._prefetch_done = staff, True
        offering._prefetched_objects_cache = {"instructors": instructors}
        offerings.append(offering)
    return offerings


def get_course_page(
    *,
    user,
    course: Course,
    link_token: str | None = None,
    invitation_code: str | None = None,
    subjects: list[CourseSubject] | None = None,
) -> CoursePage:
    """The offerings the user may reach or manage, with their staff: ONE prepared query
    (:data:`_COURSE_OFFERINGS_SQL`) for what is listed to them; reached by a link token or an invitation
    code, two (the ORM version, whose rule takes the token and code). Plus the course's subjects (none
    when ``subjects`` are given) and the user's admin scope, cached on the user (the viewer query reads
    it). Prerequisites and the enroll panel are learning's (template tags)."""
    if link_token is None and invitation_code is None:
        offerings = _course_offerings(user=user, course=course)
    else:
        reachable = reachable_offerings_q(user, link_token=link_token, invitation_code=invitation_code)
        offerings = list(
            CourseOffering.objects.filter(reachable | managed_offerings_q(user, course), course_id=course.pk)
            .annotate(is_reachable=ExpressionWrapper(reachable, output_field=BooleanField()))
            .prefetch_related(
                Prefetch(
                    "instructors",
                    queryset=CourseOfferingInstructor.objects.select_related("user").order_by(
                        "role", "user__full_name"
                    ),
                )
            )
            .order_by(F("starts_at").desc(nulls_last=True), "pk")
        )
    administers = can_administer_course(user, course)
    for offering in offerings:
        offering.university = course.university
        offering.course = course
        offering.can_manage = administers or any(
            staff.user_id == user.pk and staff.role == OfferingStaffRole.INSTRUCTOR
            for staff in offering.instructors.all()
        )
        offering.manager_only = not offering.is_reachable
        offering.share_path = (
            share_path(offering) if offering.can_manage and offering.visibility == OfferingVisibility.UNLISTED else None
        )
    if subjects is None:
        subjects = course_subjects(course=course)
    return CoursePage(course=course, offerings=offerings, subjects=subjects)


# --- subject / domain browse ------------------------------------------------------------------


def domains_with_subjects() -> list[Domain]:
    """Two queries: every domain with its subjects (tree order by depth then name)."""
    return list(
        Domain.objects.prefetch_related(
            Prefetch("subjects", queryset=Subject.objects.order_by("depth", "name"))
        ).order_by("name")
    )


def subject_tree(*, domain: Domain) -> list[tuple[Subject, int]]:
    """ONE query: the domain's subjects in pre-order with their level, for an indented list."""
    return order_subject_tree(list(Subject.objects.filter(domain_id=domain.pk).order_by("name")))


def subject_tree_from(domain: Domain) -> list[tuple[Subject, int]]:
    """The same from a domain whose ``subjects`` are prefetched (no query)."""
    return order_subject_tree(sorted(domain.subjects.all(), key=lambda s: s.name))


def order_subject_tree(subjects: list[Subject]) -> list[tuple[Subject, int]]:
    children: dict[int | None, list[Subject]] = {}
    ids = {s.pk for s in subjects}
    for s in subjects:
        parent = s.parent_subject_id if s.parent_subject_id in ids else None
        children.setdefault(parent, []).append(s)
    ordered: list[tuple[Subject, int]] = []
    stack = [(s, 0) for s in reversed(children.get(None, []))]
    while stack:
        subject, level = stack.pop()
        ordered.append((subject, level))
        stack.extend((c, level + 1) for c in reversed(children.get(subject.pk, [])))
    return ordered


def subject_path(*, subject: Subject) -> list[Subject]:
    """ONE query: the subject's ancestors, root first (recursive CTE)."""
    return list(
        Subject.objects.raw(
            """
            WITH RECURSIVE up(id, parent_subject_id, n) AS (
                SELECT id, parent_subject_id, 0 FROM subjects WHERE id = %s
                UNION ALL
                SELECT s.id, s.parent_subject_id, up.n + 1 FROM subjects s JOIN up ON s.id = up.parent_subject_id
            )
            SELECT s.* FROM subjects s JOIN up ON up.id = s.id ORDER BY up.n DESC
            """,
            [subject.pk],
        )
    )
