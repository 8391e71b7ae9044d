"""Full-text search kept by the store (migration m007), on a SQLite file and on a real PostgreSQL
server: words, authors and exact terms are found, the filters hold, an edited paper is found by
its new words only, no typed query is ever search syntax, and a library made before m007 is
filled when it is opened."""

from __future__ import annotations

import datetime as dt
import sqlite3
import stat

import pytest

from semdigest.errors import LibraryError
from semdigest.records import Paper, PaperFilter
from semdigest.store import open_store, postgres

from .helpers import other_user_can_run
from .test_store_defects import _as_other_user as as_other_user
from .test_store_contract import _is_postgres, store_url  # noqa: F401  (the fixture: both stores)

HOSTILE = ['"', '""', "*", "-LoRA", "NEAR(x y)", "NEAR(", "AND", "OR NOT", "(", ")", "title:LoRA", "^x", "C++",
           "'; DROP TABLE papers; --", "a\x00b", "\\", "{x}", "%s", ":", "lo*ra", "!", "&|<->"]


def paper(arxiv_id, title, authors, abstract, category="cs.LG", date=dt.date(2026, 6, 9)) -> Paper:
    return Paper(arxiv_id=arxiv_id, title=title, authors=authors, abstract=abstract, primary_category=category,
                 categories=(category,), date=date)


PAPERS = [
    paper("2606.00001", "LoRA adapters for small models", ("Ada Lovelace", "Alan Turing"), "We fine-tune with LoRA."),
    paper("2606.00002", "Agent memory for long tasks", ("Grace Hopper",), "An agent keeps a memory of past steps.",
          "cs.AI"),
    paper("2606.00003", "Diffusion models for robots", ("Yann Le Cun",), "Robot control with diffusion, low-rank.",
          "cs.RO", dt.date(2026, 6, 1)),
    paper("2606.00004", 'C++ kernels: AND, OR, NEAR(x y) and "quotes"', ("Ada Dupré",), "Operators as words."),
]


def ids(found):
    return [i for i, _ in found]


@pytest.fixture()
def store(store_url):  # noqa: F811
    store = open_store(store_url)
    with store.write():
        store.upsert_papers(PAPERS)
    yield store
    store.close()


def test_words_authors_and_exact_terms_are_found_title_first(store):
    assert ids(store.full_text_search("LoRA")) == ["2606.00001"]
    assert ids(store.full_text_search("lora")) == ["2606.00001"]
    assert ids(store.full_text_search("Le Cun")) == ["2606.00003"]
    assert ids(store.full_text_search("Hopper")) == ["2606.00002"]
    assert ids(store.full_text_search("agent memory")) == ["2606.00002"]  # every word, before any word
    assert set(ids(store.full_text_search("agent diffusion"))) == {"2606.00002", "2606.00003"}
    assert ids(store.full_text_search("diffusion robots OR memory"))[0] == "2606.00003"
    assert ids(store.full_text_search("low-rank")) == ["2606.00003"]
    assert ids(store.full_text_search("LoRA", k=0)) == [] and store.full_text_search("   ") == []
    scores = [s for _, s in store.full_text_search("models")]
    assert len(scores) == 2 and scores == sorted(scores, reverse=True)


def test_the_date_and_category_filters_hold(store):
    assert ids(store.full_text_search("models", where=PaperFilter(since=dt.date(2026, 6, 5)))) == ["2606.00001"]
    assert ids(store.full_text_search("models", where=PaperFilter(categories=("cs.RO",)))) == ["2606.00003"]
    assert store.full_text_search("models", where=PaperFilter(ids=("2606.00002",))) == []


def test_a_typed_query_is_never_search_syntax(store):
    for query in HOSTILE + [" ".join(HOSTILE), "x " * 500]:
        found = store.full_text_search(query)  # no FTS5 or tsquery syntax error: every word is text
        assert isinstance(found, list), query


def test_search_syntax_is_text_and_still_finds_its_words(store):
    assert ids(store.full_text_search("NEAR(x y)")) == ["2606.00004"]
    assert ids(store.full_text_search("-LoRA")) == ["2606.00001"]  # no NOT: the word itself
    assert ids(store.full_text_search('"quotes')) == ["2606.00004"]


def test_an_edited_paper_is_found_by_its_new_words_only(store):
    with store.write():
        store.upsert_papers([paper("2606.00001", "Prompt tuning", ("Ada Lovelace",), "No adapters at all.",
                                   date=dt.date(2026, 6, 10))])
    assert store.full_text_search("LoRA") == []
    assert ids(store.full_text_search("prompt tuning")) == ["2606.00001"]
    assert ids(store.full_text_search("Lovelace")) == ["2606.00001"]


def test_a_library_made_before_full_text_is_filled_when_opened(store_url):  # noqa: F811
    store = open_store(store_url)
    with store.write():
        store.upsert_papers(PAPERS)
    store.close()
    if _is_postgres(store_url):  # as the previous release left it: no column, trigger or record
        import psycopg

        conninfo, schema = postgres.split_schema(store_url)
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f'DROP TRIGGER papers_full_text ON "{schema}".papers')
            conn.execute(f'ALTER TABLE "{schema}".papers DROP COLUMN full_text')
            conn.execute(f"""DELETE FROM "{schema}".migrations WHERE name = 'm007_full_text'""")
    else:
        _as_made_before_full_text(store_url)
    store = open_store(store_url)
    assert ids(store.full_text_search("Le Cun")) == ["2606.00003"]
    with store.write():  # and kept from then on
        store.upsert_papers([paper("2606.00005", "Tactile grasping", ("Lin Wu",), "Touch.")])
    assert ids(store.full_text_search("tactile")) == ["2606.00005"]
    store.close()


def _as_made_before_full_text(path) -> None:
    with sqlite3.connect(path, isolation_level=None) as conn:
        for trigger in ("insert", "update", "delete"):
            conn.execute(f"DROP TRIGGER papers_fts_{trigger}")
        conn.execute("DROP TABLE papers_fts")
        conn.execute("DELETE FROM migrations WHERE name = 'm007_full_text'")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


@pytest.mark.skipif(not other_user_can_run(), reason="no unprivileged user can run this checkout's Python")
def test_a_read_only_library_made_before_full_text_is_searched_all_the_same(other_user_folder):
    path = other_user_folder / "library.sqlite"
    store = open_store(str(path))
    with store.write():
        store.upsert_papers(PAPERS)
    store.close()
    _as_made_before_full_text(path)
    for item in (other_user_folder, path):
        item.chmod(item.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) | stat.S_IROTH | stat.S_IXOTH)
    script = ("import sys; from semdigest.store import open_store; s = open_store(sys.argv[1]); "
              "print(s.read_only, [i for i, _ in s.full_text_search('Le Cun')], s.full_text_search('\"'))")
    result = as_other_user("-c", script, path)
    assert result.stdout.split() == ["True", "['2606.00003']", "[]"], result.stderr
    with sqlite3.connect(path) as conn:  # the file was left as it was
        assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'papers_fts'").fetchone()[0] == 0


def test_library_check_finds_a_full_text_index_changed_behind_its_back(tmp_path):
    path = tmp_path / "library.sqlite"
    store = open_store(str(path))
    with store.write():
        store.upsert_papers(PAPERS)
    store.check()  # in step
    with sqlite3.connect(path, isolation_level=None) as conn:  # another program edits a title, bypassing the triggers
        conn.execute("DROP TRIGGER papers_fts_update")
        conn.execute("UPDATE papers SET title = 'Something else' WHERE arxiv_id = '2606.00001'")
    with pytest.raises(LibraryError, match="full-text index .* does not match its papers.*'rebuild'"):
        store.check()
    store.conn.execute("INSERT INTO papers_fts(papers_fts) VALUES ('rebuild')")  # what the message says to run
    store.check()
    assert ids(store.full_text_search("something else")) == ["2606.00001"]
    store.close()
