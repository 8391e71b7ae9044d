"""Topics across days: real digests of 2026-06-11 to 06-14 through `day_report` one day at a time
(the real model and store), then `trends` from the shell. 06-12, 06-13 and 06-14 are the same
papers (a Friday and its weekend copies)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import subprocess
import sys

import pandas as pd
import pytest

from semdigest.library import Library
from semdigest.maps.topicmap import topic_map
from semdigest.readers import read
from semdigest.maps.topicmap import topic_map
from semdigest.report import day_report
from semdigest.report.trends import Trends
from semdigest.topics.history import topic_events, topic_history, topic_lineage, track_topics, tracked_day
from semdigest.records import TOPIC_EVENTS
from semdigest.topics.tracking import DayTopics, TopicTracker, TrackedPast

from .conftest import DAILY
from .helpers import run_cli

pytestmark = pytest.mark.slow  # each test embeds real digests with the model or runs it in a subprocess

DAYS = [dt.date(2026, 6, d) for d in (11, 12, 13, 14)]
WEEKEND = DAYS[1:]


@pytest.fixture(scope="module")
def tracked(tmp_path_factory):
    """(library path, report folders by date): each day through day_report, in date order."""
    folder = tmp_path_factory.mktemp("tracking")
    path = folder / "library.sqlite"
    reports = {}
    with Library.open(path) as library:
        for date in DAYS:
            reports[date] = day_report(library, read(DAILY / f"{date}.md"), folder / str(date)).out
    return path, reports


@pytest.fixture()
def library(tracked):
    with Library.open(tracked[0]) as library:
        yield library


def _csv(folder) -> pd.DataFrame:
    return pd.read_csv(folder / "papers.csv", dtype={"arxiv_id": str})


def test_ids_carry_over_with_their_subject_and_every_paper_has_one(library):
    friday = tracked_day(library, DAYS[1])
    assert friday.previous_date == DAYS[0]
    assert 0 < friday.carried < 1, friday  # 06-11 -> 06-12: new papers only; some ids carry on ...
    said = {t for e in friday.events if e.kind in ("born", "split", "continues") for t in (e.topic, *e.others)}
    assert set(friday.new) <= said  # ... and every new id says where it came from
    for date in DAYS:
        day = tracked_day(library, date)
        assert set(day.papers) == set(library.papers(date=date)["arxiv_id"])
        assert sorted(day.papers.values()) == sorted(t for t, n in day.sizes.items() for _ in range(n))


def test_the_weekend_copies_have_identical_topics_ids_and_labels(library, tracked):
    days = [tracked_day(library, d) for d in WEEKEND]
    for day in days[1:]:
        assert (day.sizes, day.labels, day.papers) == (days[0].sizes, days[0].labels, days[0].papers)
        assert [e.kind for e in day.events] == []  # nothing grew, shrank, appeared or went
    tables = [_csv(tracked[1][d]).set_index("arxiv_id")[["topic", "label"]].sort_index() for d in WEEKEND]
    assert all(t.equals(tables[0]) for t in tables[1:])
    assert set(tables[0]["topic"]) == set(days[0].sizes)  # the report shows the stable ids


def test_the_report_has_an_across_days_section_with_stable_ids(library, tracked):
    markdown = (tracked[1][DAYS[1]] / "report.md").read_text(encoding="utf-8")
    page = (tracked[1][DAYS[1]] / "index.html").read_text(encoding="utf-8")
    assert "## Across days" in markdown and f"Compared with {DAYS[0]}" in markdown
    assert "id='across-days'" in page
    day = tracked_day(library, DAYS[1])
    from semdigest.escaping import markdown_text

    for topic, label in day.labels.items():
        assert f"## {topic}. {markdown_text(label)} (" in markdown
    first = (tracked[1][DAYS[0]] / "report.md").read_text(encoding="utf-8")
    assert "The first tracked day" in first


def test_rerunning_a_past_day_renumbers_nothing(library, tracked, tmp_path):
    history, events = topic_history(library), topic_events(library)
    before = _csv(tracked[1][DAYS[1]])
    again = day_report(library, read(DAILY / f"{DAYS[1]}.md"), tmp_path / "again")
    assert topic_history(library).equals(history) and topic_events(library).equals(events)
    assert _csv(again.out)[["arxiv_id", "topic", "label"]].equals(before[["arxiv_id", "topic", "label"]])
    # straight through the Library too: the stored day comes back, nothing is matched again
    day = track_topics(library, DAYS[1], topic_map(library, date=DAYS[1]))
    assert day.papers == tracked_day(library, DAYS[1]).papers and sorted(day.ids.values()) == sorted(day.sizes)


def test_tracking_is_deterministic_and_works_without_a_library(library):
    """The tracker alone, on (ids, vectors, topics) and plain records: the same inputs, the same ids."""
    model_map = topic_map(library, date=DAYS[0])
    ids = list(model_map.papers["arxiv_id"])
    _, matrix = library.vectors(ids=ids)
    model = model_map.model
    first = TopicTracker().track(DayTopics.from_model(DAYS[0], model, ids, matrix), TrackedPast())
    assert [e.kind for e in first.events] == ["born"] * len(model.topics_)
    second_map = topic_map(library, date=DAYS[1])
    later_ids = list(second_map.papers["arxiv_id"])
    _, later = library.vectors(ids=later_ids)
    runs = [TopicTracker().track(DayTopics.from_model(DAYS[1], second_map.model, later_ids, later),
                                 TrackedPast(first.topics, {}, first.sizes, DAYS[0])) for _ in range(2)]
    assert runs[0].ids == runs[1].ids and runs[0].events == runs[1].events and runs[0].labels == runs[1].labels
    with pytest.raises(ValueError, match="min_share"):
        TopicTracker(min_share=2).track(DayTopics.from_model(DAYS[0], model, ids, matrix), TrackedPast())


@pytest.mark.slow
def test_a_carried_id_keeps_its_subject(library):
    """Issue 23: a topic id carried to 06-12 holds new papers whose nearest earlier papers were
    mostly in that id (each at least the tracker's min_identity), no better than the best any
    assignment of ids reaches on the same day topics; each day keeps its own label."""
    import numpy as np

    from semdigest.topics.identity import carried_identity, identity_frontier

    days = [tracked_day(library, d) for d in DAYS]
    ids, matrix = library.vectors(ids=sorted({i for d in days for i in d.papers}))
    vectors = dict(zip(ids, matrix))
    shares = carried_identity(days, vectors)
    assert shares and min(shares) >= TopicTracker().min_identity and np.mean(shares) >= 0.85, shares
    best = identity_frontier([(d.date, d.papers) for d in days], vectors, width=10**4)
    assert np.mean(shares) <= best[len(shares)] + 1e-9, (shares, best)
    day = days[1]
    history = topic_history(library)
    friday = history[history["date"] == DAYS[1]].set_index("topic")["label"].to_dict()
    assert friday == day.labels
    topics = {t["topic"]: t for t in Trends.from_library(library).to_json()["topics"]}
    assert all(topics[t]["labels"][DAYS[1].isoformat()] == label for t, label in friday.items())


def test_trends_sizes_add_up_to_each_days_papers_and_lineage(library):
    trends = Trends.from_library(library)
    assert trends.dates == DAYS
    assert trends.totals() == {d: len(library.papers(date=d)) for d in DAYS}
    table = trends.table()
    assert table[DAYS[0]].sum() == len(library.papers(date=DAYS[0]))
    biggest = int(table.index[0])
    lineage = topic_lineage(library, biggest)
    assert list(lineage.columns) == ["date", "size", "label", "events"] and len(lineage) >= 1
    assert set(topic_events(library)["kind"]) <= set(TOPIC_EVENTS)


def test_trends_command_table_json_csv_and_files(tracked, tmp_path):
    path = tracked[0]
    table = run_cli("trends", "--library", path)
    assert table.returncode == 0, table.stderr
    assert "all papers" in table.stdout and "06-13" in table.stdout
    as_json = run_cli("trends", "--since", "2026-06-12", "--until", "2026-06-13", "--json", "--library", path)
    data = json.loads(as_json.stdout)
    assert data["dates"] == ["2026-06-12", "2026-06-13"] and data["totals"] == {"2026-06-12": 250, "2026-06-13": 250}
    assert sum(t["sizes"].get("2026-06-12", 0) for t in data["topics"]) == 250
    as_csv = run_cli("trends", "--csv", "--library", path, "--out", tmp_path / "out")
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert rows and set(rows[0]) == {"date", "topic", "label", "size", "share", "events"}
    assert sum(int(r["size"]) for r in rows if r["date"] == "2026-06-14") == 250
    png, page = tmp_path / "out" / "trends.png", tmp_path / "out" / "trends.html"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    text = page.read_text(encoding="utf-8")
    assert "const DATA = {" in text and "<script src" not in text and "https://" not in text.split("const DATA")[0]
    assert run_cli("trends", "--help").stdout.count("example:") == 1


def test_trends_errors_are_one_line_and_a_closed_pipe_ends_quietly(tracked, tmp_path):
    empty = run_cli("trends", "--since", "2027-01-01", "--library", tracked[0])
    assert empty.returncode == 2 and empty.stderr.startswith("semdigest: error: no tracked topics")
    assert len(empty.stderr.strip().splitlines()) == 1
    swapped = run_cli("trends", "--since", "2026-06-14", "--until", "2026-06-11", "--library", tracked[0])
    assert swapped.returncode == 2 and "swap them" in swapped.stderr
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        closed = subprocess.run([sys.executable, "-m", "semdigest", "trends", "--json", "--library", str(tracked[0])],
                                stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=300)
    finally:
        os.close(write_end)
    assert closed.returncode == 141 and "Traceback" not in closed.stderr
