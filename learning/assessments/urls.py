"""Quiz pages, included at ``learn/`` by ``lms/urls.py`` (namespace ``assessments``)."""

from django.urls import path

from learning.assessments import views

app_name = "assessments"

_attempt = "<int:offering_id>/quiz/<int:item_id>/attempts/<int:attempt_id>/"
_staff = "offerings/<int:offering_id>/quizzes/"

urlpatterns = [
    path("<int:offering_id>/quiz/<int:item_id>/start/", views.StartAttemptView.as_view(), name="attempt-start"),
    path(_attempt, views.AttemptView.as_view(), name="attempt"),
    path(_attempt + "answer/", views.AnswerView.as_view(), name="attempt-answer"),
    path(_attempt + "submit/", views.SubmitView.as_view(), name="attempt-submit"),
    path(_attempt + "result/", views.ResultView.as_view(), name="attempt-result"),
    path(_staff, views.QuizListView.as_view(), name="staff-quizzes"),
    path(_staff + "<int:item_id>/attempts/", views.AttemptsListView.as_view(), name="staff-attempts"),
    path(_staff + "<int:item_id>/attempts.csv", views.AttemptsCsvView.as_view(), name="staff-attempts-csv"),
    path(_staff + "<int:item_id>/attempts/<int:attempt_id>/", views.StaffAttemptView.as_view(), name="staff-attempt"),
    path(_staff + "<int:item_id>/regrade/", views.RegradeItemView.as_view(), name="staff-regrade"),
    path(_staff + "<int:item_id>/analysis/", views.ItemAnalysisView.as_view(), name="staff-analysis"),
    path("offerings/<int:offering_id>/accommodations/", views.AccommodationsView.as_view(), name="accommodations"),
    path(
        "offerings/<int:offering_id>/accommodations/<int:accommodation_id>/delete/",
        views.DeleteAccommodationView.as_view(),
        name="accommodation-delete",
    ),
]
