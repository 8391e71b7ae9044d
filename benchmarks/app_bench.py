"""The reader's app, warm, on a large library: `semdigest serve` as a user runs it (its own
process, a real uvicorn on a free port) and Debian's Chromium.

    python benchmarks/app_bench.py --real /tmp/real.sqlite --sizes 100000 --out /tmp/app-bench [--site]

The large library is scale_bench.py's: copies of the real papers of ../shared/digests/daily
(distinct ids and titles, first seen over a year, so a day holds about size / 365 papers) with
their real MiniLM vectors plus noise. ``--real`` is a library of the shared days, embedded
(made by scale_bench.real_library when missing). Measured, after one warm-up of each:

- the latest day's page: first contentful paint in Chromium (Performance API), navigation to
  paint, median of 5 loads; and GET /api/days/{date} (median of 5);
- GET /api/search?q=... : p50 / p99 over 60 queries (three words of a random paper's title),
  full text and semantic fused;
- GET /api/papers/{id}/related?k=10 : p50 / p99 over 200 random papers;
- the start-up: from the command to the first answer, its warm-up done;
- with ``--site``: `semdigest site` of the real library (the 14 shared days): its size on disk.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
URL_LINE = re.compile(r"open (http://[^/\s]+)/\?token=(\S+)")


def serve(library: Path) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen([sys.executable, "-m", "semdigest", "serve", "--library", str(library), "--port", "0"],
                               cwd=ROOT, stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    for line in process.stdout:
        found = URL_LINE.search(line)
        if found:
            return process, found[1]
    raise SystemExit("the server did not start")


def get(url: str) -> tuple[float, object]:
    start = time.perf_counter()
    with urllib.request.urlopen(url, timeout=600) as response:
        body = response.read()
    return time.perf_counter() - start, json.loads(body) if response.headers.get_content_type() == "application/json" else body


def percentiles(samples: list[float]) -> str:
    """p50 and p99, and where the three slowest fell in the run (#1: the first request): a tail
    at the start is a cold cache, one spread out is a pause (GC, another process)."""
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    slowest = sorted(range(len(samples)), key=lambda i: -samples[i])[:3]
    return (f"p50 {1000 * statistics.median(ordered):.1f} ms, p99 {1000 * p99:.1f} ms (n={len(ordered)}; slowest: "
            f"{', '.join(f'#{i + 1} {1000 * samples[i]:.0f} ms' for i in slowest)})")


def first_paint(url: str, runs: int = 5) -> list[float]:
    from playwright.sync_api import sync_playwright

    paints = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=shutil.which("chromium") or "/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.goto(url)  # warm: the server's caches and the browser's static files
        for _ in range(runs):
            page.goto(url, wait_until="load")
            paints.append(page.evaluate(  # the entry may come a moment after load: wait for it
                "new Promise((done) => new PerformanceObserver((list, observer) => { observer.disconnect(); "
                "done(list.getEntries()[0].startTime); }).observe({type: 'paint', buffered: true}))") / 1000)
        browser.close()
    return paints


def measure(library: Path, rng: random.Random) -> None:
    start = time.perf_counter()
    process, base = serve(library)
    try:
        get(base + "/api/search?q=warm")  # waits for the warm-up: the latest day, the query encoder
        print(f"  ready (start-up: catalog and full-text index, the latest day's topics and map, the query "
              f"encoder) {time.perf_counter() - start:.0f} s after the command")
        latest = urllib.request.urlopen(base + "/", timeout=600).geturl().rsplit("/", 1)[-1]  # / opens the latest day
        day_api = [get(f"{base}/api/days/{latest}")[0] for _ in range(5)]
        day = get(f"{base}/api/days/{latest}")[1]
        print(f"  day {latest}: {day['n_papers']} papers; GET /api/days: median {1000 * statistics.median(day_api):.0f} ms")
        paints = first_paint(f"{base}/day/{latest}")
        print(f"  day page first contentful paint (Chromium, warm): median {1000 * statistics.median(paints):.0f} ms "
              f"(runs: {', '.join(f'{1000 * p:.0f}' for p in paints)})")
        titles = [p["title"] for p in day["papers"]]
        queries = []
        for _ in range(60):
            words = re.findall(r"[A-Za-z]{4,}", rng.choice(titles))
            queries.append(" ".join(rng.sample(words, min(3, len(words)))) or "model")
        search = [get(f"{base}/api/search?" + urllib.parse.urlencode({"q": q, "k": 20}))[0] for q in queries]
        print(f"  GET /api/search (full text + semantic, fused): {percentiles(search)}")
        ids = [p["arxiv_id"] for p in day["papers"]]
        related = [get(f"{base}/api/papers/{rng.choice(ids)}/related?k=10")[0] for _ in range(200)]
        print(f"  GET /api/papers/ID/related?k=10: {percentiles(related)}")
    finally:
        process.terminate()
        process.wait(timeout=30)


def main() -> None:
    import scale_bench

    from semdigest.library import Library

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--real", type=Path, default=Path("/tmp/app-bench/real.sqlite"))
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    parser.add_argument("--out", type=Path, default=Path("/tmp/app-bench"))
    parser.add_argument("--site", action="store_true", help="also write the static site of the real library")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    cpuinfo = Path("/proc/cpuinfo").read_text()
    cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if line.startswith("model name")), "?")
    flags = [f for f in ("avx512_vnni", "amx_tile", "avx512_bf16") if f in cpuinfo]
    print(f"CPU: {cpu}, {os.cpu_count()} cores, flags: {', '.join(flags) or 'no AVX-512 VNNI / AMX'}")
    real = scale_bench.real_library(args.real)
    ids, vectors = real.vectors()
    papers = [real.paper(i) for i in ids]
    real.close()
    rng = random.Random(0)
    print(f"real library: {len(papers)} papers")
    measure(args.real, rng)
    for size in args.sizes:
        path = args.out / f"lib-{size}.sqlite"
        if not path.exists():
            start = time.perf_counter()
            scale_bench.build(path, size, papers, vectors)
            with Library.open(path) as library:  # as ingest leaves a library: its HNSW index built
                library.rebuild_index()
            print(f"built {size} papers and their index in {time.perf_counter() - start:.0f} s", file=sys.stderr)
        print(f"library of {size} papers:")
        measure(path, rng)
    if args.site:
        from semdigest.app.site import write_site

        out = args.out / "site"
        shutil.rmtree(out, ignore_errors=True)
        start = time.perf_counter()
        written = write_site(lambda: Library.open(args.real, create=False), out)
        print(f"static site of the real library: {written.pages} pages, {written.megabytes:.1f} MB, "
              f"written in {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
