"""`semdigest backfill` and its parts on real papers, in SQLite and PostgreSQL: the merge with
digest papers (metadata fills in, summaries and digest dates kept, stored text never replaced
by a shorter or damaged one, no digest appearance), filters applied before storing, bad records
counted with their line, a finished source not read again, and an OAI-PMH endpoint (a local
HTTP server serving pages built from real papers) resumed by its token after a failure."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import uuid

import pytest

from semdigest.backfill.filters import BackfillFilter
from semdigest.backfill.run import store_source
from semdigest.backfill.sources import OAISource, SnapshotSource
from semdigest.cli import main
from semdigest.embedding import Embedder
from semdigest.errors import DigestError
from semdigest.library import Library
from semdigest.readers import read
from semdigest.records import Digest

from semdigest.records import PaperFilter

from .arxiv_metadata import DIGESTS, real_papers, snapshot_line, snapshot_record
from .test_harvest import paged, serve  # noqa: F401  (the local OAI-PMH server fixture)

DAY = DIGESTS / "daily" / "2026-06-05.md"


@pytest.fixture(params=["sqlite", "postgres"])
def library(request, tmp_path):
    if request.param == "sqlite":
        location = tmp_path / "library.sqlite"
    else:
        location = request.getfixturevalue("postgres_server").url(f"t_{uuid.uuid4().hex[:8]}")
    with Library.open(location) as opened:
        yield opened


def _digest():
    return read(DAY)


def _snapshot(path, papers, lines=None):
    path.write_text("".join((lines or {}).get(p.arxiv_id, snapshot_line(p)) + "\n" for p in papers))
    return path


def _backfill(library, path, where=BackfillFilter(), batch=50, restart=False):
    return store_source(library, SnapshotSource(path, batch), where, restart)


def test_backfill_fills_metadata_keeps_summaries_dates_and_whole_text(library, tmp_path):
    digest = _digest()
    papers = [p for p in digest.papers if p.tldr and len(p.abstract) > 200][:6]
    cut, whole, shorter = papers[0], papers[1], papers[2]
    # the digest cut one abstract off mid-sentence (a partial download): the backfill mends it
    damaged = dataclasses.replace(cut, abstract=cut.abstract[:120] + "…")
    library.add(dataclasses.replace(digest, papers=(damaged, *papers[1:])))
    before = library.store.get_papers([p.arxiv_id for p in papers])
    # arXiv's record of another paper holds a shorter abstract: it never replaces the stored one
    short_record = snapshot_record(shorter)
    short_record["abstract"] = shorter.abstract[:80]
    result = _backfill(library, _snapshot(tmp_path / "s.json", papers, {shorter.arxiv_id: json.dumps(short_record)}))
    assert (result.counts.added, result.counts.updated) == (0, 6)
    after = library.store.get_papers([p.arxiv_id for p in papers])
    for paper in papers:
        stored = after[paper.arxiv_id]
        assert stored.doi == f"10.48550/arXiv.{paper.arxiv_id}" and stored.license and len(stored.versions) == 2
        assert stored.comments == "12 pages, 4 figures" and stored.updated and stored.revised
        assert stored.summary() == before[paper.arxiv_id].summary()  # the digest's summaries are kept
        assert stored.date == before[paper.arxiv_id].date == digest.date  # first seen in the digest
    assert after[cut.arxiv_id].abstract == " ".join(cut.abstract.split())  # the cut text mended
    assert after[shorter.arxiv_id].abstract == before[shorter.arxiv_id].abstract
    assert after[whole.arxiv_id].abstract == before[whole.arxiv_id].abstract
    assert set(library.papers(date=digest.date)["arxiv_id"]) == {p.arxiv_id for p in papers}


def test_backfilled_papers_are_earlier_papers_not_digest_days_until_a_digest_shows_them(library, tmp_path):
    digest = _digest()
    papers = list(digest.papers[:20])
    result = _backfill(library, _snapshot(tmp_path / "s.json", papers))
    assert result.counts.added == 20
    assert library.papers(date=digest.date).empty  # no digest appearance
    stored = library.store.get_papers([papers[0].arxiv_id])[papers[0].arxiv_id]
    assert stored.date < digest.date and stored.versions[0].created.date() == stored.date  # submitted, v1
    assert stored.tldr is None
    before_day = library.papers(until=digest.date - dt.timedelta(days=1))
    assert len(before_day) == 20  # earlier papers for seen-before, novelty, the map
    counts = library.add(dataclasses.replace(digest, papers=tuple(papers[:5])))
    assert (counts.new, counts.updated) == (0, 5)
    shown = library.store.get_papers([p.arxiv_id for p in papers[:5]])
    for paper in papers[:5]:
        assert shown[paper.arxiv_id].date == digest.date  # the digest's day replaces the submission day
        assert shown[paper.arxiv_id].tldr == paper.tldr and shown[paper.arxiv_id].doi  # both kept
    assert len(library.papers(date=digest.date)) == 5


def test_filters_apply_before_storing_and_bad_records_are_counted_with_their_line(library, tmp_path):
    papers = [p for p in real_papers() if p.categories]  # four digests: four submission days
    path = tmp_path / "s.json"
    lines = [snapshot_line(p) for p in papers]
    lines.insert(3, '{"id": "2606.99999", "title": "cut off')
    lines.insert(7, "not json at all")
    path.write_text("\n".join(lines) + "\n")
    days = sorted({p.date for p in read(path).papers})
    where = BackfillFilter(("cs.CV", "cs.R*"), since=days[1])
    kept = [p for p in read(path).papers if where.keeps(p)]
    assert 0 < len(kept) < len([p for p in read(path).papers if p.date >= days[1]])
    result = _backfill(library, path, where, batch=7)
    assert result.counts.added == len(kept) == len(library)
    assert result.counts.filtered == len(papers) - len(kept) and result.counts.bad == 2
    assert result.counts.records == len(papers) + 2
    assert any(":4: record skipped" in w for w in result.warnings) and any(":8: record skipped" in w for w in result.warnings)
    stored = library.store.get_papers(library.store.arxiv_ids(PaperFilter())).values()
    assert all(any(c.startswith(("cs.CV", "cs.R")) for c in p.categories) and p.date >= days[1] for p in stored)
    again = _backfill(library, path, where, batch=7)
    assert again.already_done and len(library) == len(kept)
    redone = _backfill(library, path, where, batch=7, restart=True)
    assert (redone.counts.added, redone.counts.unchanged) == (0, len(kept))


def test_cli_backfill_summary_and_a_new_file_in_the_old_place(tmp_path, capsys):
    papers = list(_digest().papers[:30])
    path = _snapshot(tmp_path / "s.json", papers)
    lib = str(tmp_path / "lib.sqlite")
    assert main(["backfill", str(path), "--no-embed", "--library", lib, "--batch", "8"]) == 0
    out = capsys.readouterr()
    assert "30 added, 0 updated, 0 unchanged, 0 skipped" in out.out and "\r" not in out.err  # quiet when piped
    assert main(["backfill", str(path), "--no-embed", "--library", lib]) == 0  # the batch size is no part of the key
    assert "already backfilled" in capsys.readouterr().out
    with path.open("a") as file:  # next month's snapshot, downloaded to the same path: read again
        file.write(snapshot_line(papers[0], "2606.99998") + "\n")
    assert main(["backfill", str(path), "--no-embed", "--library", lib]) == 0
    assert "1 added, 0 updated, 30 unchanged" in capsys.readouterr().out
    assert main(["backfill", str(path), "--no-embed", "--library", lib, "--since", "2000-01-01"]) == 0
    assert "0 added, 0 updated, 31 unchanged" in capsys.readouterr().out  # another filter: a checkpoint of its own
    with pytest.raises(DigestError, match="--restart"):  # a file changed under an unfinished backfill
        next(SnapshotSource(path).batches({"offset": 10, "line": 1, "size": 5}))
    with pytest.raises(SystemExit):
        main(["backfill", "--library", lib])
    assert "name a snapshot file" in capsys.readouterr().err


def test_oai_backfill_resumes_at_its_token_after_the_server_fails(serve, tmp_path, capsys):  # noqa: F811
    papers = [p for p in _digest().papers if p.categories][:45]
    server = serve(paged(papers, size=10))
    failing = {"on": True}
    server.script = lambda query, count: ((400, {}, b"bad") if failing["on"] and query.get("resumptionToken") == "t3"
                                          else None)  # a failure retrying cannot mend: the harvest stops
    args = ["backfill", "--oai", server.url, "--set", "cs", "--delay", "0", "--no-embed",
            "--library", str(tmp_path / "lib.sqlite")]
    assert main(args) == 1
    assert "answered 400" in capsys.readouterr().err
    with Library.open(tmp_path / "lib.sqlite") as library:
        assert len(library) == 30  # the three pages before the failure, committed
    failing["on"] = False
    server.log.clear()
    assert main(args) == 0
    assert "45 added" in capsys.readouterr().out
    assert server.log[0].get("resumptionToken") == "t3" and len(server.log) == 2  # pages 4 and 5 only
    with Library.open(tmp_path / "lib.sqlite") as library:
        assert sorted(library.papers()["arxiv_id"]) == sorted(p.arxiv_id for p in papers)
        assert all(p.versions for p in library.store.get_papers([papers[0].arxiv_id]).values())


def test_a_library_from_before_the_metadata_columns_is_migrated_and_keeps_its_papers(tmp_path):
    import sqlite3

    path = tmp_path / "old.sqlite"
    with Library.open(path) as library:
        library.add(Digest(str(DAY), None, "x", _digest().papers[:3]))
    conn = sqlite3.connect(path)
    for column in ("submitter", "comments", "journal_ref", "doi", "report_no", "license", "versions", "revised", "updated"):
        conn.execute(f"ALTER TABLE papers DROP COLUMN {column}")
    conn.execute("DELETE FROM migrations WHERE name = 'm006_arxiv_metadata'")  # as the release before it
    conn.commit()
    conn.close()
    with Library.open(path) as library:
        assert len(library.papers()) == 3 and "doi" in library.store.paper_columns
        first = _digest().papers[0]
        with library.store.write():  # arXiv's metadata now has its columns
            library.store.upsert_papers([dataclasses.replace(first, doi="10.1000/x")], backfill=True)
        assert library.store.get_papers([first.arxiv_id])[first.arxiv_id].doi == "10.1000/x"
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM migrations WHERE name = 'm006_arxiv_metadata'").fetchone() == (1,)


@pytest.mark.slow
def test_cli_embeds_the_backlog_here_and_again_where_a_backfill_mended_the_text(tmp_path, capsys):
    digest = _digest()
    papers = [p for p in digest.papers if len(p.abstract) > 200][:12]
    cut = dataclasses.replace(papers[0], abstract=papers[0].abstract[:100] + "…")
    lib = str(tmp_path / "lib.sqlite")
    options = ["--library", lib, "--backend", "torch-fp32", "--device", "cpu"]
    with Library.open(lib) as library:
        library.ingest(dataclasses.replace(digest, papers=(cut,)), Embedder(backend="torch-fp32", device="cpu"))
        before = library.vectors(Embedder(backend="torch-fp32"), ids=[cut.arxiv_id])[1][0]
    path = _snapshot(tmp_path / "s.json", papers)
    assert main(["backfill", str(path), *options]) == 0
    out = capsys.readouterr().out
    assert "embedded 12 papers" in out  # eleven new, one mended
    assert "reference map refitted on 12 of 12 papers (seed 42)" in out  # the map shows the history
    with Library.open(lib) as library:
        embedder = Embedder(backend="torch-fp32", device="cpu")
        ids, matrix = library.vectors(embedder)
        assert sorted(ids) == sorted(p.arxiv_id for p in papers)
        mended = library.store.get_papers([cut.arxiv_id])[cut.arxiv_id]
        expected = embedder.encode([embedder.spec.document_text(mended)])[0]
        assert float(matrix[ids.index(cut.arxiv_id)] @ expected) >= 0.999
        assert float(before @ expected) < 0.999  # the vector of the cut text was replaced
    assert main(["backfill", str(path), *options]) == 0
    out = capsys.readouterr().out
    assert "embedded 0 papers" in out and "reference map" not in out  # nothing new: the map stays


def test_a_copy_keeps_backfilled_papers_apart_from_digest_days(tmp_path):
    digest = _digest()
    source, target = tmp_path / "a.sqlite", tmp_path / "b.sqlite"
    with Library.open(source) as library:
        library.add(dataclasses.replace(digest, papers=digest.papers[:5]))
        _backfill(library, _snapshot(tmp_path / "s.json", digest.papers[3:15]))
    assert main(["library", "copy", str(source), str(target)]) == 0  # the checksums of both sides agree
    with Library.open(target) as copy:
        assert len(copy) == 15 and len(copy.papers(date=digest.date)) == 5
        assert copy.store.get_papers([digest.papers[10].arxiv_id])[digest.papers[10].arxiv_id].doi
