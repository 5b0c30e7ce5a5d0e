"""The tutor, included at ``tutor/`` by ``lms/urls.py``."""

from django.urls import path

from tutoring import views

app_name = "tutoring"

urlpatterns = [
    path("o/<int:offering_id>/i/<int:item_id>/", views.panel, name="panel"),
    path("o/<int:offering_id>/i/<int:item_id>/send/", views.send, name="send"),
    path("o/<int:offering_id>/i/<int:item_id>/replies/<int:message_id>/stream/", views.stream, name="stream"),
    path("messages/<int:message_id>/feedback/", views.feedback, name="message-feedback"),
    path("messages/<int:message_id>/notes/", views.note_create, name="note-create"),
    path("notes/<int:note_id>/edit/", views.note_edit, name="note-edit"),
    path("notes/<int:note_id>/delete/", views.note_delete, name="note-delete"),
    path("o/<int:offering_id>/notes/", views.my_notes, name="my-notes"),
    path("sessions/<int:session_id>/share/", views.share, name="session-share"),
    path("shared/<str:token>/", views.shared, name="shared"),
    path("teach/<int:offering_id>/", views.teach_sessions, name="teach-sessions"),
    path("teach/<int:offering_id>/sessions/<int:session_id>/", views.teach_session, name="teach-session"),
    path("teach/<int:offering_id>/messages/<int:message_id>/flag/", views.teach_flag, name="teach-flag"),
    path("teach/<int:offering_id>/settings/", views.teach_settings, name="teach-settings"),
]
