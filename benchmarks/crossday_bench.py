"""Topics across days on the 14 shared daily digests, ingested one day at a time through
``day_report`` (the `semdigest day` job), in date order:

- per day: the share of its topics that continue a topic of an earlier day, and its events;
- identity (issue 23): for each topic id carried to a later day, the share of its new papers
  whose 10 nearest earlier tracked papers were mostly (the most common id, nearest first on a
  tie) in that id; its mean over carried topic-days and the share of topic-days under 0.5;
- the weekend copies (2026-06-12/13/14 republish the same papers): identical topics, ids, sizes
  and labels;
- ``trends`` over the fortnight: each day's sizes add up to its paper count;
- re-running a past day changes nothing;
- the time tracking adds to a `day`: every day is reported twice side by side, without tracking
  and with it (order alternating), in the same library after the first ingest, so both reuse
  the vectors; the medians of both and of the tracking step itself.

    python benchmarks/crossday_bench.py [--library PATH] [--days N]

``--library`` copies a library already holding the daily digests' vectors (it is not changed);
without it a fresh library in a temporary folder embeds about 3,000 papers first.
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from semdigest.library import Library
from semdigest.readers import read
from semdigest.maps.topicmap import topic_map
from semdigest.report import day_report
from semdigest.report.trends import Trends
from semdigest.topics.history import topic_events, topic_history, track_topics, tracked_day
from semdigest.topics.tracking import earlier_neighbours, mostly

DAILY = Path(__file__).resolve().parents[2] / "shared" / "digests" / "daily"
WEEKEND = [dt.date(2026, 6, 12), dt.date(2026, 6, 13), dt.date(2026, 6, 14)]


def cpu() -> str:
    text = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    name = next((line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("model name")),
                platform.processor())
    return f"{name}, {'AVX-512 VNNI' if 'avx512_vnni' in text else 'no AVX-512 VNNI'}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--library", help="a library with the daily digests' vectors, copied first")
    parser.add_argument("--days", type=int, default=14, help="the first N daily digests (default 14)")
    parser.add_argument("--no-timing", action="store_true", help="report each day once, with tracking (no timing)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="crossday-"))
    path = folder / "library.sqlite"
    if args.library:
        shutil.copy(args.library, path)
    files = sorted(DAILY.glob("2026-06-??.md"))[:args.days]
    print(f"CPU: {cpu()}; {len(files)} daily digests")
    library = Library.open(path)
    rows, plain, tracked_times, steps = [], [], [], []
    for n, file in enumerate(files):
        digest = read(file)
        library.ingest(digest)  # embedding outside the comparison
        runs = [(False, folder / "plain"), (True, folder / "tracked")][args.no_timing:]
        for track, out in (runs if n % 2 == 0 else runs[::-1]):
            start = time.perf_counter()
            report = day_report(library, digest, out / digest.date.isoformat(), track=track)
            seconds = time.perf_counter() - start
            (tracked_times if track else plain).append(seconds)
            if track:
                steps.append(report.seconds["tracking"])
                day = tracked_day(library, digest.date)
        rows.append(day)
        events = ", ".join(str(e).split(" ", 1)[1] for e in day.events if e.kind not in ("grew", "shrank"))
        changes = sum(e.kind in ("grew", "shrank") for e in day.events)
        print(f"{day.date}  {len(digest.papers):>4} papers  {len(day.sizes)} topics  carried over "
              f"{len(day.sizes) - len(day.new)}/{len(day.sizes)} ({day.carried:.0%})  {changes} grew/shrank"
              f"  {events}", flush=True)

    later = [d for d in rows[1:] if d.previous_date]
    print(f"\ncarried over, days after the first: mean {statistics.mean(d.carried for d in later):.0%}, "
          f"min {min(d.carried for d in later):.0%}; weekdays with new papers only: "
          f"{statistics.mean(d.carried for d in later if d.date.weekday() < 5):.0%}")
    kinds = {}
    for d in rows:
        for e in d.events:
            kinds[e.kind] = kinds.get(e.kind, 0) + 1
    print("events over the fortnight:", ", ".join(f"{k} {v}" for k, v in kinds.items()))

    weekend = [tracked_day(library, d) for d in WEEKEND if tracked_day(library, d)]
    if len(weekend) == 3:
        same = all((w.sizes, w.labels, w.papers) == (weekend[0].sizes, weekend[0].labels, weekend[0].papers)
                   for w in weekend)
        print(f"weekend copies {', '.join(map(str, WEEKEND))}: identical topics, ids, sizes and labels: {same}")

    shares = identity(library, rows)
    print(f"identity: carried topic-days {len(shares)}, mean share of new papers whose nearest earlier papers "
          f"mostly had the id {np.mean(shares):.3f}, topic-days under 0.5: {np.mean(np.array(shares) < 0.5):.1%}")

    trends = Trends.from_library(library)
    counts = {d.date: library.store.count_papers(_day(d.date)) for d in rows}
    print(f"trends: sizes add up to each day's paper count: {trends.totals() == counts}")

    past = rows[len(rows) // 2].date
    before = (topic_history(library), topic_events(library))
    again = track_topics(library, past, topic_map(library, date=past))
    after = (topic_history(library), topic_events(library))
    print(f"re-running {past}: same topic for every paper {again.papers == tracked_day(library, past).papers}, "
          f"history and events unchanged: {before[0].equals(after[0]) and before[1].equals(after[1])}")

    if args.no_timing:
        library.close()
        return
    print(f"\n`day` per digest, median of {len(files)} (same library, vectors reused): without tracking "
          f"{statistics.median(plain):.2f} s, with tracking {statistics.median(tracked_times):.2f} s "
          f"(x{statistics.median(t / p for t, p in zip(tracked_times, plain)):.2f}); the tracking step itself: "
          f"median {1000 * statistics.median(steps):.0f} ms, max {1000 * max(steps):.0f} ms")
    library.close()
    shutil.rmtree(folder, ignore_errors=True)


def identity(library: Library, days: list) -> list[float]:
    """Per carried topic-day: the share of its new papers whose 10 nearest earlier papers mostly had its id."""
    shares = []
    for n, day in enumerate(days[1:], start=1):
        earlier: dict[str, int] = {}
        for before in days[:n]:
            earlier.update(before.papers)
        new = set(library.papers(date=day.date)["arxiv_id"]) - set(earlier)
        if not new:
            continue
        found, matrix = library.vectors(ids=sorted(earlier))
        ids, vectors = library.vectors(ids=sorted(new))
        near = earlier_neighbours(ids, vectors, [earlier[i] for i in found], matrix)
        for topic in set(day.sizes) - set(day.new):
            mine = [i for i in ids if day.papers.get(i) == topic]
            if mine:
                shares.append(float(np.mean([mostly(near[i]) == topic for i in mine])))
    return shares


def _day(date):
    from semdigest.records import PaperFilter

    return PaperFilter(date=date)


if __name__ == "__main__":
    main()
