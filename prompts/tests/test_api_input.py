"""Input PostgreSQL would refuse never reaches it: a clear 4xx, a Langfuse error body, nothing written.

PostgreSQL stores no NUL character in text or JSONB and no NaN/Infinity in JSONB; an OFFSET must fit a
bigint. Each case below was a 500 before the API and the services refused it up front.
"""

import json
from urllib.parse import quote

import pytest
from django.core.exceptions import ValidationError

from lms import json_input
from prompts import api as public_api
from prompts import services as s
from prompts.models import Prompt, PromptApiKey
from prompts.tests.factories import basic_auth, create

pytestmark = pytest.mark.django_db

BASE = "/api/public/v2/prompts"
NUL = "\x00"
TOO_DEEP_PROBLEM = json_input.TOO_DEEP.format(max_depth=json_input.MAX_DEPTH)


def post(client, body, path=BASE):
    return client.post(path, json.dumps(body), content_type="application/json")


def error(response, status, error_class, message):
    assert response.status_code == status, response.content
    assert response.json() == {"message": message, "error": error_class}


GOOD = {"name": "greeting", "prompt": "Hi {{name}}", "labels": ["production"]}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": f"gree{NUL}ting"}, "name"),
        ({"prompt": f"Hi{NUL}"}, "prompt"),
        ({"config": {"model": f"gpt{NUL}"}}, "config"),
        ({"config": {f"mo{NUL}del": "gpt"}}, "config"),
        ({"config": [[{"deep": NUL}]]}, "config"),
        ({"commitMessage": f"why{NUL}"}, "commitMessage"),
        ({"tags": [f"t{NUL}"]}, "tags"),
        ({"type": "chat", "prompt": [{"role": f"sys{NUL}", "content": "x"}]}, "prompt"),
        ({"type": "chat", "prompt": [{"role": "system", "content": f"x{NUL}"}]}, "prompt"),
    ],
)
def test_a_nul_anywhere_in_the_body_is_400_and_writes_nothing(api, changes, field):
    response = post(api, GOOD | changes)
    error(response, 400, "InvalidRequestError", public_api.INVALID_NUL.format(field=field))
    assert not Prompt.objects.exists()


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_in_the_body_are_400(api, literal):
    body = '{"name": "greeting", "prompt": "Hi", "config": {"temperature": LITERAL}}'.replace("LITERAL", literal)
    response = api.post(BASE, body, content_type="application/json")
    error(response, 400, "InvalidRequestError", public_api.INVALID_CONSTANT)
    assert not Prompt.objects.exists()


def test_a_number_too_large_for_a_float_is_400(api):
    # Python reads 1e400 as infinity, which JSONB cannot store.
    response = api.post(BASE, '{"name": "g", "prompt": "Hi", "config": {"t": 1e400}}', content_type="application/json")
    error(response, 400, "InvalidRequestError", public_api.INVALID_NOT_FINITE.format(field="config"))
    assert not Prompt.objects.exists()


def test_a_nul_in_the_patch_body_is_400_and_changes_nothing(api):
    create("greeting", labels=["production"])
    create("greeting")
    response = api.patch(
        f"{BASE}/greeting/versions/2", json.dumps({"newLabels": [f"prod{NUL}"]}), content_type="application/json"
    )
    error(response, 400, "InvalidRequestError", public_api.INVALID_NUL.format(field="newLabels"))
    assert Prompt.objects.get(name="greeting", version=1).labels == ["production"]


@pytest.mark.parametrize("method", ["get", "delete"])
def test_a_nul_in_the_path_name_is_400(api, method):
    create("greeting", labels=["production"])
    response = getattr(api, method)(f"{BASE}/{quote('gree' + NUL + 'ting', safe='')}")
    error(response, 400, "InvalidRequestError", public_api.INVALID_NUL.format(field="name"))
    assert Prompt.objects.filter(name="greeting").exists()


def test_a_nul_in_the_path_name_of_a_patch_is_400(api):
    create("greeting")
    response = api.patch(
        f"{BASE}/{quote('gree' + NUL, safe='')}/versions/1",
        json.dumps({"newLabels": ["staging"]}),
        content_type="application/json",
    )
    error(response, 400, "InvalidRequestError", public_api.INVALID_NUL.format(field="name"))
    assert Prompt.objects.get(name="greeting").labels == ["latest"]


@pytest.mark.parametrize(
    ("path", "param"),
    [
        (f"{BASE}/greeting", "label"),
        (BASE, "label"),
        (BASE, "tag"),
        (BASE, "name"),
    ],
)
def test_a_nul_in_a_query_parameter_is_400(api, path, param):
    create("greeting", labels=["production"])
    response = api.get(path, {param: f"x{NUL}"})
    error(response, 400, "InvalidRequestError", public_api.INVALID_NUL.format(field=param))


def test_a_nul_in_a_delete_label_is_400_and_deletes_nothing(api):
    create("greeting", labels=["production"])
    response = api.delete(f"{BASE}/greeting?label={quote('production' + NUL)}")
    error(response, 400, "InvalidRequestError", public_api.INVALID_NUL.format(field="label"))
    assert Prompt.objects.filter(name="greeting").exists()


@pytest.mark.parametrize("where", ["public", "secret"])
def test_a_nul_in_the_basic_auth_keys_is_401(client, api_key, where):
    key, secret = api_key
    public_key = key.public_key + NUL if where == "public" else key.public_key
    secret_key = secret + NUL if where == "secret" else secret
    response = client.get(BASE, HTTP_AUTHORIZATION=basic_auth(public_key, secret_key))
    error(response, 401, "UnauthorizedError", public_api.INVALID_CREDENTIALS)
    assert s.authenticate_api_key(public_key=public_key, secret_key=secret_key) is None


def test_a_nul_in_a_bearer_key_is_401(client, api_key):
    response = client.get(BASE, HTTP_AUTHORIZATION=f"Bearer {api_key[0].public_key}{NUL}")
    error(response, 401, "UnauthorizedError", public_api.INVALID_CREDENTIALS)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"page": str(10**30)}, public_api.INVALID_PAGE),
        ({"page": str(public_api.MAX_PAGE + 1)}, public_api.INVALID_PAGE),
        ({"limit": str(10**30)}, public_api.INVALID_LIMIT),
        ({"page": "9" * 5000}, public_api.INVALID_INTEGER.format(field="page")),
    ],
)
def test_huge_page_and_limit_are_400(api, query, message):
    create("greeting")
    error(api.get(BASE, query), 400, "InvalidRequestError", message)


def test_the_last_allowed_page_is_empty_not_an_error(api):
    create("greeting")
    response = api.get(BASE, {"page": str(public_api.MAX_PAGE), "limit": "100"})
    assert response.status_code == 200
    assert response.json()["data"] == [] and response.json()["meta"]["totalItems"] == 1


def test_huge_versions_are_not_found(api):
    create("greeting", labels=["production"])
    huge = 10**30
    error(
        api.get(f"{BASE}/greeting", {"version": str(huge)}),
        404,
        "LangfuseNotFoundError",
        f"Prompt not found: 'greeting' with version {huge}",
    )
    response = api.patch(
        f"{BASE}/greeting/versions/{huge}", json.dumps({"newLabels": ["x"]}), content_type="application/json"
    )
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"tags": {"a": 1}}, s.TAGS_INVALID),
        ({"tags": "one"}, s.TAGS_INVALID),
        ({"labels": {"production": True}}, public_api.INVALID_LABEL_LIST.format(field="labels")),
        ({"name": 42}, s.NAME_NOT_A_STRING),
        ({"name": ["a"]}, s.NAME_NOT_A_STRING),
        ({"type": ["chat"]}, s.TYPE_INVALID),
    ],
)
def test_wrongly_typed_fields_are_400_with_a_message_that_says_so(api, changes, message):
    error(post(api, GOOD | changes), 400, "InvalidRequestError", message)
    assert not Prompt.objects.exists()


def test_get_responses_carry_the_project_id(api):
    created = post(api, GOOD).json()
    fetched = api.get(f"{BASE}/greeting").json()
    patched = api.patch(
        f"{BASE}/greeting/versions/1", json.dumps({"newLabels": ["staging"]}), content_type="application/json"
    ).json()
    assert created["projectId"] == fetched["projectId"] == patched["projectId"] == public_api.PROJECT_ID
    assert list(fetched)[:2] == ["id", "projectId"]


def test_the_services_refuse_what_the_database_cannot_store():
    """Other callers than the API (the admin, other apps) get the same guarantee."""
    for call, message in [
        (lambda: create("a", config={"x": float("nan")}), s.NOT_FINITE.format(field="Config")),
        (lambda: create("a", config={"x": NUL}), s.NUL_CHARACTER.format(field="Config")),
        (lambda: create(f"a{NUL}"), s.NUL_CHARACTER.format(field="Prompt name")),
        (lambda: create("a", commit_message=NUL), s.NUL_CHARACTER.format(field="Commit message")),
        (lambda: create("a", commit_message=7), s.COMMIT_MESSAGE_INVALID),
        (
            lambda: s.set_prompt_tags(actor=None, name=f"a{NUL}", tags=["t"]),
            s.NUL_CHARACTER.format(field="Prompt name"),
        ),
        (lambda: s.delete_prompt(actor=None, name=f"a{NUL}"), s.NUL_CHARACTER.format(field="Prompt name")),
        (
            lambda: s.update_prompt_labels(actor=None, name=f"a{NUL}", version=1, add=["x"]),
            s.NUL_CHARACTER.format(field="Prompt name"),
        ),
        (lambda: s.create_api_key(actor=None, name=f"k{NUL}"), s.NUL_CHARACTER.format(field="The key's name")),
    ]:
        with pytest.raises(ValidationError) as raised:
            call()
        assert raised.value.messages == [message]
    assert not Prompt.objects.exists() and not PromptApiKey.objects.exists()


# --- deeply nested or oversized JSON (was a RecursionError: a 500) -------------------------------------

DEEP = "[" * 100_000 + "]" * 100_000
TOO_DEEP = public_api.INVALID_JSON_INPUT.format(problem=TOO_DEEP_PROBLEM)


@pytest.mark.parametrize(
    "body",
    [DEEP, '{"name": "greeting", "prompt": "Hi", "config": ' + DEEP + "}", '{"name": "greeting", "prompt": ' + DEEP + "}"],
    ids=["body", "config", "prompt"],
)
def test_deeply_nested_json_is_a_400_in_langfuses_format(api, body):
    response = api.post(BASE, body, content_type="application/json")
    error(response, 400, "InvalidRequestError", TOO_DEEP)
    assert not Prompt.objects.exists()


def test_config_nested_past_the_limit_is_refused_even_when_python_could_parse_it(api):
    """65 levels parse fine in Python, but nothing downstream (jsonb, the composer) should see them."""
    config = "[" * (json_input.MAX_DEPTH + 1) + "]" * (json_input.MAX_DEPTH + 1)
    response = api.post(BASE, '{"name": "greeting", "prompt": "Hi", "config": {"a": ' + config + "}}", content_type="application/json")
    error(response, 400, "InvalidRequestError", TOO_DEEP)
    nested = "[" * (json_input.MAX_DEPTH - 2) + "]" * (json_input.MAX_DEPTH - 2)
    response = api.post(BASE, '{"name": "greeting", "prompt": "Hi", "config": {"a": ' + nested + "}}", content_type="application/json")
    assert response.status_code == 201, response.content


def test_deeply_nested_patch_body_is_a_400(api):
    create(name="greeting", prompt="Hi", labels=["production"])
    response = api.patch(f"{BASE}/greeting/versions/1", DEEP, content_type="application/json")
    error(response, 400, "InvalidRequestError", TOO_DEEP)


def test_a_body_over_the_size_limit_is_a_400(api):
    body = '{"name": "greeting", "prompt": "' + "x" * json_input.MAX_BYTES + '"}'
    response = api.post(BASE, body, content_type="application/json")
    error(response, 400, "InvalidRequestError", public_api.INVALID_JSON_INPUT.format(problem=json_input.TOO_LARGE.format(max_bytes=json_input.MAX_BYTES)))
    assert not Prompt.objects.exists()


@pytest.mark.parametrize("debug", [False, True])
def test_deep_json_is_a_400_with_debug_on_or_off(api, settings, debug):
    settings.DEBUG = debug
    response = api.post(BASE, DEEP, content_type="application/json")
    error(response, 400, "InvalidRequestError", TOO_DEEP)
