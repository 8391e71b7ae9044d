"""Topics across days on the 14 shared daily digests, ingested one day at a time through
``day_report`` (the `semdigest day` job), in date order:

- per day: the share of its topics that continue a topic of an earlier day, and its events;
- identity (issue 23): for each topic id carried to a later day, the share of its new papers
  whose 10 nearest earlier tracked papers were mostly (the most common id, nearest first on a
  tie) in that id; its mean over carried topic-days, the share of topic-days under 0.5, and the
  topics carried a weekday;
- the ceiling of that figure on the same day topics (``topics.identity.identity_frontier``): the
  best mean identity any assignment of ids reaches, carrying as many topic-days as the run did,
  and the most topic-days any assignment carries at a mean of 0.85 or more; then the same for one
  KMeans cut of all the days' papers together (five topics, as a day has): a partition shared by
  the days, which a day's own topics cannot be (they depend on the day's papers alone);
- the tracker replayed in memory on the same day topics (the fits `day` remembered) with other
  ``min_identity`` values (``--replay``): identity and topics carried a weekday for each;
- the weekend copies (2026-06-12/13/14 republish the same papers): identical topics, ids, sizes
  and labels;
- ``trends`` over the fortnight: each day's sizes add up to its paper count;
- re-running a past day changes nothing;
- the time tracking adds to a `day`: every day is reported twice side by side, without tracking
  and with it (order alternating), in the same library after the first ingest, so both reuse
  the vectors; the medians of both and of the tracking step itself.

    python benchmarks/crossday_bench.py [--library PATH] [--since 2026-06-08] [--days N] [--no-timing] [--replay 0.7,0.8]

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
from semdigest.report.known_days import known_day_map
from semdigest.topics.identity import carried_identity, identity_frontier
from semdigest.topics.tracking import DayTopics, TopicTracker, TrackedPast, earlier_neighbours

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
    parser.add_argument("--since", type=dt.date.fromisoformat, default=dt.date(2026, 6, 1),
                        help="the first day of the history (default 2026-06-01)")
    parser.add_argument("--days", type=int, default=14, help="at most N daily digests from --since (default 14)")
    parser.add_argument("--no-timing", action="store_true", help="report each day once, with tracking (no timing)")
    parser.add_argument("--replay", default="0.6,0.7,0.75,0.8,0.85",
                        help="min_identity values to replay the tracker with (default 0.6,0.7,0.75,0.8,0.85)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="crossday-"))
    path = folder / "library.sqlite"
    if args.library:
        shutil.copy(args.library, path)
    files = [f for f in sorted(DAILY.glob("2026-06-??.md")) if f.stem >= args.since.isoformat()][:args.days]
    print(f"CPU: {cpu()}; {len(files)} daily digests from {files[0].stem}")
    library = Library.open(path)
    rows, plain, tracked_times, steps, papers = [], [], [], [], []
    for n, file in enumerate(files):
        digest = read(file)
        library.ingest(digest)  # embedding outside the comparison
        papers.append((digest.date, [p.arxiv_id for p in digest.papers]))
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

    vectors = _vectors(library, rows)
    shares = carried_identity(rows, vectors)
    weekdays = [d for d in later if d.date.weekday() < 5]
    print(f"identity: carried topic-days {len(shares)}, mean share of new papers whose nearest earlier papers "
          f"mostly had the id {np.mean(shares):.3f}, topic-days under 0.5: {np.mean(np.array(shares) < 0.5):.1%}; "
          f"topics carried a weekday: {statistics.mean(len(d.sizes) - len(d.new) for d in weekdays):.2f}")
    ceiling("the same day topics", [(d.date, d.papers) for d in rows], vectors, len(shares))
    ceiling("one KMeans cut of all the days together", shared_partition(rows, vectors), vectors, len(shares))
    for threshold in [float(t) for t in args.replay.split(",") if t]:
        again = replay(library, papers, vectors, TopicTracker(min_identity=threshold))
        shares_again = carried_identity(again, vectors)
        print(f"  replayed with min_identity={threshold}: identity {np.mean(shares_again) if shares_again else 0:.3f} "
              f"over {len(shares_again)} carried topic-days, topics carried a weekday "
              f"{statistics.mean(len(d.sizes) - len(d.new) for d in again[1:] if d.date.weekday() < 5):.2f}")

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


def _vectors(library: Library, days: list) -> dict[str, np.ndarray]:
    ids, matrix = library.vectors(ids=sorted({i for d in days for i in d.papers}))
    return dict(zip(ids, matrix))


def ceiling(what: str, partitions: list, vectors: dict, carried: int) -> None:
    """Print the best mean identity any assignment of ids reaches on these day partitions."""
    best = identity_frontier(partitions, vectors)
    if not best:
        print(f"  no id can carry on {what}")
        return
    near = best.get(carried) or best[min(best, key=lambda n: abs(n - carried))]
    most = max((n for n, mean in best.items() if mean >= 0.85), default=0)
    print(f"  best any assignment of ids reaches on {what}: {near:.3f} carrying {carried} topic-days; "
          f"at a mean of 0.85 or more: {most} topic-days (mean {best.get(most, float('nan')):.3f})")


def replay(library: Library, days: list, vectors: dict, tracker: TopicTracker) -> list:
    """The days tracked again in memory (as ``track_topics`` does, nothing stored) on the fits `day`
    remembered for them."""
    standing, tracked = {}, []
    for date, ids in days:
        fit = known_day_map(library, ids, f"arXiv digest {date}")
        order = list(fit.papers["arxiv_id"])
        matrix = np.array([vectors[i] for i in order])
        latest, earlier = {}, {}
        for before in tracked:
            latest.update(before.papers)
            if (date - before.date).days <= tracker.memory_days:
                earlier.update(before.papers)
        found = sorted(earlier)
        near = earlier_neighbours(order, matrix, [earlier[i] for i in found], np.array([vectors[i] for i in found]))
        last = tracked[-1] if tracked else None
        day = tracker.track(DayTopics.from_model(date, fit.model, order, matrix),
                            TrackedPast([standing[t] for t in sorted(standing)], {i: latest[i] for i in order if i in latest},
                                        last.sizes if last else {}, last.date if last else None, near))
        standing.update({t.id: t for t in day.topics})
        tracked.append(day)
    return tracked


def shared_partition(days: list, vectors: dict, topics: int = 5) -> list:
    """Each day's papers cut by one KMeans over all the days' papers (a reference a day's own
    topics cannot follow: it depends on the other days)."""
    from sklearn.cluster import KMeans

    ids = sorted(vectors)
    cut = dict(zip(ids, KMeans(topics, random_state=0, n_init=10).fit_predict(np.array([vectors[i] for i in ids]))))
    return [(d.date, {i: int(cut[i]) for i in d.papers}) for d in days]


def _day(date):
    from semdigest.records import PaperFilter

    return PaperFilter(date=date)


if __name__ == "__main__":
    main()
