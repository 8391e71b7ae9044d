"""Helpers for tests: running the real CLI in a subprocess, and slices of real digests."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import shutil
import struct
import subprocess
import sys
import termios
from contextlib import AbstractContextManager, nullcontext
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd


def run_cli(*args: str, env: dict | None = None, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "semdigest", *map(str, args)],
        capture_output=True, text=True, timeout=timeout, env={**os.environ, **(env or {})},
    )


def run_cli_on_a_terminal(*args: str) -> tuple[int, str, str]:
    """The CLI with stderr on an 80x24 pseudo-terminal, where progress bars show (a terminal of no
    width draws no bar): (status, stdout, stderr)."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    process = subprocess.Popen([sys.executable, "-m", "semdigest", *map(str, args)], stdout=subprocess.PIPE,
                               stderr=follower, text=True)
    os.close(follower)
    stderr = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closed: the command ended
            break
        if not chunk:
            break
        stderr += chunk
    stdout = process.stdout.read()
    process.wait(timeout=600)
    os.close(leader)
    return process.returncode, stdout, stderr.decode("utf-8", "replace")


def pandas_3_strings() -> AbstractContextManager:
    """pandas 3's string columns (a missing text is NaN, not None): its default from 3.0, an
    option in 2.x (deprecated, with a warning, in 3.x)."""
    if int(pd.__version__.split(".")[0]) >= 3:
        return nullcontext()
    return pd.option_context("future.infer_string", True)


def digest_slice(source: Path, target: Path, entries: int) -> Path:
    """The first ``entries`` papers of a real markdown digest, byte for byte, without the table
    of contents lines that count the whole day's papers (a slice that kept them would read as a
    partial download: Digest.incomplete)."""
    lines = source.read_text(encoding="utf-8").split("\n")
    headers = [i for i, line in enumerate(lines) if line.startswith("### ")]
    end = headers[entries] if entries < len(headers) else len(lines)
    kept = [line for line in lines[:end] if not _TOC_LINE.match(line)] if entries < len(headers) else lines
    target.write_text("\n".join(kept) + "\n", encoding="utf-8")
    return target


_TOC_LINE = re.compile(r"^- \[[^\]]+\]\(#[^)]*\)\s*\[Total:\s*\d+\]\s*$")


def same_category_precision(ids, matrix: np.ndarray, categories: dict[str, str], k: int) -> float:
    """Share of each paper's k nearest neighbours (itself excluded) with its primary category."""
    scores = matrix @ matrix.T
    np.fill_diagonal(scores, -np.inf)
    nearest = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    labels = np.array([categories[i] for i in ids])
    return float((labels[nearest] == labels[:, None]).mean())


_OTHER_USER = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]


def run_cli_as_other_user(*args: str) -> subprocess.CompletedProcess:
    """The CLI as an unprivileged user (root ignores file permissions, so read-only tests need one)."""
    prefix = _OTHER_USER if os.geteuid() == 0 else []
    return subprocess.run([*prefix, sys.executable, "-m", "semdigest", *map(str, args)],
                          capture_output=True, text=True, timeout=300, env={**os.environ, "HOME": "/tmp"})


@cache
def other_user_can_run() -> bool:
    """Whether that user can run this checkout's Python at all (a checkout in a private folder can't)."""
    if os.geteuid() == 0 and not shutil.which("setpriv"):
        return False
    probe = [*(_OTHER_USER if os.geteuid() == 0 else []), sys.executable, "-c", "import semdigest.cli"]
    return subprocess.run(probe, capture_output=True, timeout=120).returncode == 0
