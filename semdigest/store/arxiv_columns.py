"""The papers table's columns for arXiv's own metadata (a backfill brings them; a digest has
none): their SQL in each dialect and their values in and out, shared by both stores. Added to
a library made before them on its first writable open; a read-only one reads without them."""

from __future__ import annotations

import datetime as dt
import json

from ..records import Paper, Version

COLUMNS = ("submitter", "comments", "journal_ref", "doi", "report_no", "license", "versions", "revised", "updated")
_TYPES = {"sqlite": dict.fromkeys(COLUMNS, "TEXT"),
          "postgres": {**dict.fromkeys(COLUMNS, "TEXT"), "revised": "DATE", "updated": "DATE"}}


def add_statements(dialect: str, table: str, present: set[str]) -> list[str]:
    """ALTER TABLE statements adding the columns a papers table lacks (appended, in order)."""
    return [f"ALTER TABLE {table} ADD COLUMN {name} {_TYPES[dialect][name]}" for name in COLUMNS
            if name not in present]


def values(paper: Paper, dialect: str) -> tuple:
    """The paper's values for COLUMNS: versions as JSON ([[number, ISO time], ...]), days as ISO
    text in SQLite and dates in PostgreSQL."""
    day = (lambda d: d.isoformat() if d else None) if dialect == "sqlite" else (lambda d: d)
    versions = json.dumps([[v.number, v.created.isoformat()] for v in paper.versions]) if paper.versions else None
    return (paper.submitter, paper.comments, paper.journal_ref, paper.doi, paper.report_no, paper.license,
            versions, day(paper.revised), day(paper.updated))


def fields(row: dict) -> dict:
    """Paper keyword arguments from a row's COLUMNS values (absent in an older library: defaults)."""
    found = {name: row.pop(name) for name in COLUMNS if name in row}
    if found.get("versions"):
        found["versions"] = tuple(Version(int(n), dt.datetime.fromisoformat(t)) for n, t in json.loads(found["versions"]))
    else:
        found.pop("versions", None)
    for name in ("revised", "updated"):
        if isinstance(found.get(name), str):
            found[name] = dt.date.fromisoformat(found[name])
    return found
