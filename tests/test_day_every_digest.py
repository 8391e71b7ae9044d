"""`semdigest day`, through the public API, on every digest in ../shared: one library for all,
each report holding every paper of its digest."""

from __future__ import annotations

import csv

import pytest

from semdigest import Library, day_report, read

from .conftest import DIGESTS, SEEDS
from .helpers import pandas_3_strings

EVERY_DIGEST = sorted((p for p in [*SEEDS.iterdir(), *DIGESTS.rglob("*")] if p.is_file() and p.name != "SOURCES.md"),
                      key=lambda p: (p.parent.name != "seeds", p.name))  # oldest day first: earlier days to relate to


@pytest.mark.slow
def test_day_report_on_every_shared_digest_holds_every_paper(tmp_path):
    # pandas 3 makes a missing text field NaN in a DataFrame (its default string dtype); that is
    # what crashed 3 of the daily digests, so the run uses it here (pandas 2.x keeps None).
    with Library.open(tmp_path / "library.sqlite") as library, pandas_3_strings():
        for number, path in enumerate(EVERY_DIGEST):
            digest = read(path)
            out = tmp_path / f"{number:02d}-{path.stem}"
            report = day_report(library, digest, out)
            ids = [p.arxiv_id for p in digest]
            rows = list(csv.DictReader((out / "papers.csv").open(encoding="utf-8")))
            assert sorted(r["arxiv_id"] for r in rows) == sorted(ids), path.name
            assert len(report.map.papers) == len(ids) == sum(t.size for t in report.map.topics)
            page = (out / "index.html").read_text(encoding="utf-8")
            markdown = (out / "report.md").read_text(encoding="utf-8")
            for arxiv_id in ids:
                assert f"arxiv.org/abs/{arxiv_id}'" in page and f"arxiv.org/abs/{arxiv_id})" in markdown, (path, arxiv_id)
            assert (out / "map.png").stat().st_size > 0 and (out / "map.html").stat().st_size > 0
