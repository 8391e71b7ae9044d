"""The Python both SQL stores share, written once over a few dialect hooks (as txtai's
database/rdbms.py sits under a small sqlite.py): meta, filters, papers, vectors and term counts
here; interests, tracked topics and map points in sql_features.py.

Statements are written with ``%s`` placeholders (``%b``: a vector, sent binary where the driver
can) and ``{s}.`` before every table; ``q`` turns them into the dialect's. Upserts use the
``ON CONFLICT`` clause SQLite and PostgreSQL share. A dialect says how values travel (lists,
dates, booleans, vectors) and how many values one ``IN`` list may hold.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence

import numpy as np

from ..records import ARXIV_FIELDS, SUMMARY_FIELDS, Paper, Version
from . import merge
from .base import LinkedVectors, PaperFilter, PaperStore, translating_errors
from .schema.full_text import words as query_words
from .sql_features import SQLFeatures

APPLICATION = "semdigest"
SCHEMA_VERSION = "2"
PAPER_COLUMNS = ("arxiv_id", "version", "title", "authors", "abstract", "primary_category",
                 "categories", *SUMMARY_FIELDS, "code_url", "flagged", "first_seen",
                 "summary_date", "source", "line")
ARXIV_COLUMNS = ARXIV_FIELDS  # after PAPER_COLUMNS, in a library migrated to m006 (schema/tables.ARXIV_METADATA)


@translating_errors
class SQLStore(SQLFeatures, PaperStore):
    """A paper store over a DB-API connection ``conn``; a dialect fills in the hooks below."""

    # -- dialect hooks ------------------------------------------------------------------------
    chunk: int | None = None      # values per IN list (SQLite's bound-parameter limit); None: one array
    model_by_id = "model"         # the model condition when rows are looked up by id ("+model" in SQLite)
    vector_column = "vector"
    column_types: dict[str, str] = {}  # the column types of schema/tables.py in the dialect's words
    joined_dates = ""             # SQL: the digest dates of paper ``p``, space-separated, in order
    full_text_schema: tuple[str, ...] = ()  # migration m007's statements (schema/full_text.py)

    def q(self, statement: str):
        """``statement`` in the dialect: its placeholders, its tables' schema."""
        raise NotImplementedError

    def any_of(self, column: str, values: Sequence) -> tuple[str, list]:
        """A condition ``column`` is one of ``values`` (at most ``chunk`` of them), and its parameters."""
        raise NotImplementedError

    def _list(self, values: Iterable) -> object:
        raise NotImplementedError

    def _from_list(self, value) -> list:
        raise NotImplementedError

    def _date(self, date: dt.date | None) -> object:
        raise NotImplementedError

    def _from_date(self, value) -> dt.date | None:
        raise NotImplementedError

    def _bool(self, value: bool) -> object:
        raise NotImplementedError

    def _vector(self, vector) -> object:
        raise NotImplementedError

    def _matrix(self, values: list) -> np.ndarray:
        raise NotImplementedError

    def _full_text_match(self, words: list[str], every: bool, best: int | None) -> tuple[str, str, list]:
        """(FROM papers ``p`` and the full-text index WHERE they match, the rank expression (higher is
        better), their parameters) for papers holding every word, or any of them; with ``best``
        (no filter follows), only the best that many need to come out."""
        raise NotImplementedError

    def _vector_rows(self, statement: str, params) -> list:
        """The rows of a statement that selects vectors (binary where the driver can)."""
        return self.conn.execute(self.q(statement), params).fetchall()

    def _upsert(self, table: str, columns: Sequence[str], rows: list[Sequence], conflict: str) -> None:
        """Insert ``rows`` into ``table`` with the ``ON CONFLICT`` clause ``conflict``; the rows are
        distinct on its key (a bulk path may write them in one statement)."""
        self._many(f"INSERT INTO {{s}}.{table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))}) "
                   f"{conflict}", rows)

    # -- running statements -------------------------------------------------------------------

    def _run(self, statement: str, params: Sequence = ()):
        return self.conn.execute(self.q(statement), params)

    def _many(self, statement: str, rows: Iterable[Sequence]) -> None:
        rows = list(rows)
        if rows:
            self.conn.cursor().executemany(self.q(statement), rows)

    def _chunks(self, values: Iterable) -> Iterator[list]:
        values = list(values)
        step = self.chunk or max(len(values), 1)
        for start in range(0, len(values), step):
            yield values[start:start + step]

    def _rows_of(self, statement: str, column: str, values: Iterable, params: Sequence = (),
                 after: Sequence = ()) -> list:
        """Rows of ``statement`` (its ``{cond}`` a condition ``column`` in ``values``), chunk by chunk."""
        rows = []
        for chunk in self._chunks(values):
            condition, chunk_params = self.any_of(column, chunk)
            rows += self._run(statement.replace("{cond}", condition), [*params, *chunk_params, *after]).fetchall()
        return rows

    # -- lifecycle and meta -------------------------------------------------------------------

    def close(self) -> None:
        self.conn.close()

    def get_meta(self, key: str) -> str | None:
        row = self._run("SELECT value FROM {s}.meta WHERE key = %s", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self._run("INSERT INTO {s}.meta VALUES (%s, %s) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                  (key, value))

    def table_columns(self, table: str) -> set[str]:
        """The names of ``table``'s columns, as this connection sees them."""
        return {column[0] for column in self._run(f"SELECT * FROM {{s}}.{table} LIMIT 0").description}

    @functools.cached_property
    def paper_columns(self) -> tuple[str, ...]:
        """The papers columns read and written: all, once migrated; a library only read here may
        lack arXiv's metadata (m006), and its papers are read without it. Asked after migrating."""
        present = self.table_columns("papers")
        return PAPER_COLUMNS + tuple(c for c in ARXIV_COLUMNS if c in present)

    def sql_where(self, where: PaperFilter) -> tuple[str, list]:
        """A condition on papers aliased ``p`` (tables as ``{s}.name``, for ``q``), and its parameters."""
        conditions, params = ["TRUE"], []
        if where.since:
            conditions.append("p.first_seen >= %s")
            params.append(self._date(where.since))
        if where.until:
            conditions.append("p.first_seen <= %s")
            params.append(self._date(where.until))
        if where.date:
            conditions.append("p.arxiv_id IN (SELECT arxiv_id FROM {s}.appearances WHERE date = %s)")
            params.append(where.date.isoformat())
        if where.categories:
            condition, values = self.any_of("category", where.categories)
            conditions.append(f"p.arxiv_id IN (SELECT arxiv_id FROM {{s}}.paper_categories WHERE {condition})")
            params += values
        if where.ids is not None:
            condition, values = self.any_of("p.arxiv_id", where.ids)
            conditions.append(condition)
            params += values
        return " AND ".join(conditions), params

    # -- papers -------------------------------------------------------------------------------

    def upsert_papers(self, papers: Iterable[Paper], replace_dates: bool = False,
                      backfill: bool = False) -> list[merge.Upsert]:
        papers = list(papers)
        redone = self._replace_dates(papers) if replace_dates else {}
        stored = self._stored_with_summary_dates([p.arxiv_id for p in papers])
        if backfill:
            plans = merge.plan_backfill(papers, stored)
        else:
            plans = merge.plan_upserts(papers, stored, redone, self._never_in_a_digest(list(stored)))
        # the last plan of an id wins, as it would row by row
        changed = list({plan.paper.arxiv_id: plan for plan in plans if plan.status != "unchanged"}.values())
        updates = ", ".join(f"{c} = excluded.{c}" for c in self.paper_columns[1:])
        self._upsert("papers", self.paper_columns, [self._paper_row(plan.paper, plan.summary_date) for plan in changed],
                     f"ON CONFLICT (arxiv_id) DO UPDATE SET {updates}")
        changed = [plan.paper for plan in changed]
        for chunk in self._chunks(p.arxiv_id for p in changed):
            condition, params = self.any_of("arxiv_id", chunk)
            self._run(f"DELETE FROM {{s}}.paper_categories WHERE {condition}", params)
        self._upsert("paper_categories", ("category", "arxiv_id"),
                     sorted({(c, p.arxiv_id) for p in changed for c in p.categories}), "ON CONFLICT DO NOTHING")
        if not backfill:  # arXiv's metadata is no digest appearance
            first = {}  # the first appearance of an (id, date) stays, as it would row by row
            for p in papers:
                first.setdefault((p.arxiv_id, p.date.isoformat() if p.date else ""), p.source)
            self._upsert("appearances", ("arxiv_id", "date", "source"), [(*key, source) for key, source in first.items()],
                         "ON CONFLICT DO NOTHING")
        return plans

    def _never_in_a_digest(self, ids: list[str]) -> set[str]:
        """Of these stored papers, those only a backfill brought: no appearance in any digest."""
        return set(ids) - {r[0] for r in self._rows_of("SELECT DISTINCT arxiv_id FROM {s}.appearances WHERE {cond}",
                                                       "arxiv_id", ids)}

    def _replace_dates(self, papers: list[Paper]) -> dict[str, merge.Redated]:
        """Drop the appearances the papers replace (merge.replaced_appearances)."""
        stored = self._rows_of("SELECT arxiv_id, date, source FROM {s}.appearances WHERE {cond}", "arxiv_id",
                               [p.arxiv_id for p in papers])
        dropped = merge.replaced_appearances(papers, stored)
        self._many("DELETE FROM {s}.appearances WHERE arxiv_id = %s AND date = %s", [a[:2] for a in dropped])
        remaining = dict(self._rows_of(
            "SELECT arxiv_id, min(date) FROM {s}.appearances WHERE {cond} AND date <> '' GROUP BY arxiv_id",
            "arxiv_id", sorted({a[0] for a in dropped})))
        return merge.redated(dropped, remaining)

    def _stored_with_summary_dates(self, ids: list[str]) -> dict[str, tuple[Paper, dt.date | None]]:
        columns = self.paper_columns
        rows = self._rows_of(f"SELECT {', '.join(columns)} FROM {{s}}.papers WHERE {{cond}}", "arxiv_id", ids)
        summary = PAPER_COLUMNS.index("summary_date")
        return {row[0]: (self._paper(row, columns), self._from_date(row[summary])) for row in rows}

    def get_papers(self, ids: Iterable[str]) -> dict[str, Paper]:
        return {i: paper for i, (paper, _) in self._stored_with_summary_dates(list(ids)).items()}

    def iter_papers(self, where: PaperFilter = PaperFilter()) -> Iterator[tuple[Paper, list[str]]]:
        condition, params = self.sql_where(where)
        columns = self.paper_columns
        for row in self._run(f"SELECT {', '.join(f'p.{c}' for c in columns)}, {self.joined_dates} FROM {{s}}.papers p "
                             f"WHERE {condition} ORDER BY p.arxiv_id", params):
            yield self._paper(row[:-1], columns), (row[-1] or "").split()

    def paper_listing(self) -> Iterator[tuple[str, dt.date | None, str | None, list[str]]]:
        for arxiv_id, first_seen, category, dates in self._run(
                f"SELECT p.arxiv_id, p.first_seen, p.primary_category, {self.joined_dates} FROM {{s}}.papers p "
                "ORDER BY p.arxiv_id"):
            yield arxiv_id, self._from_date(first_seen), category, (dates or "").split()

    def count_papers(self, where: PaperFilter = PaperFilter(), at_most: int | None = None) -> int:
        condition, params = self.sql_where(where)
        statement = f"SELECT count(*) FROM {{s}}.papers p WHERE {condition}" if at_most is None else \
            f"SELECT count(*) FROM (SELECT 1 FROM {{s}}.papers p WHERE {condition} LIMIT {int(at_most)}) AS passing"
        return self._run(statement, params).fetchone()[0]

    def arxiv_ids(self, where: PaperFilter) -> list[str]:
        condition, params = self.sql_where(where)
        return [r[0] for r in self._run(f"SELECT p.arxiv_id FROM {{s}}.papers p WHERE {condition} "
                                        "ORDER BY p.arxiv_id", params)]

    def full_text_search(self, query: str, k: int = 50,
                         where: PaperFilter = PaperFilter()) -> list[tuple[str, float]]:
        words = query_words(query)
        condition, params = self.sql_where(where)
        found = []
        for every in ((True, False) if len(words) > 1 else (True,)) if words else ():
            source, rank, match = self._full_text_match(words, every, None if where else int(k))
            found = self._run(f"SELECT p.arxiv_id, {rank} AS rank {source} AND {condition} "
                              "ORDER BY rank DESC, p.arxiv_id LIMIT %s", [*match, *params, int(k)]).fetchall()
            if found:
                break
        return [(i, float(score)) for i, score in found]

    def _paper_row(self, paper: Paper, summary_date: dt.date | None) -> tuple:
        """The paper's values for ``paper_columns``."""
        versions = json.dumps([[v.number, v.created.isoformat()] for v in paper.versions]) if paper.versions else None
        values = dict(zip(PAPER_COLUMNS + ARXIV_COLUMNS, (
            paper.arxiv_id, paper.version, paper.title, self._list(paper.authors), paper.abstract,
            paper.primary_category, self._list(paper.categories), *(getattr(paper, name) for name in SUMMARY_FIELDS),
            paper.code_url, self._bool(paper.flagged), self._date(paper.date), self._date(summary_date), paper.source,
            paper.line, paper.submitter, paper.comments, paper.journal_ref, paper.doi, paper.report_no, paper.license,
            versions, self._date(paper.revised), self._date(paper.updated))))
        return tuple(values[c] for c in self.paper_columns)

    def _paper(self, row: Sequence, columns: Sequence[str] = PAPER_COLUMNS) -> Paper:
        values = dict(zip(columns, row))
        values["date"] = self._from_date(values.pop("first_seen"))
        values.pop("summary_date")
        values["authors"] = tuple(self._from_list(values["authors"]))
        values["categories"] = tuple(self._from_list(values["categories"]))
        values["flagged"] = bool(values["flagged"])
        for name in ("revised", "updated"):
            if name in values:
                values[name] = self._from_date(values[name])
        if "versions" in values:
            versions = json.loads(values["versions"]) if values["versions"] else []
            values["versions"] = tuple(Version(int(n), dt.datetime.fromisoformat(t)) for n, t in versions)
        return Paper(**values)

    # -- vectors ------------------------------------------------------------------------------

    def vector_ids_of_hashes(self, model: str, hashes: Iterable[str]) -> dict[str, int]:
        return dict(self._rows_of("SELECT text_hash, id FROM {s}.vectors WHERE model = %s AND {cond}", "text_hash",
                                  hashes, (model,)))

    def vector_hashes(self, model: str, vector_ids: Iterable[int]) -> dict[int, str]:
        return dict(self._rows_of(f"SELECT id, text_hash FROM {{s}}.vectors WHERE {{cond}} AND {self.model_by_id} = %s",
                                  "id", [int(i) for i in vector_ids], after=(model,)))

    def put_vectors(self, model: str, backend: str, vectors: Mapping[str, np.ndarray]) -> dict[str, int]:
        self._many(f"INSERT INTO {{s}}.vectors (model, text_hash, backend, {self.vector_column}) "
                   "VALUES (%s, %s, %s, %b) ON CONFLICT (model, text_hash) DO NOTHING",
                   [(model, h, backend, self._vector(v)) for h, v in vectors.items()])
        return self.vector_ids_of_hashes(model, vectors)

    def retire_vectors(self, model: str, vector_ids: Iterable[int]) -> None:
        for chunk in self._chunks(int(i) for i in vector_ids):
            condition, params = self.any_of("id", chunk)
            self._run("UPDATE {s}.vectors SET text_hash = text_hash || ':retired:' || id "
                      f"WHERE model = %s AND {condition}", [model, *params])

    def link(self, model: str, links: Mapping[str, int]) -> None:
        self._many("INSERT INTO {s}.paper_vectors VALUES (%s, %s, %s) ON CONFLICT (model, arxiv_id) "
                   "DO UPDATE SET vector_id = excluded.vector_id", [(model, a, int(v)) for a, v in links.items()])

    def unlinked(self, model: str, after: str = "", limit: int | None = None) -> list[str]:
        page = f" LIMIT {int(limit)}" if limit is not None else ""
        return [r[0] for r in self._run(
            "SELECT arxiv_id FROM {s}.papers p WHERE arxiv_id > %s AND NOT EXISTS (SELECT 1 FROM {s}.paper_vectors l "
            f"WHERE l.model = %s AND l.arxiv_id = p.arxiv_id) ORDER BY arxiv_id{page}", (after, model))]

    def linked_vectors(self, model: str, where: PaperFilter = PaperFilter(), min_vector_id: int = 0) -> LinkedVectors:
        condition, params = self.sql_where(where)
        if min_vector_id:  # only then: a range on the link index would otherwise drive the query
            condition, params = f"{condition} AND l.vector_id > %s", [*params, min_vector_id]
        rows = self._vector_rows(
            f"SELECT p.arxiv_id, v.id, v.{self.vector_column} FROM {{s}}.papers p "
            "JOIN {s}.paper_vectors l ON l.arxiv_id = p.arxiv_id AND l.model = %s "
            f"JOIN {{s}}.vectors v ON v.id = l.vector_id WHERE {condition} ORDER BY p.arxiv_id", [model, *params])
        return LinkedVectors([r[0] for r in rows], np.array([r[1] for r in rows], dtype=np.int64),
                             self._matrix([r[2] for r in rows]))

    def vectors_by_id(self, model: str, vector_ids: Iterable[int]) -> np.ndarray:
        ids = [int(i) for i in vector_ids]
        found = {}
        for chunk in self._chunks(ids):  # by id, never a scan of the model's rows
            condition, params = self.any_of("id", chunk)
            found.update(self._vector_rows(f"SELECT id, {self.vector_column} FROM {{s}}.vectors "
                                           f"WHERE {condition} AND {self.model_by_id} = %s", [*params, model]))
        return self._matrix([found[i] for i in ids])

    def papers_of_vectors(self, model: str, vector_ids: Iterable[int],
                          where: PaperFilter = PaperFilter()) -> dict[int, list[str]]:
        condition, params = self.sql_where(where)
        found: dict[int, list[str]] = {}
        for vector_id, arxiv_id in self._rows_of(
                "SELECT l.vector_id, p.arxiv_id FROM {s}.paper_vectors l JOIN {s}.papers p ON p.arxiv_id = l.arxiv_id "
                f"WHERE l.model = %s AND {{cond}} AND {condition} ORDER BY p.arxiv_id", "l.vector_id",
                [int(i) for i in vector_ids], (model,), params):
            found.setdefault(vector_id, []).append(arxiv_id)
        return found

    def vector_id_range(self, model: str, after: int = 0) -> tuple[int, int]:
        # past ``after``, walk the ids (a short tail) rather than the model's whole index entry
        model_term = self.model_by_id if after else "model"
        count, largest = self._run(f"SELECT count(*), max(id) FROM {{s}}.vectors WHERE {model_term} = %s AND id > %s",
                                   (model, after)).fetchone()
        return count, largest or 0

    def iter_vectors(self, model: str, max_vector_id: int, batch: int = 10_000
                     ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        last = 0
        while True:
            rows = self._vector_rows(f"SELECT id, {self.vector_column} FROM {{s}}.vectors WHERE model = %s "
                                     "AND id > %s AND id <= %s ORDER BY id LIMIT %s", (model, last, max_vector_id, batch))
            if not rows:
                return
            last = rows[-1][0]
            yield np.array([r[0] for r in rows], dtype=np.int64), self._matrix([r[1] for r in rows])

    def models(self) -> dict[str, int]:
        return dict(self._run("SELECT model, count(*) FROM {s}.paper_vectors GROUP BY model ORDER BY model").fetchall())

    # -- term statistics ----------------------------------------------------------------------

    def add_term_counts(self, delta: Counter, documents: int) -> None:
        self._upsert("term_df", ("term", "df"), sorted((t, n) for t, n in delta.items() if n),
                     "ON CONFLICT (term) DO UPDATE SET df = term_df.df + excluded.df")
        if any(n < 0 for n in delta.values()):
            self._run("DELETE FROM {s}.term_df WHERE df <= 0")
        self.set_meta("term_documents", str(int(self.get_meta("term_documents") or 0) + documents))

    def term_frequencies(self, terms: Iterable[str]) -> tuple[dict[str, int], int]:
        found = dict(self._rows_of("SELECT term, df FROM {s}.term_df WHERE {cond}", "term", terms))
        return found, int(self.get_meta("term_documents") or 0)
