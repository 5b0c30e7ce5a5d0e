"""Enrollment's pages, in the ``learning`` namespace (composed by :mod:`learning.urls`)."""

from django.urls import path

from learning.enrollment import views, views_roster

urlpatterns = [
    path("onboarding/", views.OnboardingView.as_view(), name="onboarding"),
    path("enroll/<int:offering_id>/", views.EnrollView.as_view(), name="enroll"),
    path("drop/<int:offering_id>/", views.DropView.as_view(), name="drop"),
    path("invitations/redeem/", views.RedeemInvitationView.as_view(), name="invitation-redeem"),
    path("offerings/<int:offering_id>/invitations/", views.InvitationsView.as_view(), name="invitations"),
    path("offerings/<int:offering_id>/roster/", views_roster.RosterView.as_view(), name="roster"),
    path("teaching/", views_roster.TeachingView.as_view(), name="teaching"),
]
