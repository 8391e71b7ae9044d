"""The command line on the inputs and outputs a researcher meets in the first week: closed pipes,
full disks, numbers out of range, ids written every way, bad files among good ones. Each ends
with one line and a clear exit status, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import DAILY
from .helpers import digest_slice, run_cli

DIGEST = DAILY / "2026-06-03.md"


@pytest.fixture(scope="module")
def small_library(tmp_path_factory) -> Path:
    """The first 12 papers of 2026-06-04 (2606.04092 among them), embedded with the real model."""
    from semdigest.library import Library
    from semdigest.readers import read

    folder = tmp_path_factory.mktemp("small")
    path = folder / "library.sqlite"
    with Library.open(path) as library:
        library.ingest(read(digest_slice(DAILY / "2026-06-04.md", folder / "2026-06-04.md", 12)))
    return path


def _no_traceback(result) -> None:
    for noise in ("Traceback", "Exception ignored", "BrokenPipeError"):
        assert noise not in result.stderr, result.stderr


def _one_error_line(result) -> str:
    """The one error line (the digest's own warnings, if any, come before it)."""
    _no_traceback(result)
    lines = [line for line in result.stderr.strip().splitlines() if not line.startswith("warning: ")]
    assert len(lines) == 1 and lines[0].startswith("semdigest") and ": error: " in lines[0], result.stderr
    return lines[0]


def _with_closed_stdout(*args) -> subprocess.CompletedProcess:
    """Run the CLI with stdout a pipe nobody reads any more (what `| head -1` leaves behind)."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return subprocess.run([sys.executable, "-m", "semdigest", *map(str, args)], stdout=write_end,
                              stderr=subprocess.PIPE, text=True, timeout=300)
    finally:
        os.close(write_end)


@pytest.mark.parametrize("command", [
    ["parse", DIGEST, "--json"],
    ["parse", DIGEST, "--csv"],
    ["related", "2606.04092", "--library", "{library}"],
    ["search", "optimal transport", "--library", "{library}"],
], ids=["parse-json", "parse-csv", "related", "search"])
@pytest.mark.slow
def test_output_into_a_closed_pipe_ends_quietly(command, small_library):
    result = _with_closed_stdout(*(str(a).format(library=small_library) for a in command))
    _no_traceback(result)
    assert result.returncode == 141  # 128 + SIGPIPE, as for any Unix tool SIGPIPE ends


def test_parse_json_into_head_gives_one_line_and_no_noise():
    shell = subprocess.run(
        ["bash", "-c", f"'{sys.executable}' -m semdigest parse '{DIGEST}' --json | head -1"],
        capture_output=True, text=True, timeout=300, env=os.environ,
    )
    assert len(shell.stdout.splitlines()) == 1 and '"arxiv_id"' in shell.stdout
    _no_traceback(shell)


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux)")
def test_output_to_a_full_disk_is_one_line_and_fails():
    with open("/dev/full", "w") as full:
        result = subprocess.run([sys.executable, "-m", "semdigest", "parse", str(DIGEST), "--json"],
                                stdout=full, stderr=subprocess.PIPE, text=True, timeout=300)
    assert result.returncode == 2
    _no_traceback(result)
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("semdigest: error: ") and "No space left on device" in last and "free" in last


REFUSED = [
    (["topics", "--n-topics", "0"], "--n-topics: 0 is too small"),
    (["topics", "--max-topics", "0"], "--max-topics: 0 is too small"),
    (["topics", "--n-topics", "many"], "'many' is not a whole number"),
    (["related", "2606.04092", "-k", "0"], "-k: 0 is too small"),
    (["search", "transport", "-k", "-3"], "-k: -3 is too small"),
    (["search", "transport", "-k", "many"], "'many' is not a whole number"),
    (["search", ""], "text: is empty"),
    (["search", "   "], "text: is empty"),
    (["related", "not-an-id"], "'not-an-id' is not an arXiv id"),
]


@pytest.mark.slow
@pytest.mark.parametrize("args, says", REFUSED, ids=[" ".join(args) for args, _ in REFUSED])
def test_values_out_of_range_are_refused_in_one_line(args, says, small_library):
    result = run_cli(*args, "--library", small_library)
    assert result.returncode == 2
    assert says in _one_error_line(result)


@pytest.mark.parametrize("written", ["2606.04092v2", "arXiv:2606.04092", "https://arxiv.org/abs/2606.04092v1"])
def test_related_finds_the_paper_however_its_id_is_written(written, small_library):
    result = run_cli("related", written, "-k", "3", "--library", small_library)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("3 hits for 2606.04092 (Optimal Transport Flow Matching by Design)")


@pytest.mark.slow
def test_parse_good_and_bad_reads_the_good_names_the_bad_and_says_so_in_its_exit_status(tmp_path):
    bad = tmp_path / "bad.md"
    bad.write_text("no digest here\n")
    both = run_cli("parse", DIGEST, bad, "--json")
    assert both.returncode == 1
    assert len(both.stdout.splitlines()) == 320  # every paper of the good file
    assert f"semdigest: error: {bad}: not a digest" in both.stderr
    _no_traceback(both)
    only_bad = run_cli("parse", bad)
    assert only_bad.returncode == 2
    assert "exit status (as cat or cp" in run_cli("parse", "--help").stdout
    assert "1  some files could not be read" in run_cli("ingest", "--help").stdout


@pytest.mark.slow
def test_an_empty_folder_given_to_parse_or_ingest_holds_no_digest(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    parsed = run_cli("parse", empty)
    assert parsed.returncode == 2 and f"{empty}: is a folder that holds no digest" in parsed.stderr
    ingested = run_cli("ingest", empty, "--library", tmp_path / "library.sqlite")
    assert ingested.returncode == 2 and "holds no digest" in ingested.stderr
    assert not (tmp_path / "library.sqlite").exists()


def test_an_ingest_where_every_input_failed_creates_no_library(tmp_path):
    bad = tmp_path / "bad.md"
    bad.write_bytes(b"\x00\x01binary" * 100)
    library = tmp_path / "new" / "library.sqlite"
    result = run_cli("ingest", bad, tmp_path / "missing-*.md", "--library", library)
    assert result.returncode == 2
    _no_traceback(result)
    assert "no library was created" in result.stderr
    assert not library.exists() and not library.parent.exists()


def test_an_out_folder_that_cannot_be_made_is_one_line_and_changes_nothing(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("in the way")
    digest = digest_slice(DAILY / "2026-06-04.md", tmp_path / "2026-06-04.md", 3)
    result = run_cli("day", digest, "--out", blocker / "report", "--library", tmp_path / "library.sqlite")
    assert result.returncode == 2
    line = _one_error_line(result)
    assert str(blocker) in line and "choose another path" in line
    assert not (tmp_path / "library.sqlite").exists()
