"""Arguments of the command line and the Python API: every one checked before any work, conflicts
and degenerate values refused in one line, --help that works whatever the environment holds,
and API arguments taken in the forms a notebook writes them (issue 21, items 14, 18, 20)."""

from __future__ import annotations

import argparse
import datetime as dt

import pytest

from semdigest.cli import build_parser, main
from semdigest.errors import InterestError, LibraryError
from semdigest.maps.reference import rebuild_reference
from semdigest.neighbors import related, search, seen_before
from semdigest.topics.history import topic_history

from .conftest import DAILY
from .helpers import digest_slice, run_cli


def _subparsers(parser: argparse.ArgumentParser, prefix=()):
    """Every (command words, parser) of the CLI, nested commands (`interests add`) too."""
    yield prefix, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _subparsers(sub, (*prefix, name))


def _refused(capsys, *args) -> str:
    """The one line argparse (or a rule between arguments) refuses ``args`` with, exit status 2."""
    with pytest.raises(SystemExit) as exit_:
        main([str(a) for a in args])
    assert exit_.value.code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and ": error: " in lines[0] and "Traceback" not in lines[0], lines
    return lines[0]


# -- --help: %-safe, and never parsing $SEMDIGEST_LIBRARY ---------------------------------------

def test_every_help_works_with_a_percent_and_a_malformed_url_in_the_environment(monkeypatch, capsys):
    monkeypatch.setenv("SEMDIGEST_LIBRARY", "postgresql://lab:secret@[::1%d")  # no valid URL; a password; a %
    monkeypatch.setenv("XDG_DATA_HOME", "/tmp/100%(prog)s %d")  # the default library's folder, shown in help
    for words, _ in _subparsers(build_parser()):
        with pytest.raises(SystemExit) as exit_:
            main([*words, "--help"])
        assert exit_.value.code == 0, words
        shown = capsys.readouterr().out
        assert "secret" not in shown and "option_strings" not in shown, words
        if "--library PATH" in shown:
            assert "$SEMDIGEST_LIBRARY if set" in " ".join(shown.split()), words
    main_help = _help(capsys)
    assert "than 99% are" in main_help  # novelty's summary, as written


def _help(capsys) -> str:
    with pytest.raises(SystemExit):
        main(["--help"])
    return " ".join(capsys.readouterr().out.split())


# -- values out of range, refused before any work -------------------------------------------------

REFUSED = [
    (["topics", "--max-topics", "1"], "--max-topics: 1 is too small: give 2 or more"),
    (["map", "--out", "m", "--max-topics", "1"], "--max-topics: 1 is too small"),
    (["topics", "--seed", str(2**32)], "--seed: 4294967296 is too large: give at most 4,294,967,295"),
    (["reference", "rebuild", "--seed", str(2**40)], "--seed: 1099511627776 is too large"),
    (["reference", "rebuild", "--size", "2"], "--size: 2 is too small: give 100 or more"),
    (["related", "2606.04092", "--day", "2026-06-04"], "argument --day: not allowed with argument ID"),
    (["related"], "one of the arguments ID --day is required"),
    (["related", "--day", "2026-06-04", "--category", "cs.CV"], "--day takes none of them"),
    (["search", "optimal transport", "--since", "2026-06-09", "--until", "2026-06-01"],
     "--since 2026-06-09 is after --until 2026-06-01; swap them"),
    (["related", "2606.04092", "--since", "2026-06-09", "--until", "2026-06-01"], "swap them"),
    (["topics", "--since", "2026-06-09", "--until", "2026-06-01"], "swap them"),
    (["map", "--out", "m", "--since", "2026-06-09", "--until", "2026-06-01"], "swap them"),
    (["topics", "--n-topics", "5", "--max-topics", "2"], "argument --max-topics: not allowed with argument --n-topics"),
    (["novelty", "--date", "2026-06-04", "--json", "--csv"], "argument --csv: not allowed with argument --json"),
    (["interests", "describe", "games", ""], "argument text: is empty"),
    (["interests", "describe", "games", "  "], "argument text: is empty"),
]


@pytest.mark.parametrize("args, says", REFUSED, ids=[" ".join(args) for args, _ in REFUSED])
def test_conflicting_or_degenerate_arguments_are_refused_in_one_line(args, says, capsys, tmp_path):
    library = tmp_path / "library.sqlite"
    line = _refused(capsys, *args, "--library", library)
    assert says in line and "--help" in line
    assert not library.exists()


def test_json_and_csv_exclude_each_other_wherever_both_exist():
    both = 0
    for words, parser in _subparsers(build_parser()):
        options = {o: a for a in parser._actions for o in a.option_strings}
        if "--json" in options and "--csv" in options:
            both += 1
            groups = [g for g in parser._mutually_exclusive_groups
                      if {options["--json"], options["--csv"]} <= set(g._group_actions)]
            assert groups, f"semdigest {' '.join(words)}: --json and --csv may be given together"
    assert both >= 4  # parse, rank, trends, novelty


@pytest.mark.slow
def test_day_refuses_topic_settings_it_cannot_meet_before_it_ingests(tmp_path):
    digest = digest_slice(DAILY / "2026-06-04.md", tmp_path / "2026-06-04.md", 12)
    library = tmp_path / "library.sqlite"
    for settings, says in ((["--max-topics", "1"], "--max-topics: 1 is too small"),
                           (["--seed", str(2**32)], "--seed: 4294967296 is too large"),
                           (["--n-topics", "7"], "7 topics asked of 12 papers: give at most 6")):
        result = run_cli("day", digest, "--out", tmp_path / "report", "--library", library, *settings)
        assert result.returncode == 2 and says in result.stderr, result.stderr
        assert "Traceback" not in result.stderr
        assert not library.exists() and not (tmp_path / "report").exists()


@pytest.mark.slow
def test_topics_refuses_more_topics_than_its_papers_allow(seeds_library):
    result = run_cli("topics", "--n-topics", "500", "--library", seeds_library.path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip() == ("semdigest: error: 500 topics asked of 514 papers: give at most 257 "
                                     "(two papers a topic), or let the number be chosen")


def test_topic_model_refuses_what_it_cannot_fit():
    from semdigest.topics import TopicModel

    for bad, says in (({"max_topics": 1}, "give 2 or more"), ({"random_state": 2**32}, "random_state"),
                      ({"random_state": -1}, "random_state")):
        with pytest.raises(ValueError, match=says):
            TopicModel(**bad).check_params()
    with pytest.raises(ValueError, match="at most 160"):
        TopicModel(n_topics=500).check_params(320)
    TopicModel(n_topics=500).check_params(9)  # fewer than 10 papers are one group whatever is asked


def test_index_rebuild_refuses_a_model_without_vectors(tmp_path):
    from semdigest.library import Library

    Library.open(tmp_path / "library.sqlite").close()
    result = run_cli("index", "rebuild", "--library", tmp_path / "library.sqlite")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "holds no minilm@" in result.stderr and "ingest with that model first" in result.stderr
    assert not (tmp_path / "library.sqlite.index").exists()


def test_an_empty_description_is_refused_by_the_api_too():
    from semdigest.interests import Interest

    with pytest.raises(InterestError, match="description of 'games' is empty"):
        Interest("games").describe("   ")


# -- the Python API: one string, ISO dates, or a TypeError that says what to pass ----------------

def test_a_single_string_is_one_category_or_one_id(seeds_library):
    frame = seeds_library.papers()
    category, arxiv_id = frame["primary_category"].mode()[0], frame["arxiv_id"].iloc[0]
    one = seeds_library.papers(categories=category)
    assert len(one) > 0 and one.equals(seeds_library.papers(categories=[category]))
    ids, matrix = seeds_library.vectors(ids=arxiv_id)
    assert ids == [arxiv_id] and matrix.shape == (1, 384)
    assert list(seeds_library.papers(ids=arxiv_id)["arxiv_id"]) == [arxiv_id]
    hits = related(seeds_library, arxiv_id, k=3, categories=category)
    assert len(hits) == 3 and all(category in seeds_library.paper(h.arxiv_id).categories for h in hits)


def test_dates_may_be_iso_text_or_datetimes(seeds_library):
    day = dt.date(2026, 6, 1)
    want = seeds_library.papers(since=day)
    assert seeds_library.papers(since="2026-06-01").equals(want)
    assert seeds_library.papers(since=dt.datetime(2026, 6, 1, 15, 30)).equals(want)
    assert seen_before(seeds_library, "2026-06-01") == seen_before(seeds_library, day)
    assert topic_history(seeds_library, since="2026-06-01").equals(topic_history(seeds_library, since=day))


@pytest.mark.parametrize("call, says", [
    (lambda lib: lib.papers(categories=5), "categories must be a string or a list of strings, not int"),
    (lambda lib: lib.papers(ids=[2602.04994]), "ids must hold strings; got 2602.04994"),
    (lambda lib: lib.vectors(ids=7), "ids must be a string or a list of strings"),
    (lambda lib: lib.papers(since=20260601), "since must be a datetime.date or text YYYY-MM-DD, not int"),
    (lambda lib: seen_before(lib, None), "date must be a datetime.date"),
    (lambda lib: lib.paper(2602.04994), "give one arXiv id as a string"),
    (lambda lib: search(lib, ["diffusion"]), "search takes the text to look for as a string"),
], ids=["categories-int", "ids-floats", "vectors-ids-int", "since-int", "day-none", "paper-float", "search-list"])
def test_wrong_types_are_a_type_error_that_says_what_to_pass(seeds_library, call, says):
    with pytest.raises(TypeError, match=says):
        call(seeds_library)


def test_text_that_is_no_date_and_an_empty_range_are_value_errors(seeds_library):
    with pytest.raises(ValueError, match="since='June 1' is not a date; write it as YYYY-MM-DD"):
        seeds_library.papers(since="June 1")
    with pytest.raises(ValueError, match="since 2026-06-09 is after until 2026-06-01"):
        seeds_library.papers(since="2026-06-09", until="2026-06-01")
    with pytest.raises(LibraryError, match="at least 100 papers"):
        rebuild_reference(seeds_library, size=2)


# -- counts in messages ----------------------------------------------------------------------------

def test_counts_take_the_number_they_count(seeds_library, tmp_path):
    from semdigest.plural import plural

    assert [plural(1, "hit"), plural(2, "hit"), plural(1, "category"), plural(0, "category"), plural(3, "day")] \
        == ["1 hit", "2 hits", "1 category", "0 categories", "3 days"]
    assert repr(related(seeds_library, "2602.04994", k=1)).startswith("1 hit for 2602.04994")
    one = digest_slice(DAILY / "2026-06-04.md", tmp_path / "2026-06-04.md", 1)
    summary = run_cli("parse", one).stderr
    assert "1 paper in 1 category, 0 duplicates," in summary
