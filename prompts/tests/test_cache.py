"""The resolved-prompt cache: warm reads cost no query, and no read is stale once a write has returned."""

import pytest
from django.db import transaction

from prompts import cache as prompt_cache
from prompts import selectors, services
from prompts.tests.factories import create

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_warm_resolve_costs_no_query(django_assert_num_queries):
    create("child", prompt="C", labels=["production"])
    create("parent", prompt="P @@@langfusePrompt:name=child|label=production@@@", labels=["production"])
    cold = selectors.get_prompt(name="parent")
    with django_assert_num_queries(0):
        warm = selectors.get_prompt(name="parent")
    assert warm == cold and warm.prompt == "P C"


def test_raw_fetch_skips_the_cache(django_assert_num_queries):
    create("a", labels=["production"])
    selectors.get_prompt(name="a")
    with django_assert_num_queries(1):
        selectors.get_prompt(name="a", resolve=False)


@pytest.mark.parametrize(
    "write",
    [
        lambda: create("child", prompt="NEW", labels=["production"]),
        lambda: services.update_prompt_labels(actor=None, name="child", version=2, add=["production"]),
        lambda: services.set_prompt_labels(actor=None, name="child", version=2, labels=["production"]),
    ],
    ids=["new-version", "promote", "set-labels"],
)
def test_no_stale_resolution_after_a_write_to_a_child(write):
    create("child", prompt="OLD", labels=["production"])
    create("child", prompt="NEW")
    create("parent", prompt="@@@langfusePrompt:name=child|label=production@@@", labels=["production"])
    assert selectors.get_prompt(name="parent").prompt == "OLD"
    write()
    assert selectors.get_prompt(name="parent").prompt == "NEW"


def test_no_stale_read_after_tags_or_delete():
    create("a", labels=["production"])
    create("a", labels=["production"])
    assert selectors.get_prompt(name="a").version == 2
    services.set_prompt_tags(actor=None, name="a", tags=["t"])
    assert selectors.get_prompt(name="a").tags == ["t"]
    services.update_prompt_labels(actor=None, name="a", version=1, add=["production"])
    services.delete_prompt(actor=None, name="a", version=2)
    fresh = selectors.get_prompt(name="a", label="latest")
    assert (fresh.version, fresh.labels) == (1, ["production", "latest"])


def test_the_generation_moves_only_when_the_write_commits():
    create("a", labels=["production"])
    before = prompt_cache.current_generation()
    with transaction.atomic():
        create("a", labels=["production"])
        assert prompt_cache.current_generation() == before  # a reader now still sees v1, correctly
    assert prompt_cache.current_generation() > before
    assert selectors.get_prompt(name="a").version == 2


def test_a_rolled_back_write_does_not_bump():
    create("a", labels=["production"])
    before = prompt_cache.current_generation()
    with pytest.raises(RuntimeError), transaction.atomic():
        create("a")
        raise RuntimeError
    assert prompt_cache.current_generation() == before


def test_versions_and_labels_have_separate_keys():
    assert prompt_cache.resolved_key(1, name="a", version=1, label=None) != prompt_cache.resolved_key(
        1, name="a", version=None, label="1"
    )
