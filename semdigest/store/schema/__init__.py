"""The library's schema, reached by numbered migrations (as simonw/llm's migrations.py): each one a
function, applied in order, recorded in the ``migrations`` table once applied, so a library written
by any earlier release opens and is brought up to date in one transaction.

The tables (tables.py) are written once for both stores. Their migrations are IF NOT EXISTS, so a
library missing one of their tables or indexes gets them again. A library that may only be read
here cannot be migrated: SQLite reads it through empty stand-ins of the tables it lacks (this
connection only); PostgreSQL says who can upgrade it.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Callable

from ..sql import APPLICATION, SCHEMA_VERSION
from .tables import ARXIV_METADATA, INTEREST_VECTORS_AND_MAP, INTERESTS, SCHEMA_2, TRACKING

MIGRATIONS: list[Callable] = []
_MAKES: dict[str, str] = {}  # migration name -> the tables it makes (IF NOT EXISTS)


def migration(tables: str = ""):
    def register(function: Callable) -> Callable:
        MIGRATIONS.append(function)
        _MAKES[function.__name__] = tables
        return function
    return register


@migration(SCHEMA_2)
def m001_schema_2(store) -> None:
    _create(store, SCHEMA_2)
    store._many("INSERT INTO {s}.meta VALUES (%s, %s) ON CONFLICT (key) DO NOTHING", [
        ("application", APPLICATION), ("schema_version", SCHEMA_VERSION), ("library_id", uuid.uuid4().hex)])


@migration()
def m002_from_schema_1(store) -> None:
    """A library of semdigest 0.1 (SQLite) gets integer vector ids and links (from_v1.py)."""
    if store.get_meta("schema_version") == "1":
        from .from_v1 import upgrade_from_v1

        upgrade_from_v1(store)


@migration(INTERESTS)
def m003_interests(store) -> None:
    _create(store, INTERESTS)


@migration(INTEREST_VECTORS_AND_MAP)
def m004_interest_vectors_and_map_points(store) -> None:
    _create(store, INTEREST_VECTORS_AND_MAP)


@migration(TRACKING)
def m005_topics_across_days(store) -> None:
    _create(store, TRACKING)


@migration()
def m006_arxiv_metadata(store) -> None:
    """arXiv's metadata columns on papers (tables.ARXIV_METADATA): those the table lacks, since
    SQLite has no ADD COLUMN IF NOT EXISTS and this migration runs again where its record is lost."""
    present = store.table_columns("papers")
    for name, kind in ARXIV_METADATA.items():
        if name not in present:
            store._run(f"ALTER TABLE {{s}}.papers ADD COLUMN {name} {kind.format(**store.column_types)}")


@migration()
def m007_full_text(store) -> None:
    """Full-text search kept by the store (full_text.py: FTS5 and triggers, or a tsvector column, its
    trigger and GIN index), filled from the papers already stored."""
    for statement in store.full_text_schema:
        store._run(statement)


def names(tables: str) -> set[str]:
    """The tables and indexes a piece of tables.py makes."""
    return set(re.findall(r"CREATE (?:TABLE|INDEX) IF NOT EXISTS (?:\{s\}\.)?(\w+)", tables))


NAMES = frozenset().union(*(names(tables) for tables in _MAKES.values()))
TABLES = frozenset(re.findall(r"CREATE TABLE IF NOT EXISTS \{s\}\.(\w+)", "".join(_MAKES.values())))


def pending(store, present: set[str]) -> list[Callable]:
    """The migrations ``store`` still needs, given the tables and indexes it has (``present``)."""
    applied = {r[0] for r in store._run("SELECT name FROM {s}.migrations")} if "migrations" in present else set()
    return [m for m in MIGRATIONS if m.__name__ not in applied or not names(_MAKES[m.__name__]) <= present]


def migrate(store, present: set[str]) -> None:
    """Inside ``store.write()``: apply the pending migrations in order and record them. The record's
    table comes last, so a new library's first pages hold what they always held (meta, papers)."""
    applied = []
    for function in pending(store, present):
        function(store)
        applied.append(function.__name__)
    now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    store._run("CREATE TABLE IF NOT EXISTS {s}.migrations (name TEXT PRIMARY KEY, applied TEXT NOT NULL)")
    store._many("INSERT INTO {s}.migrations VALUES (%s, %s) ON CONFLICT (name) DO NOTHING",
                [(name, now) for name in applied])


def stand_ins(store, present: set[str]) -> list[str]:
    """CREATE TEMP TABLE statements for the tables ``store`` lacks: empty, for a read-only SQLite file."""
    missing = TABLES - present
    return [statement.replace("CREATE TABLE", "CREATE TEMP TABLE", 1)
            for statement in _statements(store, "".join(_MAKES.values()))
            if (found := re.match(r"\s*CREATE TABLE IF NOT EXISTS \{s\}\.(\w+)", statement)) and found[1] in missing]


def _create(store, tables: str) -> None:
    for statement in _statements(store, tables):
        store._run(statement)


def _statements(store, tables: str) -> list[str]:
    text = tables.format(s="{s}", vector_column=store.vector_column, **store.column_types)
    return [statement for statement in text.split(";") if statement.strip()]
