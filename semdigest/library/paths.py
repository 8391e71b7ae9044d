"""Where the library is when none is named: $SEMDIGEST_LIBRARY, else the user's data directory."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

from ..store import looks_like_url

ENV_VAR = "SEMDIGEST_LIBRARY"


def default_path() -> Path | str:
    """$SEMDIGEST_LIBRARY (a file path, or a URL kept as text: a Path would fold its //), else
    library.sqlite in the user's data directory."""
    if os.environ.get(ENV_VAR):
        value = os.environ[ENV_VAR]
        return value if looks_like_url(value) else Path(value).expanduser()
    return user_library_path()


def user_library_path() -> Path:
    """library.sqlite in the user's data directory: the library when $SEMDIGEST_LIBRARY is unset."""
    return Path(platformdirs.user_data_dir("semdigest")) / "library.sqlite"
