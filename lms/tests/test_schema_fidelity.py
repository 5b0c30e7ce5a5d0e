"""The migrated database has every table, column and index name of both seed documents.

Parses ``docs/seeds/000_*.txt`` (PostgreSQL DDL) and ``001_*.txt`` (a Markdown reference) and
compares them with the test database through ``information_schema`` and ``pg_indexes``. The only
names allowed to differ are the two documented renames (docs/schema.md).
"""

import hashlib
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

# docs/seeds/ is the copy of the team's shared/seeds/ that ships with the code, so every checkout (CI's
# fresh clone included) runs these tests against the same text; SEED_SHA256 pins that text.
SEEDS_DIR = Path(settings.BASE_DIR) / "docs" / "seeds"
_SHARED_SEEDS = Path(settings.BASE_DIR).parent / "shared" / "seeds"
SEED_SHA256 = {
    "000_75328b28f1ef389c.txt": "9e9cfe7678abcc0e6bf9635cc0b4a7b89daf2cf35933cead32f685078a72016f",
    "001_db5ba5e05e84ea50.txt": "a8c1d77e5232520efb3e4357911a9ab874f8ebe55380dfaf065e105e79b73889",
}
pytestmark = [pytest.mark.django_db]

# (table, seed column) -> our column. docs/schema.md explains both.
RENAMES = {
    ("countries", "code"): "iso_code",  # seed 001's name; seed 000's iso_code wins
    ("content_items", "content_type"): "content_type_id",  # the enum became the content_types table
}

# Seed 000 type → (information_schema data_type, character length, numeric precision, scale).
_SEED_TYPES = {
    "BIGSERIAL": ("bigint", None, None, None),
    "BIGINT": ("bigint", None, None, None),
    "INT": ("integer", None, None, None),
    "BOOLEAN": ("boolean", None, None, None),
    "TEXT": ("text", None, None, None),
    "JSONB": ("jsonb", None, None, None),
    "TIMESTAMPTZ": ("timestamp with time zone", None, None, None),
}
_COLUMN_LINE = re.compile(r"^([a-z_][a-z0-9_]*)\s+([A-Za-z_]+(?:\(\d+(?:,\d+)?\))?)(.*)$")


def _seed_file(prefix: str) -> Path:
    (path,) = sorted(SEEDS_DIR.glob(f"{prefix}_*.txt"))
    return path


def parse_seed_000() -> tuple[dict[str, dict[str, tuple[str, bool]]], dict[str, tuple[str, bool]]]:
    """``({table: {column: (seed type, not null)}}, {index name: (table, unique)})`` from the DDL."""
    text = _seed_file("000").read_text()
    tables: dict[str, dict[str, tuple[str, bool]]] = {}
    for match in re.finditer(r"CREATE TABLE (\w+) \((.*?)\n\);", text, re.S):
        columns = {}
        for line in match.group(2).strip().splitlines():
            column = _COLUMN_LINE.match(line.strip())
            if column:
                name, seed_type, rest = column.groups()
                columns[name] = (seed_type, "NOT NULL" in rest or "PRIMARY KEY" in rest)
        tables[match.group(1)] = columns
    indexes = {
        m.group(2): (m.group(3), bool(m.group(1)))
        for m in re.finditer(r"CREATE (UNIQUE )?INDEX (\w+)\s+ON (\w+)", text)
    }
    return tables, indexes


def parse_seed_001() -> tuple[dict[str, set[str]], set[str]]:
    """``({table: {columns}}, {index names})`` from the Markdown reference."""
    tables: dict[str, set[str]] = {}
    indexes: set[str] = set()
    current = None
    for line in _seed_file("001").read_text().splitlines():
        table = re.match(r"^Table: (\w+)", line)
        if table:
            current = tables.setdefault(table.group(1), set())
            continue
        row = re.match(r"^\| ([a-z_][a-z0-9_]*) \|", line)
        if row and current is not None:
            current.add(row.group(1))
        index = re.match(r"^- (ix_\w+|ux_\w+)", line)
        if index:
            indexes.add(index.group(1))
    return tables, indexes


SEED_000_TABLES, SEED_000_INDEXES = parse_seed_000()
SEED_001_TABLES, SEED_001_INDEXES = parse_seed_001()
ALL_TABLES = sorted(set(SEED_000_TABLES) | set(SEED_001_TABLES))


def db_columns(table: str) -> dict[str, dict]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name, data_type, character_maximum_length, numeric_precision, numeric_scale, is_nullable "
            "FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = %s",
            [table],
        )
        return {
            row[0]: {"type": row[1], "length": row[2], "precision": row[3], "scale": row[4], "nullable": row[5] == "YES"}
            for row in cursor.fetchall()
        }


def db_indexes() -> dict[str, tuple[str, bool]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, t.relname, i.indisunique FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema()"
        )
        return {name: (table, unique) for name, table, unique in cursor.fetchall()}


def expected_type(seed_type: str) -> tuple[str, int | None, int | None, int | None]:
    varchar = re.fullmatch(r"VARCHAR\((\d+)\)", seed_type)
    if varchar:
        return ("character varying", int(varchar.group(1)), None, None)
    numeric = re.fullmatch(r"NUMERIC\((\d+),(\d+)\)", seed_type)
    if numeric:
        return ("numeric", None, int(numeric.group(1)), int(numeric.group(2)))
    if seed_type.endswith("_enum"):
        return ("character varying", None, None, None)  # enums are varchar + CHECK; length is ours
    return _SEED_TYPES[seed_type]


def test_the_parsers_found_the_seed_contents():
    # Guards against a parser that silently finds nothing (and so checks nothing).
    assert len(SEED_000_TABLES) == 26 and len(SEED_000_INDEXES) >= 40
    assert SEED_000_TABLES["courses"]["level"] == ("course_level_enum", True)
    assert SEED_000_INDEXES["ux_modules_course_parent_sequence"] == ("modules", True)
    assert {"chat_sessions", "chat_messages", "chat_notes", "system_settings", "content_types"} <= set(SEED_001_TABLES)
    assert "prompt_label" in SEED_001_TABLES["content_items"]
    assert "ix_users_email" in SEED_001_INDEXES


@pytest.mark.parametrize("table", ALL_TABLES)
def test_every_seed_table_and_column_exists(table):
    columns = db_columns(table)
    assert columns, f"table {table} is missing"
    seed_columns = set(SEED_000_TABLES.get(table, {})) | SEED_001_TABLES.get(table, set())
    missing = []
    for column in sorted(seed_columns):
        ours = RENAMES.get((table, column), column)
        if ours not in columns:
            missing.append(column)
        if ours != column:
            assert column not in columns, f"{table}.{column} was renamed to {ours} and must not exist too"
    assert missing == []


@pytest.mark.parametrize("table", sorted(SEED_000_TABLES))
def test_seed_000_column_types_and_nullability(table):
    columns = db_columns(table)
    problems = []
    for column, (seed_type, not_null) in SEED_000_TABLES[table].items():
        ours = columns.get(RENAMES.get((table, column), column))
        if ours is None:
            continue  # reported by the existence test
        if (table, column) in RENAMES:
            continue  # a foreign key now, not the seed's enum
        data_type, length, precision, scale = expected_type(seed_type)
        if ours["type"] != data_type:
            problems.append(f"{column}: {ours['type']} instead of {data_type}")
        if length is not None and ours["length"] != length:
            problems.append(f"{column}: length {ours['length']} instead of {length}")
        if precision is not None and (ours["precision"], ours["scale"]) != (precision, scale):
            problems.append(f"{column}: numeric({ours['precision']},{ours['scale']}) instead of ({precision},{scale})")
        if ours["nullable"] == not_null:
            problems.append(f"{column}: {'nullable' if ours['nullable'] else 'NOT NULL'} unlike the seed")
    assert problems == []


@pytest.mark.parametrize("name", sorted(SEED_000_INDEXES))
def test_every_seed_000_index_exists_under_its_name(name):
    table, unique = SEED_000_INDEXES[name]
    found = db_indexes().get(name)
    assert found is not None, f"index {name} on {table} is missing"
    assert found == (table, unique) or (unique is False and found[0] == table), found
    if unique:
        assert found[1], f"{name} must be unique"


@pytest.mark.parametrize("name", sorted(n for n in SEED_001_INDEXES if not n.startswith("ix_prompt")))
def test_seed_001_named_indexes_exist(name):
    # The prompts indexes belong to the prompts app and are checked by its own tests.
    assert name in db_indexes()


def test_seed_000_inline_unique_columns_keep_postgresql_default_names():
    indexes = db_indexes()
    for name, table in [
        ("countries_iso_code_key", "countries"),
        ("domains_code_key", "domains"),
        ("certificates_certificate_code_key", "certificates"),
    ]:
        assert indexes.get(name) == (table, True)


def test_no_foreign_key_carries_a_second_auto_named_index_beside_the_seeds():
    # For every single-column seed index, no other index covers exactly that column.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t.relname, a.attname, array_agg(c.relname ORDER BY c.relname) FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid "
            "JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = i.indkey[0] "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND i.indnatts = 1 AND i.indexprs IS NULL AND i.indpred IS NULL "
            "AND t.relname = ANY(%s) GROUP BY t.relname, a.attname HAVING count(*) > 1",
            [ALL_TABLES],
        )
        duplicates = cursor.fetchall()
    assert duplicates == []


def test_shipped_seeds_are_the_pinned_text():
    """The seeds the tests above read are exactly the pinned ones (no skip: they ship in docs/seeds/)."""
    shipped = {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in SEEDS_DIR.glob("*.txt")}
    assert shipped == SEED_SHA256


def test_shipped_seed_copies_match_the_shared_originals_when_present():
    """Beside the team's shared/ folder, the shipped copies equal the originals (a fresh clone has none,
    and relies on the pinned hashes above)."""
    originals = sorted(_SHARED_SEEDS.glob("*.txt")) if _SHARED_SEEDS.is_dir() else []
    for original in originals:
        assert (SEEDS_DIR / original.name).read_bytes() == original.read_bytes(), original.name
