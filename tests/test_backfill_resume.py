"""A backfill killed with SIGKILL (kill -9) at several points, then run again with the same
command, ends with the same papers, term counts and summary as a run never interrupted: no
paper twice, none missing. In SQLite and in PostgreSQL; a real subprocess, a real kill."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from semdigest.library import Library
from semdigest.records import PaperFilter
from semdigest.terms import paper_text, term_counts

from .arxiv_metadata import real_papers, snapshot_record

ROOT = Path(__file__).resolve().parents[1]
RECORDS, BATCH = 2400, 100
pytestmark = pytest.mark.slow


def synthetic_file(path: Path) -> Path:
    """RECORDS lines cycling over the real papers, each with an id of its own, and a bad line."""
    papers = [p for p in real_papers() if p.categories]
    with path.open("w") as file:
        for n in range(RECORDS):
            file.write(json.dumps(snapshot_record(papers[n % len(papers)], f"15{n // 9999 + 1:02d}.{n % 9999 + 1:05d}"))
                       + "\n")
            if n == 1234:
                file.write('{"id": "1501.99999", "title": "cut\n')
    return path


def command(snapshot: Path, location: str) -> list[str]:
    return [sys.executable, "-m", "semdigest", "backfill", str(snapshot), "--no-embed", "--quiet",
            "--batch", str(BATCH), "--categories", "cs.* stat.*", "--library", location]


def run(snapshot: Path, location: str) -> str:
    done = subprocess.run(command(snapshot, location), cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return done.stdout


def records_committed(location: str) -> int:
    try:
        with Library.open(location, create=False) as library:
            kept = [v for k, v in _meta(library).items() if k.startswith("backfill:") and k != "backfill:reembed"]
    except Exception:  # not created yet
        return 0
    return max((json.loads(v)["counts"]["records"] for v in kept), default=0)


def _meta(library) -> dict:
    store = library.store
    rows = store.conn.execute(store.q("SELECT key, value FROM {s}.meta")).fetchall()
    return dict(rows)


def kill_after(snapshot: Path, location: str, records: int) -> None:
    """Start the backfill and SIGKILL it once at least ``records`` records are committed (mid-batch)."""
    process = subprocess.Popen(command(snapshot, location), cwd=ROOT, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while records_committed(location) < records and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL, "the backfill ended before it could be killed"


def fingerprint(location: str) -> tuple:
    """Papers (every stored field), term document counts, appearances, and the checkpoint counts."""
    with Library.open(location, create=False) as library:
        store = library.store
        digest = hashlib.sha256()
        terms = set()
        for paper, dates in store.iter_papers(PaperFilter()):
            digest.update(json.dumps([paper.as_dict(), dates], sort_keys=True).encode())
            terms |= set(term_counts(paper_text(paper.title, paper.abstract)))
        frequencies = store.term_frequencies(sorted(terms))
        counts = [json.loads(v)["counts"] for k, v in _meta(library).items()
                  if k.startswith("backfill:") and k != "backfill:reembed"]
        return len(library), digest.hexdigest(), sorted(frequencies[0].items()), frequencies[1], counts


@pytest.fixture(params=["sqlite", "postgres"])
def location(request, tmp_path):
    if request.param == "sqlite":
        return lambda name: str(tmp_path / f"{name}.sqlite")
    server = request.getfixturevalue("postgres_server")
    run_id = uuid.uuid4().hex[:6]
    return lambda name: server.url(f"r{run_id}_{name}")


def test_killed_three_times_then_resumed_equals_an_uninterrupted_run(tmp_path, location):
    snapshot = synthetic_file(tmp_path / "snapshot.json")
    run(snapshot, location("whole"))
    whole = fingerprint(location("whole"))
    assert whole[0] == RECORDS and whole[4][0]["bad"] == 1 and whole[4][0]["records"] == RECORDS + 1
    killed = location("killed")
    for point in (1, RECORDS // 3, 2 * RECORDS // 3):
        kill_after(snapshot, killed, point)
        assert 0 < records_committed(killed) < RECORDS
    out = run(snapshot, killed)
    assert "resumed after" in out
    assert fingerprint(killed) == whole
