"""Catalog pages: the course list with its filters, subject/domain browse pages and the course page.

Thin views: objects come through the access selectors of :mod:`catalog.permissions` (404 for what the
user may not see), reads through :mod:`catalog.browse`. The course page's enroll panel, the student's
prerequisite standing and the outline are learning's, composed in the template with its template tags
(this module never imports learning).
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.views.generic import TemplateView

from catalog import browse, pagecache
from catalog.models import Domain, Subject
from catalog.permissions import get_course_for_user, get_listed_course


class CourseListView(TemplateView):
    """The result list (and, here, its filter form) is shared: rendered once per catalog version, viewer
    visibility, language and query (:mod:`catalog.pagecache`), without the request, so nothing personal
    is in it; the page around it is rendered per request."""

    template_name = "catalog/course_list.html"
    # The partials the page shows, by the name the template inserts them under (``catalog.<name>``).
    fragments = {"filters": "catalog/_partials/filters.html", "results": "catalog/_partials/results.html"}
    variant = "list"

    def get_fixed(self) -> dict[str, str]:
        return {}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        data = self.request.GET.copy()
        for key, value in self.get_fixed().items():
            data[key] = value
        user = self.request.user

        def render() -> dict[str, str]:
            result = browse.search_courses(user=user, data=data, page_number=self.request.GET.get("page") or 1)
            return {name: render_to_string(template, {"result": result}) for name, template in self.fragments.items()}

        parts = pagecache.read_parts({"list": pagecache.list_tail(user=user, variant=self.variant, data=data)})
        context["catalog"] = parts.get_or_set("list", render)
        return context


class SubjectIndexView(TemplateView):
    template_name = "catalog/subject_index.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["domains"] = [(d, browse.subject_tree_from(d)) for d in browse.domains_with_subjects()]
        return context


class SubjectBrowseView(CourseListView):
    template_name = "catalog/subject_browse.html"
    fragments = {"results": "catalog/_partials/results.html"}
    variant = "subject"

    def get_fixed(self) -> dict[str, str]:
        self.subject = get_object_or_404(Subject.objects.select_related("domain"), code=self.kwargs["code"])
        return {"subject": self.subject.code}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["subject"] = self.subject
        context["path"] = browse.subject_path(subject=self.subject)
        context["children"] = list(self.subject.child_subjects.order_by("name"))
        return context


class DomainBrowseView(CourseListView):
    template_name = "catalog/domain_browse.html"
    fragments = {"results": "catalog/_partials/results.html"}
    variant = "domain"

    def get_fixed(self) -> dict[str, str]:
        self.domain = get_object_or_404(Domain, code=self.kwargs["code"])
        return {"domain": self.domain.code}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["domain"] = self.domain
        context["tree"] = browse.subject_tree(domain=self.domain)
        return context


class CourseDetailView(TemplateView):
    """The course-level parts (the course row, its subjects, and learning's prerequisite links and reviews,
    read by its template tags from ``request.catalog_parts``) are shared through :mod:`catalog.pagecache`,
    read in one cache round trip; the offerings (seats, what the user may reach or manage) and the
    per-user panel are read per request. A link token or an invitation code takes the uncached path."""

    template_name = "catalog/course_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        link = self.request.GET.get("link") or None
        invite = (self.request.GET.get("invite") or "").strip()[:64] or None
        user = self.request.user
        short_code, code = self.kwargs["short_code"], self.kwargs["code"]
        course = subjects = parts = None
        if link is None and invite is None:
            parts = pagecache.read_parts(pagecache.course_page_tails(user=user, short_code=short_code, code=code))
            self.request.catalog_parts = parts
            course = parts.get_or_set("course", lambda: get_listed_course(user, short_code, code))
        if course is None:  # reached by link or invitation, managed by the user, or a 404
            course = get_course_for_user(user, short_code, code, link_token=link, invitation_code=invite)
        if parts is not None:
            subjects = parts.get_or_set("subjects", lambda: browse.course_subjects(course=course))
        page = browse.get_course_page(
            user=user, course=course, link_token=link, invitation_code=invite, subjects=subjects
        )
        # No offerings here means none exist yet (the access selector refused courses whose offerings
        # are all hidden from this user): the page says "coming soon" and offers no Enroll button.
        for offering in page.offerings:
            offering.share_url = self.request.build_absolute_uri(offering.share_path) if offering.share_path else None
        context.update(page=page, course=course, link_token=link, invitation_code=invite)
        return context
