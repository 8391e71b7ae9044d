"""The exploration notebook runs top to bottom with a real kernel, and results render as HTML."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from semdigest.neighbors import related

pytestmark = pytest.mark.slow  # each test embeds real digests with the model or runs it in a subprocess

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "explore.ipynb"


def test_explore_notebook_runs_without_error():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    assert all(not cell.get("outputs") for cell in notebook.cells if cell.cell_type == "code"), "strip outputs"
    NotebookClient(notebook, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()
    html_outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs
                    if "text/html" in o.get("data", {})]
    rendered = "".join(o["data"]["text/html"] for o in html_outputs)
    assert "hits</b> for" in rendered            # Hits._repr_html_
    assert "<iframe src='data:text/html;base64" in rendered  # the interactive map inline
    assert "most representative" in rendered     # Topics._repr_html_
    assert "papers</b> for" in rendered          # Ranking._repr_html_ ("For you")
    assert "on the library map" in rendered      # LibraryMap._repr_html_ (across days)


def test_reprs_read_well(seeds_library):
    hits = related(seeds_library, "2602.04994", k=3)
    assert repr(hits).startswith("3 hits for 2602.04994") and "https://arxiv.org/abs/" in repr(hits)
    assert "<table>" in hits._repr_html_()
    assert repr(seeds_library).startswith("Library(") and "papers=514" in repr(seeds_library)
