"""Lab pages, included at ``learn/<int:offering_id>/labs/`` by ``lms/urls.py``."""

from django.urls import path

from learning.assessments import lab_views

app_name = "labs"

urlpatterns = [
    path("<int:item_id>/", lab_views.lab_page, name="lab"),
    path("<int:item_id>/starter.zip", lab_views.starter_files, name="starter"),
    path("submissions/<int:submission_id>/", lab_views.submission_page, name="submission"),
    path("submissions/<int:submission_id>/status/", lab_views.submission_status, name="submission-status"),
    path("files/<int:file_id>/", lab_views.submission_file, name="file"),
    path("<int:item_id>/grading/", lab_views.grading_list, name="grading-list"),
    path("grading/<int:submission_id>/", lab_views.grading_detail, name="grading-detail"),
]
