"""The Langfuse public API: every endpoint, shape, status code and error body."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from prompts import api as public_api
from prompts import composition as comp
from prompts import selectors as sel
from prompts import services as s
from prompts.models import Prompt
from prompts.tests.factories import ProtectedLabelFactory, basic_auth, create

pytestmark = pytest.mark.django_db

BASE = "/api/public/v2/prompts"


def post(client, body, path=BASE):
    return client.post(path, json.dumps(body), content_type="application/json")


def patch(client, path, body):
    return client.patch(path, json.dumps(body), content_type="application/json")


def error(response, status, error_class, message):
    assert response.status_code == status, response.content
    assert response.json() == {"message": message, "error": error_class}


# --- Authentication ---


def test_missing_credentials_are_401(client):
    response = client.get(BASE)
    error(response, 401, "UnauthorizedError", public_api.UNAUTHORIZED)
    assert response["WWW-Authenticate"].startswith("Basic")


@pytest.mark.parametrize("how", ["wrong-secret", "unknown-key", "garbage", "inactive"])
def test_bad_credentials_are_401(client, api_key, how):
    key, secret = api_key
    header = {
        "wrong-secret": basic_auth(key.public_key, secret + "x"),
        "unknown-key": basic_auth("pk-lf-nope", secret),
        "garbage": "Basic !!!notbase64",
        "inactive": basic_auth(key.public_key, secret),
    }[how]
    if how == "inactive":
        s.update_api_key(actor=None, key=key, name=key.name, is_active=False, can_change_protected_labels=False)
    error(client.get(BASE, HTTP_AUTHORIZATION=header), 401, "UnauthorizedError", public_api.INVALID_CREDENTIALS)


def test_bearer_with_a_public_key_is_403(client, api_key):
    response = client.get(BASE, HTTP_AUTHORIZATION=f"Bearer {api_key[0].public_key}")
    error(response, 403, "ForbiddenError", public_api.BEARER_FORBIDDEN)


def test_wrong_method_is_405(api):
    error(api.put(BASE), 405, "MethodNotAllowedError", public_api.METHOD_NOT_ALLOWED)


# --- GET one ---


def test_get_defaults_to_production_and_has_the_sdk_shape(api):
    create(
        "greeting",
        prompt="Hi {{name}}",
        labels=["production"],
        tags=["onboarding"],
        config={"model": "m"},
        commit_message="first",
    )
    create("greeting", prompt="Hello {{name}}")
    body = api.get(f"{BASE}/greeting").json()
    assert body["prompt"] == "Hi {{name}}" and body["version"] == 1
    assert set(body) >= {
        "id",
        "createdAt",
        "updatedAt",
        "createdBy",
        "name",
        "version",
        "type",
        "prompt",
        "config",
        "labels",
        "tags",
        "commitMessage",
        "resolutionGraph",
        "isActive",
    }
    assert body["type"] == "text" and body["labels"] == ["production"] and body["tags"] == ["onboarding"]
    assert body["config"] == {"model": "m"} and body["commitMessage"] == "first" and body["isActive"] is True
    assert body["resolutionGraph"] is None and body["createdAt"].endswith("Z")
    assert api.get(f"{BASE}/greeting?version=2").json()["prompt"] == "Hello {{name}}"
    assert api.get(f"{BASE}/greeting?label=latest").json()["version"] == 2
    assert api.get(f"{BASE}/greeting?version=0").json()["version"] == 1  # 0 counts as not given


def test_folder_names_encoded_or_not(api):
    create("tutor/system/base", labels=["production"])
    assert api.get(f"{BASE}/tutor%2Fsystem%2Fbase").json()["name"] == "tutor/system/base"
    assert api.get(f"{BASE}/tutor/system/base").json()["name"] == "tutor/system/base"


def test_no_production_version_is_404_never_a_fallback(api):
    create("greeting")
    error(
        api.get(f"{BASE}/greeting"),
        404,
        "LangfuseNotFoundError",
        sel.NOT_FOUND_WITH_LABEL.format(name="greeting", label="production"),
    )
    error(
        api.get(f"{BASE}/greeting?label=staging"),
        404,
        "LangfuseNotFoundError",
        sel.NOT_FOUND_WITH_LABEL.format(name="greeting", label="staging"),
    )
    error(
        api.get(f"{BASE}/greeting?version=7"),
        404,
        "LangfuseNotFoundError",
        sel.NOT_FOUND_WITH_VERSION.format(name="greeting", version=7),
    )
    error(
        api.get(f"{BASE}/nobody"),
        404,
        "LangfuseNotFoundError",
        sel.NOT_FOUND_WITH_LABEL.format(name="nobody", label="production"),
    )


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("version=1&label=production", sel.VERSION_AND_LABEL),
        ("resolve=yes", public_api.INVALID_RESOLVE),
        ("version=abc", public_api.INVALID_INTEGER.format(field="version")),
    ],
)
def test_get_bad_queries_are_400(api, query, message):
    create("greeting", labels=["production"])
    error(api.get(f"{BASE}/greeting?{query}"), 400, "InvalidRequestError", message)


def test_get_resolves_by_default_and_raw_on_request(api):
    child = create("child", prompt="CHILD", labels=["production"])
    parent = create("parent", prompt="P @@@langfusePrompt:name=child|label=production@@@", labels=["production"])
    body = api.get(f"{BASE}/parent").json()
    assert body["prompt"] == "P CHILD"
    assert body["resolutionGraph"] == {
        "root": {"id": str(parent.id), "name": "parent", "version": 1},
        "dependencies": {str(parent.id): [{"id": str(child.id), "name": "child", "version": 1}]},
    }
    raw = api.get(f"{BASE}/parent?resolve=false").json()
    assert raw["prompt"] == "P @@@langfusePrompt:name=child|label=production@@@" and raw["resolutionGraph"] is None


def test_a_broken_stored_dependency_is_409(api):
    create("child", labels=["production"])
    create("parent", prompt="@@@langfusePrompt:name=child|label=production@@@", labels=["production"])
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM prompts WHERE name = 'child'")
    error(
        api.get(f"{BASE}/parent"),
        409,
        "LangfuseConflictError",
        comp.DEPENDENCY_NOT_FOUND_LABEL.format(name="child", label="production"),
    )


# --- POST ---


def test_create_text_as_the_python_sdk_sends_it(api):
    response = post(
        api,
        {"name": "a/b", "prompt": "Hi", "config": {}, "labels": ["production"], "tags": None, "commitMessage": None},
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["name"], body["version"], body["type"], body["labels"], body["createdBy"]) == (
        "a/b",
        1,
        "text",
        ["production", "latest"],
        "API",
    )
    assert "resolutionGraph" not in body


def test_create_chat_and_the_type_stays(api):
    chat = [{"role": "system", "content": "Hi", "type": "chatmessage"}, {"type": "placeholder", "name": "history"}]
    body = post(api, {"name": "c", "type": "chat", "prompt": chat}).json()
    assert body["prompt"] == [{"role": "system", "content": "Hi"}, {"type": "placeholder", "name": "history"}]
    error(post(api, {"name": "c", "prompt": "text now"}), 400, "InvalidRequestError", s.TYPE_CHANGED)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"name": "new", "prompt": "x"}, s.NAME_RESERVED),
        ({"name": "a|b", "prompt": "x"}, s.NAME_PIPE),
        ({"name": "a", "prompt": "x", "labels": ["Prod"]}, s.LABEL_INVALID.format(label="Prod")),
        ({"name": "a", "prompt": "x", "commitMessage": "m" * 501}, s.COMMIT_MESSAGE_TOO_LONG),
        ({"name": "a", "prompt": ["x"], "type": "chat"}, s.CHAT_MESSAGE_INVALID.format(index=1)),
        ({"name": "a", "prompt": [{"role": "u", "content": "x"}]}, s.TEXT_CONTENT_INVALID),
        ({"name": "a"}, public_api.MISSING_FIELD.format(field="prompt")),
        ({"name": "a", "prompt": "x", "labels": "production"}, public_api.INVALID_LABEL_LIST.format(field="labels")),
        (
            {"name": "a", "prompt": "@@@langfusePrompt:name=ghost|version=1@@@"},
            comp.DEPENDENCY_NOT_FOUND_VERSION.format(name="ghost", version=1),
        ),
        (
            {"name": "a", "prompt": "@@@langfusePrompt:name=a|label=production@@@"},
            comp.DEPENDENCY_NOT_FOUND_LABEL.format(name="a", label="production"),
        ),
    ],
)
def test_create_bad_input_is_400_and_writes_nothing(api, body, message):
    error(post(api, body), 400, "InvalidRequestError", message)
    assert not Prompt.objects.exists()


def test_create_with_invalid_json_is_400(api):
    response = api.post(BASE, "{not json", content_type="application/json")
    error(response, 400, "InvalidRequestError", public_api.INVALID_JSON)


def test_protected_labels_and_keys(client, api_key, privileged_api_key):
    ProtectedLabelFactory(label="production")
    plain = basic_auth(api_key[0].public_key, api_key[1])
    client.defaults["HTTP_AUTHORIZATION"] = plain
    response = post(client, {"name": "a", "prompt": "x", "labels": ["production"]})
    error(response, 403, "ForbiddenError", s.PROTECTED_LABELS_DENIED.format(labels="'production'"))
    assert post(client, {"name": "a", "prompt": "x", "labels": ["staging"]}).status_code == 201
    error(
        patch(client, f"{BASE}/a/versions/1", {"newLabels": ["production"]}),
        403,
        "ForbiddenError",
        s.PROTECTED_LABELS_DENIED.format(labels="'production'"),
    )
    client.defaults["HTTP_AUTHORIZATION"] = basic_auth(privileged_api_key[0].public_key, privileged_api_key[1])
    assert patch(client, f"{BASE}/a/versions/1", {"newLabels": ["production"]}).status_code == 200
    client.defaults["HTTP_AUTHORIZATION"] = plain
    error(
        client.delete(f"{BASE}/a?version=1"),
        403,
        "ForbiddenError",
        s.PROTECTED_DELETE_DENIED.format(labels="'production'"),
    )


# --- PATCH ---


def test_patch_is_additive_and_moves_labels(api):
    create("a", labels=["production"])
    create("a")
    response = patch(api, f"{BASE}/a/versions/2", {"newLabels": ["production", "staging"]})
    assert response.status_code == 200
    assert response.json()["labels"] == ["latest", "production", "staging"]
    assert Prompt.objects.get(name="a", version=1).labels == []


def test_patch_errors(api):
    create("a")
    error(
        patch(api, f"{BASE}/a/versions/1", {"newLabels": ["latest"]}), 400, "InvalidRequestError", s.LATEST_IS_RESERVED
    )
    error(
        patch(api, f"{BASE}/a/versions/9", {"newLabels": ["x"]}),
        404,
        "LangfuseNotFoundError",
        s.VERSION_NOT_FOUND.format(name="a", version=9),
    )
    error(
        patch(api, f"{BASE}/a/versions/1", {}),
        400,
        "InvalidRequestError",
        public_api.MISSING_FIELD.format(field="newLabels"),
    )
    error(
        patch(api, f"{BASE}/a/versions/1", {"newLabels": ["Bad Label"]}),
        400,
        "InvalidRequestError",
        s.LABEL_INVALID.format(label="Bad Label"),
    )


def test_patch_remove_labels_extension(api):
    create("child", labels=["production", "candidate"])
    create("parent", prompt="@@@langfusePrompt:name=child|label=production@@@")
    response = patch(api, f"{BASE}/child/versions/1", {"newLabels": [], "removeLabels": ["candidate"]})
    assert response.status_code == 200 and response.json()["labels"] == ["production", "latest"]
    error(
        patch(api, f"{BASE}/child/versions/1", {"removeLabels": ["latest"]}),
        400,
        "InvalidRequestError",
        s.LATEST_IS_RESERVED,
    )
    error(
        patch(api, f"{BASE}/child/versions/1", {"removeLabels": ["production"]}),
        400,
        "InvalidRequestError",
        s.DEPENDANTS_BLOCK_LABEL_REMOVAL.format(dependants="parent v1 depends on child production"),
    )


def test_folder_names_in_patch(api):
    create("team/a")
    assert patch(api, f"{BASE}/team%2Fa/versions/1", {"newLabels": ["production"]}).json()["name"] == "team/a"


# --- DELETE ---


def test_delete(api):
    for _ in range(3):
        create("a")
    assert api.delete(f"{BASE}/a?version=3").status_code == 204
    assert Prompt.objects.get(name="a", version=2).labels == ["latest"]
    assert api.delete(f"{BASE}/a?label=latest").status_code == 204
    error(api.delete(f"{BASE}/a?version=1&label=latest"), 400, "InvalidRequestError", s.VERSION_AND_LABEL)
    error(api.delete(f"{BASE}/a?version=9"), 404, "LangfuseNotFoundError", s.PROMPT_NOT_FOUND)
    assert api.delete(f"{BASE}/a").status_code == 204
    error(api.delete(f"{BASE}/a"), 404, "LangfuseNotFoundError", s.PROMPT_NOT_FOUND)


def test_delete_with_dependants_is_400(api):
    create("child")
    create("parent", prompt="@@@langfusePrompt:name=child|version=1@@@")
    error(
        api.delete(f"{BASE}/child"),
        400,
        "InvalidRequestError",
        s.DEPENDANTS_BLOCK_DELETE.format(dependants="parent v1 depends on child v1"),
    )


# --- List ---


def test_list_groups_filters_and_paginates(api):
    create("b", labels=["production"], tags=["t1"], config={"v": 1})
    create("b", labels=["dev"], config={"v": 2})
    create("b")
    create("a", type="chat", prompt=[{"role": "system", "content": "x"}])
    body = api.get(BASE).json()
    assert body["meta"] == body["pagination"] == {"page": 1, "limit": 10, "totalItems": 2, "totalPages": 1}
    assert [item["name"] for item in body["data"]] == ["a", "b"]
    b = body["data"][1]
    assert b["versions"] == [1, 2, 3] and b["labels"] == ["dev", "latest", "production"]
    assert b["tags"] == ["t1"] and b["type"] == "text" and b["lastConfig"] == {} and b["lastUpdatedAt"].endswith("Z")
    dev = api.get(f"{BASE}?label=dev").json()["data"]
    assert dev == [dict(dev[0], versions=[2], labels=["dev"], lastConfig={"v": 2})]
    assert [i["name"] for i in api.get(f"{BASE}?tag=t1").json()["data"]] == ["b"]
    assert [i["name"] for i in api.get(f"{BASE}?name=a").json()["data"]] == ["a"]
    assert api.get(f"{BASE}?name=zzz").json()["data"] == []
    page2 = api.get(f"{BASE}?limit=1&page=2").json()
    assert [i["name"] for i in page2["data"]] == ["b"] and page2["meta"]["totalPages"] == 2
    assert api.get(f"{BASE}?fromUpdatedAt=2000-01-01T00:00:00Z").json()["meta"]["totalItems"] == 2
    assert api.get(f"{BASE}?toUpdatedAt=2000-01-01T00:00:00%2B00:00").json()["data"] == []


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("page=0", public_api.INVALID_PAGE),
        ("limit=101", public_api.INVALID_LIMIT),
        ("limit=x", public_api.INVALID_INTEGER.format(field="limit")),
        ("fromUpdatedAt=yesterday", public_api.INVALID_DATETIME.format(field="fromUpdatedAt")),
    ],
)
def test_list_bad_queries_are_400(api, query, message):
    error(api.get(f"{BASE}?{query}"), 400, "InvalidRequestError", message)


def test_list_query_count_does_not_grow_with_versions(api):
    def queries_for_list():
        with CaptureQueriesContext(connection) as captured:
            assert api.get(BASE).status_code == 200
        return len(captured)

    for name in ("a", "b", "c"):
        create(name, labels=["production"])
    queries_for_list()  # the first request of a key records last_used_at
    few = queries_for_list()
    for name in ("a", "b", "c"):
        for _ in range(5):
            create(name, labels=["staging"])
    assert queries_for_list() == few
