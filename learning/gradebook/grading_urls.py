"""The grading pages, included at ``learn/`` by ``lms/urls.py`` (namespace ``grading``): the staff pages of an
offering under ``offerings/<id>/grading/``, the student's own grades at ``<id>/grades/``."""

from django.urls import path

from learning.gradebook import grading_views

app_name = "grading"

_staff = "offerings/<int:offering_id>/grading/"

urlpatterns = [
    path(_staff + "policy/", grading_views.policy, name="policy"),
    path(_staff + "scales/", grading_views.scales, name="scales"),
    path(_staff + "scales/<int:scale_id>/", grading_views.scale_edit, name="scale-edit"),
    path(_staff + "course-grades/", grading_views.course_grades, name="course-grades"),
    path(_staff + "course-grades/finalize/", grading_views.finalize, name="finalize"),
    path(_staff + "course-grades/<int:student_id>/override/", grading_views.override, name="override"),
    path(
        _staff + "course-grades/<int:student_id>/override/remove/",
        grading_views.remove_override,
        name="override-remove",
    ),
    path(_staff + "certificates/<int:certificate_id>/revoke/", grading_views.revoke, name="revoke"),
    path("<int:offering_id>/grades/", grading_views.my_grades, name="my-grades"),
]
