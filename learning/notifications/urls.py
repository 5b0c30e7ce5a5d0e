"""Notification pages, included at ``notifications/`` by ``lms/urls.py``."""

from django.urls import path

from learning.notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.NotificationListView.as_view(), name="list"),
    path("<int:notification_id>/open/", views.NotificationOpenView.as_view(), name="open"),
    path("read-all/", views.NotificationReadAllView.as_view(), name="read-all"),
    path("unsubscribe/<str:token>/", views.UnsubscribeView.as_view(), name="unsubscribe"),
]
