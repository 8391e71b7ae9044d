"""`semdigest day`, through the public API, on a digest of every kind in ../shared: one library
for all, each report holding every paper of its digest. (Every file in ../shared is read by
test_readers; the report runs on one of each template and format, on the days with missing
fields, and on a weekend re-publication: about 1,800 of the 4,800 papers of all 21 files.)"""

from __future__ import annotations

import csv

import pytest

from semdigest import Library, day_report, read

from .conftest import DIGESTS, SEEDS
from .helpers import pandas_3_strings

DIGEST_OF_EVERY_KIND = (  # oldest day first: earlier days to relate to
    SEEDS / "004_56456f9741443ea9.txt",             # the seed template
    DIGESTS / "legacy" / "2025-04-01.md",            # an older template with no categories
    DIGESTS / "legacy" / "2025-04-15.md",            # an older template
    DIGESTS / "korean" / "2025-08-15.md",            # damaged, in Korean
    DIGESTS / "daily" / "2026-06-03.jsonl",          # JSON lines without TL;DRs
    DIGESTS / "daily" / "2026-06-03.md",             # the same day as markdown
    DIGESTS / "daily" / "2026-06-03_AI_enhanced_Chinese.jsonl",
    DIGESTS / "daily" / "2026-06-05.md",
    DIGESTS / "daily" / "2026-06-06.md",             # the weekend: mostly 06-05 again
    DIGESTS / "daily" / "2026-06-07.md",             # and a copy of 06-06
    DIGESTS / "daily" / "2026-06-08.md",             # a day with a missing TL;DR (pandas 3 NaN)
)


@pytest.mark.slow
def test_day_report_on_a_digest_of_every_kind_holds_every_paper(tmp_path):
    # pandas 3 makes a missing text field NaN in a DataFrame (its default string dtype); that is
    # what crashed 3 of the daily digests, so the run uses it here (pandas 2.x keeps None).
    with Library.open(tmp_path / "library.sqlite") as library, pandas_3_strings():
        for number, path in enumerate(DIGEST_OF_EVERY_KIND):
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
