"""Assignment pages, included at ``learn/<int:offering_id>/assignments/`` by ``lms/urls.py``."""

from django.urls import path

from learning.assessments import assignment_views

app_name = "assignments"

urlpatterns = [
    path("<int:item_id>/", assignment_views.assignment_page, name="assignment"),
    path("<int:item_id>/grading/", assignment_views.grading_start, name="grading"),
    path("grade/<int:assignment_submission_id>/", assignment_views.grade_submission, name="grade"),
]
