"""Public certificate URLs, mounted at /certificates/ by ``lms/urls.py``."""

from django.urls import path

from learning.gradebook import views

urlpatterns = [
    path("issuers/<str:short_code>/", views.issuer, name="certificate_issuer"),
    path("issuers/<str:short_code>/jwks.json", views.issuer_jwks, name="certificate_issuer_jwks"),
    path("issuers/<str:short_code>/keys/<str:key_id>", views.issuer_key, name="certificate_issuer_key"),
    path("issuers/<str:short_code>/revocations.json", views.revocations, name="certificate_revocations"),
    path("<str:code>/", views.certificate_page, name="certificate_page"),
    path("<str:code>/certificate.pdf", views.certificate_pdf, name="certificate_pdf"),
    path("<str:code>/credential.json", views.credential_json, name="certificate_credential_json"),
    path("<str:code>/credential.jwt", views.credential_jwt, name="certificate_credential_jwt"),
    path("<str:code>/grade-visibility", views.grade_visibility, name="certificate_grade_visibility"),
]
