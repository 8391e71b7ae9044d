"""Real input that arrives damaged or oddly encoded: cut-off entries, byte-order marks, UTF-16,
empty folders. Each is read for what it holds or named as what it is, never half-read."""

from __future__ import annotations

import codecs

import pytest

from semdigest.errors import DigestError
from semdigest.readers import expand, parse, read

from .conftest import DAILY, DIGESTS, SEEDS

MARKDOWN = sorted(p for p in [*SEEDS.iterdir(), *DIGESTS.rglob("*.md")] if p.is_file() and p.name != "SOURCES.md")
ENRICHED = DAILY / "2026-06-03_AI_enhanced_Chinese.jsonl"


def _abstract_lines(text: str) -> list[int]:
    return [i for i, line in enumerate(text.split("\n")) if line.startswith("Abstract:")]


@pytest.mark.parametrize("path", MARKDOWN, ids=lambda p: p.name)
def test_an_entry_cut_off_mid_abstract_is_skipped_in_every_template(path):
    # A partial download: the file ends inside an abstract. Every template variant of the family
    # (seeds, current, legacy Task/TLDR, Korean) must skip that entry, not return it cut.
    text = path.read_text(encoding="utf-8")
    full = {p.arxiv_id: p for p in parse(text, path.name)}
    lines = text.split("\n")
    middle = _abstract_lines(text)[len(_abstract_lines(text)) // 2]
    cut_text = "\n".join(lines[:middle]) + "\n" + lines[middle][:60]  # cut inside the abstract's first line
    cut = parse(cut_text, path.name)
    assert cut.skipped and "cut off" in cut.skipped[-1].reason and "file ends" in cut.skipped[-1].reason
    heading = max(i for i in range(middle) if lines[i].startswith("### ")) + 1
    assert cut.skipped[-1].line == heading
    assert any(f"{path.name}:{heading}" in w for w in cut.warnings)
    for paper in cut:  # everything returned is whole
        assert paper.abstract == full[paper.arxiv_id].abstract


@pytest.mark.parametrize("path", [DAILY / "2026-06-05.md", DIGESTS / "legacy" / "2025-04-01.md"], ids=lambda p: p.name)
def test_an_entry_whose_details_never_close_before_the_next_entry_is_skipped(path):
    # Two partial downloads stuck together: one entry stops mid-abstract, the next entry begins.
    text = path.read_text(encoding="utf-8")
    full = parse(text, path.name)
    lines = text.split("\n")
    middle = _abstract_lines(text)[len(_abstract_lines(text)) // 2]
    close = next(i for i in range(middle, len(lines)) if lines[i].strip() == "</details>")
    damaged = "\n".join(lines[:middle + 1] + lines[close + 1:])
    digest = parse(damaged, path.name)
    assert len(digest) == len(full) - 1 and len(digest.skipped) == 1
    assert "cut off" in digest.skipped[0].reason and "next entry starts" in digest.skipped[0].reason


def test_complete_entries_of_every_template_still_read_whole():
    for path in MARKDOWN:
        assert not read(path).skipped, path


def test_a_jsonl_file_cut_mid_record_skips_that_record_and_says_so():
    data = ENRICHED.read_bytes()
    cut = data[: len(data) - 400]  # the last record loses its end
    digest = parse(cut.decode("utf-8", errors="ignore"), "cut.jsonl")
    whole = read(ENRICHED)
    assert len(digest) == len(whole) - 1 and len(digest.skipped) == 1
    assert "cut off" in digest.skipped[0].reason
    assert digest.skipped[0].line == cut.count(b"\n") + 1


@pytest.mark.parametrize("path", [ENRICHED, DAILY / "2026-06-03.jsonl", DAILY / "2026-06-04.md"], ids=lambda p: p.name)
def test_a_utf8_byte_order_mark_changes_nothing(tmp_path, path):
    copy = tmp_path / path.name
    copy.write_bytes(codecs.BOM_UTF8 + path.read_bytes())
    assert read(copy).papers == tuple(p.__class__(**{**p.__dict__, "source": str(copy)}) for p in read(path).papers)


def test_an_atom_feed_with_a_byte_order_mark_reads(tmp_path):
    atom = ('<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom"><entry>'
            "<id>http://arxiv.org/abs/2401.01234v3</id><title>T</title><summary>S.</summary></entry></feed>")
    path = tmp_path / "query.atom"
    path.write_bytes(codecs.BOM_UTF8 + atom.encode())
    assert [p.arxiv_id for p in read(path)] == ["2401.01234"]


@pytest.mark.parametrize("bom, encoding", [(codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")],
                         ids=["le", "be"])
def test_utf16_files_with_a_byte_order_mark_are_decoded(tmp_path, bom, encoding):
    text = "\r\n".join(ENRICHED.read_text(encoding="utf-8").split("\n")[:5])  # as Windows saves it
    path = tmp_path / "day.jsonl"
    path.write_bytes(bom + text.encode(encoding))
    assert [p.abstract for p in read(path)] == [p.abstract for p in parse(text, "x")] and len(read(path)) == 5


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_byte_order_mark_is_named(tmp_path, encoding):
    path = tmp_path / "day.jsonl"
    path.write_bytes("\n".join(ENRICHED.read_text(encoding="utf-8").split("\n")[:5]).encode(encoding))
    with pytest.raises(DigestError, match="UTF-16 text without a byte-order mark; save it as UTF-8"):
        read(path)


def test_an_empty_folder_holds_no_digest(tmp_path):
    (tmp_path / ".hidden").write_text("x")
    with pytest.raises(DigestError, match="holds no digest") as error:
        list(expand([tmp_path]))
    assert str(tmp_path) in str(error.value)


@pytest.mark.parametrize("text", ["2606.04092", "2606.04092v2", "arXiv:2606.04092", "arxiv:2606.04092v3",
                                  "https://arxiv.org/abs/2606.04092v1", "http://arxiv.org/pdf/2606.04092v2.pdf",
                                  " 2606.04092 "])
def test_every_way_of_writing_an_id_gives_the_canonical_one(text):
    from semdigest.arxiv_ids import canonical_id

    assert canonical_id(text) == "2606.04092"


def test_canonical_id_of_old_style_ids_and_of_text_without_one():
    from semdigest.arxiv_ids import canonical_id

    assert canonical_id("https://arxiv.org/abs/hep-th/9901001v2") == "hep-th/9901001"
    assert canonical_id("math.AG/0601001") == "math.AG/0601001"
    for text in ("", None, "no id here", "2606.040921", "12606.04092"):
        assert canonical_id(text) is None, text
