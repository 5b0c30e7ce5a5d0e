"""Reads of the course player: who may enter an offering's player, and the one query of a page.

Access (:func:`get_offering_for_player`): an ``active`` or ``completed`` enrollment enters; any other
enrollment state, or none, goes back to the course page with the reason (the views); a user with
neither an enrollment nor a role at the offering's university gets 404 (a stranger learns nothing by
probing ids).

The reads are plain SQL through ``connection.cursor`` on purpose: the page is the hottest in the LMS
and compiling the equivalent ORM querysets cost more than running them (issue 8's profile).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import quote

from django.db import connection
from django.http import Http404

from catalog.models import Course, CourseOffering, University
from learning.progress.services import USABLE_ENROLLMENT
from lms.db import prepared_cursor
from syllabus.models import ContentItem


@dataclass
class PlayerAccess:
    offering: CourseOffering
    enrollment_status: str | None
    allowed: bool
    course_url: str


def course_page_url(offering: CourseOffering) -> str:
    # The catalog's course page (issue 6): /courses/<university short code>/<course code>/.
    return f"/courses/{quote(offering.university.short_code)}/{quote(offering.course.code)}/"


# The offering with its course and university, the user's enrollment status and whether the user has a
# role at the university: the progress endpoints' access check; the page query starts with the same
# columns.
_ACCESS_SQL = """
SELECT o.id, o.course_id, o.university_id, o.term_name, o.starts_at,
       c.code, c.title, c.structure_version, u.short_code,
       (SELECT e.status FROM course_enrollments e
        WHERE e.course_offering_id = o.id AND e.user_id = %(user)s) AS enrollment_status,
       EXISTS (SELECT 1 FROM user_university_roles r
               WHERE r.user_id = %(user)s AND r.university_id = o.university_id) AS member
FROM course_offerings o
JOIN courses c ON c.id = o.course_id
JOIN universities u ON u.id = o.university_id
WHERE o.id = %(offering)s
"""

# Everything a page shows that changes per student or per item, in one round trip and one row (one
# statement rather than several: on this page the round trips and the planning of each statement were a
# visible share of the time):
# - the access columns of ``_ACCESS_SQL``;
# - the item asked for or, for resume (item NULL), the one the student touched last; NULL when inactive
#   or of another course. Python then checks it is in the published tree;
# - the ids of the student's completed modules and [module id, whole percent] of the started ones (the
#   outline overlay and the course percent), as arrays: decoding 2,000 integers of an array costs a
#   fraction of decoding 2,000 rows;
# - [item id, percent, completed 0/1] of the items of the item's module ("In this module", the item's
#   own state);
# - [item id, level] of the student's quiz mastery in the offering, started levels only (the mastery badges
#   of the outline and of "In this module"; ``ux_quiz_mastery_unique`` serves it).
# Progress is read on every request: nothing per student is cached.
_PAGE_SQL = """
SELECT o.id, o.course_id, o.university_id, o.term_name, o.starts_at,
       c.code, c.title, c.structure_version, u.short_code,
       (SELECT e.status FROM course_enrollments e
        WHERE e.course_offering_id = o.id AND e.user_id = %(user)s) AS enrollment_status,
       EXISTS (SELECT 1 FROM user_university_roles r
               WHERE r.user_id = %(user)s AND r.university_id = o.university_id) AS member,
       ci.id, ci.module_id, ci.title, ci.description, ci.data_json, ci.university_id,
       ARRAY(SELECT m.module_id FROM user_module_progress m
             WHERE m.user_id = %(user)s AND m.course_offering_id = o.id AND m.completed_at IS NOT NULL),
       ARRAY(SELECT ARRAY[m.module_id, LEAST(floor(m.progress_percent)::int, 99)] FROM user_module_progress m
             WHERE m.user_id = %(user)s AND m.course_offering_id = o.id AND m.completed_at IS NULL
               AND m.progress_percent > 0),
       ARRAY(SELECT ARRAY[p.content_item_id, p.progress_percent, (p.completed_at IS NOT NULL)::int]
             FROM user_content_progress p JOIN content_items s ON s.id = p.content_item_id
             WHERE p.user_id = %(user)s AND p.course_offering_id = o.id AND s.module_id = ci.module_id),
       ARRAY(SELECT ARRAY[q.content_item_id::text, q.level] FROM quiz_mastery q
             WHERE q.user_id = %(user)s AND q.course_offering_id = o.id AND q.level <> 'not_started')
FROM course_offerings o
JOIN courses c ON c.id = o.course_id
JOIN universities u ON u.id = o.university_id
LEFT JOIN content_items ci ON ci.course_id = o.course_id AND ci.is_active AND ci.id = COALESCE(%(item)s, (
    SELECT p.content_item_id FROM user_content_progress p
    WHERE p.user_id = %(user)s AND p.course_offering_id = %(offering)s
    ORDER BY p.last_interacted_at DESC NULLS LAST, p.id DESC LIMIT 1))
WHERE o.id = %(offering)s
"""


def _partial_instance(model, **values):
    """A model instance holding ``values`` with every other field deferred (``Model.from_db`` wants the
    values in the model's field order), so a read of another field loads it instead of a wrong default."""
    ordered = [values[f.attname] for f in model._meta.concrete_fields if f.attname in values]
    return model.from_db(connection.alias, list(values), ordered)


def _access_from_row(row) -> PlayerAccess:
    """The access part of a row of ``_ACCESS_SQL`` (or of the page query, which starts with it);
    Http404 for a stranger."""
    oid, course_id, university_id, term_name, starts_at, code, title, version, short_code, status, member = row[:11]
    if oid is None or (status is None and not member):
        raise Http404("No such course offering.")
    offering = _partial_instance(
        CourseOffering,
        id=oid,
        course_id=course_id,
        university_id=university_id,
        term_name=term_name,
        starts_at=starts_at,
    )
    offering.course = _partial_instance(Course, id=course_id, code=code, title=title, structure_version=version)
    offering.university = _partial_instance(University, id=university_id, short_code=short_code)
    return PlayerAccess(
        offering=offering,
        enrollment_status=status,
        allowed=status in USABLE_ENROLLMENT,
        course_url=course_page_url(offering),
    )


def get_offering_for_player(*, user, offering_id: int) -> PlayerAccess:
    """One query: the offering with its course and university, the user's enrollment status and
    whether the user has a role at the university. Raises Http404 for strangers."""
    with connection.cursor() as cursor:
        cursor.execute(_ACCESS_SQL, {"user": user.pk, "offering": offering_id})
        row = cursor.fetchone()
    if row is None:
        raise Http404("No such course offering.")
    return _access_from_row(row)


@dataclass
class PlayerPage:
    access: PlayerAccess
    item: ContentItem | None  # the target item; not yet checked against the published tree
    completed_modules: list[int]
    module_percent: dict[int, int]  # started, not completed modules -> whole percent
    items: dict[int, tuple[Decimal, bool]]  # items of the target's module -> (percent, complete)
    mastery: dict[int, str]  # quiz item -> mastery level (started levels only)

    def module_state(self, module_id: int | None) -> tuple[int, bool]:
        if module_id in self.completed_modules:
            return 100, True
        return self.module_percent.get(module_id, 0), False


def load_player_page(*, user, offering_id: int, item_id: int | None) -> PlayerPage:
    """The page query (see ``_PAGE_SQL``). ``item_id`` None: the item the student touched last.
    Raises Http404 for strangers, like :func:`get_offering_for_player`."""
    with prepared_cursor() as cursor:
        cursor.execute(_PAGE_SQL, {"user": user.pk, "offering": offering_id, "item": item_id})
        row = cursor.fetchone()
    if row is None:
        raise Http404("No such course offering.")
    access = _access_from_row(row)
    pk, module_id, title, description, data, university_id, done_ids, started, own, mastery = row[11:]
    item = None
    if pk is not None:
        item = _partial_instance(
            ContentItem,
            id=pk,
            title=title,
            description=description,
            # Django reads jsonb as text and decodes it in JSONField.from_db_value; so do we.
            data_json=json.loads(data) if isinstance(data, str) else data,
            university_id=university_id,
            course_id=access.offering.course_id,
            module_id=module_id,
        )
    return PlayerPage(
        access=access,
        item=item,
        completed_modules=done_ids,
        module_percent=dict(started),
        items={int(iid): (pct, bool(done)) for iid, pct, done in own},
        mastery={int(iid): level for iid, level in mastery},
    )
