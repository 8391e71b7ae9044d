"""Maps that stay put and novelty (issue 15): placement methods compared, and what they add to
`semdigest day` against a library of 100k papers.

Part 1, real papers (the 14 shared daily digests but 2026-06-09, embedded once by scale_bench's
`real_library`): a reference map fitted on the papers first seen 2026-06-01..07, then each later
day's new papers placed on it by

- kNN placement (semdigest's: the weighted mean of the k nearest reference papers' positions,
  k = 1, 3, 5, 10);
- UMAP's ``transform`` on the fitted reference (umap-learn);
- AlignedUMAP's ``update`` with a window of the reference + the day (the reference papers
  related to themselves);
- a fresh UMAP of the reference + the day (the ceiling, but nothing stays put).

For each: seconds to place a day, faithfulness (share of a placed paper's 10 nearest map points
among its 10 nearest papers by cosine, among the reference + the day) and drift (how far the
reference papers moved, as a share of the map's width).

Part 2, 100k papers (scale_bench's `build`: real papers replicated with noisy real vectors,
through the store) and a real new day (2026-06-09, vectors known): `day_report` once (the
reference fit and the novelty calibration are paid here), then again with the day's positions
forgotten (a steady-state day: place the new papers, novelty from the cached calibration), and
the library map with a backdrop of ~2,000 earlier papers.

    python benchmarks/crossday_placement_bench.py --out /tmp/semdigest-crossday [--size 100000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
import warnings
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scale_bench import NEW_DAY, build, real_library  # noqa: E402

from semdigest.embedding.models import get_model  # noqa: E402
from semdigest.library import Library, text_hash  # noqa: E402
from semdigest.maps.projection import _umap_module  # noqa: E402
from semdigest.maps.reference import _centred, faithfulness, fit_reference, place  # noqa: E402
from semdigest.readers import read  # noqa: E402
from semdigest.records import ModelKey  # noqa: E402

REFERENCE_DAYS = (dt.date(2026, 6, 1), dt.date(2026, 6, 7))
PLACED_DAYS = [dt.date(2026, 6, d) for d in (8, 10, 11, 12)]


def cpu() -> str:
    info = Path("/proc/cpuinfo").read_text()
    name = next((line.split(":", 1)[1].strip() for line in info.splitlines() if line.startswith("model name")), "?")
    return f"{name}, {'AVX-512 VNNI' if 'avx512_vnni' in info else 'no AVX-512 VNNI'}, {os.cpu_count()} cores"


def drift(before: np.ndarray, after: np.ndarray) -> float:
    """Mean displacement of the reference papers, as a share of the reference map's width."""
    return float(np.linalg.norm(after - before, axis=1).mean() / np.ptp(before, axis=0).max())


def methods(real: Library) -> None:
    frame = real.papers()
    first = dict(zip(frame["arxiv_id"], frame["first_seen"]))
    ids, matrix = real.vectors()
    ref_rows = [i for i, a in enumerate(ids) if REFERENCE_DAYS[0] <= first[a] <= REFERENCE_DAYS[1]]
    ref, ref_ids = matrix[ref_rows], [ids[i] for i in ref_rows]
    start = time.perf_counter()
    coords = fit_reference(ref, ref_ids)
    print(f"\nreference: {len(ref_rows)} papers first seen {REFERENCE_DAYS[0]}..{REFERENCE_DAYS[1]}; fit "
          f"{time.perf_counter() - start:.1f} s; faithfulness of its own layout {faithfulness(ref, coords):.3f}")
    umap = _umap_module()
    mean = ref.mean(axis=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = time.perf_counter()
        fitted = umap.UMAP(n_neighbors=15, min_dist=0.1, metric="cosine", random_state=42).fit(_centred(ref, mean))
        transform_fit = time.perf_counter() - start
        start = time.perf_counter()
        aligned = umap.AlignedUMAP(n_neighbors=15, min_dist=0.1, metric="cosine", random_state=42).fit(
            [_centred(ref, mean), _centred(ref, mean)], relations=[{i: i for i in range(len(ref))}])
        aligned_fit = time.perf_counter() - start
    print(f"UMAP fit for transform {transform_fit:.1f} s; AlignedUMAP fit (two slices) {aligned_fit:.1f} s")
    rows = {}
    for day in PLACED_DAYS:
        day_rows = [i for i, a in enumerate(ids) if first[a] == day]
        X = matrix[day_rows]
        everything = np.vstack([ref, X])
        placed = np.arange(len(ref), len(everything))

        def record(name, seconds, positions, moved=0.0):
            rows.setdefault(name, []).append((seconds, faithfulness(everything, positions, rows=placed), moved))

        for k in (1, 3, 5, 10):
            start = time.perf_counter()
            p = place(X, ref, coords, k=k)
            record(f"kNN placement, k={k}" + (" (semdigest)" if k == 3 else ""), time.perf_counter() - start,
                   np.vstack([coords, p]))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            start = time.perf_counter()
            p = fitted.transform(_centred(X, mean))
            record("UMAP transform", time.perf_counter() - start, np.vstack([fitted.embedding_, p]))
            window = _centred(everything, mean)
            start = time.perf_counter()
            aligned.update(window, relations={i: i for i in range(len(ref))})
            seconds = time.perf_counter() - start
            layout = aligned.embeddings_[-1]
            record("AlignedUMAP update (window: reference + day)", seconds, layout,
                   drift(aligned.embeddings_[1], layout[:len(ref)]))
            start = time.perf_counter()
            fresh = fit_reference(everything, ref_ids + [ids[i] for i in day_rows])
            record("fresh UMAP of reference + day", time.perf_counter() - start, fresh, drift(coords, fresh[:len(ref)]))
        print(f"  placed {day}: {len(day_rows)} new papers", file=sys.stderr)
    print(f"\nplacing the new papers of {', '.join(map(str, PLACED_DAYS))} (means over the days)")
    print("| method | seconds a day | faithfulness (10-NN) | reference papers moved |")
    print("| --- | --- | --- | --- |")
    for name, values in rows.items():
        seconds, faith, moved = np.mean(values, axis=0)
        print(f"| {name} | {seconds:.3f} | {faith:.3f} | {moved:.1%} |")


def at_scale(real: Library, size: int, out: Path) -> None:
    from semdigest.report import day_report, library_map

    day = read(NEW_DAY)
    missing = [p for p in day.papers if not real.vectors(ids=[p.arxiv_id])[0]]
    if missing:
        real.ingest(replace(day, papers=tuple(missing)))
    first = dict(zip(*real.papers()[["arxiv_id", "first_seen"]].to_numpy().T))
    new_day = replace(day, papers=tuple(p for p in day.papers if first[p.arxiv_id] == day.date))
    ids, vectors = real.vectors()
    keep = [row for row, i in enumerate(ids) if first[i] != day.date]
    papers, vectors = [real.paper(ids[row]) for row in keep], vectors[keep]
    path = out / f"crossday-{size}.sqlite"
    if not path.exists():
        start = time.perf_counter()
        build(path, size, papers, vectors)
        print(f"built {size} papers in {time.perf_counter() - start:.0f} s", file=sys.stderr)
    library = Library.open(path)
    spec = get_model()
    key = str(ModelKey(spec.name, spec.revision))
    _, day_vectors = real.vectors(ids=[p.arxiv_id for p in new_day.papers])
    with library.store.write():  # as if embedded: the day's ingest embeds nothing
        library.store.put_vectors(key, "benchmark", {text_hash(spec.document_text(p)): v
                                                     for p, v in zip(new_day.papers, day_vectors)})
    start = time.perf_counter()
    library.ingest(new_day)  # folds the library's vectors into the HNSW file once
    print(f"ingest (index build included) {time.perf_counter() - start:.1f} s", file=sys.stderr)
    print(f"\n== {len(library):,} papers; new day {NEW_DAY.stem}: {len(new_day.papers)} new papers ==")
    with library.store.write():  # measure the novelty calibration on the first day, even on a re-run
        library.store.conn.execute("DELETE FROM meta WHERE key LIKE 'novelty-calibration:%'")
    start = time.perf_counter()
    info = library.rebuild_reference()
    print(f"reference fit (once; then only on request): {time.perf_counter() - start:.1f} s, {info}")
    for run in ("first day (novelty calibration computed)", "steady state (day's positions forgotten, "
                                                            "calibration cached)", "re-run of the same day"):
        if run.startswith("steady"):
            keys = [p.arxiv_id for p in new_day.papers]
            with library.store.write():
                library.store.conn.executemany("DELETE FROM map_points WHERE arxiv_id = ?", [(k,) for k in keys])
        report = day_report(library, new_day, out / "report")
        s = report.seconds
        added = s["novelty"] + s["library_map"]
        print(f"{run}: " + ", ".join(f"{k} {v:.2f} s" for k, v in s.items()) + f"; novelty + library map {added:.2f} s")
    start = time.perf_counter()
    drawn = library_map(library, day.date, day=report.map, backdrop_days=16)
    placing = time.perf_counter() - start
    start = time.perf_counter()
    drawn.save_png(out / "bench-library-map.png")
    drawn.save_html(out / "bench-library-map.html")
    print(f"library map with {len(drawn.backdrop)} backdrop papers (placed now): {placing:.2f} s to place, "
          f"{time.perf_counter() - start:.2f} s to draw PNG + HTML")
    start = time.perf_counter()
    library_map(library, day.date, day=report.map, backdrop_days=16)
    print(f"  the same again (positions stored): {time.perf_counter() - start:.2f} s")
    library.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--out", type=Path, default=Path("/tmp/semdigest-crossday"))
    parser.add_argument("--skip-methods", action="store_true")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    print(f"CPU: {cpu()}")
    real = real_library(args.out / "real.sqlite")
    if not args.skip_methods:
        methods(real)
    if args.size:
        at_scale(real, args.size, args.out)


if __name__ == "__main__":
    main()
