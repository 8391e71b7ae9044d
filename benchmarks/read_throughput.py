"""Read throughput (MB/s) of semdigest's readers over every digest in ../shared.

    python benchmarks/read_throughput.py
"""

from __future__ import annotations

import time
from pathlib import Path

from semdigest.readers import read

SHARED = Path(__file__).resolve().parents[2] / "shared"


def main(repeats: int = 3) -> None:
    files = sorted(p for p in [*(SHARED / "seeds").iterdir(), *(SHARED / "digests").rglob("*")]
                   if p.is_file() and p.name != "SOURCES.md")
    size = sum(p.stat().st_size for p in files) / 1e6
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        papers = sum(len(read(p)) for p in files)
        best = min(best, time.perf_counter() - start)
    print(f"{len(files)} files, {size:.1f} MB, {papers} papers: best of {repeats} {best:.2f} s "
          f"= {size / best:.1f} MB/s, {papers / best:.0f} papers/s")


if __name__ == "__main__":
    main()
