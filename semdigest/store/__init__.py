"""Paper stores: the protocol (base.py), the shared merge policy (merge.py) and one module per
backend. ``open_store`` picks the backend from the location, as txtai's factories do."""

from __future__ import annotations

from pathlib import Path

from ..errors import LibraryError
from .base import LinkedVectors, PaperFilter, PaperStore
from .merge import AddCounts, Upsert

POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def open_store(location: str | Path, create: bool = True) -> PaperStore:
    """A store for a location: a ``postgresql://`` (or ``postgres://``) URL opens PostgreSQL,
    anything else is a file path (SQLite)."""
    if isinstance(location, str) and location.startswith(POSTGRES_SCHEMES):
        try:
            from .postgres import PostgresStore
        except ImportError:
            raise LibraryError("a PostgreSQL library needs psycopg 3: pip install 'semdigest[postgres]'") from None
        return PostgresStore(location, create=create)
    from .sqlite import SQLiteStore

    return SQLiteStore(location, create=create)


__all__ = ["AddCounts", "LinkedVectors", "PaperFilter", "PaperStore", "POSTGRES_SCHEMES", "Upsert", "open_store"]
