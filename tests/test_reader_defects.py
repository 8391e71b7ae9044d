"""Issue 21's reading defects, each on real digests damaged as real files are: feeds and digests
cut by a partial download, CR-only line endings, a table of contents with no entries behind it,
JSON-lines records of the wrong types or nested without end, lone surrogates, one paper twice in
two versions, a --date that contradicts the file name, and ids with a month 13."""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import json
import sqlite3
import uuid

import pytest

from semdigest import readers
from semdigest.errors import DigestError
from semdigest.library import Library
from semdigest.readers import parse, read
from semdigest.store import merge

from .conftest import DAILY
from .helpers import digest_slice, run_cli

RAW = DAILY / "2026-06-03.jsonl"  # the crawler's records: real titles, authors, abstracts (some not ASCII)
ENRICHED = DAILY / "2026-06-03_AI_enhanced_Chinese.jsonl"
MARKDOWN = DAILY / "2026-06-01.md"  # 235 papers


def _records(n: int) -> list[dict]:
    found = {}
    for line in RAW.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        found.setdefault(record["id"], record)
        if len(found) == n:
            break
    return list(found.values())


def _atom(records: list[dict]) -> str:
    """The records as the arXiv API writes them: one element a line, text XML-escaped."""
    e = html.escape
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<feed xmlns="http://www.w3.org/2005/Atom" xmlns:arxiv="http://arxiv.org/schemas/atom">',
             "  <title>arXiv Query: cat:cs.IT</title>"]
    for r in records:
        lines += ["  <entry>", f"    <id>http://arxiv.org/abs/{r['id']}v1</id>", f"    <title>{e(r['title'])}</title>",
                  f"    <summary>{e(r['summary'])}</summary>",
                  *(f"    <author><name>{e(a)}</name></author>" for a in r["authors"]),
                  *(f'    <category term="{c}" scheme="http://arxiv.org/schemas/atom"/>' for c in r["categories"]),
                  "  </entry>"]
    return "\n".join([*lines, "</feed>", ""])


def _rss(records: list[dict]) -> str:
    """The records as an arXiv RSS listing."""
    e = html.escape
    lines = ["<?xml version='1.0' encoding='UTF-8'?>",
             '<rss xmlns:dc="http://purl.org/dc/elements/1.1/" version="2.0">', "<channel><title>cs.IT</title>"]
    for r in records:
        lines += ["<item>", f"<title>{e(r['title'])}</title>", f"<link>https://arxiv.org/abs/{r['id']}</link>",
                  f"<description>arXiv:{r['id']}v1 Announce Type: new\nAbstract: {e(r['summary'])}</description>",
                  f'<guid isPermaLink="false">oai:arXiv.org:{r["id"]}v1</guid>',
                  f"<dc:creator>{e(', '.join(r['authors']))}</dc:creator>", "</item>"]
    return "\n".join([*lines, "</channel>", "</rss>", ""])


# -- 1. a truncated Atom or RSS file -----------------------------------------------------------

@pytest.mark.parametrize("write", [_atom, _rss], ids=["atom", "rss"])
def test_a_feed_cut_inside_a_multibyte_character_skips_the_cut_entry_and_is_incomplete(tmp_path, write):
    records = _records(6)  # the fifth has "ö" and other letters beyond ASCII in its abstract
    data = write(records).encode("utf-8")
    fifth = records[4]["summary"]
    at = next(i for i, c in enumerate(fifth) if ord(c) > 127)
    cut = data.index(html.escape(fifth[:at]).encode()) + len(html.escape(fifth[:at]).encode()) + 1  # mid-character
    path = tmp_path / "query.xml"
    path.write_bytes(data[:cut])
    digest = read(path)
    whole = {r["id"]: " ".join(r["summary"].split()) for r in records}
    assert [p.arxiv_id for p in digest] == [r["id"] for r in records[:4]]
    assert all(p.abstract == whole[p.arxiv_id] for p in digest)  # nothing returned is cut
    (skipped,) = digest.skipped
    assert "cut off" in skipped.reason and digest.incomplete and "ends before" in digest.incomplete
    assert any(f"query.xml:{skipped.line}" in w for w in digest.warnings)


@pytest.mark.parametrize("write, tag", [(_atom, "</entry>"), (_rss, "</item>")], ids=["atom", "rss"])
def test_a_feed_cut_between_entries_keeps_them_all_but_is_incomplete(write, tag):
    text = write(_records(4))
    cut = text[:text.rindex(tag) + len(tag)]  # the last entry whole, the feed never closed
    digest = parse(cut, "query.xml")
    assert len(digest) == 4 and not digest.skipped and digest.incomplete
    assert parse(text, "query.xml").incomplete is None


def test_a_copy_cut_inside_a_multibyte_character_never_replaces_the_stored_abstract():
    (record,) = [r for r in _records(5) if any(ord(c) > 127 for c in r["summary"])][:1]
    full = parse(_atom([record]), "a.xml").papers[0]
    at = next(i for i, c in enumerate(full.abstract) if ord(c) > 127)
    damaged = dataclasses.replace(full, abstract=full.abstract[:at] + "\ufffd", date=dt.date(2026, 6, 9))
    (plan,) = merge.plan_upserts([damaged], {full.arxiv_id: (full, None)})
    assert plan.paper.abstract == full.abstract


# -- 2. --date and the file name; a wrong first-seen date repaired ------------------------------

def test_a_date_that_contradicts_the_file_name_is_refused(tmp_path):
    with pytest.raises(DigestError, match="file name says 2026-06-01 but the date given .* is 2020-01-01"):
        read(MARKDOWN, date=dt.date(2020, 1, 1))
    assert read(MARKDOWN, date=dt.date(2026, 6, 1)).date == dt.date(2026, 6, 1)
    library = tmp_path / "library.sqlite"
    result = run_cli("ingest", MARKDOWN, "--date", "2020-01-01", "--library", library)
    assert result.returncode == 2 and "file name says 2026-06-01" in result.stderr and "Traceback" not in result.stderr
    assert not library.exists()


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request, tmp_path):
    if request.param == "sqlite":
        return str(tmp_path / "library.sqlite")
    return request.getfixturevalue("postgres_server").url(f"t_{uuid.uuid4().hex[:12]}")


def _first_seen(library: Library) -> dict[str, tuple]:
    frame = library.papers()
    return {i: (d, tuple(ds)) for i, d, ds in zip(frame["arxiv_id"], frame["first_seen"], frame["dates"])}


def test_ingesting_a_dated_file_again_repairs_the_wrong_date_it_was_given(store_url, tmp_path):
    # What main did with `ingest 2026-06-08.md --date 2020-01-01`: every paper first seen in 2020.
    path = digest_slice(DAILY / "2026-06-08.md", tmp_path / "2026-06-08.md", 6)
    weekend = read(digest_slice(DAILY / "2026-06-07.md", tmp_path / "2026-06-07.md", 6))
    with Library.open(store_url) as library:
        library.add(parse(path.read_text(encoding="utf-8"), str(path), dt.date(2020, 1, 1)))
        library.add(weekend)
        assert {d for d, _ in _first_seen(library).values()} == {dt.date(2020, 1, 1), dt.date(2026, 6, 7)}
        library.add(read(path))
        seen = _first_seen(library)
    for paper in read(path):
        dates = ("2026-06-07", "2026-06-08") if paper.arxiv_id in {p.arxiv_id for p in weekend} else ("2026-06-08",)
        assert seen[paper.arxiv_id] == (dt.date.fromisoformat(dates[0]), dates)


def test_an_undated_file_is_redated_only_when_asked(store_url, tmp_path):
    listing = tmp_path / "listing.md"
    digest_slice(DAILY / "2026-06-09.md", listing, 5)
    with Library.open(store_url) as library:
        library.add(read(listing, date=dt.date(2020, 1, 1)))  # the wrong --date
        # the same name the next day is another day's listing: both dates stay
        library.add(read(listing, date=dt.date(2026, 6, 10)))
        assert {ds for _, ds in _first_seen(library).values()} == {("2020-01-01", "2026-06-10")}
        library.add(read(listing, date=dt.date(2026, 6, 9)), redate=True)
        assert {v for v in _first_seen(library).values()} == {(dt.date(2026, 6, 9), ("2026-06-09",))}


@pytest.mark.slow
def test_ingest_redate_repairs_a_wrong_date_from_the_command_line(tmp_path):
    listing = digest_slice(DAILY / "2026-06-09.md", tmp_path / "listing.md", 2)
    where = ("--library", tmp_path / "library.sqlite", "--backend", "torch-fp32")  # no backend measurement
    assert run_cli("ingest", listing, "--date", "2020-01-01", *where).returncode == 0
    result = run_cli("ingest", listing, "--date", "2026-06-09", "--redate", *where)
    assert result.returncode == 0, result.stderr
    rows = sqlite3.connect(where[1]).execute("SELECT DISTINCT first_seen FROM papers").fetchall()
    assert rows == [("2026-06-09",)]


# -- 12, 13. JSON-lines records of the wrong types, nested without end, with lone surrogates ------

@pytest.mark.parametrize("change, says", [
    ({"categories": 5}, '"categories" should be a list of texts, found a number'),
    ({"authors": 7}, '"authors" should be a list of texts, found a number'),
    ({"authors": True}, '"authors" should be a list of texts, found true/false'),
    ({"authors": ["Ada", 3]}, '"authors" should be a list of texts, found a list holding a number'),
    ({"title": False}, '"title" should be text, found true/false'),
    ({"AI": {"tldr": {"text": "x"}}}, '"tldr" should be text, found an object'),
    ({"AI": "DEEP"}, "nested too deeply"),
], ids=["categories", "authors", "authors-bool", "author-number", "title-bool", "tldr-object", "deep"])
def test_a_record_of_the_wrong_type_is_skipped_with_its_line(change, says):
    lines = ENRICHED.read_text(encoding="utf-8").split("\n")
    record = json.loads(lines[7])
    record.update(change)
    lines[7] = json.dumps(record, ensure_ascii=False).replace('"DEEP"', "[" * 100_000 + "]" * 100_000)
    digest = parse("\n".join(lines), "day.jsonl")
    (skipped,) = digest.skipped
    assert skipped.line == 8 and says in skipped.reason
    assert len(digest) == len(read(ENRICHED)) - 1 and digest.incomplete is None


def _with_lone_surrogate(tmp_path):
    lines = RAW.read_text(encoding="utf-8").split("\n")[:3]
    record = json.loads(lines[1])
    record["title"] = record["title"] + " \ud800"  # json.dumps writes it as the escape "\ud800"
    lines[1] = json.dumps(record)
    path = tmp_path / "surrogate.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path, record


@pytest.mark.slow
def test_a_lone_surrogate_is_replaced_at_reading_and_every_output_writes(tmp_path):
    path, record = _with_lone_surrogate(tmp_path)
    paper = next(p for p in read(path) if p.arxiv_id == record["id"])
    assert paper.title.endswith("\ufffd") and paper.title.encode("utf-8")
    for output in ("--json", "--csv"):
        result = run_cli("parse", path, output)
        assert result.returncode == 0 and "Traceback" not in result.stderr and "\ufffd" in result.stdout


def test_ingest_creates_no_library_when_no_file_holds_a_paper(tmp_path):
    text = MARKDOWN.read_text(encoding="utf-8")
    header_only = tmp_path / "2026-06-01.md"
    header_only.write_text(text[:text.index("\n### ")], encoding="utf-8")
    library = tmp_path / "library.sqlite"
    result = run_cli("ingest", header_only, "--library", library)
    assert "no papers to ingest" in result.stdout and "Traceback" not in result.stderr
    assert not library.exists()


# -- 16. CR-only line endings, a digest cut at 50 KB, a table of contents with no entries --------

def test_a_digest_with_cr_only_line_endings_reads_like_the_original(tmp_path):
    path = tmp_path / MARKDOWN.name
    path.write_bytes(MARKDOWN.read_bytes().replace(b"\n", b"\r"))
    assert read(path).papers == tuple(dataclasses.replace(p, source=str(path)) for p in read(MARKDOWN).papers)


@pytest.mark.slow
def test_a_digest_cut_at_50_kb_is_incomplete_in_the_summary_and_the_exit_status(tmp_path):
    path = tmp_path / MARKDOWN.name
    path.write_bytes(MARKDOWN.read_bytes()[:50_000])
    digest = read(path)
    assert 0 < len(digest) < 235 and "lists 235 papers" in digest.incomplete
    result = run_cli("parse", path)
    assert result.returncode == 1 and "INCOMPLETE: " in result.stderr and "lists 235 papers" in result.stderr
    assert run_cli("parse", MARKDOWN).returncode == 0


@pytest.mark.slow
def test_a_table_of_contents_without_entries_makes_an_incomplete_report_not_a_holiday(tmp_path):
    text = MARKDOWN.read_text(encoding="utf-8")
    path = tmp_path / "2026-06-01.md"
    path.write_text(text[:text.index("\n### ")], encoding="utf-8")
    assert "the file holds 0 entries" in read(path).incomplete
    out = tmp_path / "report"
    result = run_cli("day", path, "--out", out, "--library", tmp_path / "library.sqlite")
    assert result.returncode == 1 and "incomplete" in result.stderr, result.stderr
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "incomplete" in report and "lists 235 papers" in report and "holidays" not in report
    assert "incomplete" in (out / "index.html").read_text(encoding="utf-8")


# -- 17. one paper twice in two versions ---------------------------------------------------------

@pytest.mark.parametrize("order", ["v1-first", "v3-first"])
def test_the_newest_version_of_a_repeated_id_is_kept_and_the_dropped_entry_named(order):
    lines = ENRICHED.read_text(encoding="utf-8").split("\n")
    first, later = json.loads(lines[0]), json.loads(lines[0])
    first["id"], later["id"] = f"{first['id']}v1", f"{first['id']}v3"
    later["summary"] = later["summary"] + " We also add a new section."
    if order == "v3-first":
        first, later = later, first
    text = "\n".join([json.dumps(first, ensure_ascii=False), *lines[1:20], json.dumps(later, ensure_ascii=False)])
    digest = parse(text, "day.jsonl")
    kept = digest.papers[0]
    assert kept.version == 3 and kept.abstract.endswith("a new section.") and digest.duplicates == 1
    dropped_line = 1 if order == "v1-first" else 21
    (warning,) = [w for w in digest.warnings if "entry dropped" in w]
    assert warning.startswith(f"day.jsonl:{dropped_line}:") and "v1" in warning and "v3" in warning


# -- 19. one id grammar ------------------------------------------------------------------------

@pytest.mark.parametrize("month", ["13", "15", "17"])
def test_readers_refuse_ids_with_no_real_month(month):
    lines = ENRICHED.read_text(encoding="utf-8").split("\n")[:3]
    record = json.loads(lines[1])
    record["id"] = f"26{month}.0{record['id'][5:]}"
    lines[1] = json.dumps(record, ensure_ascii=False)
    digest = parse("\n".join(lines), "day.jsonl")
    assert len(digest) == 2 and "no arXiv id" in digest.skipped[0].reason
    text = MARKDOWN.read_text(encoding="utf-8")
    url = text[text.index("https://arxiv.org/abs/"):].split(")")[0]
    damaged = parse(text.replace(url, f"https://arxiv.org/abs/26{month}.01234", 1), MARKDOWN.name)
    assert len(damaged) == 234 and "no arXiv id" in damaged.skipped[0].reason
    from semdigest.arxiv_ids import canonical_id, split_arxiv_id

    assert split_arxiv_id(f"hep-th/99{month}001") is None and canonical_id(f"26{month}.01234") is None


@pytest.mark.slow
def test_interests_take_every_form_related_takes(tmp_path):
    library = tmp_path / "library.sqlite"
    Library.open(library).close()
    forms = ["2606.00951v2", "https://arxiv.org/abs/2606.01142v1", "arXiv:2606.02050", "hep-th/9901001v1",
             "https://arxiv.org/pdf/2606.02819.pdf"]
    result = run_cli("interests", "add", "games", *forms, "--library", library)
    assert result.returncode == 0, result.stderr
    shown = json.loads(run_cli("interests", "show", "games", "--json", "--library", library).stdout)
    assert shown["papers"] == ["2606.00951", "2606.01142", "2606.02050", "hep-th/9901001", "2606.02819"]
    refused = run_cli("interests", "mark", "games", "2613.00951", "--read", "--library", library)
    assert refused.returncode == 2 and "is not an arXiv id" in refused.stderr


# -- messages ------------------------------------------------------------------------------------

def test_reading_a_folder_names_a_function_that_exists(tmp_path):
    with pytest.raises(DigestError) as error:
        read(tmp_path)
    assert "is a folder" in str(error.value) and "expand(" in str(error.value) and callable(readers.expand)
    assert "read_all" not in str(error.value)
