"""Composition: parsing the reference tags, validating the graph at creation, resolving at fetch time."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from prompts import composition as c
from prompts import selectors
from prompts.composition import DependencyRef, parse_dependency_tags
from prompts.exceptions import PromptResolutionError
from prompts.models import PromptDependency
from prompts.tests.factories import create

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("@@@langfusePrompt:name=a|version=1@@@", [DependencyRef("a", version=1)]),
        ("@@@langfusePrompt:name=my prompt|label=production@@@", [DependencyRef("my prompt", label="production")]),
        (
            "@@@langfusePrompt:name=f/a|label=x@@@ @@@langfusePrompt:name=f/a|label=x@@@",
            [DependencyRef("f/a", label="x")],
        ),
        ("@@@langfusePrompt:version=1|name=a@@@", []),
        ("@@@langfusePrompt:name=a|version=one@@@", []),
        ("@@@langfusePrompt:name=a|something=else@@@", []),
        ("@@@langfusePrompt:name=a@@@", []),
        ("@@@langfusePrompt:name=a|version=1|label=x@@@", []),
        ("@@@langfusePrompt:name=a=b|label=c=d@@@", [DependencyRef("a", label="c")]),
        ("@@@langfuseMedia:type=image|id=1@@@", []),
        (
            [
                {"role": "system", "content": "x @@@langfusePrompt:name=a|version=2@@@"},
                {"type": "placeholder", "name": "h"},
            ],
            [DependencyRef("a", version=2)],
        ),
    ],
)
def test_parsing_follows_langfuse(content, expected):
    assert parse_dependency_tags(content) == expected


def test_dependencies_are_stored_with_the_version():
    create("child", labels=["production"])
    parent = create(
        "parent",
        prompt="A @@@langfusePrompt:name=child|label=production@@@ B @@@langfusePrompt:name=child|version=1@@@",
    )
    rows = set(PromptDependency.objects.filter(parent=parent).values_list("child_name", "child_version", "child_label"))
    assert rows == {("child", None, "production"), ("child", 1, None)}


def test_resolution_of_text_with_label_links_following_their_label(django_capture_on_commit_callbacks):
    child = create("child", prompt='Be "kind".\nAlways.', labels=["production"])
    create("parent", prompt="Rules: @@@langfusePrompt:name=child|label=production@@@ End.", labels=["production"])
    first = selectors.get_prompt(name="parent")
    assert first.prompt == 'Rules: Be "kind".\nAlways. End.'
    assert first.resolution_graph == {
        "root": {"id": str(first.id), "name": "parent", "version": 1},
        "dependencies": {str(first.id): [{"id": str(child.id), "name": "child", "version": 1}]},
    }
    with django_capture_on_commit_callbacks(execute=True):  # the cache generation moves on commit
        create("child", prompt="Be brief.", labels=["production"])
    assert selectors.get_prompt(name="parent").prompt == "Rules: Be brief. End."


def test_resolution_inside_chat_messages_keeps_json_valid():
    create("child", prompt='Say "hi"\nthen stop')
    create(
        "chat",
        type="chat",
        prompt=[
            {"role": "system", "content": "S: @@@langfusePrompt:name=child|version=1@@@"},
            {"type": "placeholder", "name": "history"},
        ],
        labels=["production"],
    )
    assert selectors.get_prompt(name="chat").prompt == [
        {"role": "system", "content": 'S: Say "hi"\nthen stop'},
        {"type": "placeholder", "name": "history"},
    ]


def test_nested_duplicate_and_invalid_tags():
    create("leaf", prompt="LEAF")
    create("mid", prompt="[@@@langfusePrompt:name=leaf|version=1@@@]")
    create(
        "top",
        prompt="@@@langfusePrompt:name=mid|version=1@@@ @@@langfusePrompt:name=mid|version=1@@@ @@@langfusePrompt:name=mid@@@",
        labels=["production"],
    )
    resolved = selectors.get_prompt(name="top")
    assert resolved.prompt == "[LEAF] [LEAF] @@@langfusePrompt:name=mid@@@"
    assert len(resolved.resolution_graph["dependencies"]) == 2  # top → mid, mid → leaf


def test_diamonds_are_allowed():
    create("leaf", prompt="L")
    create("left", prompt="@@@langfusePrompt:name=leaf|version=1@@@")
    create("right", prompt="@@@langfusePrompt:name=leaf|version=1@@@")
    create("top", prompt="@@@langfusePrompt:name=left|version=1@@@+@@@langfusePrompt:name=right|version=1@@@")
    assert selectors.get_prompt(name="top", version=1).prompt == "L+L"


@pytest.mark.parametrize(
    ("setup", "content", "message"),
    [
        (
            [],
            "@@@langfusePrompt:name=ghost|version=1@@@",
            c.DEPENDENCY_NOT_FOUND_VERSION.format(name="ghost", version=1),
        ),
        (
            [],
            "@@@langfusePrompt:name=ghost|label=production@@@",
            c.DEPENDENCY_NOT_FOUND_LABEL.format(name="ghost", label="production"),
        ),
        (
            ["chatchild"],
            "@@@langfusePrompt:name=chatchild|version=1@@@",
            c.DEPENDENCY_NOT_TEXT.format(name="chatchild", version=1),
        ),
        (["root-v1"], "@@@langfusePrompt:name=root|version=1@@@", c.CIRCULAR_DEPENDENCY.format(name="root", version=1)),
        (
            ["b-points-to-root"],
            "@@@langfusePrompt:name=b|version=1@@@",
            c.CIRCULAR_DEPENDENCY.format(name="root", version=1),
        ),
    ],
)
def test_graph_errors_at_creation_are_refused_with_a_clear_message(setup, content, message):
    if "chatchild" in setup:
        create("chatchild", type="chat", prompt=[{"role": "system", "content": "x"}])
    if "root-v1" in setup:
        create("root", prompt="plain")
    if "b-points-to-root" in setup:
        create("root", prompt="plain", labels=["production"])
        create("b", prompt="@@@langfusePrompt:name=root|label=production@@@")
    with pytest.raises(ValidationError) as error:
        create("root", prompt=content)
    assert error.value.messages == [message]


def chain(length):
    """depth-1 … depth-<length>: each references the next; depth-<length> is plain text."""
    create(f"depth-{length}", prompt="bottom")
    for level in range(length - 1, 0, -1):
        create(f"depth-{level}", prompt=f"<@@@langfusePrompt:name=depth-{level + 1}|version=1@@@>")


def test_a_chain_of_five_prompts_resolves_and_six_is_too_deep():
    chain(5)
    assert selectors.get_prompt(name="depth-1", version=1).prompt == "<<<<bottom>>>>"
    with pytest.raises(ValidationError) as error:
        create("depth-0", prompt="@@@langfusePrompt:name=depth-1|version=1@@@")
    assert error.value.messages == [c.MAX_DEPTH_EXCEEDED]


def test_fetch_time_failure_is_a_resolution_error_and_raw_fetch_still_works():
    create("child", labels=["production"])
    create("parent", prompt="@@@langfusePrompt:name=child|label=production@@@", labels=["production"])
    with connection.cursor() as cursor:  # a direct edit the services would refuse
        cursor.execute("DELETE FROM prompts WHERE name = 'child'")
    with pytest.raises(PromptResolutionError) as error:
        selectors.get_prompt(name="parent")
    assert error.value.message == c.DEPENDENCY_NOT_FOUND_LABEL.format(name="child", label="production")
    raw = selectors.get_prompt(name="parent", resolve=False)
    assert raw.prompt == "@@@langfusePrompt:name=child|label=production@@@"
    assert raw.resolution_graph is None


def test_a_prompt_without_references_has_no_resolution_graph():
    create("a", labels=["production"])
    assert selectors.get_prompt(name="a").resolution_graph is None


# --- Query counts: a fixed number per level of the graph, never one per node ---


def _queries(function):
    with CaptureQueriesContext(connection) as captured:
        result = function()
    return len(captured), result


def _wide_parent(name, children):
    """A parent referencing ``children`` leaves, half by label and half by version, each with a grandchild."""
    create(f"{name}-grandchild", prompt="g", labels=["production"])
    refs = []
    for i in range(children):
        create(f"{name}-leaf-{i}", prompt=f"leaf {i} @@@langfusePrompt:name={name}-grandchild|label=production@@@")
        how = "label=latest" if i % 2 else "version=1"
        refs.append(f"@@@langfusePrompt:name={name}-leaf-{i}|{how}@@@")
    return create(name, prompt=" ".join(refs), labels=["production"])


def test_a_cold_resolve_costs_the_same_queries_for_one_child_or_twenty():
    _wide_parent("narrow", 1)
    _wide_parent("wide", 20)
    narrow, resolved_narrow = _queries(lambda: selectors.get_prompt(name="narrow", label="production"))
    wide, resolved_wide = _queries(lambda: selectors.get_prompt(name="wide", label="production"))
    assert resolved_narrow.prompt == "leaf 0 g"
    assert resolved_wide.prompt == " ".join(f"leaf {i} g" for i in range(20))
    assert wide == narrow


def test_creating_a_version_validates_its_graph_in_a_fixed_number_of_queries():
    _wide_parent("narrow", 1)
    _wide_parent("wide", 20)
    narrow, _ = _queries(lambda: create("narrow", prompt="@@@langfusePrompt:name=narrow-leaf-0|version=1@@@"))
    wide, _ = _queries(
        lambda: create("wide", prompt=" ".join(f"@@@langfusePrompt:name=wide-leaf-{i}|version=1@@@" for i in range(20)))
    )
    assert wide == narrow


def test_the_dependency_graph_costs_the_same_queries_for_one_reference_or_twenty():
    narrow_parent = _wide_parent("narrow", 1)
    wide_parent = _wide_parent("wide", 20)
    narrow, graph_narrow = _queries(lambda: selectors.dependency_graph(prompt=narrow_parent))
    wide, graph_wide = _queries(lambda: selectors.dependency_graph(prompt=wide_parent))
    assert [edge.target.name for edge in graph_narrow.uses] == ["narrow-leaf-0"]
    assert len(graph_wide.uses) == 20 and all(edge.target is not None for edge in graph_wide.uses)
    assert wide == narrow
