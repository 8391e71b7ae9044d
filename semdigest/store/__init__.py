"""Paper stores: the protocol (base.py), the shared merge policy (merge.py) and one module per
backend. ``open_store`` picks the backend from the location, as txtai's factories do."""

from __future__ import annotations

from pathlib import Path

from .base import LinkedVectors, PaperFilter, PaperStore
from .merge import AddCounts, Upsert


def open_store(location: str | Path, create: bool = True) -> PaperStore:
    """A store for a file path (SQLite)."""
    from .sqlite import SQLiteStore

    return SQLiteStore(location, create=create)


__all__ = ["AddCounts", "LinkedVectors", "PaperFilter", "PaperStore", "Upsert", "open_store"]
