"""Interests stored in the library, `Library.rank`, the `interests` and `rank` commands, and the
day report's "For you" section: on a real library of 2026-06-02 + 2026-06-08 with the real model."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sqlite3
import stat

import pytest

from semdigest.errors import InterestError
from semdigest.interests import Interest, Reference
from semdigest.library import Library
from semdigest.readers import read
from semdigest.store.sqlite import INTEREST_SCHEMA

from .helpers import run_cli
from .test_store_index import _as_other_user
from .test_interests import GAME_THEORY_BIB, TEST, TRAIN

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


@pytest.mark.skipif(os.geteuid() == 0 and not shutil.which("setpriv"), reason="needs setpriv to drop root")
def test_a_library_made_before_interests_gets_their_tables_and_a_read_only_one_still_opens(tmp_path_factory):
    folder = tmp_path_factory.mktemp("before-interests")
    path = folder / "library.sqlite"
    Library.open(path).close()
    conn = sqlite3.connect(path)
    conn.executescript("DROP TABLE interest_items; DROP TABLE interest_references; DROP TABLE interests; "
                       "PRAGMA wal_checkpoint(TRUNCATE);")
    conn.close()
    for item in (folder, path):
        item.chmod(0o555 if item.is_dir() else 0o444)
    for parent in folder.parents:  # let the other user reach it
        if str(parent).startswith(("/tmp/", "/var/tmp/")):
            parent.chmod(parent.stat().st_mode | stat.S_IXOTH)
    try:
        result = _as_other_user("interests", "list", "--json", "--library", path)
        assert result.returncode == 0 and json.loads(result.stdout) == [], result.stderr
        result = _as_other_user("interests", "show", "games", "--library", path)
        assert result.returncode == 2 and "no interest called 'games'" in result.stderr
        assert "Traceback" not in result.stderr
    finally:
        folder.chmod(0o755)
        path.chmod(0o644)
    with Library.open(path) as library:  # writable: the tables are made, no version bump
        assert library.store.get_meta("schema_version") == "2"
        library.save_interest(Interest("x", papers=("2606.00951",)))
        assert library.interests() == ["x"]
    assert "interest_references" in INTEREST_SCHEMA


@pytest.mark.slow
def test_rank_orders_the_day_by_an_interest_and_says_why(library):
    papers = library.papers(date=DAY).set_index("arxiv_id")
    ranking = library.rank(DAY, "games")
    assert len(ranking) == len(papers) and ranking.ranker == "combined"
    relevant = set(papers.index[papers.primary_category == "cs.GT"])
    top = [p.arxiv_id for p in ranking[:min(len(relevant), 20)]]
    assert sum(i in relevant for i in top) / len(top) >= 0.6
    first = ranking[0]
    assert first.title == papers.loc[first.arxiv_id, "title"]
    assert first.closest[0] in library.interest("games").papers
    assert first.closest_titles[0] == library.paper(first.closest[0]).title
    assert first.terms and all(isinstance(t, str) for t in first.terms)
    assert [p.arxiv_id for p in library.rank(DAY, "games", k=5)] == [p.arxiv_id for p in ranking[:5]]
    every = library.rank(DAY, k=3, ranker="nearest")
    assert list(every) == ["games"] and len(every["games"]) == 3 and every["games"].ranker == "nearest"
