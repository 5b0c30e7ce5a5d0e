"""The Makefile's .PHONY line names exactly the targets the Makefile defines (no dead names)."""

import re

from django.conf import settings


def test_phony_lists_exactly_the_defined_targets():
    text = (settings.BASE_DIR / "Makefile").read_text()
    phony = set(re.search(r"^\.PHONY:(.*)$", text, re.M).group(1).split())
    # Rules whose names are words (file targets such as $(VENV)/.installed are not phony).
    defined = set(re.findall(r"^([a-z][a-z0-9-]*):(?!=)", text, re.M))
    assert {"run", "test"} <= defined
    assert phony == defined


def test_no_recipe_ignores_its_own_failure():
    """A recipe line ending in ``|| true`` (or prefixed with ``-``) is a check that cannot fail."""
    text = (settings.BASE_DIR / "Makefile").read_text()
    recipes = [line.strip() for line in text.splitlines() if line.startswith("\t")]
    assert [line for line in recipes if re.search(r"\|\|\s*true\s*$", line) or line.startswith("-")] == []
