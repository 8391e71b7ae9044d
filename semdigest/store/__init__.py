"""Paper stores: the protocols (base.py), the SQL both stores share (sql.py, sql_features.py), one
thin dialect per backend (sqlite.py, postgres.py), the tables and their numbered migrations
(schema/), the merge policy (merge.py) and the copy between stores (copy.py). ``open_store``
picks the backend from the location, as txtai's factories do."""

from __future__ import annotations

from pathlib import Path

from ..errors import LibraryError
from .base import LinkedVectors, PaperStore
from .merge import AddCounts, Upsert
from .urls import looks_like_url, masked, server_url


def open_store(location: str | Path, create: bool = True) -> PaperStore:
    """A store for a location: a ``postgresql://`` (or ``postgres://``, in any case) URL opens
    PostgreSQL, anything else that looks like a URL is refused, and the rest are file paths (SQLite)."""
    if looks_like_url(location):
        url = server_url(location)
        try:
            from .postgres import PostgresStore
        except ImportError:
            raise LibraryError("a PostgreSQL library needs psycopg 3: pip install 'semdigest[postgres]'") from None
        return PostgresStore(url, create=create)
    from .sqlite import SQLiteStore

    return SQLiteStore(location, create=create)


__all__ = ["AddCounts", "LinkedVectors", "PaperStore", "Upsert", "looks_like_url", "masked",
           "open_store"]
