"""Where semdigest keeps things: the user's data and cache folders (platformdirs: XDG on Linux,
each platform's own place elsewhere) and the library $SEMDIGEST_LIBRARY names."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

LIBRARY_ENV = "SEMDIGEST_LIBRARY"
# The least a reference map's rebuild may be asked to fit on (a smaller library is fitted whole):
# a handful of papers is no map of a library, and every other paper would be placed among them.
MIN_REFERENCE_SIZE = 100


def data_dir() -> Path:
    """The user's semdigest data: the default library, exported ONNX models."""
    return Path(platformdirs.user_data_dir("semdigest"))


def cache_dir() -> Path:
    """What semdigest can remake: backend measurements, numba's compiled code."""
    return Path(platformdirs.user_cache_dir("semdigest"))


def user_library_path() -> Path:
    """library.sqlite in the user's data directory: the library when $SEMDIGEST_LIBRARY is unset."""
    return data_dir() / "library.sqlite"


def default_library() -> Path | str:
    """$SEMDIGEST_LIBRARY as written (a file path or a URL, which open_store tells apart; a Path
    would fold a URL's //), else user_library_path()."""
    return os.environ.get(LIBRARY_ENV) or user_library_path()
