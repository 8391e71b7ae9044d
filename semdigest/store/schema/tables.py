"""The library's tables, written once for both stores: ``{text_list}``-style words stand for the
column types each dialect names differently (``SQLStore.column_types``), ``{s}.`` for the schema.
Every statement is IF NOT EXISTS, so a migration that makes them can run again: on a library made
before them, or where one was dropped."""

from __future__ import annotations

# Schema 2 as it first shipped (semdigest 0.2): papers, their digest dates and categories, one vector
# per (model, exact text) with an integer id, each paper's current vector per model, term counts.
SCHEMA_2 = """
CREATE TABLE IF NOT EXISTS {s}.meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS {s}.papers (
    arxiv_id TEXT PRIMARY KEY, version INTEGER, title TEXT NOT NULL, authors {text_list} NOT NULL,
    abstract TEXT NOT NULL, primary_category TEXT, categories {text_list} NOT NULL,
    tldr TEXT, motivation TEXT, method TEXT, result TEXT, conclusion TEXT, code_url TEXT,
    flagged {boolean} NOT NULL, first_seen {date}, summary_date {date}, source TEXT, line INTEGER
);
CREATE INDEX IF NOT EXISTS papers_by_first_seen ON {s}.papers(first_seen);
CREATE TABLE IF NOT EXISTS {s}.appearances (
    arxiv_id TEXT NOT NULL REFERENCES {s}.papers(arxiv_id), date TEXT NOT NULL, source TEXT,
    PRIMARY KEY (arxiv_id, date)
);
CREATE INDEX IF NOT EXISTS appearances_by_date ON {s}.appearances(date);
CREATE TABLE IF NOT EXISTS {s}.paper_categories (
    category TEXT NOT NULL, arxiv_id TEXT NOT NULL, PRIMARY KEY (category, arxiv_id)
){without_rowid};
CREATE TABLE IF NOT EXISTS {s}.vectors (
    id {identity}, model TEXT NOT NULL, text_hash TEXT NOT NULL,
    backend TEXT NOT NULL, {vector_column} {vector} NOT NULL, UNIQUE (model, text_hash)
);
CREATE TABLE IF NOT EXISTS {s}.paper_vectors (
    model TEXT NOT NULL, arxiv_id TEXT NOT NULL REFERENCES {s}.papers(arxiv_id),
    vector_id {big_integer} NOT NULL REFERENCES {s}.vectors(id), PRIMARY KEY (model, arxiv_id)
){without_rowid};
CREATE INDEX IF NOT EXISTS paper_vectors_by_vector ON {s}.paper_vectors(model, vector_id);
CREATE TABLE IF NOT EXISTS {s}.term_df (term TEXT PRIMARY KEY, df INTEGER NOT NULL){without_rowid};
"""

# Interests ("For you"), and the index on paper_categories(arxiv_id) that keeps replacing a paper's
# categories from scanning every paper's.
INTERESTS = """
CREATE INDEX IF NOT EXISTS paper_categories_by_paper ON {s}.paper_categories(arxiv_id);
CREATE TABLE IF NOT EXISTS {s}.interests (id {identity}, name TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS {s}.interest_items (
    interest_id {big_integer} NOT NULL REFERENCES {s}.interests(id) ON DELETE CASCADE, kind TEXT NOT NULL,
    position INTEGER NOT NULL, value TEXT NOT NULL, PRIMARY KEY (interest_id, kind, position)
){without_rowid};
CREATE TABLE IF NOT EXISTS {s}.interest_references (
    interest_id {big_integer} NOT NULL REFERENCES {s}.interests(id) ON DELETE CASCADE, position INTEGER NOT NULL,
    title TEXT NOT NULL, abstract TEXT NOT NULL, arxiv_id TEXT, key TEXT, PRIMARY KEY (interest_id, position)
){without_rowid};
"""

# The embedded references and descriptions of each interest (float32 bytes), found by (model, text
# hash) like paper vectors, so a rank embeds each text once; and the positions of the reference map.
INTEREST_VECTORS_AND_MAP = """
CREATE TABLE IF NOT EXISTS {s}.interest_vectors (
    interest TEXT NOT NULL, model TEXT NOT NULL, text_hash TEXT NOT NULL, vector {bytes} NOT NULL,
    PRIMARY KEY (interest, model, text_hash)
){without_rowid};
CREATE INDEX IF NOT EXISTS interest_vectors_by_text ON {s}.interest_vectors(model, text_hash);
CREATE TABLE IF NOT EXISTS {s}.map_points (
    model TEXT NOT NULL, arxiv_id TEXT NOT NULL, vector_id {big_integer} NOT NULL, x {real} NOT NULL,
    y {real} NOT NULL, anchor {boolean} NOT NULL, PRIMARY KEY (model, arxiv_id)
){without_rowid};
"""

# Topics across days (topics/tracking.py): standing topics with their centroids (float32 bytes),
# each tracked day's sizes and labels, its events, and each paper's topic on each tracked day.
TRACKING = """
CREATE TABLE IF NOT EXISTS {s}.tracked_topics (
    id INTEGER PRIMARY KEY, model TEXT NOT NULL, label TEXT NOT NULL, terms {text_list} NOT NULL,
    centroid {bytes} NOT NULL, named {bytes} NOT NULL, first_seen {date} NOT NULL, last_seen {date} NOT NULL
);
CREATE TABLE IF NOT EXISTS {s}.topic_days (
    date {date} NOT NULL, topic_id INTEGER NOT NULL REFERENCES {s}.tracked_topics(id), size INTEGER NOT NULL,
    label TEXT NOT NULL, PRIMARY KEY (date, topic_id)
){without_rowid};
CREATE TABLE IF NOT EXISTS {s}.topic_events (
    date {date} NOT NULL, position INTEGER NOT NULL, kind TEXT NOT NULL, topic_id INTEGER NOT NULL,
    others {integer_list} NOT NULL, PRIMARY KEY (date, position)
){without_rowid};
CREATE TABLE IF NOT EXISTS {s}.paper_topics (
    date {date} NOT NULL, arxiv_id TEXT NOT NULL, topic_id INTEGER NOT NULL, PRIMARY KEY (date, arxiv_id)
){without_rowid};
CREATE INDEX IF NOT EXISTS paper_topics_by_paper ON {s}.paper_topics(arxiv_id, date);
"""

# arXiv's own metadata on papers (records.ARXIV_FIELDS: a backfill brings it, a digest has none),
# added as columns so a library of any earlier release gets them: ``versions`` as JSON
# ([[number, ISO time], ...]), ``revised`` the latest version's day, ``updated`` the record's last change.
ARXIV_METADATA = {"submitter": "TEXT", "comments": "TEXT", "journal_ref": "TEXT", "doi": "TEXT", "report_no": "TEXT",
                  "license": "TEXT", "versions": "TEXT", "revised": "{date}", "updated": "{date}"}
