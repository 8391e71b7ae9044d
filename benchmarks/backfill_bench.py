"""Backfill benchmarks. ``read``: reading arXiv's metadata snapshot with SnapshotReader, records/s
on one core and peak memory, over N records built from real papers (the digests in ../shared)
with distinct ids. The file is written once per N (and compression) and reused.

    python benchmarks/backfill_bench.py read --records 2000000
    python benchmarks/backfill_bench.py read --records 500000 --compress zst

The reading runs in a fresh process of its own (one thread; --pin pins it to one core, which on
a busy shared machine only slows it), so its peak memory (VmHWM) is the reader's alone; records/s
of CPU time is the one-core figure that load moves least. The issue's targets: >= 20,000 records/s, <= 400 MB whatever
the file size. The figures name the CPU and the machine's load, which on a shared machine moves
them a lot; ``json only`` is stdlib json.loads over the same lines, the floor any reader here pays.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CACHE = Path(tempfile.gettempdir()) / "semdigest-backfill-bench"
_PER_MONTH = 99_999  # new-style ids: YYMM.NNNNN


def synthetic_id(number: int) -> str:
    """The number-th distinct new-style id: 1501.00001, 1501.00002, ..., 1502.00001, ..."""
    month, serial = divmod(number, _PER_MONTH)
    return f"{15 + month // 12:02d}{month % 12 + 1:02d}.{serial + 1:05d}"


def snapshot_file(records: int, compress: str | None = None) -> Path:
    """A snapshot of ``records`` lines cycling over the real papers, each with its own id;
    written once, then reused."""
    from tests.arxiv_metadata import real_papers, snapshot_record

    suffix = {None: "", "gz": ".gz", "zst": ".zst"}[compress]
    path = CACHE / f"snapshot-{records}.json{suffix}"
    if path.exists():
        return path
    CACHE.mkdir(parents=True, exist_ok=True)
    papers = [p for p in real_papers() if p.categories]
    # Each paper's record as JSON without its id, once: a line is then its id and that text.
    tails = [json.dumps({k: v for k, v in snapshot_record(p).items() if k != "id"}, ensure_ascii=False)[1:]
             for p in papers]
    partial = path.with_name(path.name + ".partial")
    start = time.perf_counter()
    with _writer(partial, compress) as out:
        for start_at in range(0, records, 10_000):
            out.write("".join(f'{{"id": "{synthetic_id(n)}", {tails[n % len(tails)]}\n'
                              for n in range(start_at, min(records, start_at + 10_000))).encode())
    partial.rename(path)
    print(f"wrote {records:,} records ({len(papers)} real papers cycled) to {path}: "
          f"{path.stat().st_size / 1e6:,.0f} MB in {time.perf_counter() - start:.0f} s", flush=True)
    return path


def _writer(path: Path, compress: str | None):
    if compress == "gz":
        import gzip

        return gzip.open(path, "wb", compresslevel=6)
    if compress == "zst":
        import zstandard

        return zstandard.ZstdCompressor(level=3).stream_writer(open(path, "wb"), closefd=True)
    return open(path, "wb")


def measure_read(path: str) -> dict:
    """Runs in the pinned child process: read every record, report rate and peak memory."""
    from semdigest.readers.snapshot import SnapshotReader

    reader = SnapshotReader(path)
    wall, cpu = time.perf_counter(), time.process_time()
    characters = 0
    for paper in reader:
        characters += len(paper.abstract)  # use what was read
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {"papers": reader.papers, "skipped": reader.skipped_count, "wall_s": wall, "cpu_s": cpu,
            "peak_mb": _peak_mb(), "characters": characters}


def _peak_mb() -> float:
    """This process's peak resident memory. Linux's VmHWM starts afresh at exec; ru_maxrss keeps
    the peak of the process that forked it (here the one that wrote the file)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure_json(path: str, lines: int = 200_000) -> dict:
    """stdlib json.loads alone over the first ``lines`` lines (of a plain file)."""
    with open(path, "rb") as file:
        sample = [line for line in (file.readline() for _ in range(lines)) if line]
    cpu = time.process_time()
    for line in sample:
        json.loads(line)
    return {"json_records_per_cpu_s": len(sample) / (time.process_time() - cpu)}


def _child(part: str, path: str, core: int | None) -> dict:
    pin = f"os.sched_setaffinity(0, {{{core}}}); " if core is not None else ""
    code = (f"import os, sys, json; sys.path.insert(0, {str(ROOT)!r}); {pin}"
            f"import benchmarks.backfill_bench as b; print(json.dumps(b.measure_{part}({path!r})))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    return json.loads(done.stdout.strip().splitlines()[-1])


def cpu_name() -> str:
    flags, name = set(), platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                name = line.split(":", 1)[1].strip()
            elif line.startswith("flags"):
                flags = set(line.split(":", 1)[1].split())
    except OSError:
        pass
    simd = [f for f in ("amx_tile", "avx512_vnni", "avx512f", "avx2") if f in flags]
    return f"{name} ({', '.join(simd) or 'no AVX2'}), {os.cpu_count()} cores"


def read_part(args) -> None:
    path = snapshot_file(args.records, args.compress)
    core = sorted(os.sched_getaffinity(0))[-1] if args.pin else None
    load = os.getloadavg()[0]
    result = _child("read", str(path), core)
    after = os.getloadavg()[0]
    rate_wall, rate_cpu = result["papers"] / result["wall_s"], result["papers"] / result["cpu_s"]
    print(f"CPU: {cpu_name()}; load average {load:.1f} before, {after:.1f} after; Python {platform.python_version()}")
    print(f"read {path.name} ({path.stat().st_size / 1e6:,.0f} MB): {result['papers']:,} papers, "
          f"{result['skipped']} skipped, " + (f"pinned to core {core}" if args.pin else "one process, one thread"))
    print(f"  {rate_wall:,.0f} records/s (wall, {result['wall_s']:.0f} s), {rate_cpu:,.0f} records/s of CPU time "
          f"({result['cpu_s']:.0f} s); peak memory {result['peak_mb']:.0f} MB (VmHWM of the reading process)")
    if not args.compress:
        floor = _child("json", str(path), core)["json_records_per_cpu_s"]
        print(f"  json only (stdlib json.loads, first 200k lines): {floor:,.0f} records/s of CPU time")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parts = parser.add_subparsers(dest="part", required=True)
    read = parts.add_parser("read", help="reading the snapshot: records/s on one core and peak memory")
    read.add_argument("--records", type=int, default=2_000_000)
    read.add_argument("--compress", choices=["gz", "zst"], help="read a compressed file instead")
    read.add_argument("--pin", action="store_true", help="pin the reading process to one core (a quiet machine)")
    read.set_defaults(run=read_part)
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
