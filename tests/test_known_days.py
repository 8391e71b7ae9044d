"""A known day's topics and map are remembered in the library (report/known_days.py): a re-run
reuses them, gives the recomputation's output byte for byte, and a changed day, seed or entry is
recomputed. On slices of two real shared days, embedded with the real model."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from semdigest.library import Library
from semdigest.maps.topicmap import topic_map
from semdigest.readers import read
from semdigest.report import day_report, write_report
from semdigest.report.known_days import known_day_map
from semdigest.topics import TopicModel
from tests.conftest import DAILY, ROOT
from tests.helpers import digest_slice

pytestmark = pytest.mark.slow  # embeds 120 real papers


@pytest.fixture(scope="module")
def days(tmp_path_factory):
    """A library holding 60 papers of 2026-06-08, and the first 60 of 2026-06-09's digest."""
    folder = tmp_path_factory.mktemp("known-days")
    earlier = digest_slice(DAILY / "2026-06-08.md", folder / "2026-06-08.md", 60)
    day = digest_slice(DAILY / "2026-06-09.md", folder / "2026-06-09.md", 60)
    with Library.open(folder / "library.sqlite") as library:
        library.ingest(read(earlier))
    return folder, day


def _remembered(library) -> list[str]:
    return [key for key, in library.store.conn.execute("SELECT key FROM meta WHERE key LIKE 'known-day:%'")]


def _same_map(a, b) -> None:
    pd.testing.assert_frame_equal(a.papers, b.papers, check_exact=True)
    assert a.topics == b.topics and a.subtopics == b.subtopics  # every field but the centre
    for mine, theirs in zip([*a.topics, *a.subtopics], [*b.topics, *b.subtopics]):
        assert mine.centroid.dtype == theirs.centroid.dtype and np.array_equal(mine.centroid, theirs.centroid)
    assert a.model.clustered_ == b.model.clustered_ and np.array_equal(a.model.labels_, b.model.labels_)


def test_a_rerun_of_a_known_day_writes_the_recomputed_report_byte_for_byte(days, tmp_path):
    folder, day = days
    path = tmp_path / "library.sqlite"
    path.write_bytes((folder / "library.sqlite").read_bytes())
    digest = read(day)
    with Library.open(path) as library:
        first = day_report(library, digest, tmp_path / "first")  # fits, tracks and remembers the day
        assert len(_remembered(library)) == 1
        again = day_report(library, digest, tmp_path / "again")  # the remembered fit
        fresh = topic_map(library, ids=[p.arxiv_id for p in digest.papers], title=first.map.title)
    _same_map(again.map, first.map)
    assert again.data.tracked.ids == first.data.tracked.ids and again.library_map is not None
    # the recomputation, under the standing ids the day got, written beside the remembered one
    write_report(replace(again.data, map=fresh.with_standing_ids(again.data.tracked)), tmp_path / "fresh")
    for name in ("map.png", "map.html", "papers.csv", "index.html", "report.md", "library-map.png", "library-map.html"):
        assert (tmp_path / "again" / name).read_bytes() == (tmp_path / "fresh" / name).read_bytes(), name
        if name not in ("index.html", "report.md"):  # those two say how long the ingest took
            assert (tmp_path / "again" / name).read_bytes() == (tmp_path / "first" / name).read_bytes(), name


def test_a_rerun_imports_neither_umap_nor_numba(days, tmp_path):
    folder, day = days
    path = tmp_path / "library.sqlite"
    path.write_bytes((folder / "library.sqlite").read_bytes())
    wrapped = ("import sys; from semdigest.cli import main; status = main(sys.argv[1:]); "
               "print(sorted(m for m in ('umap', 'numba', 'torch') if m in sys.modules), file=sys.stderr); "
               "sys.exit(status)")
    runs = [subprocess.run([sys.executable, "-c", wrapped, "day", str(day), "--out", str(tmp_path / f"out{n}"),
                            "--library", str(path)], capture_output=True, text=True, cwd=ROOT, timeout=600)
            for n in (1, 2)]
    assert [r.returncode for r in runs] == [0, 0], runs[-1].stderr[-500:]
    assert "'umap'" in runs[0].stderr.splitlines()[-1]  # the first run fits: the check can fail
    assert runs[1].stderr.splitlines()[-1] == "[]"
    assert (tmp_path / "out1" / "map.png").read_bytes() == (tmp_path / "out2" / "map.png").read_bytes()


def test_a_changed_day_seed_or_entry_is_recomputed(days, tmp_path):
    folder, day = days
    path = tmp_path / "library.sqlite"
    path.write_bytes((folder / "library.sqlite").read_bytes())
    with Library.open(path) as library:
        library.ingest(read(day))
        ids = [p.arxiv_id for p in read(day).papers]
        known_day_map(library, ids, "day")
        # one paper fewer: another day, its own fit (and its own entry)
        fewer = known_day_map(library, ids[1:], "day")
        _same_map(fewer, topic_map(library, ids=ids[1:], title="day"))
        assert len(_remembered(library)) == 2
        # another seed: a fresh fit, which replaces the day's entry
        seeded = known_day_map(library, ids, "day", topic_model=TopicModel(random_state=7))
        _same_map(seeded, topic_map(library, ids=ids, topic_model=TopicModel(random_state=7), title="day"))
        assert len(_remembered(library)) == 2
        entry = next(k for k in _remembered(library)
                     if json.loads(library.store.get_meta(k))["coords"]["shape"][0] == len(ids))
        # damaged entries, unreadable or of the right fingerprint but cut short: recomputed and replaced
        for damaged in ("{not json", json.dumps({"fingerprint": "", "fitted": {}})):
            known_day_map(library, ids, "day")
            fingerprint = json.loads(library.store.get_meta(entry))["fingerprint"]
            with library.store.write():
                library.store.set_meta(entry, damaged.replace('""', json.dumps(fingerprint)))
            _same_map(known_day_map(library, ids, "day"), topic_map(library, ids=ids, title="day"))
            assert json.loads(library.store.get_meta(entry))["coords"]["shape"] == [len(ids), 2]
