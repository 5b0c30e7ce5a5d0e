"""Every database rule of the prompt tables, broken with a raw write."""

import pytest
from django.db import IntegrityError, connection, transaction

from prompts.models import Prompt, PromptDependency, PromptLabel
from prompts.tests.factories import PromptDependencyFactory, PromptFactory, ProtectedLabelFactory

pytestmark = pytest.mark.django_db


def raw(sql, params=()):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_name_and_version_are_unique():
    PromptFactory(name="a", version=1)
    with pytest.raises(IntegrityError, match="ux_prompts_name_version"):
        raw("INSERT INTO prompts (name, version, prompt, created_by) VALUES ('a', 1, '\"x\"', 's')")


@pytest.mark.parametrize(
    ("column", "value", "constraint"),
    [("version", "0", "ck_prompts_version_positive"), ("type", "'audio'", "ck_prompts_type_valid")],
)
def test_check_constraints_on_prompts(column, value, constraint):
    values = {"version": "1", "type": "'text'"} | {column: value}
    with pytest.raises(IntegrityError, match=constraint):
        raw(
            f"INSERT INTO prompts (name, version, type, prompt, created_by) VALUES ('a', {values['version']}, {values['type']}, '\"x\"', 's')"  # noqa: S608
        )


def test_database_defaults_fill_config_labels_tags_and_timestamps():
    raw("INSERT INTO prompts (name, version, prompt, created_by) VALUES ('d', 1, '\"x\"', 's')")
    row = Prompt.objects.get(name="d")
    assert (row.type, row.config, row.labels, row.tags) == ("text", {}, [], [])
    assert row.created_at is not None and row.updated_at == row.created_at


def test_updated_at_moves_on_every_update_including_queryset_update():
    prompt = PromptFactory()
    # The trigger overwrites whatever the statement sets, so even an explicit old value does not stick.
    Prompt.objects.filter(pk=prompt.pk).update(tags=["x"], updated_at="2000-01-01T00:00:00Z")
    prompt.refresh_from_db()
    assert prompt.updated_at.year > 2000
    with connection.cursor() as cursor:
        cursor.execute("SELECT tgname FROM pg_trigger WHERE tgrelid = 'prompts'::regclass AND NOT tgisinternal")
        triggers = {row[0] for row in cursor.fetchall()}
    assert {"trg_prompts_updated_at", "trg_prompts_label_rows"} <= triggers


def test_a_label_cannot_be_on_two_versions_of_a_name_even_by_raw_sql():
    PromptFactory(name="a", version=1, labels=["production"])
    PromptFactory(name="a", version=2)
    PromptFactory(name="b", version=1, labels=["production"])  # another name may hold it
    with pytest.raises(IntegrityError, match="ux_prompt_labels_name_label"):
        raw("UPDATE prompts SET labels = ARRAY['production'] WHERE name = 'a' AND version = 2")


def test_the_side_table_mirrors_the_array_on_every_write():
    prompt = PromptFactory(name="a", labels=["production", "latest"])
    assert set(PromptLabel.objects.filter(prompt=prompt).values_list("label", flat=True)) == {"production", "latest"}
    raw("UPDATE prompts SET labels = ARRAY['staging'] WHERE id = %s", [prompt.pk])
    assert list(PromptLabel.objects.filter(name="a").values_list("label", "prompt_id")) == [("staging", prompt.pk)]


def test_a_label_twice_in_one_array_is_rejected():
    with pytest.raises(IntegrityError, match="ux_prompt_labels_name_label"):
        raw(
            "INSERT INTO prompts (name, version, prompt, labels, created_by) VALUES ('a', 1, '\"x\"', ARRAY['x', 'x'], 's')"
        )


@pytest.mark.parametrize("label", ["Production", "has space", "a/b", "x" * 37, ""])
def test_label_format_is_a_database_rule(label):
    with pytest.raises(IntegrityError, match="ck_prompt_labels_label_format"):
        raw(
            "INSERT INTO prompts (name, version, prompt, labels, created_by) VALUES ('a', 1, '\"x\"', ARRAY[%s], 's')",
            [label],
        )


def test_protected_label_is_unique_and_well_formed():
    ProtectedLabelFactory(label="production")
    with pytest.raises(IntegrityError, match="ux_prompt_protected_labels_label"):
        raw("INSERT INTO prompt_protected_labels (label) VALUES ('production')")
    with pytest.raises(IntegrityError, match="ck_prompt_protected_labels_format"):
        raw("INSERT INTO prompt_protected_labels (label) VALUES ('Prod')")


@pytest.mark.parametrize(("version", "label"), [(None, None), (1, "production")])
def test_dependency_needs_exactly_one_of_version_and_label(version, label):
    parent = PromptFactory()
    with pytest.raises(IntegrityError, match="ck_prompt_deps_version_xor_label"):
        raw(
            "INSERT INTO prompt_dependencies (parent_id, child_name, child_version, child_label) VALUES (%s, 'c', %s, %s)",
            [parent.pk, version, label],
        )


def test_deleting_a_version_in_sql_cascades_to_its_dependencies_and_label_rows():
    dependency = PromptDependencyFactory(parent=PromptFactory(labels=["production"]))
    raw("DELETE FROM prompts WHERE id = %s", [dependency.parent_id])
    assert not PromptDependency.objects.exists()
    assert not PromptLabel.objects.exists()


def test_seed_index_names_exist():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN ('prompts', 'prompt_dependencies')"
        )
        indexes = dict(cursor.fetchall())
    for name in ["ix_prompts_name", "ix_prompts_created_at", "ix_prompt_deps_parent", "ix_prompt_deps_child"]:
        assert name in indexes
    assert "USING gin (labels)" in indexes["ix_prompts_labels"]
    assert "USING gin (tags)" in indexes["ix_prompts_tags"]
    assert "UNIQUE" in indexes["ux_prompts_name_version"]
