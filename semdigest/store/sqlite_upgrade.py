"""Upgrading a library made by semdigest 0.1 (schema 1) in place, in one transaction.

Schema 1 keyed vectors by (model, text hash) with no link from a paper, so every query rehashed
every paper's text. The upgrade gives vectors integer ids, links each paper to its vector for
every model of models.yaml (one rehash, here and never again), fills the category table and the
term document frequencies. If anything fails, the transaction rolls back and the file is as it was.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections import Counter
from typing import TYPE_CHECKING

from ..embedding.models import load_models
from ..errors import LibraryError
from ..records import ModelKey
from ..terms import paper_text, term_counts

if TYPE_CHECKING:
    from .sqlite import SQLiteStore


def upgrade_from_v1(store: "SQLiteStore") -> None:
    from .sqlite import PAPER_COLUMNS, SCHEMA, SCHEMA_VERSION, _paper

    if store.read_only:
        raise LibraryError(f"{store.path} was made by an older semdigest and needs a one-time upgrade, "
                           "which needs write permission; open it once where you can write")
    conn = store.conn
    try:
        with store.write(check=False):
            old_tables = ("papers", "appearances", "meta")
            for statement in filter(str.strip, SCHEMA.split(";")):
                if not any(f"CREATE TABLE {t} " in statement for t in old_tables) \
                        and "appearances_by_date" not in statement:
                    conn.execute(statement)
            conn.execute("INSERT INTO vectors (model, text_hash, backend, vector) "
                         "SELECT model, text_hash, backend, vector FROM embeddings ORDER BY rowid")
            conn.execute("DROP TABLE embeddings")
            specs = load_models()[0]
            models = [m for (m,) in conn.execute("SELECT DISTINCT model FROM vectors")]
            columns = ", ".join(PAPER_COLUMNS)
            terms: Counter = Counter()
            documents = 0
            for row in conn.execute(f"SELECT {columns} FROM papers").fetchall():
                paper = _paper(row)
                conn.executemany("INSERT INTO paper_categories VALUES (?, ?)",
                                 [(c, paper.arxiv_id) for c in paper.categories])
                terms.update(term_counts(paper_text(paper.title, paper.abstract)).keys())
                documents += 1
                for model in models:
                    key = ModelKey.parse(model)
                    spec = specs.get(key.name)
                    if spec is None or key.revision != spec.revision:
                        continue  # a model no longer configured: linked when next embedded with it
                    text_hash = hashlib.sha256(spec.document_text(paper).encode("utf-8")).hexdigest()
                    conn.execute("INSERT INTO paper_vectors SELECT ?, ?, id FROM vectors "
                                 "WHERE model = ? AND text_hash = ?", (model, paper.arxiv_id, model, text_hash))
            store.add_term_counts(terms, documents)
            conn.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", (SCHEMA_VERSION,))
            conn.execute("INSERT OR IGNORE INTO meta VALUES ('library_id', lower(hex(randomblob(16))))")
    except sqlite3.DatabaseError as error:
        raise LibraryError(f"could not upgrade {store.path} from schema 1 ({error}); the file was left "
                           "as it was. Make a copy and report the error.") from None
