"""The instructor gradebook's pages, included at ``learn/offerings/<int:offering_id>/gradebook/`` by
``lms/urls.py`` (namespace ``gradebook``)."""

from django.urls import path

from learning.gradebook import grid_views

app_name = "gradebook"

urlpatterns = [
    path("", grid_views.gradebook, name="grid"),
    path("gradebook.csv", grid_views.export_grid, name="export"),
    path("scores.csv", grid_views.export_scores, name="export-scores"),
    # relative to the grid ("o/<student>/<item>/"): the link in each of its cells stays short
    path("o/<int:student_id>/<int:item_id>/", grid_views.override, name="override"),
    path("import/", grid_views.import_scores, name="import"),
    path("import/confirm/", grid_views.import_confirm, name="import-confirm"),
]
