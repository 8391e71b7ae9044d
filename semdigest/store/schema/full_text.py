"""Full-text search kept by the store itself (migration m007), one statement per entry: triggers hold
``;`` inside, so these are never split like tables.py.

SQLite: an FTS5 index with external content (the papers table itself, no second copy of the text),
kept by triggers on papers. PostgreSQL: a ``full_text`` tsvector column on papers (title A, authors
B, abstract C), kept by a trigger (a generated column cannot call array_to_string, which is not
immutable), with a GIN index. Both fill from the papers already stored, and neither stems: "LoRA",
an author's name or "low-rank" match as written, lower-cased (SQLite also folds diacritics).
"""

from __future__ import annotations

import re

SQLITE_FTS = "papers_fts"
_SQLITE_COLUMNS = "title, authors, abstract"
_SQLITE_TOKENIZER = "tokenize='unicode61 remove_diacritics 2'"

SQLITE = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {SQLITE_FTS} USING fts5({_SQLITE_COLUMNS}, content='papers', "
    f"{_SQLITE_TOKENIZER})",
    f"INSERT INTO {SQLITE_FTS}({SQLITE_FTS}) VALUES ('rebuild')",
    f"CREATE TRIGGER IF NOT EXISTS papers_fts_insert AFTER INSERT ON papers BEGIN "
    f"INSERT INTO {SQLITE_FTS}(rowid, {_SQLITE_COLUMNS}) VALUES (new.rowid, new.title, new.authors, new.abstract); END",
    f"CREATE TRIGGER IF NOT EXISTS papers_fts_delete AFTER DELETE ON papers BEGIN "
    f"INSERT INTO {SQLITE_FTS}({SQLITE_FTS}, rowid, {_SQLITE_COLUMNS}) "
    "VALUES ('delete', old.rowid, old.title, old.authors, old.abstract); END",
    f"CREATE TRIGGER IF NOT EXISTS papers_fts_update AFTER UPDATE OF {_SQLITE_COLUMNS} ON papers BEGIN "
    f"INSERT INTO {SQLITE_FTS}({SQLITE_FTS}, rowid, {_SQLITE_COLUMNS}) "
    "VALUES ('delete', old.rowid, old.title, old.authors, old.abstract); "
    f"INSERT INTO {SQLITE_FTS}(rowid, {_SQLITE_COLUMNS}) VALUES (new.rowid, new.title, new.authors, new.abstract); END",
)

# A library only read here, made before m007: a temporary index holding its own copy of the text
# (this connection only), as the stand-ins of missing tables are.
SQLITE_STAND_IN = (
    f"CREATE VIRTUAL TABLE temp.{SQLITE_FTS} USING fts5({_SQLITE_COLUMNS}, {_SQLITE_TOKENIZER})",
    f"INSERT INTO temp.{SQLITE_FTS}(rowid, {_SQLITE_COLUMNS}) SELECT rowid, {_SQLITE_COLUMNS} FROM main.papers",
)

# NEW.x / p.x: the row a trigger fills, or a paper read where the column is missing (a read-only role).
POSTGRES_VECTOR = ("setweight(to_tsvector('simple', coalesce({row}.title, '')), 'A') || "
                   "setweight(to_tsvector('simple', array_to_string({row}.authors, ' ')), 'B') || "
                   "setweight(to_tsvector('simple', coalesce({row}.abstract, '')), 'C')")

POSTGRES = (
    "ALTER TABLE {s}.papers ADD COLUMN IF NOT EXISTS full_text tsvector",
    "CREATE OR REPLACE FUNCTION {s}.papers_full_text() RETURNS trigger LANGUAGE plpgsql AS "
    f"$$ BEGIN NEW.full_text := {POSTGRES_VECTOR.format(row='NEW')}; RETURN NEW; END $$",
    "DROP TRIGGER IF EXISTS papers_full_text ON {s}.papers",  # CREATE OR REPLACE TRIGGER needs PostgreSQL 14
    "CREATE TRIGGER papers_full_text BEFORE INSERT OR UPDATE OF title, authors, abstract ON {s}.papers "
    "FOR EACH ROW EXECUTE FUNCTION {s}.papers_full_text()",
    "UPDATE {s}.papers SET title = title",  # the trigger fills the papers already stored
    "CREATE INDEX IF NOT EXISTS papers_by_full_text ON {s}.papers USING gin (full_text)",
)

# The papers holding every word (one plain query of them all), or any word (one plain query each, OR-ed):
# plainto_tsquery reads no operator, so nothing a reader types is syntax.
POSTGRES_EVERY = "plainto_tsquery('simple', %s)"
POSTGRES_ANY = ("(SELECT string_agg('(' || plainto_tsquery('simple', w)::text || ')', ' | ')::tsquery "
                "FROM unnest(%s::text[]) AS w WHERE numnode(plainto_tsquery('simple', w)) > 0)")

_WORD = re.compile(r"[^\s\"\x00-\x1f]+")
MAX_WORDS = 32  # a pasted paragraph is still a query, not a denial of service


def words(query: str) -> list[str]:
    """The words of what a reader typed, never search syntax: each is matched as written (quoted
    for FTS5, one plain query each for PostgreSQL), so "C++", "NEAR(", "-x" or '"' are only text."""
    return [w for w in _WORD.findall(str(query or "")) if any(c.isalnum() for c in w)][:MAX_WORDS]
