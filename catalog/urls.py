from django.urls import path

from catalog import views

app_name = "catalog"

urlpatterns = [
    path("courses/", views.CourseListView.as_view(), name="course-list"),
    path("courses/<str:short_code>/<str:code>/", views.CourseDetailView.as_view(), name="course-detail"),
    path("subjects/", views.SubjectIndexView.as_view(), name="subject-index"),
    path("subjects/<str:code>/", views.SubjectBrowseView.as_view(), name="subject-browse"),
    path("domains/<str:code>/", views.DomainBrowseView.as_view(), name="domain-browse"),
]
