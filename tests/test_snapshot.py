"""arXiv's metadata snapshot, built from real papers: every field read as arXiv means it (the date
is version 1's, not update_date), plain, .gz and .zst streams alike, bad records skipped with
line and reason, checkpoints that resume exactly after the last record read."""

from __future__ import annotations

import datetime as dt
import gzip
import json

import pytest
import zstandard
from hypothesis import given
from hypothesis import strategies as st

from semdigest.errors import DigestError
from semdigest.readers import parse, read, snapshot
from semdigest.readers._text import clean
from semdigest.readers.snapshot import FORMAT, SnapshotReader, looks_like

from .arxiv_metadata import LICENSE, created, real_papers, snapshot_line, snapshot_record, updated
from .conftest import DAILY

OLD_STYLE = ("hep-th/9108001", "math.GT/0309136", "cond-mat/0001001")


def _papers(count: int = 120):
    """Real papers with categories (the legacy template has none; the snapshot always does)."""
    return [p for p in real_papers() if p.categories][:count]


def _write(path, lines: list[str | bytes]) -> None:
    data = b"".join((line.encode() if isinstance(line, str) else line) + b"\n" for line in lines)
    if path.name.endswith(".gz"):
        data = gzip.compress(data)
    elif path.name.endswith(".zst"):
        data = zstandard.ZstdCompressor().compress(data)
    path.write_bytes(data)


def test_records_built_from_real_papers_read_back_field_for_field(tmp_path):
    papers = _papers()
    path = tmp_path / "arxiv-metadata-oai-snapshot.json"
    _write(path, [snapshot_line(p, versions=1 + i % 3) for i, p in enumerate(papers)])
    reader = SnapshotReader(path)
    read_back = list(reader)
    assert reader.papers == len(papers) and reader.skipped_count == 0 and reader.line == len(papers)
    for number, (paper, original) in enumerate(zip(read_back, papers), start=1):
        versions = 1 + (number - 1) % 3
        # Hard-wrapped titles and indented abstracts come back as the digest's one line.
        assert (paper.arxiv_id, paper.title, paper.abstract, paper.authors) == \
            (original.arxiv_id, original.title, original.abstract, original.authors)
        assert paper.categories == original.categories and paper.primary_category == original.categories[0]
        # The paper's date is version 1's submission day; update_date is the last metadata change.
        assert paper.date == created(original, 1).date() and paper.updated == updated(original, versions)
        assert paper.date != paper.updated
        assert [v.number for v in paper.versions] == list(range(1, versions + 1))
        assert paper.versions[-1].created == created(original, versions) and paper.version == versions
        assert paper.revised == (created(original, versions).date() if versions > 1 else None)
        assert (paper.doi, paper.license, paper.comments) == (f"10.48550/arXiv.{original.arxiv_id}", LICENSE,
                                                              "12 pages, 4 figures")
        assert paper.journal_ref is None and paper.report_no is None and paper.submitter == original.authors[0]
        assert (paper.source, paper.line) == (str(path), number)


def test_plain_gz_and_zst_files_give_the_same_papers_and_offsets(tmp_path):
    lines = [snapshot_line(p) for p in _papers(60)]
    results = []
    for name in ("s.json", "s.json.gz", "s.json.zst"):
        _write(tmp_path / name, lines)
        reader = SnapshotReader(tmp_path / name)
        results.append(([p.__class__(**{**p.__dict__, "source": None}) for p in reader], reader.offset))
    assert results[0] == results[1] == results[2]
    assert results[0][1] == sum(len(line.encode()) + 1 for line in lines)  # offsets of the uncompressed bytes


def test_a_zst_file_of_several_frames_reads_every_frame(tmp_path):
    lines = [snapshot_line(p) for p in _papers(20)]
    frames = [zstandard.ZstdCompressor().compress(("\n".join(part) + "\n").encode()) for part in (lines[:7], lines[7:])]
    (tmp_path / "s.json.zst").write_bytes(b"".join(frames))  # as pzstd and concatenated files write them
    assert [p.arxiv_id for p in SnapshotReader(tmp_path / "s.json.zst")] == [p.arxiv_id for p in _papers(20)]


def test_old_style_ids_are_kept_whole():
    papers = _papers(len(OLD_STYLE))
    text = "\n".join(snapshot_line(p, old) for p, old in zip(papers, OLD_STYLE))
    digest = parse(text, "old.json")
    assert [p.arxiv_id for p in digest] == list(OLD_STYLE)
    assert [p.url for p in digest][0] == "https://arxiv.org/abs/hep-th/9108001"


def test_latex_accents_in_author_names_are_decoded_as_the_digests_write_names():
    paper = _papers(1)[0]
    record = snapshot_record(paper)
    record["authors_parsed"] = [["Bal\\'azs", "C.", ""], ["M\\\"{u}ller", "J.", "Jr"], ["Yuan", "C. -P.", ""]]
    got = parse(json.dumps(record), "s.json").papers[0]
    assert got.authors == ("C. Balázs", "J. Müller Jr", "C. -P. Yuan")
    del record["authors_parsed"]  # a record without the parsed list: the flat one, split
    record["authors"] = "C. Bal\\'azs, E. L. Berger (ANL), P. M. Nadolsky and C.-P. Yuan ((1) MSU, (2) CERN)"
    got = snapshot.parse(json.dumps(record), "s.json").papers[0]
    assert got.authors == ("C. Balázs", "E. L. Berger", "P. M. Nadolsky", "C.-P. Yuan")


def _bad_lines(good: list[str]) -> dict[int, tuple[bytes, str]]:
    """Damaged records, each with the words its skip reason must hold."""
    record = json.loads(good[0])
    def variant(**changes):
        return json.dumps({**record, **changes}).encode()
    missing_id = {k: v for k, v in record.items() if k != "id"}
    return {
        "title a number": (variant(title=42), "title: expected text, found int"),
        "authors_parsed text": (variant(authors_parsed="Smith, J."), "authors_parsed: expected a list"),
        "a name part a number": (variant(authors_parsed=[["Smith", 7, ""]]), "authors_parsed[0]"),
        "versions an object": (variant(versions={"v1": "x"}), "versions: expected a list"),
        "a version date": (variant(versions=[{"version": "v1", "created": "yesterday"}]), "versions[0].created"),
        "a version name": (variant(versions=[{"version": "first", "created": "Mon, 2 Apr 2007 19:18:42 GMT"}]),
                           "versions[0].version"),
        "categories a list": (variant(categories=["cs.LG"]), "categories: expected text, found list"),
        "update_date": (variant(update_date="13/11/2008"), "update_date"),
        "an id with a version": (variant(id="0704.0001v2"), "not an arXiv id"),
        "no id": (json.dumps(missing_id).encode(), "id: '' is not an arXiv id"),
        "no title": (variant(title="   "), "no title"),
        "broken JSON": (b'{"id": "0704.0002", "title": "x",, }', "not valid JSON"),
        "an array": (b'["0704.0002"]', "not an object"),
        "a lone surrogate": (variant(title=record["title"] + "\ud800"), "title: holds a lone surrogate ('\\ud800')"),
        "bytes that are not UTF-8": (good[2].encode().replace(b" ", b" \xff", 1), "not UTF-8"),
        "cut off": (good[3].encode()[:300], "cut off"),
    }


def test_bad_records_are_skipped_with_file_line_and_reason_and_counted(tmp_path):
    good = [snapshot_line(p) for p in _papers(30)]
    bad = _bad_lines(good)
    lines, expected = [], {}
    for i, line in enumerate(good):
        lines.append(line)
        if i < len(bad):
            name, (damaged, reason) = list(bad.items())[i]
            lines.append(damaged)
            expected[len(lines)] = (name, reason)
        lines.append(b"   ")  # blank lines are no records
    for name in ("bad.json", "bad.json.zst"):
        _write(tmp_path / name, lines)
        reader = SnapshotReader(tmp_path / name)
        papers = list(reader)
        assert [p.arxiv_id for p in papers] == [json.loads(g)["id"] for g in good]  # every good record
        assert reader.skipped_count == len(bad) and reader.records == len(good) + len(bad)
        assert [s.line for s in reader.skipped] == sorted(expected)
        for skip in reader.skipped:
            name_, reason = expected[skip.line]
            assert reason in skip.reason, (name_, skip.reason)
        assert all(w.startswith(f"{tmp_path / name}:") for w in reader.warnings())


def test_only_the_first_skips_are_kept_but_all_are_counted(tmp_path):
    _write(tmp_path / "s.json", [snapshot_line(_papers(1)[0])] + ["{broken"] * 50)
    reader = SnapshotReader(tmp_path / "s.json", keep_skipped=10)
    assert len(list(reader)) == 1 and reader.skipped_count == 50 and len(reader.skipped) == 10
    assert reader.warnings()[-1].endswith("40 more records skipped")


@pytest.mark.parametrize("name", ["s.json", "s.json.gz", "s.json.zst"])
def test_a_checkpoint_resumes_after_the_last_record_read_with_no_gap_and_no_repeat(tmp_path, name):
    lines = [snapshot_line(p) for p in _papers(50)]
    lines.insert(20, "{broken")
    _write(tmp_path / name, lines)
    first = SnapshotReader(tmp_path / name)
    seen = []
    for paper in first:
        seen.append(paper.arxiv_id)
        if len(seen) == 25:
            checkpoint = (first.offset, first.line)
            break
    assert checkpoint[1] == 26  # 25 papers and the broken record
    rest = SnapshotReader(tmp_path / name, offset=checkpoint[0], line=checkpoint[1])
    seen += [p.arxiv_id for p in rest]
    assert seen == [p.arxiv_id for p in _papers(50)]
    assert rest.line == len(lines) and rest.papers == 25


@pytest.mark.parametrize("name", ["s.json", "s.json.gz", "s.json.zst"])
def test_an_offset_inside_a_line_is_refused(tmp_path, name):
    _write(tmp_path / name, [snapshot_line(p) for p in _papers(5)])
    with pytest.raises(DigestError, match="is not the start of a line"):
        list(SnapshotReader(tmp_path / name, offset=100))


@pytest.mark.parametrize("name", ["s.json.gz", "s.json.zst"])
def test_a_cut_off_compressed_file_ends_with_an_error_after_the_records_it_holds(tmp_path, name):
    papers = _papers(600)  # over a megabyte: zstd blocks (128 kB) and gzip data before the cut
    _write(tmp_path / name, [snapshot_line(p) for p in papers])
    data = (tmp_path / name).read_bytes()
    (tmp_path / name).write_bytes(data[: len(data) * 2 // 3])  # a partial download
    reader = SnapshotReader(tmp_path / name)
    got = []
    with pytest.raises(DigestError, match="damaged or cut off.*download the file again") as error:
        got.extend(p.arxiv_id for p in reader)
    assert str(tmp_path / name) in str(error.value) and 0 < len(got) < len(papers)
    assert got == [p.arxiv_id for p in papers][:len(got)]


def test_a_missing_file_and_a_folder_are_named(tmp_path):
    with pytest.raises(DigestError, match="cannot be read"):
        list(SnapshotReader(tmp_path / "nothing.json"))
    with pytest.raises(DigestError, match="is a folder"):
        list(SnapshotReader(tmp_path))


def test_read_sniffs_a_snapshot_extract_but_not_a_digest_of_json_lines(tmp_path):
    path = tmp_path / "extract.json"
    _write(path, [snapshot_line(p) for p in _papers(10)])
    digest = read(path)
    assert digest.format == FORMAT and len(digest) == 10 and digest.papers[0].versions
    for day in (DAILY / "2026-06-03.jsonl", DAILY / "2026-06-03_AI_enhanced_Chinese.jsonl"):
        assert not looks_like(day.read_text(encoding="utf-8")) and read(day).format == "jsonl"


def test_a_paper_as_plain_values_carries_its_versions_and_days():
    row = parse(snapshot_line(_papers(1)[0]), "s.json").papers[0].as_dict()
    json.dumps(row)  # JSON-ready
    assert [v["version"] for v in row["versions"]] == [1, 2] and row["updated"] > row["revised"] > row["date"]
    assert dt.datetime.fromisoformat(row["versions"][0]["created"]).tzinfo is not None


# clean() takes a short path for the common case; it must say exactly what the regular
# expressions it had before said (lone surrogates replaced, then the three), for any text.
_OLD_ESCAPES = {"\b": "\\b", "\f": "\\f", "\r": "\\r", "\t": "\\t"}


def _old_clean(text):
    import re

    if not text:
        return ""
    text = re.sub(r"[\ud800-\udfff]", "\ufffd", text)
    text = re.sub(r"[\b\f\r\t](?=[A-Za-z])", lambda m: _OLD_ESCAPES[m.group()], text)
    text = re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", " ", text.replace("\x00", ""))
    return re.sub(r"\s+", " ", text).strip()


@given(st.text(alphabet=st.sampled_from(list("ab \n\t\r\f\b\x00\x0b\x1c\x7f\xa0\u2009\u3000é.")) | st.characters()))
def test_clean_says_what_it_said_before_for_any_text(text):
    assert clean(text) == _old_clean(text)
