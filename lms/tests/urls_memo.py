"""A second URL configuration for lms/tests/test_memo_tags.py: a changed ROOT_URLCONF gives other URLs."""

from django.http import HttpResponse
from django.urls import path

urlpatterns = [path("elsewhere/", lambda request: HttpResponse(), name="home")]
