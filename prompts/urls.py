"""The Langfuse-compatible public API, mounted by lms/urls.py at ``api/public/``.

Names may contain ``/`` (folders; clients send ``%2F``, which the server decodes before routing), so the
more specific ``…/versions/<int>`` route comes first; names ending in ``versions/<number>`` are refused
at creation so the two never overlap.
"""

from django.urls import path

from prompts import api

app_name = "prompts"

urlpatterns = [
    path("v2/prompts", api.prompts_collection, name="api-prompt-list"),
    path("v2/prompts/<path:name>/versions/<int:version>", api.prompt_version, name="api-prompt-version"),
    path("v2/prompts/<path:name>", api.prompt_detail, name="api-prompt-detail"),
]
