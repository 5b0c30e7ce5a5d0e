"""Langfuse's public prompt API (v2), so the official SDKs and existing scripts work unchanged.

Shapes, status codes and error bodies follow shared/reference/langfuse-prompts.md §5: errors are
``{"message": …, "error": "<Langfuse error class>"}`` with 400 InvalidRequestError, 401 UnauthorizedError,
403 ForbiddenError, 404 LangfuseNotFoundError, 405 MethodNotAllowedError and 409 LangfuseConflictError
(a stored composition that no longer resolves). Authentication is HTTP Basic with an API key pair
(``PromptApiKey``); the key is the ``actor`` of every service call, so its protected-labels flag applies.
Extension: the PATCH body may carry ``removeLabels``.

Input PostgreSQL would refuse is a 400 before anything reaches the database: a NUL character in the path,
a query parameter or anywhere in the body, ``NaN``/``Infinity`` (or a number too large for a float) in the
body, a ``page`` beyond ``MAX_PAGE`` (its offset would overflow). The LMS is one Langfuse *project*, whose
id every prompt response carries as ``projectId`` (``PROJECT_ID``).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from datetime import UTC, datetime
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt

from lms.json_input import MAX_BYTES, NOT_JSON, TOO_LARGE, JsonInputError, parse_json
from prompts import permissions, selectors, services
from prompts.exceptions import PromptNotFoundError, PromptResolutionError
from prompts.models import Prompt, PromptApiKey
from prompts.selectors import ResolvedPrompt

UNAUTHORIZED = "Unauthorized: provide an API key pair with HTTP Basic authentication (public key : secret key)."
INVALID_CREDENTIALS = "Invalid credentials: the API key pair is unknown, wrong or deactivated."
BEARER_FORBIDDEN = "Access denied - need to use basic auth with secret key to GET prompts"
METHOD_NOT_ALLOWED = "Method not allowed"
INVALID_JSON = "Invalid request data: the body must be a JSON object."
INVALID_JSON_INPUT = "Invalid request data: {problem}"  # lms.json_input's limits: depth, size, encoding
INVALID_INTEGER = "Invalid request data: '{field}' must be an integer."
# Bounded so that (page - 1) * limit always fits PostgreSQL's OFFSET; beyond the last page the data is empty.
MAX_PAGE = 2**31 - 1
INVALID_PAGE = f"Invalid request data: 'page' must be an integer from 1 to {MAX_PAGE}."
INVALID_LIMIT = "Invalid request data: 'limit' must be an integer from 1 to 100."
INVALID_DATETIME = "Invalid request data: '{field}' must be an ISO-8601 date-time."
INVALID_RESOLVE = "Invalid request data: 'resolve' must be 'true' or 'false'."
MISSING_FIELD = "Invalid request data: '{field}' is required."
INVALID_LABEL_LIST = "Invalid request data: '{field}' must be a list of strings."
INVALID_COMMIT_MESSAGE = "Invalid request data: 'commitMessage' must be a string or null."
INVALID_NUL = "Invalid request data: '{field}' must not contain NUL characters."
INVALID_NOT_FINITE = "Invalid request data: '{field}' must not contain NaN, Infinity or numbers too large for JSON."
INVALID_CONSTANT = "Invalid request data: NaN and Infinity are not valid JSON."
# Langfuse's responses carry the project of the prompt; the LMS is a single project.
PROJECT_ID = "lms"


def _error(status: int, error: str, message: str) -> JsonResponse:
    return JsonResponse({"message": message, "error": error}, status=status)


class BadRequest(Exception):
    """Malformed request data, found by the API layer itself (400)."""


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def serialize_prompt(prompt: ResolvedPrompt | Prompt, *, with_graph: bool = False) -> dict[str, Any]:
    body = {
        "id": str(prompt.id),
        "projectId": PROJECT_ID,
        "createdAt": _iso(prompt.created_at),
        "updatedAt": _iso(prompt.updated_at),
        "createdBy": prompt.created_by,
        "name": prompt.name,
        "version": prompt.version,
        "type": prompt.type,
        "prompt": prompt.prompt,
        "config": prompt.config,
        "labels": list(prompt.labels),
        "tags": list(prompt.tags),
        "commitMessage": prompt.commit_message,
        "isActive": prompt.is_active,
    }
    if with_graph:
        body["resolutionGraph"] = getattr(prompt, "resolution_graph", None)
    return body


def _authenticate(request: HttpRequest) -> PromptApiKey | JsonResponse:
    header = request.headers.get("Authorization", "")
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        # Langfuse: a public key alone authenticates, but not for prompts.
        key = selectors.find_api_key(public_key=credentials.strip())
        if key is not None and permissions.api_key_may_act(key):
            return _error(403, "ForbiddenError", BEARER_FORBIDDEN)
        return _error(401, "UnauthorizedError", INVALID_CREDENTIALS)
    if scheme.lower() != "basic" or not credentials:
        response = _error(401, "UnauthorizedError", UNAUTHORIZED)
        response["WWW-Authenticate"] = 'Basic realm="prompts"'
        return response
    try:
        public_key, _, secret_key = base64.b64decode(credentials.strip(), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return _error(401, "UnauthorizedError", INVALID_CREDENTIALS)
    key = services.authenticate_api_key(public_key=public_key, secret_key=secret_key)
    if key is None:
        return _error(401, "UnauthorizedError", INVALID_CREDENTIALS)
    return key


def api_endpoint(*methods: str) -> Callable:
    """Authenticate, dispatch on method and turn the services' exceptions into Langfuse error bodies."""

    def decorate(handler: Callable) -> Callable:
        @csrf_exempt
        @wraps(handler)
        def view(request: HttpRequest, **kwargs: Any) -> HttpResponse:
            if request.method not in methods:
                response = _error(405, "MethodNotAllowedError", METHOD_NOT_ALLOWED)
                response["Allow"] = ", ".join(methods)
                return response
            key = _authenticate(request)
            if isinstance(key, JsonResponse):
                return key
            try:
                _refuse_nul_parameters(request, kwargs)
                return handler(request, key, **kwargs)
            except BadRequest as error:
                return _error(400, "InvalidRequestError", str(error))
            except ValidationError as error:
                return _error(400, "InvalidRequestError", " ".join(error.messages))
            except PermissionDenied as error:
                return _error(403, "ForbiddenError", str(error))
            except PromptNotFoundError as error:
                return _error(404, "LangfuseNotFoundError", error.message)
            except PromptResolutionError as error:
                return _error(409, "LangfuseConflictError", error.message)

        return view

    return decorate


def _refuse_nul_parameters(request: HttpRequest, path_parameters: dict[str, Any]) -> None:
    """The path's ``name`` and every query parameter: a NUL would reach PostgreSQL, which refuses it."""
    for field, value in [*path_parameters.items(), *request.GET.items()]:
        if services.unstorable(field) or services.unstorable(value):
            raise BadRequest(INVALID_NUL.format(field=field.replace("\x00", "")))


def _refuse_constant(constant: str) -> Any:
    raise BadRequest(INVALID_CONSTANT)


def _json_body(request: HttpRequest) -> dict[str, Any]:
    try:
        body = parse_json(request.body or b"null", parse_constant=_refuse_constant)
    except RequestDataTooBig:
        raise BadRequest(INVALID_JSON_INPUT.format(problem=TOO_LARGE.format(max_bytes=MAX_BYTES)))
    except JsonInputError as error:
        if error.message == NOT_JSON:
            raise BadRequest(INVALID_JSON)
        raise BadRequest(INVALID_JSON_INPUT.format(problem=error.message))
    if not isinstance(body, dict):
        raise BadRequest(INVALID_JSON)
    for field, value in body.items():
        problem = services.unstorable(field) or services.unstorable(value)
        if problem == "nul":
            raise BadRequest(INVALID_NUL.format(field=field.replace("\x00", "")))
        if problem == "not_finite":  # e.g. 1e400, which Python reads as infinity
            raise BadRequest(INVALID_NOT_FINITE.format(field=field))
    return body


def _int_param(request: HttpRequest, field: str, default: int | None = None) -> int | None:
    raw = request.GET.get(field)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise BadRequest(INVALID_INTEGER.format(field=field))


def _datetime_param(request: HttpRequest, field: str) -> datetime | None:
    raw = request.GET.get(field)
    if not raw:
        return None
    try:
        moment = parse_datetime(raw.replace(" ", "+"))  # a "+" in a query string arrives as a space
    except ValueError:
        moment = None
    if moment is None:
        raise BadRequest(INVALID_DATETIME.format(field=field))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _label_list(body: dict[str, Any], field: str) -> list[str]:
    value = body.get(field)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise BadRequest(INVALID_LABEL_LIST.format(field=field))
    return value


@api_endpoint("GET", "POST")
def prompts_collection(request: HttpRequest, key: PromptApiKey) -> HttpResponse:
    if request.method == "POST":
        return _create(request, key)
    page = _int_param(request, "page", 1)
    limit = _int_param(request, "limit", 10)
    if not 1 <= page <= MAX_PAGE:
        raise BadRequest(INVALID_PAGE)
    if not 1 <= limit <= 100:
        raise BadRequest(INVALID_LIMIT)
    result = selectors.list_prompts(
        name=request.GET.get("name"),
        label=request.GET.get("label"),
        tag=request.GET.get("tag"),
        version=_int_param(request, "version"),
        from_updated_at=_datetime_param(request, "fromUpdatedAt"),
        to_updated_at=_datetime_param(request, "toUpdatedAt"),
        page=page,
        limit=limit,
    )
    meta = {
        "page": result.page,
        "limit": result.limit,
        "totalItems": result.total_items,
        "totalPages": result.total_pages,
    }
    data = [
        {
            "name": item.name,
            "type": item.type,
            "versions": item.versions,
            "labels": item.labels,
            "tags": item.tags,
            "lastUpdatedAt": _iso(item.last_updated_at),
            "lastConfig": item.last_config,
        }
        for item in result.items
    ]
    return JsonResponse({"data": data, "meta": meta, "pagination": meta})


def _create(request: HttpRequest, key: PromptApiKey) -> HttpResponse:
    body = _json_body(request)
    for field in ("name", "prompt"):
        if field not in body:
            raise BadRequest(MISSING_FIELD.format(field=field))
    commit_message = body.get("commitMessage")
    if commit_message is not None and not isinstance(commit_message, str):
        raise BadRequest(INVALID_COMMIT_MESSAGE)
    tags = body.get("tags")
    created = services.create_prompt_version(
        actor=key,
        name=body["name"],
        prompt=body["prompt"],
        type=body.get("type") or "text",  # the Python SDK sends no type for text prompts
        labels=_label_list(body, "labels"),
        tags=None if tags is None else tags,
        config=body.get("config"),
        commit_message=commit_message,
    )
    return JsonResponse(serialize_prompt(created), status=201)


@api_endpoint("GET", "DELETE")
def prompt_detail(request: HttpRequest, key: PromptApiKey, name: str) -> HttpResponse:
    version = _int_param(request, "version") or None  # version=0 counts as not given
    label = request.GET.get("label") or None
    if request.method == "DELETE":
        services.delete_prompt(actor=key, name=name, version=version, label=label)
        return HttpResponse(status=204)
    resolve = request.GET.get("resolve", "true")
    if resolve not in ("true", "false"):
        raise BadRequest(INVALID_RESOLVE)
    prompt = selectors.get_prompt(name=name, version=version, label=label, resolve=resolve == "true")
    return JsonResponse(serialize_prompt(prompt, with_graph=True))


@api_endpoint("PATCH")
def prompt_version(request: HttpRequest, key: PromptApiKey, name: str, version: int) -> HttpResponse:
    body = _json_body(request)
    if "newLabels" not in body and "removeLabels" not in body:
        raise BadRequest(MISSING_FIELD.format(field="newLabels"))
    updated = services.update_prompt_labels(
        actor=key,
        name=name,
        version=version,
        add=_label_list(body, "newLabels"),
        remove=_label_list(body, "removeLabels"),
    )
    return JsonResponse(serialize_prompt(updated))
