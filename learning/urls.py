"""Learning pages, included at ``learn/`` by ``lms/urls.py`` (the player sits at ``learn/<id>/``:
:mod:`learning.player.urls`). One ``learning`` namespace for the sub-areas' pages: "My learning" is the
player's, the rest enrollment's (:mod:`learning.enrollment.urls`).
"""

from django.urls import path

from learning.enrollment import urls as enrollment_urls
from learning.player import views_learner

app_name = "learning"

urlpatterns = [
    path("", views_learner.DashboardView.as_view(), name="dashboard"),
    *enrollment_urls.urlpatterns,
]
