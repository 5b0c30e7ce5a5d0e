"""The catalog's filters: every one lives in the URL (GET), so a result page can be bookmarked."""

from __future__ import annotations

import re

import django_filters
from django import forms
from django.conf.locale import LANG_INFO
from django.contrib.postgres.search import SearchQuery
from django.db import connection
from django.db.models import Exists, F, Lookup, OuterRef, Q, Value
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from catalog.models import (
    Course,
    CourseDifficulty,
    CourseLevel,
    CourseOffering,
    CourseSubject,
    Department,
    Domain,
    Subject,
    University,
)
from catalog.permissions import courses_visible_to, has_no_offering_q, listed_offerings_q

SORT_CHOICES = [
    ("relevance", _("Relevance")),
    ("title", _("Title")),
    ("start", _("Start date")),
    ("rating", _("Rating")),
]
# ONE row per language of the published courses: the first course of each (by id), found by a loose index
# scan of ix_courses_published_language (one index probe per language, not a pass over every course).
FIRST_COURSE_PER_LANGUAGE_SQL = """
WITH RECURSIVE languages(code) AS (
    (SELECT language_code FROM courses WHERE is_published ORDER BY language_code LIMIT 1)
  UNION ALL
    SELECT (SELECT c.language_code FROM courses c
            WHERE c.is_published AND c.language_code > l.code ORDER BY c.language_code LIMIT 1)
    FROM languages l WHERE l.code IS NOT NULL
)
SELECT (SELECT c.id FROM courses c WHERE c.is_published AND c.language_code = languages.code ORDER BY c.id LIMIT 1)
FROM languages WHERE code IS NOT NULL
"""


def language_label(code: str) -> str:
    """"fr" → "French" (Django's language names, in the active language: "Französisch"); an unknown code is
    shown as itself."""
    info = LANG_INFO.get(code.lower()) or {}
    return gettext(info["name"]) if info.get("name") else code.upper()


def language_choices(user) -> list[tuple[str, str]]:
    """The languages of the courses ``user`` may see in the catalog, by name. ONE query: a language per
    published language (see FIRST_COURSE_PER_LANGUAGE_SQL) that has at least one course visible to the
    user, so the list never names a language only another tenant's private courses are taught in."""
    visible_in_language = courses_visible_to(user).filter(language_code=OuterRef("language_code")).order_by()
    codes = (
        Course.objects.filter(pk__in=RawSQL(FIRST_COURSE_PER_LANGUAGE_SQL, ()))  # noqa: S611 - constant SQL
        .filter(Exists(visible_in_language))
        .order_by()
        .values_list("language_code", flat=True)
    )
    return sorted(((code, language_label(code)) for code in codes), key=lambda choice: choice[1])

# Past this many courses listed under the chosen subjects, the subject filter stops passing their ids.
SUBJECT_IDS_LIMIT = 2000
# ONE query: the chosen subjects (a subject and its descendants, or a domain's subjects) and up to
# SUBJECT_IDS_LIMIT + 1 of the courses listed under them (course_subjects).
# (The subject ids go through an array so course_subjects is read by index: a recursive CTE is guessed at
# 400 rows and read with a full scan.)
SUBTREE_SQL = """
WITH RECURSIVE subtree(id) AS (
    SELECT id FROM subjects WHERE id = %s
    UNION ALL
    SELECT s.id FROM subjects s JOIN subtree t ON s.parent_subject_id = t.id
), chosen AS (SELECT ARRAY(SELECT id FROM subtree) AS ids)
SELECT ids, ARRAY(SELECT course_id FROM course_subjects WHERE subject_id = ANY(ids) LIMIT %s) FROM chosen
"""
DOMAIN_SQL = """
WITH chosen AS (SELECT ARRAY(SELECT id FROM subjects WHERE domain_id = %s) AS ids)
SELECT ids, ARRAY(SELECT course_id FROM course_subjects WHERE subject_id = ANY(ids) LIMIT %s) FROM chosen
"""


# websearch syntax (a quoted phrase, "or", a leading "-"): the query is then taken whole, not term by term.
_WEBSEARCH_SYNTAX = re.compile(r'"|(?:^|\s)-|(?:^|\s)or(?:\s|$)', re.IGNORECASE)
MAX_SEARCH_TERMS = 12


def _either_config(text: str) -> SearchQuery:
    return SearchQuery(text, search_type="websearch", config="english") | SearchQuery(
        text, search_type="websearch", config="simple"
    )


def search_query(value: str) -> SearchQuery:
    """The catalog's tsquery for ``value``, matching ``courses.search_vector``.

    Title and description are indexed with the ``english`` configuration (stemmed, stop words dropped)
    but the code with ``simple`` (codes are not English: "WRITING" must not become "write", "THE-101"
    must keep "the"). So every term matches in either configuration: a plain query becomes
    ``(english(t1) | simple(t1)) & (english(t2) | simple(t2)) …``, which lets "writing essays" find the
    course coded WRITING titled "Essays"; a query using websearch syntax (quotes, ``or``, ``-``) or with
    very many terms is taken whole, ``english(q) | simple(q)``. An English stop word becomes an empty
    tsquery in ``english``, which PostgreSQL drops from the ``&``, so the ``simple`` side still counts.
    """
    terms = value.split()
    if not terms or len(terms) > MAX_SEARCH_TERMS or _WEBSEARCH_SYNTAX.search(value):
        return _either_config(value)
    query = _either_config(terms[0])
    for term in terms[1:]:
        query &= _either_config(term)
    return query


class _EqualsAny(Lookup):
    """``lhs = ANY(%s::bigint[])``: a long id list as ONE array parameter (an ``IN`` with 2,000 placeholders
    costs milliseconds to bind and parse)."""

    lookup_name = "equals_any"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        ids = self.rhs.value if isinstance(self.rhs, Value) else self.rhs
        return f"{lhs} = ANY(%s::bigint[])", [*lhs_params, list(ids)]


def subject_courses_q(sql: str, params: list) -> Q:
    """Courses whose primary subject or one of whose listed subjects is among the subjects ``sql``
    selects (one query, see SUBTREE_SQL).

    Two shapes, chosen by the number of listed courses, because PostgreSQL cannot estimate the size of
    a subject set inside the query (it guessed 200 rows for a 20,000-course domain): a narrow subject
    passes its course ids as literals, so PostgreSQL fetches those few courses by index (BitmapOr on the
    primary key and ``ix_courses_primary_subject_id``) instead of scanning the catalog for them; a broad
    one stays an uncorrelated ``IN`` under an ``OR``, run once as a hashed set, so the page walks the sort
    index and each course costs a hash lookup.
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, SUBJECT_IDS_LIMIT + 1])
        subject_ids, course_ids = cursor.fetchone()
    if len(course_ids) <= SUBJECT_IDS_LIMIT:
        return Q(primary_subject_id__in=subject_ids) | Q(_EqualsAny(F("pk"), sorted(set(course_ids))))
    listed = CourseSubject.objects.filter(subject_id__in=subject_ids).values("course_id")
    return Q(primary_subject_id__in=subject_ids) | Q(pk__in=listed)


class CourseFilter(django_filters.FilterSet):
    """Consumed by :func:`catalog.browse.search_courses` (which also applies ``sort`` and pagination).

    A filter with a ``method`` or a ``field_name`` that is not a model field gets its label from that
    name, which django-filter shows as "[invalid name]": every such filter names its ``label``.
    """

    q = django_filters.CharFilter(method="filter_q", label=_("Search"), max_length=200)
    university = django_filters.ModelChoiceFilter(
        queryset=University.objects.filter(is_active=True).only("short_code", "name"),
        to_field_name="short_code", label=_("University"), empty_label=_("Any university"),
    )
    department = django_filters.ModelChoiceFilter(
        queryset=Department.objects.all(), label=_("Department"), empty_label=_("Any department"),
    )
    domain = django_filters.ModelChoiceFilter(
        queryset=Domain.objects.only("code", "name"), to_field_name="code", method="filter_domain",
        label=_("Domain"), empty_label=_("Any domain"),
    )
    subject = django_filters.ModelChoiceFilter(
        queryset=Subject.objects.only("code", "name", "depth").order_by("code"), to_field_name="code",
        method="filter_subject", label=_("Subject"), empty_label=_("Any subject"),
    )
    level = django_filters.ChoiceFilter(choices=CourseLevel.choices, label=_("Level"), empty_label=_("Any level"))
    difficulty = django_filters.ChoiceFilter(
        choices=CourseDifficulty.choices, label=_("Difficulty"), empty_label=_("Any difficulty")
    )
    # Choices are the languages of the courses the user may see (set per request in __init__).
    language = django_filters.ChoiceFilter(
        field_name="language_code", choices=[], label=_("Language"), empty_label=_("Any language")
    )
    open = django_filters.BooleanFilter(
        method="filter_open", label=_("Open for enrollment now"), widget=forms.CheckboxInput
    )
    coming_soon = django_filters.BooleanFilter(
        method="filter_coming_soon", label=_("Coming soon"), widget=forms.CheckboxInput
    )
    sort = django_filters.ChoiceFilter(choices=SORT_CHOICES, method="filter_noop", label=_("Sort by"), empty_label=None)

    class Meta:
        model = Course
        fields: list[str] = []

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        languages = language_choices(user)
        self.filters["language"].extra["choices"] = languages
        self.form.fields["language"].choices = languages
        university = (self.data or {}).get("university")
        if university and isinstance(university, str):
            # Departments only of the chosen university: a short list, and never a cross-tenant mix.
            self.filters["department"].queryset = Department.objects.filter(university__short_code=university)
            self.form.fields["department"].queryset = self.filters["department"].queryset

    def filter_noop(self, queryset, name, value):
        return queryset

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(search_vector=search_query(value))

    def filter_domain(self, queryset, name, value):
        return queryset.filter(subject_courses_q(DOMAIN_SQL, [value.pk]))

    def filter_subject(self, queryset, name, value):
        return queryset.filter(subject_courses_q(SUBTREE_SQL, [value.pk]))

    def filter_open(self, queryset, name, value):
        if not value:
            return queryset
        now = timezone.now()
        open_now = CourseOffering.objects.filter(
            listed_offerings_q(self.user),
            Q(enrollment_start__isnull=True) | Q(enrollment_start__lte=now),
            Q(enrollment_end__isnull=True) | Q(enrollment_end__gt=now),
            Q(ends_at__isnull=True) | Q(ends_at__gt=now),
            course_id=OuterRef("pk"),
        )
        return queryset.filter(Exists(open_now))

    def filter_coming_soon(self, queryset, name, value):
        """Flagged "coming soon" by the university, or published with no offering yet (one index probe per
        course that is not flagged)."""
        return queryset.filter(Q(is_coming_soon=True) | has_no_offering_q()) if value else queryset
