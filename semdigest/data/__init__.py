"""The files semdigest ships inside its package: data/ (models.yaml, stop words, calibration
texts) and templates/. Read through importlib.resources, never beside ``__file__``, so an
installed wheel (or a zipped package) reads them as a source checkout does."""

from __future__ import annotations

from importlib.resources import files
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # importlib.resources.abc is 3.11+; only annotations need it
    from importlib.resources.abc import Traversable


def packaged_file(relative: str) -> Traversable:
    """A file of the package by its path under semdigest/, e.g. ``"templates/map.html"``."""
    resource = files("semdigest")
    for part in relative.split("/"):
        resource = resource / part
    return resource


def read_text(relative: str) -> str:
    """The UTF-8 text of a packaged file, e.g. ``read_text("data/models.yaml")``."""
    return packaged_file(relative).read_text(encoding="utf-8")
