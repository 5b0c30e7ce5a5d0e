"""Catalog pages: visibility across two universities, filters and search, the course page, query bounds."""

import html
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from catalog.models import CourseLevel, OfferingVisibility, PrerequisiteType
from catalog.permissions import courses_visible_to, get_course_for_user, unlisted_link_token
from catalog.tests.factories import (
    CourseFactory,
    CourseOfferingFactory,
    CourseOfferingInstructorFactory,
    CoursePrerequisiteFactory,
    CourseSubjectFactory,
    SubjectFactory,
)
from learning.models import EnrollmentStatus
from learning.tests.factories import CourseEnrollmentFactory, CourseInvitationFactory
from syllabus.tests.factories import ModuleFactory

pytestmark = pytest.mark.django_db

LIST = "/courses/"


def detail(course):
    return reverse("catalog:course-detail", args=[course.university.short_code, course.code])


def course_with(tenant, visibility, **course_fields):
    now = timezone.now()
    course = CourseFactory(university=tenant.university, **course_fields)
    CourseOfferingFactory(
        course=course, visibility=visibility, enrollment_start=now - timedelta(days=1),
        enrollment_end=now + timedelta(days=5),
    )
    return course


CARD_TITLE = re.compile(r'<a class="stretched-link[^"]*" href="[^"]*">([^<]*)</a>')


def titles(response):
    """The course titles on the cards of the page, as a visitor reads them (a page served from the shared
    cache has no ``result`` in its context)."""
    assert response.status_code == 200
    return {html.unescape(title) for title in CARD_TITLE.findall(response.content.decode())}


# --- visibility --------------------------------------------------------------------------------


def test_anonymous_sees_public_courses_of_both_universities_only(world, client):
    private_a = course_with(world.a, OfferingVisibility.PRIVATE, title="Private A")
    course_with(world.a, OfferingVisibility.INVITE_ONLY, title="Invite A")
    course_with(world.a, OfferingVisibility.UNLISTED, title="Unlisted A")
    course_with(world.a, OfferingVisibility.PUBLIC, title="Draft A", is_published=False)
    response = client.get(LIST)
    assert response.status_code == 200
    assert titles(response) == {world.a.course.title, world.b.course.title}
    assert client.get(detail(private_a)).status_code == 404


def test_members_see_their_private_courses_never_the_other_tenants(world, client):
    private_a = course_with(world.a, OfferingVisibility.PRIVATE, title="Private A")
    private_b = course_with(world.b, OfferingVisibility.PRIVATE, title="Private B")
    client.force_login(world.a.student)
    shown = titles(client.get(LIST))
    assert "Private A" in shown and "Private B" not in shown
    assert client.get(detail(private_a)).status_code == 200
    assert client.get(detail(private_b)).status_code == 404
    client.force_login(world.b.instructor)
    assert client.get(detail(private_a)).status_code == 404
    assert "Private A" not in titles(client.get(LIST))


def test_invite_only_is_visible_with_an_invitation_or_an_enrollment(world, client):
    course = course_with(world.a, OfferingVisibility.INVITE_ONLY, title="Invite A")
    offering = course.offerings.get()
    client.force_login(world.a.student)
    assert "Invite A" not in titles(client.get(LIST))
    assert client.get(detail(course)).status_code == 404
    CourseInvitationFactory(course_offering=offering, email=world.a.student.email)
    assert "Invite A" in titles(client.get(LIST))

    client.force_login(world.b.student)
    assert client.get(detail(course)).status_code == 404
    CourseEnrollmentFactory(user=world.b.student, course_offering=offering, status=EnrollmentStatus.PENDING)
    assert client.get(detail(course)).status_code == 200


def test_invite_only_course_page_opens_with_a_valid_code(world, client):
    course = course_with(world.a, OfferingVisibility.INVITE_ONLY, title="Invite A")
    invitation = CourseInvitationFactory(course_offering=course.offerings.get(), code="OPEN-SESAME")
    CourseInvitationFactory(course_offering=course.offerings.get(), code="STALE",
                            expires_at=timezone.now() - timedelta(days=1))
    client.force_login(world.b.student)
    response = client.get(detail(course) + f"?invite={invitation.code}")
    assert response.status_code == 200
    assert b"OPEN-SESAME" in response.content  # prefilled in the enroll form
    assert client.get(detail(course) + "?invite=STALE").status_code == 404
    assert client.get(detail(course) + "?invite=NOPE").status_code == 404


def test_unlisted_never_listed_but_open_through_its_link(world, client):
    course = course_with(world.a, OfferingVisibility.UNLISTED, title="Unlisted A")
    offering = course.offerings.get()
    other = course_with(world.b, OfferingVisibility.UNLISTED).offerings.get()
    client.force_login(world.a.student)
    assert "Unlisted A" not in titles(client.get(LIST))
    assert client.get(detail(course)).status_code == 404
    assert client.get(detail(course) + "?link=forged").status_code == 404
    assert client.get(detail(course) + f"?link={unlisted_link_token(other)}").status_code == 404
    assert client.get(detail(course) + f"?link={unlisted_link_token(offering)}").status_code == 200


def test_a_link_in_the_earlier_timestamped_format_is_a_404_not_a_500(world, client):
    """A token whose signature checks out but whose payload is not the current format (the timestamped
    ``signing.dumps`` links handed out before links became stable): refused like a forged one."""
    from django.core import signing

    from catalog.permissions import LINK_SALT

    course = course_with(world.a, OfferingVisibility.UNLISTED, title="Unlisted A")
    old = signing.dumps(course.offerings.get().pk, salt=LINK_SALT, compress=True)
    client.force_login(world.a.student)
    assert client.get(detail(course) + f"?link={old}").status_code == 404


def test_unknown_codes_are_404(world, client):
    assert client.get("/courses/ALPHA/NOPE/").status_code == 404
    assert client.get("/courses/NOPE/MATH101/").status_code == 404
    # Course code of A under B's short code: no cross-tenant lookup.
    assert client.get(f"/courses/BETA/{world.a.course.code}/").status_code == 200  # B has its own MATH101
    course = course_with(world.a, OfferingVisibility.PUBLIC, code="ONLYA1")
    assert client.get(f"/courses/BETA/{course.code}/").status_code == 404


def test_policy_functions_agree(world):
    private_a = course_with(world.a, OfferingVisibility.PRIVATE)
    assert private_a in courses_visible_to(world.a.ta)
    assert private_a not in courses_visible_to(world.b.ta)
    assert get_course_for_user(world.a.ta, "ALPHA", private_a.code) == private_a
    from django.http import Http404

    with pytest.raises(Http404):
        get_course_for_user(world.b.university_admin, "ALPHA", private_a.code)


# --- filters and search ------------------------------------------------------------------------


def test_search_finds_a_word_of_the_description_ranked(world, client):
    course_with(world.a, OfferingVisibility.PUBLIC, title="Heat engines", description="Carnot cycles and entropy.")
    course_with(world.b, OfferingVisibility.PUBLIC, title="Entropy in information theory", description="Bits.")
    response = client.get(LIST + "?q=entropy")
    cards = response.context["result"].cards
    assert [c.course.title for c in cards] == ["Entropy in information theory", "Heat engines"]  # title ranks higher
    assert titles(client.get(LIST + "?q=carnot+cycles")) == {"Heat engines"}
    assert titles(client.get(LIST + "?q=zzzunknown")) == set()
    assert client.get(LIST + "?q=%22unbalanced+quote").status_code == 200  # websearch syntax never errors


def test_subject_filter_includes_descendants_and_domain_filter(world, client):
    root = SubjectFactory(code="PHYS")
    child = SubjectFactory(parent_subject=root, code="PHYS_THERMO")
    grandchild = SubjectFactory(parent_subject=child, code="PHYS_THERMO_STAT")
    elsewhere = SubjectFactory(code="BIO")
    c1 = course_with(world.a, OfferingVisibility.PUBLIC, title="Primary on child", primary_subject=child)
    c2 = course_with(world.b, OfferingVisibility.PUBLIC, title="Secondary on grandchild")
    CourseSubjectFactory(course=c2, subject=grandchild)
    course_with(world.a, OfferingVisibility.PUBLIC, title="Biology", primary_subject=elsewhere)
    assert titles(client.get(LIST + "?subject=PHYS")) == {c1.title, c2.title}
    assert titles(client.get(LIST + "?subject=PHYS_THERMO_STAT")) == {c2.title}
    assert titles(client.get(LIST + f"?domain={root.domain.code}")) == {c1.title, c2.title}
    page = client.get(reverse("catalog:subject-browse", args=["PHYS"]))
    assert titles(page) == {c1.title, c2.title}
    assert client.get(reverse("catalog:domain-browse", args=[root.domain.code])).status_code == 200
    assert client.get(reverse("catalog:subject-index")).status_code == 200
    assert client.get(reverse("catalog:subject-browse", args=["NOPE"])).status_code == 404


def test_attribute_filters_open_now_coming_soon_and_sorts(world, client):
    now = timezone.now()
    grad = course_with(world.a, OfferingVisibility.PUBLIC, title="Grad", level=CourseLevel.GRADUATE,
                       difficulty="advanced", language_code="fr", rating_avg=4.5, rating_count=10)
    soon = CourseFactory(university=world.b.university, title="Soon", is_coming_soon=True, rating_avg=3, rating_count=2)
    CourseOfferingFactory(course=soon, starts_at=now + timedelta(days=40), ends_at=now + timedelta(days=90),
                          enrollment_start=now + timedelta(days=10), enrollment_end=now + timedelta(days=30))
    assert titles(client.get(LIST + "?level=graduate")) == {"Grad"}
    assert titles(client.get(LIST + "?difficulty=advanced&language=fr")) == {"Grad"}
    assert "Soon" not in titles(client.get(LIST + "?open=true"))
    assert "Grad" in titles(client.get(LIST + "?open=true"))
    assert titles(client.get(LIST + "?coming_soon=true")) == {"Soon"}
    assert titles(client.get(LIST + "?university=BETA")) == {"Soon", world.b.course.title}
    by_rating = [c.course.title for c in client.get(LIST + "?sort=rating").context["result"].cards]
    assert by_rating[:2] == ["Grad", "Soon"]
    by_start = [c.course.title for c in client.get(LIST + "?sort=start").context["result"].cards]
    assert by_start[-1] == "Soon"
    assert grad


def test_bad_filter_values_are_reported_not_500(world, client):
    response = client.get(LIST + "?level=wizard&university=NOPE&sort=sideways&page=abc")
    assert response.status_code == 200
    errors = response.context["result"].filterset.form.errors
    assert {"level", "university", "sort"} <= set(errors)
    assert titles(response) == {world.a.course.title, world.b.course.title}


def test_pagination_keeps_the_filters_in_the_url(world, client):
    for n in range(25):
        course_with(world.a, OfferingVisibility.PUBLIC, title=f"Algebra {n:02d}", level=CourseLevel.GRADUATE)
    response = client.get(LIST + "?level=graduate&sort=title")
    assert len(response.context["result"].cards) == 20
    assert b"?level=graduate&amp;sort=title&amp;page=2" in response.content
    second = client.get(LIST + "?level=graduate&sort=title&page=2")
    assert len(second.context["result"].cards) == 5


# --- course page -------------------------------------------------------------------------------


def test_course_page_shows_details_offerings_prerequisites_and_outline(world, client):
    course = world.a.course
    course.description = "Vectors, matrices and **eigenvalues**."
    course.save()
    prereq = CourseFactory(university=world.a.university, code="PRE1", title="Precalculus")
    CourseOfferingFactory(course=prereq)
    CoursePrerequisiteFactory(course=course, prerequisite_course=prereq, prerequisite_type=PrerequisiteType.STRICT)
    ModuleFactory(course=course, parent_module=world.a.root_module, title="Unit: Vector spaces", is_published=True)
    ModuleFactory(course=course, parent_module=world.a.root_module, title="Unit: Hidden draft", is_published=False)
    world.a.offering.capacity = 10
    world.a.offering.save()

    response = client.get(detail(course))
    body = response.content.decode()
    assert "eigenvalues" in body and "Precalculus" in body
    assert "Unit: Vector spaces" in body and "Hidden draft" not in body
    assert "9 seats left of 10" in body
    assert "Instructor A" in body and "Sign in to enroll" in body

    client.force_login(world.b.student)
    response = client.get(detail(course))
    assert "Prerequisites missing" in response.content.decode()
    assert "not met" in response.content.decode()
    client.force_login(world.a.student)
    assert "Continue learning" in client.get(detail(course)).content.decode()


def test_enroll_button_states(world, client):
    now = timezone.now()
    course = CourseFactory(university=world.a.university, code="STATES")
    CourseOfferingFactory(course=course, term_name="Later", enrollment_start=now + timedelta(days=3),
                          enrollment_end=now + timedelta(days=9))
    CourseOfferingFactory(course=course, term_name="Closed", enrollment_start=now - timedelta(days=9),
                          enrollment_end=now - timedelta(days=3))
    full = CourseOfferingFactory(course=course, term_name="Full", capacity=0)
    CourseOfferingFactory(course=course, term_name="Approval", requires_approval=True)
    CourseOfferingFactory(course=course, term_name="Invite", visibility=OfferingVisibility.INVITE_ONLY)
    CourseEnrollmentFactory(user=world.a.ta, course_offering=full, status="waitlisted", waitlist_position=1)
    client.force_login(world.a.ta)  # teaches nothing here; a member of A
    body = client.get(detail(course)).content.decode()
    assert "Opens on" in body and "Enrollment closed" in body
    assert "On the waiting list: #1" in body and "Request to enroll" in body
    assert "Invite" not in body  # not invited: the offering is not shown
    client.force_login(world.a.student)
    body = client.get(detail(course)).content.decode()
    assert "Full — join the waiting list" in body


@pytest.mark.parametrize("n_courses", [5, 60])
@pytest.mark.parametrize(
    "query",
    ["", "?q=algebra", "?q=algebra&level=graduate&open=true&sort=start", "?subject=PHYS&sort=rating",
     "?university=ALPHA&department={department}&difficulty=advanced&language=en&coming_soon=true&page=2",
     "?domain={domain}&sort=title"],
)
def test_catalog_query_count_does_not_grow(world, client, django_assert_max_num_queries, n_courses, query):
    root = SubjectFactory(code="PHYS")
    child = SubjectFactory(parent_subject=root)
    for n in range(n_courses):
        tenant = world.tenants[n % 2]
        # Every filter of the queries above matches these courses (in their own university's department),
        # so the counts below are those of pages full of results, not of a form that rejected a value.
        course = course_with(tenant, OfferingVisibility.PUBLIC, title=f"Algebra {n}", level=CourseLevel.GRADUATE,
                             primary_subject=child, department=tenant.department, difficulty="advanced",
                             is_coming_soon=True)
        CourseOfferingFactory(course=course, visibility=OfferingVisibility.PRIVATE)
    query = query.format(department=world.a.department.pk, domain=root.domain.code)
    client.force_login(world.a.student)
    # session, user, memberships, count, page, next offerings, 3–4 choice lists, ≤ 4 filter lookups, nav.
    with django_assert_max_num_queries(16):
        response = client.get(LIST + query)
    assert response.status_code == 200
    result = response.context["result"]
    assert not result.filterset.form.errors
    assert result.cards and all("Algebra" in card.course.title for card in result.cards)
    if "university=ALPHA" in query:
        assert {card.course.university_id for card in result.cards} == {world.a.university.pk}


def test_course_page_query_count(world, client, django_assert_max_num_queries):
    for n in range(8):
        prereq = CourseFactory(university=world.a.university, code=f"P{n}")
        CoursePrerequisiteFactory(course=world.a.course, prerequisite_course=prereq)
        CourseOfferingFactory(course=world.a.course, term_name=f"T{n}")
    client.force_login(world.a.student)
    client.get(detail(world.a.course))  # warm the outline cache
    # session with user, viewer, the offerings with their staff, the student's rows (the cache is in memory here)
    with django_assert_max_num_queries(4):
        assert client.get(detail(world.a.course)).status_code == 200


# --- capped count and pagination without an exact total ---------------------------------------


def test_broad_results_say_n_plus_and_page_on_without_an_exact_count(world, client, monkeypatch):
    from catalog import browse

    monkeypatch.setattr(browse, "COUNT_CAP", 30)
    for n in range(45):
        course_with(world.a, OfferingVisibility.PUBLIC, title=f"Optics {n:02d}", level=CourseLevel.GRADUATE)
    first = client.get(LIST + "?level=graduate&sort=title")
    result = first.context["result"]
    assert result.total_is_capped and "30+ courses · page 1<" in first.content.decode()
    assert [c.course.title for c in result.cards][:2] == ["Optics 00", "Optics 01"]
    second = client.get(LIST + "?level=graduate&sort=title&page=2")
    assert len(second.context["result"].cards) == 20 and second.context["result"].page.has_next
    last = client.get(LIST + "?level=graduate&sort=title&page=3")
    body = last.content.decode()
    assert [c.course.title for c in last.context["result"].cards] == [f"Optics {n}" for n in range(40, 45)]
    assert "45 courses · page 3 of 3" in body  # the last page knows the exact total without counting
    assert "page=2" in body and "page=4" not in body


def test_a_page_past_the_end_shows_the_last_page(world, client):
    for n in range(25):
        course_with(world.a, OfferingVisibility.PUBLIC, title=f"Waves {n:02d}", level=CourseLevel.GRADUATE)
    response = client.get(LIST + "?level=graduate&sort=title&page=99")
    result = response.context["result"]
    assert result.page.number == 2 and len(result.cards) == 5 and result.total == 25
    assert client.get(LIST + "?level=graduate&page=0").context["result"].page.number == 1


def test_paging_stops_at_max_page_with_a_message(world, client, monkeypatch):
    from catalog import browse

    monkeypatch.setattr(browse, "MAX_PAGE", 2)
    for n in range(45):
        course_with(world.a, OfferingVisibility.PUBLIC, title=f"Heat {n:02d}", level=CourseLevel.GRADUATE)
    response = client.get(LIST + "?level=graduate&sort=title&page=7")
    assert response.context["result"].page.number == 2
    assert not response.context["result"].page.has_next
    assert "narrow the filters" in response.content.decode()


# --- the subject filter's two shapes -------------------------------------------------------------


@pytest.mark.parametrize("ids_limit", [2000, 0])  # narrow subject: ids passed as literals; broad: hashed set
def test_subject_filter_finds_primary_and_listed_subjects_in_both_shapes(world, client, monkeypatch, ids_limit):
    from catalog import filters

    monkeypatch.setattr(filters, "SUBJECT_IDS_LIMIT", ids_limit)
    root = SubjectFactory(code="CHEM")
    child = SubjectFactory(parent_subject=root, code="CHEM_ORG")
    primary = course_with(world.a, OfferingVisibility.PUBLIC, title="Primary organic", primary_subject=child)
    listed = course_with(world.b, OfferingVisibility.PUBLIC, title="Listed organic")
    CourseSubjectFactory(course=listed, subject=child)
    hidden = course_with(world.b, OfferingVisibility.PRIVATE, title="Private organic", primary_subject=child)
    course_with(world.a, OfferingVisibility.PUBLIC, title="Elsewhere")
    assert titles(client.get(LIST + "?subject=CHEM")) == {primary.title, listed.title}
    assert titles(client.get(LIST + f"?domain={root.domain.code}&sort=rating")) >= {primary.title, listed.title}
    client.force_login(world.b.student)
    assert titles(client.get(LIST + "?subject=CHEM_ORG")) == {primary.title, listed.title, hidden.title}
    client.force_login(world.a.student)
    assert titles(client.get(LIST + "?subject=CHEM_ORG")) == {primary.title, listed.title}


@pytest.mark.parametrize("count_cap", [1000, 0])  # few matches: per-course subquery; many: the offering walk
def test_start_sort_orders_by_next_listed_start_in_both_shapes(world, client, monkeypatch, count_cap):
    from catalog import browse

    monkeypatch.setattr(browse, "COUNT_CAP", count_cap)
    now = timezone.now()

    def course_starting(title, *starts, visibility=OfferingVisibility.PUBLIC):
        course = CourseFactory(university=world.a.university, title=title, level=CourseLevel.GRADUATE)
        for days, ends in starts:
            CourseOfferingFactory(course=course, visibility=visibility, starts_at=now + timedelta(days=days),
                                  ends_at=now + timedelta(days=ends))
        return course

    course_starting("Later", (30, 90))
    course_starting("Soonest", (-200, -100), (5, 60), (40, 100))  # the ended offering does not count
    course_starting("Running", (-10, 50))
    course_starting("Hidden start", (1, 60), visibility=OfferingVisibility.PRIVATE)  # listed to members only
    undated = CourseFactory(university=world.a.university, title="Self-paced", level=CourseLevel.GRADUATE)
    CourseOfferingFactory(course=undated, starts_at=None, ends_at=None)
    order = [c.course.title for c in client.get(LIST + "?level=graduate&sort=start").context["result"].cards]
    assert order == ["Running", "Soonest", "Later", "Self-paced"]
    client.force_login(world.a.student)
    order = [c.course.title for c in client.get(LIST + "?level=graduate&sort=start").context["result"].cards]
    assert order == ["Running", "Hidden start", "Soonest", "Later", "Self-paced"]
    client.force_login(world.b.student)
    order = [c.course.title for c in client.get(LIST + "?level=graduate&sort=start").context["result"].cards]
    assert order == ["Running", "Soonest", "Later", "Self-paced"]


# --- coming soon: a published course with no offering yet ---------------------------------------


def test_a_published_course_without_offerings_is_listed_as_coming_soon_to_everyone(world, client):
    soon = CourseFactory(university=world.a.university, title="Quantum sensing", code="QS100")
    CourseFactory(university=world.a.university, title="Draft without offering", is_published=False)
    private_only = course_with(world.a, OfferingVisibility.PRIVATE, title="Members only")
    course_with(world.a, OfferingVisibility.UNLISTED, title="Link only")
    for viewer in (None, world.b.student, world.a.student):
        if viewer is None:
            client.logout()
        else:
            client.force_login(viewer)
        response = client.get(LIST)
        shown = titles(response)
        assert "Quantum sensing" in shown and "Draft without offering" not in shown and "Link only" not in shown
        assert ("Members only" in shown) is (viewer == world.a.student)
        card = next(c for c in response.context["result"].cards if c.course.pk == soon.pk)
        assert card.next_offering is None
        assert "No upcoming offering — coming soon" in response.content.decode()
        page = client.get(detail(soon))
        assert page.status_code == 200
        body = page.content.decode()
        assert "No upcoming offering — coming soon" in body
        assert "/learn/enroll/" not in body and "Sign in to enroll" not in body and ">Enroll<" not in body
    client.force_login(world.b.student)
    assert client.get(detail(private_only)).status_code == 404  # hidden offerings still hide the course
    assert titles(client.get(LIST + "?coming_soon=true")) == {"Quantum sensing"}


def test_coming_soon_courses_keep_the_catalog_query_count(world, client, django_assert_max_num_queries):
    for n in range(30):
        CourseFactory(university=world.tenants[n % 2].university, title=f"Soon {n}")
    client.force_login(world.b.student)
    with django_assert_max_num_queries(12):
        response = client.get(LIST + "?coming_soon=true")
    assert response.context["result"].total == 30


# --- search: course codes are indexed with the simple configuration -----------------------------


@pytest.mark.parametrize("query", ["WRITING", "writing", "ALL", "all", "writing essays", "DRAMA all"])
def test_search_finds_course_codes_that_are_english_words(world, client, query):
    # In the english configuration "writing" becomes "write" and "all" (a stop word) disappears; the
    # codes are indexed with simple, so these searches found nothing before.
    course_with(world.a, OfferingVisibility.PUBLIC, code="WRITING", title="Essays and arguments",
                description="Academic prose.")
    course_with(world.a, OfferingVisibility.PUBLIC, code="ALL", title="Introduction to drama",
                description="Plays.")
    course_with(world.b, OfferingVisibility.PUBLIC, code="DATA 101", title="Tables", description="Rows.")
    expected = "Introduction to drama" if "all" in query.lower() else "Essays and arguments"
    response = client.get(LIST, {"q": query})
    assert titles(response) == {expected}
    assert titles(client.get(LIST, {"q": query, "sort": "relevance"})) == {expected}
    assert titles(client.get(LIST, {"q": query, "sort": "title"})) == {expected}


def test_search_still_stems_titles_and_keeps_websearch_syntax(world, client):
    course_with(world.a, OfferingVisibility.PUBLIC, code="ENG1", title="Writing essays")
    course_with(world.a, OfferingVisibility.PUBLIC, code="ENG2", title="Reading novels")
    assert titles(client.get(LIST, {"q": "written essay"})) == set()  # 'written' is not stemmed to 'write'
    assert titles(client.get(LIST, {"q": "writes essay"})) == {"Writing essays"}
    assert titles(client.get(LIST, {"q": "essays or novels"})) == {"Writing essays", "Reading novels"}
    assert titles(client.get(LIST, {"q": "-novels reading"})) == set()
    assert titles(client.get(LIST, {"q": '"reading novels"'})) == {"Reading novels"}


# --- managing offerings from the course page -------------------------------------------------------


def _unlisted_offering(tenant, **fields):
    course = CourseFactory(university=tenant.university, department=tenant.department, code="UNL1",
                           title="Unlisted seminar")
    offering = CourseOfferingFactory(course=course, visibility=OfferingVisibility.UNLISTED, term_name="Secret term",
                                     **fields)
    return course, offering


def test_managers_see_the_unlisted_link_and_the_roster_link(world, client):
    course, offering = _unlisted_offering(world.a)
    CourseOfferingInstructorFactory(course_offering=offering, user=world.a.instructor)
    roster = reverse("learning:roster", kwargs={"offering_id": offering.pk})
    token = unlisted_link_token(offering)
    for manager in (world.a.instructor, world.a.department_admin, world.a.university_admin, world.platform_admin):
        client.force_login(manager)
        response = client.get(detail(course))
        assert response.status_code == 200, manager
        body = response.content.decode()
        assert "Secret term" in body and f'href="{roster}"' in body and "Manage enrollments" in body
        assert f"http://testserver{detail(course)}?link={token}" in body and "Copy link" in body
        assert "You see this offering because you manage it" in body
    assert client.get(detail(course)).content.decode().count(f"?link={token}") == 1  # the same link every time
    # The world's course: its instructor gets the roster link, no share link (public offering).
    client.force_login(world.a.instructor)
    body = client.get(detail(world.a.course)).content.decode()
    assert reverse("learning:roster", kwargs={"offering_id": world.a.offering.pk}) in body
    assert "?link=" not in body


def test_students_tas_and_other_tenants_see_no_management_links(world, client):
    course, offering = _unlisted_offering(world.a)
    CourseOfferingInstructorFactory(course_offering=offering, user=world.a.ta, role="ta")
    roster = reverse("learning:roster", kwargs={"offering_id": offering.pk})
    for viewer in (world.a.student, world.a.ta, world.b.university_admin, world.b.instructor):
        client.force_login(viewer)
        assert client.get(detail(course)).status_code == 404, viewer  # unlisted: not reachable without the link
        body = client.get(detail(course) + f"?link={unlisted_link_token(offering)}").content.decode()
        assert "Secret term" in body and roster not in body and "Manage enrollments" not in body
        assert "Copy link" not in body
        world_roster = reverse("learning:roster", kwargs={"offering_id": world.a.offering.pk})
        assert world_roster not in client.get(detail(world.a.course)).content.decode()


def test_the_shared_link_opens_the_offering_for_an_anonymous_visitor(world, client):
    course, offering = _unlisted_offering(world.a)
    client.force_login(world.a.university_admin)
    page = client.get(detail(course))
    link = next(o.share_url for o in page.context["page"].offerings if o.pk == offering.pk)
    client.logout()
    assert client.get(detail(course)).status_code == 404
    response = client.get(link.removeprefix("http://testserver"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Secret term" in body and "Sign in to enroll" in body and "Manage enrollments" not in body


def test_course_page_query_count_for_a_manager(world, client, django_assert_max_num_queries):
    for n in range(8):
        CourseOfferingFactory(course=world.a.course, term_name=f"T{n}", visibility=OfferingVisibility.UNLISTED)
    client.force_login(world.a.university_admin)
    client.get(detail(world.a.course))  # warm the outline cache
    with django_assert_max_num_queries(13):
        response = client.get(detail(world.a.course))
    assert response.content.decode().count("Copy link") == 8


# --- the language filter lists the languages of the courses the user may see ---------------------


def _language_options(response) -> list[str]:
    return [code for code, _label in response.context["result"].filterset.form.fields["language"].choices if code]


def test_language_filter_offers_the_languages_of_visible_courses_only(world, client):
    course_with(world.a, OfferingVisibility.PUBLIC, title="Analyse", language_code="fr")
    course_with(world.a, OfferingVisibility.PRIVATE, title="Members in Japanese", language_code="ja")
    course_with(world.b, OfferingVisibility.PUBLIC, title="Entwurf", language_code="de", is_published=False)
    CourseFactory(university=world.b.university, title="Próximamente", language_code="es")  # coming soon
    course_with(world.b, OfferingVisibility.PUBLIC, title="Portuguese", language_code="pt-br")
    anonymous = client.get(LIST)
    assert _language_options(anonymous) == ["pt-br", "en", "fr", "es"]  # by name: Brazilian Portuguese, English…
    assert 'value="fr">French<' in anonymous.content.decode()
    client.force_login(world.b.student)
    assert "ja" not in _language_options(client.get(LIST))
    client.force_login(world.a.student)
    assert "ja" in _language_options(client.get(LIST))
    assert titles(client.get(LIST + "?language=ja")) == {"Members in Japanese"}
    client.force_login(world.b.student)
    refused = client.get(LIST + "?language=ja")  # a language this user has no course in: reported, not a 500
    assert refused.status_code == 200 and "language" in refused.context["result"].filterset.form.errors


def test_in_tz_keeps_the_zones_wall_clock_through_the_date_filter():
    """A 03:00 UTC enrollment opening in Tokyo reads 12:00 on the page, not 03:00."""
    import datetime as dt

    from django.template import Context, Template

    rendered = Template('{% load catalog_tags %}{{ t|in_tz:"Asia/Tokyo"|date:"j M Y, H:i" }}').render(
        Context({"t": dt.datetime(2026, 12, 5, 3, 0, tzinfo=dt.UTC)})
    )
    assert rendered == "5 Dec 2026, 12:00"
