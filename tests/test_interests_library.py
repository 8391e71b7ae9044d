"""Interests stored in the library, `Library.rank`, the `interests` and `rank` commands, and the
day report's "For you" section: on a real library of 2026-06-02 + 2026-06-08 with the real model."""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
import uuid

import numpy as np
import pytest

from semdigest.errors import InterestError
from semdigest.interests import Interest, Reference
from semdigest.library import Library
from semdigest.readers import read
from semdigest.store.schema.tables import INTERESTS as ADDED_SCHEMA

from semdigest.interests import import_bibtex, parse_bibtex
from semdigest.interests import library_vectors, rank_day

from .conftest import DAILY
from .helpers import digest_slice, other_user_can_run, run_cli, run_cli_as_other_user, run_cli_on_a_terminal
from .test_interests import GAME_THEORY_BIB, TEST, TRAIN, real_bibtex

DAY = dt.date(2026, 6, 8)


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    """A library of 06-02 and 06-08 (the day ranked), with one interest: cs.GT papers of 06-02."""
    path = tmp_path_factory.mktemp("for-you") / "library.sqlite"
    library = Library.open(path)
    for digest in (TRAIN, TEST):
        library.ingest(read(digest))
    papers = library.papers().set_index("arxiv_id")
    first = papers[(papers.primary_category == "cs.GT") & (papers.first_seen == dt.date(2026, 6, 2))]
    library.save_interest(Interest("games").add_papers(first.index))
    yield library
    library.close()


def test_an_interest_is_stored_whole_and_in_order(tmp_path):
    with Library.open(tmp_path / "library.sqlite") as library:
        interest = Interest("mine", papers=("2606.00951", "2601.00002", "2606.00003"),
                            descriptions=("second thought", "first thought"),
                            references=(Reference("A title", "An abstract", None, "key1"),
                                        Reference("Other", "", "2501.00001", None)),
                            read=("2606.01111",), not_interesting=("2606.02222",))
        library.save_interest(interest)
        assert library.interest("mine") == interest and library.interests() == ["mine"]
        library.save_interest(Interest("mine", papers=("2606.00003",)))  # replaced whole
        assert library.interest("mine") == Interest("mine", papers=("2606.00003",))
        library.remove_interest("mine")
        assert library.interests() == []
        with pytest.raises(InterestError, match="no interest called 'mine'.*semdigest interests add"):
            library.interest("mine")


@pytest.mark.slow
@pytest.mark.skipif(not other_user_can_run(), reason="no unprivileged user can run this checkout's Python")
def test_a_library_made_before_interests_gets_their_tables_and_a_read_only_one_still_opens(other_user_folder):
    folder = other_user_folder
    path = folder / "library.sqlite"
    Library.open(path).close()
    conn = sqlite3.connect(path)
    conn.executescript("DROP TABLE interest_items; DROP TABLE interest_references; DROP TABLE interests; "
                       "DROP INDEX paper_categories_by_paper; PRAGMA wal_checkpoint(TRUNCATE);")
    conn.close()
    for item in (folder, path):
        item.chmod(0o555 if item.is_dir() else 0o444)
    try:
        result = run_cli_as_other_user("interests", "list", "--json", "--library", path)
        assert result.returncode == 0 and json.loads(result.stdout) == [], result.stderr
        result = run_cli_as_other_user("interests", "show", "games", "--library", path)
        assert result.returncode == 2 and "no interest called 'games'" in result.stderr
        assert "Traceback" not in result.stderr
    finally:
        folder.chmod(0o755)
        path.chmod(0o644)
    with Library.open(path) as library:  # writable: the tables are made, no version bump
        assert library.store.get_meta("schema_version") == "2"
        library.save_interest(Interest("x", papers=("2606.00951",)))
        assert library.interests() == ["x"]
    assert "interest_references" in ADDED_SCHEMA


@pytest.mark.slow
def test_rank_orders_the_day_by_an_interest_and_says_why(library):
    papers = library.papers(date=DAY).set_index("arxiv_id")
    ranking = rank_day(library, DAY, "games")
    assert len(ranking) == len(papers) and ranking.ranker == "combined"
    relevant = set(papers.index[papers.primary_category == "cs.GT"])
    top = [p.arxiv_id for p in ranking[:min(len(relevant), 20)]]
    assert sum(i in relevant for i in top) / len(top) >= 0.6
    first = ranking[0]
    assert first.title == papers.loc[first.arxiv_id, "title"]
    assert first.closest[0] in library.interest("games").papers
    assert first.closest_titles[0] == library.paper(first.closest[0]).title
    assert first.terms and all(isinstance(t, str) for t in first.terms)
    assert [p.arxiv_id for p in rank_day(library, DAY, "games", k=5)] == [p.arxiv_id for p in ranking[:5]]
    every = rank_day(library, DAY, k=3, ranker="nearest")
    assert list(every) == ["games"] and len(every["games"]) == 3 and every["games"].ranker == "nearest"


@pytest.mark.slow
def test_the_interests_commands_keep_what_they_are_told_and_errors_are_one_line(library, tmp_path):
    where = ("--library", library.path)
    result = run_cli("interests", "add", "codes", "2606.00003", "arXiv:2606.99999v2", *where)
    assert result.returncode == 0 and "not in the library yet" in result.stderr and "2606.99999" in result.stderr
    assert run_cli("interests", "describe", "codes", "error-correcting codes", *where).returncode == 0
    result = run_cli("interests", "import", "codes", GAME_THEORY_BIB, *where)
    assert result.returncode == 0 and "20 entries" in result.stdout and "by title" in result.stdout
    assert run_cli("interests", "mark", "codes", "2606.00951", "--not-interesting", *where).returncode == 0
    shown = json.loads(run_cli("interests", "show", "codes", "--json", *where).stdout)
    assert shown["papers"][:2] == ["2606.00003", "2606.99999"] and "2606.00951" not in shown["papers"]
    assert shown["not_interesting"] == ["2606.00951"] and shown["descriptions"] == ["error-correcting codes"]
    assert len(shown["references"]) == 4 and shown["titles"]["2606.00951"]
    names = [i["name"] for i in json.loads(run_cli("interests", "list", "--json", *where).stdout)]
    assert names == ["codes", "games"]
    assert run_cli("interests", "remove", "codes", *where).returncode == 0
    assert library.interests() == ["games"]

    bad = tmp_path / "bad.bib"
    bad.write_text("@article{x, title={Unclosed}\n", encoding="utf-8")
    for args in (("interests", "show", "nope"), ("interests", "mark", "nope", "2606.00951", "--read"),
                 ("interests", "add", "games", "doi:10.1/2"), ("interests", "import", "games", bad),
                 ("interests", "import", "games", tmp_path / "missing.bib"),
                 ("rank", "--date", "2026-06-08", "--interest", "nope"), ("rank", "--date", "2026-05-01")):
        result = run_cli(*args, *where)
        assert result.returncode == 2 and "Traceback" not in result.stderr, (args, result.stderr)
        # "semdigest: error: ...", or "semdigest interests add: error: ..." for an argument refused at parsing
        assert re.match(r"semdigest( [a-z]+)*: error: ", result.stderr) and result.stderr.count("\n") == 1, result.stderr
    assert library.interest("games").papers  # nothing lost
    for args in (("interests", "--help"), ("interests", "import", "--help"), ("rank", "--help")):
        result = run_cli(*args)
        assert result.returncode == 0 and "example:" in result.stdout


@pytest.mark.slow
def test_rank_command_prints_json_and_csv(library):
    where = ("--library", library.path)
    result = run_cli("rank", "--date", "2026-06-08", "--interest", "games", "-k", "3", "--json", *where)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["date"] == "2026-06-08" and len(report["rankings"]) == 1
    ranking = report["rankings"][0]
    assert ranking["interest"] == "games" and ranking["ranker"] == "combined" and len(ranking["papers"]) == 3
    assert set(ranking["papers"][0]) == {"arxiv_id", "rank", "score", "closest", "closest_similarity", "mark",
                                         "title", "closest_titles", "terms"}
    assert [p["arxiv_id"] for p in ranking["papers"]] == [p.arxiv_id for p in rank_day(library, DAY, "games", k=3)]
    result = run_cli("rank", "--date", "2026-06-08", "-k", "2", "--csv", "--ranker", "nearest", *where)
    lines = result.stdout.splitlines()
    assert result.returncode == 0 and lines[0].startswith("interest,rank,arxiv_id,score") and len(lines) == 3


@pytest.mark.slow
def test_the_day_report_opens_with_for_you_when_there_are_interests(library, tmp_path):
    from semdigest.report import day_report
    from semdigest.report.render.view import topics

    digest = read(digest_slice(TEST, tmp_path / "2026-06-08.md", 30))
    library.save_interest(Interest("later", papers=("2606.99999",)))  # nothing to rank by yet: left out
    try:
        report = day_report(library, digest, tmp_path / "report")
    finally:
        library.remove_interest("later")
    best = rank_day(library, DAY, "games", k=10)
    rank_of = {p.arxiv_id: p.rank for p in rank_day(library, DAY, "games")}
    for topic in topics(report.data):  # inside each topic, the reader's order: "For you" first
        ranks = [rank_of[p.arxiv_id] for p in topic.papers]
        assert ranks == sorted(ranks) and len(ranks) == topic.size
    markdown = (tmp_path / "report" / "report.md").read_text(encoding="utf-8")
    index = (tmp_path / "report" / "index.html").read_text(encoding="utf-8")
    assert markdown.index("## For you") < markdown.index("Ingest:") and "### later" not in markdown
    from semdigest.escaping import markdown_text as md

    assert f"1. [{md(best[0].title)}]({best[0].url})" in markdown and md(best[0].closest_titles[0]) in markdown
    assert index.index("For you</h2>") < index.index("<iframe") and index.count("<li><a href='https://arxiv") >= 10
    for_you = markdown[markdown.index("### games"):markdown.index("Ingest:")]
    assert "10. [" in for_you and "11. [" not in for_you  # the top 10 of a ranking of every paper
    assert md(", ".join(best[0].terms)) in markdown

    with Library.open(tmp_path / "none.sqlite") as empty:
        day_report(empty, digest, tmp_path / "plain")
    assert "For you" not in (tmp_path / "plain" / "report.md").read_text(encoding="utf-8")
    assert "For you" not in (tmp_path / "plain" / "index.html").read_text(encoding="utf-8")


@pytest.fixture(params=["sqlite", "postgres"])
def copied(request, library, tmp_path):
    """(a fresh library holding the module library's papers and vectors, its URL): a file, or a
    schema of its own on the run's PostgreSQL server."""
    if request.param == "sqlite":
        url = str(tmp_path / "copy.sqlite")
    else:
        url = request.getfixturevalue("postgres_server").url(f"t_{uuid.uuid4().hex[:12]}")
    target = Library.open(url)
    for digest in (TRAIN, TEST):
        target.add(read(digest))
    target.add_vectors(None, *library.vectors())
    yield target, url
    target.close()


@pytest.mark.slow
def test_references_and_descriptions_are_embedded_once_and_kept_in_the_library(copied):
    library, url = copied
    bibtex = parse_bibtex(real_bibtex(40, digest=DAILY / "2026-06-03.md"))
    titles = {paper.arxiv_id: paper.title for paper, _ in library.store.iter_papers()}
    interest, _ = import_bibtex(Interest("outside").describe("robot grasping"), bibtex, titles)
    texts = len(interest.references) + 1
    library.save_interest(interest)
    key = library.embedder(None).key
    assert len(rank_day(library, DAY, "outside", k=5)) == 5  # embeds the references and the description
    assert library.store.count_interest_vectors("outside") == {key: texts}
    again = library_vectors(library, "outside")
    assert again.embedded == 0 and len(again) == texts
    library.save_interest(library.interest("outside").mark_read(["2606.00951"]))  # saving keeps them
    assert library.store.count_interest_vectors("outside") == {key: texts}
    ranking = rank_day(library, DAY, "outside", k=5)

    with Library.open(url) as reopened:  # a new process would find them too
        kept = library_vectors(reopened, "outside")
        assert kept.embedded == 0 and np.array_equal(kept.positives, again.positives)
        assert [p.arxiv_id for p in rank_day(reopened, DAY, "outside", k=5)] == [p.arxiv_id for p in ranking]

    # Another interest with the same texts finds them, and keeps them once the first is removed.
    library.save_interest(Interest("twin", references=interest.references))
    assert library_vectors(library, "twin").embedded == 0
    library.remove_interest("outside")
    assert library.store.count_interest_vectors("outside") == {}
    assert library.store.count_interest_vectors("twin") == {key: texts - 1}
    assert library_vectors(library, "twin").embedded == 0


@pytest.mark.slow
def test_a_large_import_shows_progress_and_its_cost_and_a_second_rank_embeds_nothing(library, tmp_path):
    """1,000 references: a bar while reading and embedding on a terminal, none with --quiet or
    when piped; the cost said before embedding; then `rank` uses the kept vectors."""
    copy = tmp_path / "library.sqlite"
    source, target = sqlite3.connect(library.path), sqlite3.connect(copy)
    source.backup(target)  # the file alone would miss what its write-ahead log still holds
    source.close(), target.close()
    bib = tmp_path / "references.bib"
    bib.write_text(real_bibtex(1000, digest=DAILY / "2026-06-03.md"), encoding="utf-8")
    status, stdout, stderr = run_cli_on_a_terminal("interests", "import", "many", bib, "--library", copy)
    assert status == 0, stderr
    assert "entries, 0 by arXiv id" in stdout and "embedded from title and abstract" in stdout
    assert "Reading references.bib" in stderr and "Embedding many" in stderr
    assert "references and descriptions to embed once" in stderr and "at this machine's measured rate" in stderr
    with Library.open(copy) as opened:
        key = opened.embedder(None).key
        references = len(opened.interest("many").references)
        assert references > 900 and opened.store.count_interest_vectors("many") == {key: references}

    status, _, stderr = run_cli_on_a_terminal("interests", "import", "again", bib, "--library", copy, "--quiet")
    assert status == 0 and "Reading" not in stderr and "Embedding" not in stderr, stderr
    assert "'again': 0 references and descriptions embedded now" in stderr  # found, kept by 'many'

    result = run_cli("rank", "--date", DAY.isoformat(), "--interest", "many", "-k", "3", "--json", "--library", copy)
    assert result.returncode == 0 and "to embed once" not in result.stderr, result.stderr
    assert len(json.loads(result.stdout)["rankings"][0]["papers"]) == 3
    with Library.open(copy) as opened:
        assert opened.store.count_interest_vectors("many") == {key: references}
        assert library_vectors(opened, "many").embedded == 0
