"""Two checkouts' `semdigest serve` side by side on one library: both servers run at once and
every request goes to one and then the other (the order alternating), so both see the same load.
On shared cores, where one run's p99 differs from the next by as much as two releases do, this
is the fair comparison.

    python benchmarks/app_pair.py /tmp/app-bench/lib-100000.sqlite ../main .   # before, now

GET /api/search (three words of a random title of the latest day) x 100 and
GET /api/papers/ID/related?k=10 x 300, each server warmed up first; p50 / p99 of each.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from app_bench import URL_LINE  # noqa: E402


def serve(library: Path, checkout: Path):
    import os
    import subprocess

    process = subprocess.Popen([sys.executable, "-m", "semdigest", "serve", "--library", str(library), "--port", "0"],
                               cwd=checkout, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                               env={**os.environ, "PYTHONPATH": str(checkout)})
    for line in process.stdout:
        found = URL_LINE.search(line)
        if found:
            return process, found[1]
    raise SystemExit(f"the server of {checkout} did not start")


def get(url: str) -> tuple[float, bytes]:
    start = time.perf_counter()
    with urllib.request.urlopen(url, timeout=600) as response:
        body = response.read()
    return time.perf_counter() - start, body


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("library", type=Path)
    parser.add_argument("checkouts", type=Path, nargs=2, metavar="CHECKOUT", help="two repository roots")
    args = parser.parse_args()
    servers = {str(c): serve(args.library, c.resolve()) for c in args.checkouts}
    try:
        for _, base in servers.values():
            get(base + "/api/search?q=warm")  # waits for the warm-up
        base = next(iter(servers.values()))[1]
        latest = urllib.request.urlopen(base + "/", timeout=600).geturl().rsplit("/", 1)[-1]
        day = json.loads(get(f"{base}/api/days/{latest}")[1])
        rng = random.Random(0)
        titles, ids = [p["title"] for p in day["papers"]], [p["arxiv_id"] for p in day["papers"]]
        paths = []
        for _ in range(100):
            words = re.findall(r"[A-Za-z]{4,}", rng.choice(titles))
            query = " ".join(rng.sample(words, min(3, len(words)))) or "model"
            paths.append(("search", "/api/search?" + urllib.parse.urlencode({"q": query, "k": 20})))
        paths += [("related", f"/api/papers/{rng.choice(ids)}/related?k=10") for _ in range(300)]
        times: dict[tuple[str, str], list[float]] = {}
        names = list(servers)
        for i, (kind, path) in enumerate(paths):
            for name in (names if i % 2 else names[::-1]):
                times.setdefault((kind, name), []).append(get(servers[name][1] + path)[0])
        for (kind, name), samples in sorted(times.items()):
            ordered = sorted(samples)
            p99 = ordered[round(0.99 * (len(ordered) - 1))]
            print(f"{kind:8} {name}: p50 {1000 * statistics.median(ordered):.1f} ms, p99 {1000 * p99:.1f} ms "
                  f"(n={len(ordered)})")
    finally:
        for process, _ in servers.values():
            process.terminate()
            process.wait(timeout=30)


if __name__ == "__main__":
    main()
