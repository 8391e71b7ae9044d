"""Progress on a terminal (an 80x24 pseudo-terminal) for the day's steps, `map` and `topics`, and
the index build; none with --quiet or when stderr is piped."""

from __future__ import annotations

import pytest

from tests.conftest import DAILY
from tests.helpers import digest_slice, run_cli, run_cli_on_a_terminal

pytestmark = pytest.mark.slow  # embeds 20 real papers through the CLI


def test_day_and_index_rebuild_show_bars_on_a_terminal_only(tmp_path):
    day = digest_slice(DAILY / "2026-06-09.md", tmp_path / "2026-06-09.md", 20)
    library = tmp_path / "library.sqlite"
    status, _, stderr = run_cli_on_a_terminal("day", day, "--out", tmp_path / "a", "--library", library)
    assert status == 0, stderr[-500:]
    assert "Day report: 0/8 steps" in stderr and "topics and map" in stderr and "Day report: 8/8 steps" in stderr
    status, _, stderr = run_cli_on_a_terminal("day", day, "--out", tmp_path / "b", "--library", library, "--quiet")
    assert status == 0 and "Day report" not in stderr and "\r" not in stderr.replace("\r\n", "\n"), stderr[-500:]
    piped = run_cli("day", day, "--out", tmp_path / "c", "--library", library)
    assert piped.returncode == 0 and "Day report" not in piped.stderr and "\r" not in piped.stderr

    status, _, stderr = run_cli_on_a_terminal("map", "--date", "2026-06-09", "--out", tmp_path / "m", "--library", library)
    assert status == 0 and "Topics and map: finding the topics" in stderr, stderr[-500:]
    status, _, stderr = run_cli_on_a_terminal("topics", "--date", "2026-06-09", "--library", library, "--quiet")
    assert status == 0 and "Topics and map" not in stderr, stderr[-500:]

    status, _, stderr = run_cli_on_a_terminal("index", "rebuild", "--library", library)
    assert status == 0 and "Indexing minilm" in stderr, stderr[-500:]
    status, _, stderr = run_cli_on_a_terminal("index", "rebuild", "--library", library, "--quiet")
    assert status == 0 and "Indexing" not in stderr and "rebuilt the vector index" in stderr, stderr[-500:]
