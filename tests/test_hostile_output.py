"""Hostile digests (real ones from ../shared with their titles, authors and TL;DRs edited, and an
undated file named like a template placeholder) through every writer: nothing from a digest
reaches HTML, Markdown or CSV unescaped, a report folder that semdigest did not make is left
alone, and a write the kernel refuses part-way leaves the old report and names the file."""

from __future__ import annotations

import csv
import errno
import io
import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import pytest

from .conftest import DAILY
from .helpers import digest_slice, run_cli

TITLES = [
    '=HYPERLINK("https://evil.example/?d="&A1,"open") <!--<script>',
    "<img src=x onerror=alert(1)> {{DATA}} </script><script>alert(2)</script>",
    "@SUM(1+1) $\\badmacro$ [click](javascript:alert(3))",
    "+1 * 2 _under_ `code` <b>bold</b> &lt;b&gt;",
    "-2+3 | table # heading ~strike~ \\ back",
]
AUTHORS = "=cmd|' /C calc'!A0,<script>alert(4)</script>,Eve"
TLDR = "<!--<script> @x <b>TL;DR</b> [x](javascript:alert(5)) $\\badmacro$"
INTEREST = "=1+1 <img src=x onerror=alert(6)> [i](javascript:alert(7))"
UNDATED = "{{DATA}} $\\badmacro$ <!--<script>.md"  # an undated file: its name becomes the title
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def hostile_digest(source: Path, target: Path, entries: int) -> Path:
    """The first ``entries`` papers of a real markdown digest, with hostile titles, authors and TL;DRs."""
    lines = digest_slice(source, target, entries).read_text(encoding="utf-8").split("\n")
    n = 0
    for i, line in enumerate(lines):
        header = re.match(r"^(### \[\d+\] )\[.*\](\(https://arxiv\.org/abs/[^()\s]+\))$", line)
        if header:
            lines[i] = f"{header[1]}[{TITLES[n % len(TITLES)]}]{header[2]}"
            n += 1
        elif n and lines[i - 1].startswith("### ") and line.startswith("*"):
            lines[i] = f"*{AUTHORS}*"
        elif line.startswith("TL;DR: "):
            lines[i] = f"TL;DR: {TLDR}"
    target.write_text("\n".join(lines), encoding="utf-8")
    return target


class _Page(HTMLParser):
    """The text of a page's <title> and <h1>, and its scripts."""

    def __init__(self, page: str):
        super().__init__(convert_charrefs=True)
        self.inside, self.text, self.scripts = None, {"title": "", "h1": ""}, []
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        self.inside = tag
        if tag == "script":
            self.scripts.append("")

    def handle_endtag(self, tag):
        self.inside = None

    def handle_data(self, data):
        if self.inside in self.text:
            self.text[self.inside] += data
        elif self.inside == "script":
            self.scripts[-1] += data


def _map_data(page: str, heading: str) -> dict:
    """The page's one script, its data read back as JSON: what a browser's script parser sees."""
    assert page.lower().count("<script") == 1 and page.lower().count("</script") == 1
    parsed = _Page(page)
    assert parsed.text["title"] == parsed.text["h1"].strip() == heading
    (script,) = parsed.scripts
    assert "<!--" not in script and "-->" not in script
    payload = re.search(r"const DATA = (.*);\n", script).group(1)
    assert "<" not in payload and ">" not in payload
    return json.loads(payload)


# -- fast: the escaping functions and the commands that embed nothing -------------------------------

def test_a_title_like_a_placeholder_or_a_script_stays_text_in_every_page():
    import datetime as dt

    import numpy as np
    import pandas as pd

    from semdigest.maps import interactive_map
    from semdigest.topics import Topic, Topics
    from semdigest.report.trends import Trends

    title = "{{DATA}} {{TITLE}} <!--<script> </script>"
    points = [{"id": f"2606.0404{i}", "x": float(i), "y": 0.0, "title": t, "authors": AUTHORS, "tldr": TLDR,
               "category": "cs.CV", "topic": 0, "confidence": 0.9} for i, t in enumerate(TITLES)]
    topics = Topics([Topic(0, "<!--<script>", ("a",), len(points), (), (), 0.9, np.zeros(2))])
    data = _map_data(interactive_map(points, topics, np.zeros((1, 2)), title), title)
    assert data["title"] == title and data["points"] == points and data["topics"][0]["label"] == "<!--<script>"

    day = dt.date(2026, 6, 4)
    trends = Trends(pd.DataFrame({"date": [day], "topic": [0], "label": [title], "size": [5], "share": [1.0]}),
                    pd.DataFrame(columns=["date", "kind", "topic", "others", "label", "what"]))
    data = _map_data(trends.to_html(title), title)
    assert data["title"] == title and data["topics"][0]["label"] == title


def test_markdown_text_shows_any_text_as_written():
    from markdown_it import MarkdownIt

    from semdigest.escaping import markdown_text, markdown_url

    render = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    hostile = [*TITLES, AUTHORS, TLDR, INTEREST, "1. a list", "12) another", "= setext", "> quote",
               "line\nbreak", "# heading", "    indented code"]
    for text in hostile:
        for line in (f"- [{markdown_text(text)}](https://arxiv.org/abs/2606.04046)", f"  {markdown_text(text)}",
                     f"### {markdown_text(text)}", markdown_text(text)):
            tokens = render.parse(f"- item\n{line}\n" if line.startswith("  ") else line + "\n")
            inline = [t for t in tokens if t.type == "inline"]
            kinds = {c.type for t in inline for c in t.children}
            assert kinds <= {"text", "link_open", "link_close", "softbreak"}, (text, line, kinds)
            assert {t.type for t in tokens} <= {"bullet_list_open", "bullet_list_close", "list_item_open",
                                                "list_item_close", "paragraph_open", "paragraph_close",
                                                "heading_open", "heading_close", "inline"}, (text, line)
            shown = "".join(c.content for t in inline for c in t.children if c.type == "text")
            assert " ".join(text.split()) in shown, (text, line, shown)
    url = markdown_url("https://example.org/a)<img src=x onerror=alert(1)>")
    tokens = render.parseInline(f"[code]({url})")[0].children
    assert [t.type for t in tokens] == ["link_open", "text", "link_close"]


def test_csv_cells_never_start_a_formula():
    from semdigest.csv_output import CsvWriter

    buffer = io.StringIO()
    writer = CsvWriter(buffer, ["a", "b", "c"], float_format="%.2f")
    cells = ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "plain", "'quoted"]
    for cell in cells:
        writer.writerow([cell, -0.5, None])
    rows = list(csv.reader(io.StringIO(buffer.getvalue())))[1:]
    assert [r[0] for r in rows] == [f"'{c}" if c.startswith(FORMULA_START) else c for c in cells]
    assert {r[1] for r in rows} == {"-0.50"} and {r[2] for r in rows} == {""}  # numbers stay numbers


def test_parse_csv_neutralises_formulas_in_titles_and_authors(tmp_path, capsys):
    from semdigest.cli import main

    digest = hostile_digest(DAILY / "2026-06-04.md", tmp_path / "2026-06-04.md", 5)
    assert main(["parse", str(digest), "--csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["title"] for r in rows] == [f"'{t}" if t.startswith(FORMULA_START) else t for t in TITLES]
    for row in rows:
        assert row["authors"].startswith("'=cmd")
        assert not any(value.startswith(FORMULA_START) for value in row.values())


@pytest.mark.parametrize("command", [["day", "{digest}"], ["map", "--date", "2026-06-04"], ["trends"]],
                         ids=["day", "map", "trends"])
@pytest.mark.slow
def test_an_out_folder_with_the_users_own_files_is_refused_in_one_line(command, tmp_path):
    digest = digest_slice(DAILY / "2026-06-04.md", tmp_path / "2026-06-04.md", 3)
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "index.html").write_text("my own page", encoding="utf-8")
    (mine / "report.md").write_text("my notes", encoding="utf-8")
    args = [str(digest) if a == "{digest}" else a for a in command]
    result = run_cli(*args, "--out", mine, "--library", tmp_path / "library.sqlite")
    assert result.returncode == 2
    lines = [line for line in result.stderr.strip().splitlines() if not line.startswith("warning: ")]
    assert len(lines) == 1 and lines[0].startswith("semdigest: error: ") and "Traceback" not in result.stderr
    assert str(mine) in lines[0] and "--force" in lines[0]
    assert (mine / "index.html").read_text(encoding="utf-8") == "my own page"
    assert (mine / "report.md").read_text(encoding="utf-8") == "my notes"
    assert sorted(p.name for p in mine.iterdir()) == ["index.html", "report.md"]
    assert not (tmp_path / "library.sqlite").exists()  # refused before the library was touched


# -- slow: hostile days through the real pipeline ------------------------------------------------------

@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """An earlier hostile day, an interest with a hostile name, then a hostile dated day (with the
    library map, novelty, "seen before" and "For you"), all through ``day_report``."""
    from semdigest.interests import Interest
    from semdigest.library import Library
    from semdigest.readers import read
    from semdigest.report import day_report

    root = tmp_path_factory.mktemp("hostile")
    library = Library.open(root / "library.sqlite")
    earlier = read(hostile_digest(DAILY / "2026-06-03.md", root / "2026-06-03.md", 8))
    day_report(library, earlier, root / "earlier")
    library.save_interest(Interest(INTEREST, papers=(earlier.papers[0].arxiv_id,)))
    digest = read(hostile_digest(DAILY / "2026-06-04.md", root / "2026-06-04.md", 8))
    report = day_report(library, digest, root / "report")
    yield SimpleNamespace(library=library, root=root, digest=digest, report=report, out=root / "report")
    library.close()


@pytest.fixture(scope="module")
def undated(hostile):
    """An undated hostile digest named ``{{DATA}} $\\badmacro$ <!--<script>.md``: its name is the title."""
    from semdigest.readers import read
    from semdigest.report import day_report

    (hostile.root / "undated").mkdir()
    digest = read(hostile_digest(DAILY / "2026-06-05.md", hostile.root / "undated" / UNDATED, 5))
    return day_report(hostile.library, digest, hostile.root / "undated-report")


@pytest.mark.slow
def test_the_maps_of_a_hostile_day_hold_one_script_and_their_data(hostile):
    report = hostile.report
    pages = [(hostile.out / "map.html", report.map), (hostile.out / "library-map.html", report.library_map)]
    assert report.library_map is not None
    for path, drawn in pages:
        data = _map_data(path.read_text(encoding="utf-8"), drawn.heading())
        assert data["title"] == drawn.heading()
        assert {p["title"] for p in data["points"]} <= set(TITLES) and {p["tldr"] for p in data["points"]} == {TLDR}
    page = (hostile.out / "index.html").read_text(encoding="utf-8")
    assert "<script" not in page.lower() and "<img" not in page.lower() and "<b>" not in page


@pytest.mark.slow
def test_a_hostile_map_still_draws_in_a_browser(hostile, tmp_path):
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("Debian's chromium is not installed here (.ci/run installs it)")
    for page in (hostile.out / "map.html", hostile.out / "library-map.html"):
        dom = subprocess.run(
            [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync",
             "--disable-background-networking", "--disable-component-update", f"--user-data-dir={tmp_path / 'p'}",
             "--window-size=1400,900", "--dump-dom", page.as_uri()],
            capture_output=True, text=True, timeout=120).stdout
        assert 'data-labels="' in dom, page  # the script ran to its end and drew the labels
        assert "alert(" not in re.sub(r"<script>.*?</script>", "", dom, flags=re.S)  # nothing became markup


@pytest.mark.slow
def test_report_md_of_a_hostile_day_renders_no_markup_from_it(hostile):
    from markdown_it import MarkdownIt

    markdown = (hostile.out / "report.md").read_text(encoding="utf-8")
    assert "## For you" in markdown and "seen before:" in markdown
    tokens = MarkdownIt("commonmark").enable(["table", "strikethrough"]).parse(markdown)
    assert not [t for t in tokens if t.type in ("html_block", "code_block", "fence", "table_open")]
    inline = [c for t in tokens if t.type == "inline" for c in t.children]
    assert {c.type for c in inline} <= {"text", "link_open", "link_close", "softbreak", "image"}  # no emphasis
    shown = [c.content for c in inline if c.type == "text"]
    links = [c.attrs["href"] for c in inline if c.type == "link_open"]
    assert links and all(h.startswith("https://arxiv.org/abs/") or h in ("map.html", "library-map.html")
                         for h in links)
    text = "\n".join(shown)
    for expected in (*TITLES, TLDR, INTEREST, "=cmd|' /C calc'!A0, <script>alert(4)</script>, Eve"):
        assert " ".join(expected.split()) in text, expected
    headings = ["".join(c.content for c in tokens[i + 1].children) for i, t in enumerate(tokens)
                if t.type == "heading_open" and t.tag == "h3"]
    assert INTEREST in headings  # "For you" escapes like the rest of the report


@pytest.mark.slow
def test_every_csv_of_a_hostile_day_neutralises_formulas(hostile, capsys):
    from semdigest.cli import main
    from semdigest.report.trends import Trends

    table = list(csv.DictReader((hostile.out / "papers.csv").open(encoding="utf-8")))
    by_id = {p.arxiv_id: p for p in hostile.digest.papers}
    assert len(table) == len(by_id)
    for row in table:
        title = by_id[row["arxiv_id"]].title
        assert row["title"] == (f"'{title}" if title.startswith(FORMULA_START) else title)
        assert row["authors"].startswith("'=cmd")
        for column in ("title", "authors", "tldr", "label", "primary_category", "code_url"):
            assert not row[column].startswith(FORMULA_START), (column, row[column])

    where = ["--library", str(hostile.library.path)]
    outputs = {}
    for command in (["rank", "--date", "2026-06-04", "--csv", "--ranker", "nearest"],
                    ["novelty", "--date", "2026-06-04", "--csv"]):
        assert main([*command, *where]) == 0
        outputs[command[0]] = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert outputs["rank"] and {r["interest"] for r in outputs["rank"]} == {f"'{INTEREST}"}
    assert any(r["title"].startswith("'=HYPERLINK") for r in outputs["novelty"])
    trends = Trends.from_library(hostile.library)
    trends.history = trends.history.assign(label=TITLES[0])
    outputs["trends"] = list(csv.DictReader(io.StringIO(trends.to_csv())))
    assert {r["label"] for r in outputs["trends"]} == {f"'{TITLES[0]}"}
    for name, rows in outputs.items():
        for row in rows:
            for column, value in row.items():
                if column not in ("score", "novelty", "closeness", "nearest_score", "share", "size"):  # numbers may be negative
                    assert not value.startswith(FORMULA_START), (name, column, value)


@pytest.mark.slow
def test_an_undated_file_named_like_a_placeholder_and_with_dollars_gets_its_report(hostile, undated, tmp_path):
    from PIL import Image

    from semdigest.report.trends import Trends

    heading = undated.map.heading()
    assert "{{DATA}}" in heading and "$\\badmacro$" in heading
    assert Image.open(undated.out / "map.png").size[0] == 1600  # mathtext would have raised ValueError
    assert _map_data((undated.out / "map.html").read_text(encoding="utf-8"), heading)["title"] == heading
    trends = Trends.from_library(hostile.library)
    trends.history = trends.history.assign(label="$\\badmacro$ $x^$")
    assert Image.open(trends.save_png(tmp_path / "trends.png")).size[0] > 0


@pytest.mark.slow
def test_day_report_writes_only_into_its_own_folders(hostile, tmp_path):
    from semdigest.errors import OutputError
    from semdigest.readers import read
    from semdigest.report import DayData, day_report, write_report

    digest = read(digest_slice(DAILY / "2026-06-06.md", tmp_path / "2026-06-06.md", 3))
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "index.html").write_text("my own page", encoding="utf-8")
    before = len(hostile.library.papers())
    with pytest.raises(OutputError, match="--force"):
        day_report(hostile.library, digest, mine)
    assert len(hostile.library.papers()) == before  # refused before the ingest
    assert (mine / "index.html").read_text(encoding="utf-8") == "my own page"
    day_report(hostile.library, digest, mine, force=True)
    assert "my own page" not in (mine / "index.html").read_text(encoding="utf-8")
    again = write_report(DayData(map=hostile.report.map), mine)  # the folder is semdigest's now: no force needed
    assert again == mine / "index.html"


@pytest.mark.slow
def test_a_write_refused_part_way_leaves_the_old_report_and_names_the_file(hostile, tmp_path):
    resource = pytest.importorskip("resource")
    from semdigest.report import DayData, write_report

    out = tmp_path / "report"
    shutil.copytree(hostile.out, out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (4096, hard))  # a file may grow to 4 KB: the kernel refuses the rest
    try:
        with pytest.raises(OSError) as refused:
            write_report(DayData(map=hostile.report.map, summary="a second run"), out)
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
    assert refused.value.errno == errno.EFBIG and refused.value.filename == str(out / "map.png")
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # the old report, whole; no partial files


@pytest.mark.slow
def test_a_folder_in_the_way_of_a_map_file_is_one_line_naming_it_and_nothing_is_replaced(hostile, tmp_path, capsys):
    from semdigest.cli import main

    out = tmp_path / "maps"
    shutil.copytree(hostile.out, out)
    (out / "map.html").unlink()
    (out / "map.html").mkdir()
    (out / "map.html" / "something.txt").write_text("in the way", encoding="utf-8")
    png = (out / "map.png").read_bytes()
    status = main(["map", "--date", "2026-06-04", "--out", str(out), "--library", str(hostile.library.path)])
    error = capsys.readouterr().err.strip().splitlines()
    assert status == 2 and len(error) == 1 and error[0].startswith("semdigest: error: ")
    assert str(out / "map.html") in error[0]
    assert (out / "map.png").read_bytes() == png and not list(out.glob(".partial-*"))
