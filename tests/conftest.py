"""Shared fixtures: the real digests in ../shared and a session library embedded with the real model."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SEEDS = SHARED / "seeds"
DIGESTS = SHARED / "digests"
SEED_000 = SEEDS / "000_5858082daa70f9c8.txt"
SEED_004 = SEEDS / "004_56456f9741443ea9.txt"
DAILY = DIGESTS / "daily"
EXAMPLE = ROOT / "examples" / "digest-2602.md"


def pytest_configure(config):
    """Every test, and every CLI it starts, gets empty user data and cache folders (platformdirs
    follows XDG): the ONNX export, the backend measurement and the numba cache are made once per
    run there, and the user's own library and caches are never touched."""
    home = Path(tempfile.mkdtemp(prefix="semdigest-test-home-"))
    for variable in ("XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME"):
        os.environ[variable] = str(home / variable.lower())
    os.environ.pop("SEMDIGEST_LIBRARY", None)


def pytest_collection_modifyitems(config, items):
    if not SHARED.is_dir():
        raise pytest.UsageError(f"the tests read the real digests in {SHARED}; put shared/ beside the checkout")


@pytest.fixture(scope="session")
def seeds_library(tmp_path_factory):
    """Both seeds (514 papers) ingested and embedded once for the whole session."""
    from semdigest.library import Library
    from semdigest.readers import read

    library = Library.open(tmp_path_factory.mktemp("seeds") / "library.sqlite")
    for path in (SEED_000, SEED_004):
        library.ingest(read(path))
    yield library
    library.close()
