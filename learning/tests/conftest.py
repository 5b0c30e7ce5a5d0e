"""Fixtures shared by the learning tests."""

import pytest

from learning.tests.test_player_fixtures import build_tree, clear_memos


@pytest.fixture(autouse=True)
def _memos():
    """The outline and progress modules memoise per process; no test may see another's memo."""
    clear_memos()
    yield
    clear_memos()


@pytest.fixture
def tree(world):
    """The small published tree of ``build_tree`` in university A's course."""
    return build_tree(world.a)
