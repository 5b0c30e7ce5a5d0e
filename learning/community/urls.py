"""Discussion and review pages, included at ``learn/`` by ``lms/urls.py``."""

from django.urls import path

from learning.community import views

app_name = "community"

urlpatterns = [
    path("<int:offering_id>/discussions/", views.ThreadListView.as_view(), name="thread-list"),
    path("<int:offering_id>/discussions/item/<int:item_id>/", views.ItemThreadsView.as_view(), name="item-threads"),
    path("<int:offering_id>/discussions/new/", views.ThreadCreateView.as_view(), name="thread-create"),
    path("<int:offering_id>/discussions/<int:thread_id>/", views.ThreadDetailView.as_view(), name="thread-detail"),
    path(
        "<int:offering_id>/discussions/<int:thread_id>/<slug:action>/",
        views.ThreadActionView.as_view(),
        name="thread-action",
    ),
    path("<int:offering_id>/discussions/posts/<int:post_id>/edit/", views.PostEditView.as_view(), name="post-edit"),
    path(
        "<int:offering_id>/discussions/posts/<int:post_id>/remove/", views.PostRemoveView.as_view(), name="post-remove"
    ),
    path(
        "<int:offering_id>/discussions/posts/<int:post_id>/<slug:action>/",
        views.PostActionView.as_view(),
        name="post-action",
    ),
    path(
        "<int:offering_id>/discussions/options/<slug:action>/",
        views.OfferingActionView.as_view(),
        name="offering-action",
    ),
    path("<int:offering_id>/review/", views.ReviewEditView.as_view(), name="review-edit"),
    path("<int:offering_id>/reviews/<int:review_id>/hide/", views.ReviewHideView.as_view(), name="review-hide"),
    path("<int:offering_id>/reviews/<int:review_id>/unhide/", views.ReviewUnhideView.as_view(), name="review-unhide"),
    path("courses/<str:short_code>/<str:code>/reviews/", views.CourseReviewsView.as_view(), name="course-reviews"),
]
