"""`semdigest site`: the app's pages as static files, from a real library of real digests with
hostile fields (the fast lane: no vectors, so no related papers or topics). The same site in
Chromium from file:// is in tests/test_app_browser.py."""

from __future__ import annotations

import json
import re

from .helpers import run_cli
from .test_app_server import Elements, library_path  # noqa: F401  (the module's library fixture)
from .test_hostile_output import TITLES


def test_the_site_holds_every_day_its_map_and_every_paper_once(library_path, tmp_path):
    out = tmp_path / "site"
    result = run_cli("site", "--library", str(library_path), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "wrote" in result.stderr or "wrote" in result.stdout
    days = sorted(p.stem for p in (out / "day").glob("*.html"))
    assert days == ["2026-06-06", "2026-06-07", "2026-06-08", "2026-06-09"]
    assert sorted(p.stem for p in (out / "map").glob("*.html")) == days
    assert 'url=day/2026-06-09.html' in (out / "index.html").read_text()
    records = {}
    for shard in sorted((out / "data").glob("papers-*.js")):
        text = shard.read_text(encoding="utf-8")
        match = re.fullmatch(r"window\.semdigestShard\((\d+), (.*)\);\n", text, re.S)
        assert match and not set(match[2]) & set("<>&"), shard.name
        records.update(json.loads(match[2]))
    assert len(records) == 4 + 8 + 6  # 06-07 re-publishes 06-06's four
    assert {r["title"] for r in records.values()} >= set(TITLES[:3])
    for page in (out / "day").glob("*.html"):
        parsed = Elements(page.read_text(encoding="utf-8"))
        assert not {"img", "b"} & {t for t, _ in parsed.tags}
        for tag, attrs in parsed.tags:
            value = attrs.get("src") or (attrs.get("href") if tag != "a" else "") or ""
            assert not value.startswith(("http:", "https:", "//")), value
    assert "No new papers" in (out / "day" / "2026-06-07.html").read_text(encoding="utf-8")


def test_the_site_refuses_a_folder_it_did_not_write(library_path, tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    result = run_cli("site", "--library", str(library_path), "--out", str(out))
    assert result.returncode == 2 and "--force" in result.stderr and "Traceback" not in result.stderr
    assert (out / "notes.txt").read_text() == "mine" and not (out / "day").exists()
