from django.contrib import admin
from django.urls import include, path

from learning.player.views_learner import AssetFileView
from lms import home, views

handler500 = "lms.views.server_error"  # a database outage is a 503 "briefly unavailable"

urlpatterns = [
    path("", home.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("hello", views.hello, name="hello"),
    path("accounts/", include("accounts.urls")),
    path("admin/", admin.site.urls),
    path("api/public/", include("prompts.urls")),
    path("assets/<int:asset_id>/", AssetFileView.as_view(), name="asset-file"),
    path("learn/", include("learning.community.urls")),
    path("learn/<int:offering_id>/labs/", include("learning.assessments.lab_urls")),
    path("learn/<int:offering_id>/assignments/", include("learning.assessments.assignment_urls")),
    path("learn/<int:offering_id>/", include("learning.player.urls")),
    path("learn/", include("learning.urls")),
    path("learn/", include("learning.assessments.urls")),
    path("learn/offerings/<int:offering_id>/gradebook/", include("learning.gradebook.grid_urls")),
    path("certificates/", include("learning.gradebook.urls")),
    path("notifications/", include("learning.notifications.urls")),
    path("tutor/", include("tutoring.urls")),
    path("learn/", include("learning.gradebook.grading_urls")),
    path("", include("catalog.urls")),
    path("teach/", include("syllabus.urls")),
]
