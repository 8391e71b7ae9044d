"""Maps that stay put and novelty (issue 15), with the real model, real digests and real stores:
a library of real cs days; a planted day of real papers from fields the library lacks (math.ST
from seed 004, eess.SP from seed 000) that must top novelty; the weekend copies 2026-06-12/13/14
at identical positions; re-drawn days at the same positions; placement deterministic."""

from __future__ import annotations

import csv
import datetime as dt
import uuid
from dataclasses import replace

import numpy as np
import pytest

from semdigest.library import Library
from semdigest.maps.librarymap import library_map
from semdigest.maps.reference import (faithfulness, fit_reference, map_coordinates, place, rebuild_reference,
                                      reference_info)
from semdigest.novelty import day_novelty
from semdigest.readers import read
from semdigest.records import Digest
from semdigest.report import day_report
from semdigest.report.render import LIBRARY_MAP_HTML, LIBRARY_MAP_PNG

from .conftest import DAILY, SEED_000, SEED_004

pytestmark = pytest.mark.slow  # each test embeds real digests with the model or runs it in a subprocess

CS_DAYS = ("2026-06-01", "2026-06-04", "2026-06-08")
PLANTED_DAY = dt.date(2026, 6, 9)
WEEKEND = ("2026-06-12", "2026-06-13", "2026-06-14")
FAR_FIELDS = {SEED_004: "math.ST", SEED_000: "eess.SP"}  # fields no paper of the cs days has
RARE_FIELDS = ("cs.IT", "cs.CE", "cs.GT", "cs.GR")  # fields the cs days have few papers of


def _planted_digest() -> tuple[Digest, set[str]]:
    """40 real cs papers of 2026-06-10 and every real math.ST / eess.SP paper of the seeds, as one day."""
    cs = list(read(DAILY / "2026-06-10.md").papers[:40])
    planted = [p for seed, field in FAR_FIELDS.items() for p in read(seed, date=PLANTED_DAY).papers
               if p.primary_category == field]
    papers = tuple(replace(p, date=PLANTED_DAY) for p in cs + planted)
    return Digest(source="planted-2026-06-09.md", date=PLANTED_DAY, format="markdown", papers=papers), \
        {p.arxiv_id for p in planted}


@pytest.fixture(scope="module")
def across(tmp_path_factory):
    """Every day through `day_report`, one at a time: three cs days, the planted day, the weekend."""
    root = tmp_path_factory.mktemp("across")
    library = Library.open(root / "library.sqlite")
    outs, reports = {}, {}
    digest, planted = _planted_digest()
    days = [read(DAILY / f"{day}.md") for day in CS_DAYS] + [digest] + [read(DAILY / f"{day}.md") for day in WEEKEND]
    for day in days:
        outs[day.date] = root / f"report-{day.date}"
        reports[day.date] = day_report(library, day, outs[day.date])
    yield library, outs, reports, planted
    library.close()


def _csv(out) -> dict[str, dict]:
    return {r["arxiv_id"]: r for r in csv.DictReader((out / "papers.csv").open(encoding="utf-8"))}


def test_a_planted_field_the_library_lacks_tops_novelty(across):
    library, outs, reports, planted = across
    novelty = day_novelty(library, PLANTED_DAY)
    # eight of the ten most novel are planted: within their neighbourhoods two cs papers (2606.10021,
    # and 2606.10200 with openvino-int8's vectors) are further from their earlier papers than the
    # papers around them are; the medians below separate the two groups
    assert len(set(novelty["arxiv_id"].head(10)) & planted) >= 8
    is_planted = novelty["arxiv_id"].isin(planted)
    assert novelty.loc[is_planted, "novelty"].median() >= 0.95
    assert novelty.loc[~is_planted, "novelty"].median() <= 0.8
    assert novelty["novelty"].between(0, 1).all()
    # the report's column and list say the same
    table = _csv(outs[PLANTED_DAY])
    for row in novelty.itertuples():
        assert float(table[row.arxiv_id]["novelty"]) == pytest.approx(row.novelty, abs=1e-3)
    markdown = (outs[PLANTED_DAY] / "report.md").read_text(encoding="utf-8")
    section = markdown.split("## New here, unlike anything you have", 1)[1].split("\n## ", 1)[0]
    listed = [line for line in section.splitlines() if line.startswith("1. [")]
    assert 5 <= len(listed) <= 10
    assert all(f"https://arxiv.org/abs/{i})" in section for i in novelty["arxiv_id"].head(len(listed)))
    assert "nearest earlier:" in section


def test_a_routine_paper_of_a_rare_field_is_not_new_here(across):
    """Issue 23: novelty is taken within the paper's neighbourhood. Against the whole sample, a
    routine paper of a sparse field (cs.IT, cs.CE, cs.GT, cs.GR: a few % of the papers) looked new
    because its field is sparse: on the 14 shared days 4-7 of the top 8 of 06-08..06-12."""
    library, *_ = across
    novelty = day_novelty(library, dt.date.fromisoformat(WEEKEND[0])).dropna(subset=["novelty"])
    fields = library.papers(ids=list(novelty["arxiv_id"])).set_index("arxiv_id")["primary_category"]
    top = fields.loc[novelty["arxiv_id"].head(8)]
    assert top.isin(RARE_FIELDS).sum() <= 2, list(top)


def test_the_day_report_draws_the_library_map_when_the_library_has_earlier_days(across):
    library, outs, reports, _ = across
    first = outs[dt.date.fromisoformat(CS_DAYS[0])]
    assert not (first / LIBRARY_MAP_PNG).exists() and reports[dt.date.fromisoformat(CS_DAYS[0])].library_map is None
    assert all(r["novelty"] == "" and r["library_x"] == "" for r in _csv(first).values())
    out = outs[PLANTED_DAY]
    assert (out / LIBRARY_MAP_PNG).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    page = (out / LIBRARY_MAP_HTML).read_text(encoding="utf-8")
    assert '"backdrop": [[' in page and "<script src" not in page and "@import" not in page
    assert "fonts.googleapis" not in page and "unpkg" not in page
    assert LIBRARY_MAP_HTML in (out / "index.html").read_text(encoding="utf-8")
    assert "New here, unlike anything you have" in (out / "index.html").read_text(encoding="utf-8")
    assert LIBRARY_MAP_PNG in (out / "report.md").read_text(encoding="utf-8")
    table = _csv(out)
    assert all(r["library_x"] and r["library_y"] for r in table.values())
    backdrop = reports[PLANTED_DAY].library_map.backdrop
    assert set(backdrop["arxiv_id"]) == set(library.store.arxiv_ids(_since(PLANTED_DAY, 7)))


def test_a_busy_week_backdrop_is_an_even_sample_the_same_each_time(across):
    """Past ``backdrop_limit`` papers the backdrop is a fixed, evenly spread sample (a library
    of a million papers would otherwise draw tens of thousands of grey points)."""
    library, *_ = across
    week = library.store.arxiv_ids(_since(PLANTED_DAY, 7))
    limit = len(week) // 3
    first, again = (library_map(library, PLANTED_DAY, backdrop_limit=limit),
                    library_map(library, PLANTED_DAY, backdrop_limit=limit))
    shown = list(first.backdrop["arxiv_id"])
    assert len(shown) == len(week) // 3 and shown == list(again.backdrop["arxiv_id"])
    assert set(shown) <= set(week) and shown[0] == week[0] and shown[-1] == week[-1]
    assert f"{len(shown)} of the {len(week)} papers" in first.heading()


def _since(date, days):
    from semdigest.records import PaperFilter

    return PaperFilter(since=date - dt.timedelta(days=days), until=date - dt.timedelta(days=1))


def test_weekend_copies_have_identical_coordinates_and_novelty(across):
    _, outs, _, _ = across
    tables = [_csv(outs[dt.date.fromisoformat(day)]) for day in WEEKEND]
    assert tables[0].keys() == tables[1].keys() == tables[2].keys() and len(tables[0]) == 250
    for column in ("library_x", "library_y", "novelty"):
        values = [{i: r[column] for i, r in t.items()} for t in tables]
        assert values[0] == values[1] == values[2]
    assert all(r["novelty"] for r in tables[0].values())


def test_a_redrawn_day_has_the_same_coordinates_in_any_process(across):
    library, outs, reports, _ = across
    last = dt.date.fromisoformat(WEEKEND[-1])
    drawn = reports[last].library_map.day.papers.set_index("arxiv_id")[["x", "y"]]
    again = library_map(library, last).day.papers.set_index("arxiv_id")[["x", "y"]]
    assert drawn.equals(again.loc[drawn.index])
    with Library.open(library.path) as other:   # a new connection, as a later command would have
        stored = map_coordinates(other, drawn.index).set_index("arxiv_id")[["x", "y"]]
    assert np.array_equal(stored.loc[drawn.index].to_numpy(), drawn.to_numpy())
    # a day drawn before the last reference fit is drawn at the positions stored for it now
    earlier = library_map(library, PLANTED_DAY).day.papers.set_index("arxiv_id")[["x", "y"]]
    points = {p[0]: (p[2], p[3]) for p in library.store.map_points(library.embedder().key, earlier.index)}
    assert all(points[i] == tuple(row) for i, row in zip(earlier.index, earlier.to_numpy()))


def test_the_reference_is_refitted_while_young_and_then_stays(across):
    library, *_ = across
    info = reference_info(library)
    # fitted at the second day, refitted once the library had doubled (the weekend's first day)
    assert info["version"] == 2 and info["papers"] == info["library_papers"] < len(library) * 2
    points = library.store.map_points(library.embedder().key)
    assert sum(p[4] for p in points) == info["papers"]


def test_placement_is_deterministic_in_any_order_and_keeps_neighbours(across):
    library, *_ = across
    ids, matrix = library.vectors()
    rng = np.random.default_rng(1)
    reference = np.sort(rng.choice(len(ids), 600, replace=False))
    rest = np.setdiff1d(np.arange(len(ids)), reference)
    coords = fit_reference(matrix[reference], [ids[i] for i in reference], random_state=42)
    shuffled = rng.permutation(len(reference))
    again = fit_reference(matrix[reference][shuffled], [ids[reference[i]] for i in shuffled], random_state=42)
    assert np.array_equal(again, coords[shuffled])
    placed = place(matrix[rest], matrix[reference], coords)
    order = rng.permutation(len(rest))
    assert np.array_equal(place(matrix[rest][order], matrix[reference], coords), placed[order])
    assert np.array_equal(place(matrix[rest][:7], matrix[reference], coords), placed[:7])  # alone or with others
    # faithfulness: a placed paper's 10 nearest map points are mostly among its 10 nearest papers
    everything = np.vstack([matrix[reference], matrix[rest]])
    positions = np.vstack([coords, placed])
    shares = faithfulness(everything, positions, rows=np.arange(len(reference), len(everything)))
    assert shares >= 0.15 and shares >= 10 * 10 / len(everything)


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request, tmp_path):
    if request.param == "sqlite":
        return str(tmp_path / "library.sqlite")
    return request.getfixturevalue("postgres_server").url(f"t_{uuid.uuid4().hex[:12]}")


def test_positions_are_kept_in_both_stores(across, store_url):
    source, *_ = across
    days = [read(DAILY / f"{day}.md") for day in CS_DAYS[:2]]
    with Library.open(store_url) as library:
        for day in days:
            library.add(day)
        library.add_vectors(None, *source.vectors(ids=library.store.arxiv_ids(_all())))
        ids = [p.arxiv_id for p in days[1].papers]
        first = map_coordinates(library, ids)
        novelty = day_novelty(library, days[1].date)
    with Library.open(store_url) as library:
        assert map_coordinates(library, ids).equals(first)
        assert reference_info(library)["papers"] == len(library)
        assert day_novelty(library, days[1].date)["closeness"].equals(novelty["closeness"])
        rebuild_reference(library, size=300)
        assert reference_info(library)["version"] == 2
        assert len(library.store.map_points(library.embedder().key)) == 300


def _all():
    from semdigest.records import PaperFilter

    return PaperFilter()


def test_a_copied_library_draws_every_paper_where_the_source_did(across, tmp_path):
    from semdigest.cli.copy import copy_library

    source, *_ = across
    with Library.open(tmp_path / "copy.sqlite") as target:
        copy_library(source, target)
        assert reference_info(target) == reference_info(source)
        ids = source.store.arxiv_ids(_all())
        assert map_coordinates(target, ids).equals(map_coordinates(source, ids))
