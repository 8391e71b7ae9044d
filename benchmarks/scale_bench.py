"""The library at 10k, 100k and 1M papers, side by side in one run.

Libraries are built from the real papers of ../shared/digests/daily, replicated with distinct
ids and titles (first-seen dates spread over a year). Vectors: each copy's vector is its real
paper's MiniLM vector plus Gaussian noise (sigma 0.02 a dimension), renormalised: clustered
unit vectors with the real papers' structure. Measured for each size:

- `semdigest related ID -k 10` as a new process: wall time and peak memory (median of 5);
- in-process related (vector looked up) and search (query vector given): p50 / p99 over 300 queries;
- recall@10 of the HNSW index against exact search (200 queries);
- ingest of a real 500-paper day whose vectors are already known (the time beyond embedding);
- building the index from the vectors (a new process): time and peak memory;
- `semdigest day` on a real day against the library vs against an empty one, embedding excluded:
  in process (the report alone) and as a new process (the command as a user runs it).

    python benchmarks/scale_bench.py --sizes 10000 100000 1000000 --out /tmp/scale
    python benchmarks/scale_bench.py --sizes 10000 100000 1000000 --out /tmp/scale --day-only
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy as np

from semdigest.embedding.models import get_model
from semdigest.library import Library, text_hash
from semdigest.readers import read
from semdigest.records import Digest, ModelKey
from semdigest.store import PaperFilter
from semdigest.terms import paper_text, term_counts

DAILY = Path(__file__).resolve().parents[2] / "shared" / "digests" / "daily"
NEW_DAY = DAILY / "2026-06-02.md"  # the largest day: ingested into each library; not among the bases
BATCH = 20_000


def real_library(path: Path) -> Library:
    """The shared daily digests (but NEW_DAY) embedded with the default model, made once."""
    library = Library.open(path)
    if len(library) == 0:
        for digest_path in sorted(DAILY.glob("2026-06-*.md")):
            if digest_path != NEW_DAY:
                print(library.ingest(read(digest_path)), file=sys.stderr)
    return library


def build(path: Path, size: int, papers: list, vectors: np.ndarray, seed: int = 0) -> None:
    """A library of ``size`` copies of the real papers, with clustered vectors, through the store."""
    spec = get_model()
    key = str(ModelKey(spec.name, spec.revision))
    rng = np.random.default_rng(seed)
    library = Library.open(path)
    store = library.store
    multiplicity = Counter()
    start_day = dt.date(2025, 6, 1)
    for start in range(0, size, BATCH):
        rows = range(start, min(start + BATCH, size))
        bases = [i % len(papers) for i in rows]
        copies = [replace(papers[b], arxiv_id=f"{5000 + i // 100_000:04d}.{i % 100_000:05d}",
                          title=f"{papers[b].title} (copy {i})", date=start_day + dt.timedelta(days=i * 365 // size))
                  for i, b in zip(rows, bases)]
        noisy = vectors[bases] + rng.normal(0, 0.02, (len(bases), vectors.shape[1])).astype(np.float32)
        noisy /= np.linalg.norm(noisy, axis=1, keepdims=True)
        hashes = [text_hash(spec.document_text(p)) for p in copies]
        with store.write(check=False):  # a file being built: quick_check per batch would be O(n^2)
            store.upsert_papers(copies)
            ids = store.put_vectors(key, "synthetic", dict(zip(hashes, noisy)))
            store.link(key, {p.arxiv_id: ids[h] for p, h in zip(copies, hashes)})
        multiplicity.update(bases)
        print(f"  {min(start + BATCH, size)}/{size} papers", file=sys.stderr, end="\r")
    delta = Counter()
    for base, count in multiplicity.items():  # the copies' terms are their real paper's
        for term in term_counts(paper_text(papers[base].title, papers[base].abstract)):
            delta[term] += count
    with store.write():
        store.add_term_counts(delta, size)
    library.close()


def remove_library(path: Path) -> None:
    for item in path.parent.glob(path.name + "*"):
        if item.is_dir():
            for file in item.iterdir():
                file.unlink()
            item.rmdir()
        else:
            item.unlink()


def child(code: str, *args: str) -> tuple[float, float, str]:
    """Run python code in a new process: (wall seconds, peak memory in MB, stdout). Peak memory
    comes from GNU time: a child forked from this large process would report this one's pages."""
    start = time.perf_counter()
    result = subprocess.run(["/usr/bin/time", "-f", "%M", sys.executable, "-c", code, *args],
                            capture_output=True, text=True)
    wall = time.perf_counter() - start
    if result.returncode != 0:
        raise RuntimeError(result.stderr)
    return wall, int(result.stderr.strip().splitlines()[-1]) / 1024, result.stdout


def cli(*args: str) -> tuple[float, float]:
    wall, peak, _ = child("import sys; from semdigest.cli import main; sys.exit(main(sys.argv[1:]))", *args)
    return wall, peak


def percentiles(samples: list[float]) -> str:
    values = np.array(samples) * 1000
    return f"p50 {np.percentile(values, 50):.2f} ms, p99 {np.percentile(values, 99):.2f} ms"


def measure(path: Path, real: Library, new_day: Digest, rng: np.random.Generator) -> dict:
    result = {}
    wall, peak = cli("index", "rebuild", "--library", str(path))
    result["index build"] = f"{wall:.1f} s, peak {peak:.0f} MB"
    library = Library.open(path)
    ids = library.store.arxiv_ids(PaperFilter(since=dt.date(2025, 6, 1)))
    sample = [ids[i] for i in rng.integers(0, len(ids), 300)]
    runs = [cli("related", sample[i], "-k", "10", "--library", str(path)) for i in range(5)]
    result["related, new process"] = (f"{statistics.median(w for w, _ in runs):.2f} s, peak "
                                      f"{statistics.median(p for _, p in runs):.0f} MB")
    timings = []
    for arxiv_id in sample:
        start = time.perf_counter()
        library.related(arxiv_id, k=10)
        timings.append(time.perf_counter() - start)
    result["related in process"] = percentiles(timings)
    from semdigest import neighbors

    _, matrix = library.vectors(ids=sample[:300])
    index = library.index()
    timings = []
    for vector in matrix:
        start = time.perf_counter()
        neighbors.search(index, library.store, "a query", vector, 10)
        timings.append(time.perf_counter() - start)
    result["search in process (query vector given)"] = percentiles(timings)
    result["recall@10 vs exact"] = f"{recall(library, sample[:200]):.4f}"
    library.close()
    return result


def recall(library: Library, sample: list[str]) -> float:
    """Share of the exact top 10 the index returns, exact scores over every vector in batches."""
    found_ids, matrix = library.vectors(ids=sample)
    queries = matrix[[found_ids.index(i) for i in sample]]
    store, key = library.store, library.embedder().key
    best = [[] for _ in sample]
    for keys, matrix in store.iter_vectors(key, store.vector_id_range(key)[1], batch=100_000):
        papers = store.papers_of_vectors(key, keys)
        live = np.array([int(k) in papers for k in keys])
        scores = queries @ matrix[live].T
        names = [papers[int(k)][0] for k in keys[live]]
        for q, row in enumerate(scores):
            top = np.argpartition(-row, 11)[:11]
            best[q] = sorted(best[q] + [(float(row[t]), names[t]) for t in top], reverse=True)[:11]
    found = []
    for arxiv_id, exact in zip(sample, best):
        want = [name for _, name in exact if name != arxiv_id][:10]
        got = [h.arxiv_id for h in library.related(arxiv_id, k=10)]
        found.append(len(set(got) & set(want)) / 10)
    return float(np.mean(found))


def ingest_and_day(path: Path, new_day: Digest, real: Library, out: Path) -> dict:
    """Ingest of NEW_DAY with its vectors already stored (the time beyond embedding), then `day`."""
    spec = get_model()
    key = str(ModelKey(spec.name, spec.revision))
    texts = {text_hash(spec.document_text(p)): p for p in new_day.papers}
    library = Library.open(path)
    _, vectors = real.vectors(ids=[p.arxiv_id for p in new_day.papers])
    with library.store.write():  # as if embedded: the ingest reuses them and embeds nothing
        library.store.put_vectors(key, "benchmark", dict(zip(texts, vectors)))
    start = time.perf_counter()
    result = library.ingest(new_day)
    seconds = time.perf_counter() - start
    assert result.embedded == 0, result
    library.close()
    return {"ingest of the new day beyond embedding": f"{seconds:.2f} s ({result.new} new)",
            **day_runs(path, new_day, out, runs=4)}


def day_runs(path: Path, new_day: Digest, out: Path, runs: int) -> dict:
    """`day` on NEW_DAY, already in the library (nothing is embedded): the first run (which may fit
    the library's reference map and draw the novelty sample, once per library) and the median of
    the others, each with its parts."""
    from semdigest.report import day_report

    timed = []
    with Library.open(path) as library:
        for _ in range(runs):
            start = time.perf_counter()
            report = day_report(library, new_day, out / path.stem)
            timed.append((time.perf_counter() - start, report.seconds))

    def shown(run) -> str:
        return f"{run[0]:.2f} s (" + ", ".join(f"{k} {v:.2f}" for k, v in run[1].items()) + ")"

    rest = sorted(timed[1:], key=lambda run: run[0])
    # as a user runs it: a new process (imports, opening the library and its index included)
    commands = sorted(cli("day", str(NEW_DAY), "--library", str(path), "--out", str(out / f"{path.stem}-cli"))
                      for _ in range(3))
    return {"day report, first run": shown(timed[0]),
            f"day report, embedding excluded (median of {len(rest)} more)": shown(rest[len(rest) // 2]),
            "`semdigest day` as a new process (median of 3)": f"{commands[1][0]:.2f} s, peak {commands[1][1]:.0f} MB"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--out", type=Path, default=Path("/tmp/semdigest-scale"))
    parser.add_argument("--day-only", action="store_true",
                        help="only `day` again, on the libraries a previous run left in --out")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), "?")
    vnni = "avx512_vnni" in Path("/proc/cpuinfo").read_text()
    print(f"CPU: {cpu}, {'AVX-512 VNNI' if vnni else 'AVX2 only'}, {os.cpu_count()} cores")
    real = real_library(args.out / "real.sqlite")
    day = read(NEW_DAY)
    missing = [p for p in day.papers if not real.vectors(ids=[p.arxiv_id])[0]]
    if missing:
        real.ingest(replace(day, papers=tuple(missing)))  # embedded once, then reused
    # the new day: the papers NEW_DAY lists first; the bases: every other real paper
    first_seen = dict(zip(*real.papers()[["arxiv_id", "first_seen"]].to_numpy().T))
    new_day = replace(day, papers=tuple(p for p in day.papers if first_seen[p.arxiv_id] == day.date))
    ids, vectors = real.vectors()
    keep = [row for row, i in enumerate(ids) if first_seen[i] != day.date]
    papers, vectors = [real.paper(ids[row]) for row in keep], vectors[keep]
    print(f"bases: {len(papers)} real papers with MiniLM vectors; new day: {len(new_day.papers)} papers")
    rng = np.random.default_rng(0)
    empty = args.out / "empty.sqlite"
    if args.day_only:
        for path in [empty, *(args.out / f"lib-{size}.sqlite" for size in args.sizes)]:
            print(f"{path.name}: {day_runs(path, new_day, args.out, runs=6)}", flush=True)
        return
    # day report on an empty library first: warms numba's cache for the later, compared runs
    for _ in range(2):
        remove_library(empty)
        baseline = ingest_and_day(empty, new_day, real, args.out)
    print(f"empty library: {baseline}")
    for size in args.sizes:
        path = args.out / f"lib-{size}.sqlite"
        remove_library(path)  # each run ingests the new day: start from a fresh build
        start = time.perf_counter()
        build(path, size, papers, vectors)
        print(f"built {size} papers in {time.perf_counter() - start:.0f} s "
              f"({path.stat().st_size / 2**30:.2f} GB)", file=sys.stderr)
        figures = measure(path, real, new_day, rng)
        figures.update(ingest_and_day(path, new_day, real, args.out))
        print(f"\n== {size:,} papers ==")
        for name, value in figures.items():
            print(f"  {name}: {value}")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
