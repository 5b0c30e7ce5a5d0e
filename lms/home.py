"""The front page, composed from the apps: it sits above every app, like ``lms/urls.py``.

Anonymous visitors see what Sigma LMS is and a sample of the catalog (:func:`catalog.browse.catalog_sample`,
a fixed number of queries). Signed-in people are sent where their work is: anyone who teaches or
administers a syllabus (the rule of the "Teach" link, :func:`syllabus.permissions.anything_editable_by`)
to the courses they teach, everyone else to My learning.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from catalog.browse import catalog_sample
from syllabus.permissions import anything_editable_by

SAMPLE_SIZE = 6


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user.is_authenticated:
        return redirect("syllabus:course-list" if anything_editable_by(user) else "learning:dashboard")
    return render(request, "home.html", {"cards": catalog_sample(user=user, limit=SAMPLE_SIZE)})
