""""For you": interests, BibTeX import and the rankers, on real digests with the real model."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from semdigest.errors import BibtexError, InterestError
from semdigest.interests import (
    Interest, LinearRanker, NearestRanker, Reference, import_bibtex, interest_vectors, normalize_title,
    parse_bibtex, rank, read_bibtex,
)
from semdigest.arxiv_ids import find_arxiv_id, parse_arxiv_id
from semdigest.readers import read

from .conftest import DAILY, ROOT

DATA = ROOT / "tests" / "data"
GAME_THEORY_BIB = DATA / "game-theory.bib"
TRAIN, TEST = DAILY / "2026-06-02.md", DAILY / "2026-06-08.md"  # 532 and 221 papers


# -- arXiv ids, titles, the data model: pure functions ------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("2606.01234", "2606.01234"), ("arXiv:2606.01234v3", "2606.01234"), (" hep-th/9901001v2", "hep-th/9901001"),
    ("math.ag/0309136", "math.AG/0309136"), ("0704.0001", "0704.0001"),
    ("2613.01234", None), ("12345", None), ("2020/123", None), ("see 2606.01234", None),
])
def test_parse_arxiv_id(text, expected):
    assert parse_arxiv_id(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("http://arxiv.org/abs/2106.09685v2", "2106.09685"), ("https://arxiv.org/pdf/2106.09685.pdf", "2106.09685"),
    ("10.48550/arXiv.2106.09685", "2106.09685"), ("arXiv preprint arXiv:2106.09685", "2106.09685"),
    ("arXiv:2106.09685 [cs]", "2106.09685"), ("https://arxiv.org/abs/hep-th/9901001", "hep-th/9901001"),
    ("arXiv:2106.096851", None), ("10.1145/3292500.3330701", None), ("pages 2106.09685", None),
])
def test_find_arxiv_id(text, expected):
    assert find_arxiv_id(text) == expected


def test_titles_meet_whatever_latex_case_and_accents_they_carry():
    plain = normalize_title("A Sheaf Framework for Strategic Multi-Agent Systems: From Consensus to Nash Equilibria")
    assert normalize_title(r"A Sheaf Framework for Strategic {Multi-Agent} Systems: {F}rom consensus to "
                           r"\emph{Nash} Equilibria") == plain
    assert normalize_title(r"M{\"u}ller and Schr\"odinger") == normalize_title("Müller and Schrödinger")
    assert normalize_title(r"\textit{Attention} is {\em all} you need") == "attention is all you need"
    assert normalize_title("The Representation--Rationalizability Tradeoff") == \
        normalize_title("The Representation-Rationalizability Tradeoff")


def test_interest_holds_canonical_ids_once_and_marks_move_papers():
    interest = Interest("games", papers=("arXiv:2606.00951v2", "2606.00951", "2606.01142"))
    assert interest.papers == ("2606.00951", "2606.01142")
    marked = interest.mark_not_interesting(["2606.01142"]).mark_read(["2606.02050"])
    assert marked.papers == ("2606.00951",) and marked.not_interesting == ("2606.01142",)
    assert marked.read == ("2606.02050",)
    back = marked.add_papers(["2606.01142"])
    assert back.papers == ("2606.00951", "2606.01142") and back.not_interesting == ()
    assert interest.papers == ("2606.00951", "2606.01142")  # frozen: every change is a new Interest
    with pytest.raises(dataclasses.FrozenInstanceError):
        interest.name = "other"
    with pytest.raises(InterestError, match="not an arXiv id"):
        interest.add_papers(["doi:10.1145/1"])
    with pytest.raises(InterestError, match="needs a name"):
        Interest(" ")


# -- BibTeX ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def library_titles() -> dict[str, str]:
    """Titles of a library holding the two digests the ranking tests use."""
    return {p.arxiv_id: p.title for path in (TRAIN, TEST) for p in read(path)}


def test_bibtex_import_summary_on_twenty_real_entries(library_titles):
    bibtex = read_bibtex(GAME_THEORY_BIB)
    assert len(bibtex) == 20 and not bibtex.skipped
    interest, summary = import_bibtex(Interest("game theory"), bibtex, library_titles)

    # eprint + archivePrefix, a version, Zotero's url / DOI / note, Google Scholar's journal,
    # biblatex's eprinttype, howpublished, note, eprint "arXiv:X": 11 ids the library holds
    assert len(summary.by_id) == 11 and set(summary.by_id) <= set(library_titles)
    assert "2606.01142" in summary.by_id and "2606.01874" in summary.by_id
    assert dict(summary.by_title) == {  # titles with braces, --, \textit, accents, other case
        "dong2026representation": "2606.00291", "babichenko2026testing": "2606.02095",
        "hernandez2026sheaf": "2606.01663", "bose2026shapley": "2606.01632", "mehrabi2026talking": "2606.00405",
    }
    assert summary.by_id_not_in_library == ("2503.22726",)
    assert summary.embedded == ("shilov2026invariant", "hastings2026facility")
    assert summary.title_only == ("schwarz2026stochastic",)
    assert summary.entries == 20 and summary.in_library == 16
    assert str(summary).startswith(f"{GAME_THEORY_BIB} -> 'game theory': 20 entries, 11 by arXiv id, 5 by title")

    assert len(interest.papers) == 17  # 16 in the library + InfoBid, which its reference stands in for
    assert [r.key for r in interest.references] == [
        "shilov2026invariant", "hastings2026facility", "yin2025infobid", "schwarz2026stochastic"]
    infobid = interest.references[2]
    assert infobid.arxiv_id == "2503.22726" and infobid.title.startswith("InfoBid: A Simulation")
    assert infobid.abstract.startswith("In online advertising systems")


def test_bad_bibtex_entries_are_skipped_with_line_and_reason():
    bibtex = read_bibtex(DATA / "broken.bib")
    assert [e.key for e in bibtex.entries] == ["braverman2026hardness", "celine2026envy"]
    assert [s.line for s in bibtex.skipped] == [9, 15, 20]
    assert "nisan2026domination" in bibtex.skipped[0].reason and "closing" in bibtex.skipped[0].reason
    assert "Expected comma after entry key" in bibtex.skipped[1].reason
    assert "no arXiv id and no title" in bibtex.skipped[2].reason


def test_a_bibtex_file_that_cannot_be_read_says_file_line_and_why(tmp_path):
    broken = tmp_path / "broken.bib"
    broken.write_text("% one entry, broken\n@article{nisan2026domination\n  title = {x}\n}\n", encoding="utf-8")
    with pytest.raises(BibtexError) as error:
        read_bibtex(broken)
    assert (error.value.source, error.value.line) == (str(broken), 2)
    assert str(error.value).startswith(f"{broken}:2: no entry could be read") and "comma" in str(error.value)

    latin1 = tmp_path / "latin1.bib"
    latin1.write_bytes("@misc{a,\n  title = {x},\n  author = {M\xfcller}\n}\n".encode("latin-1"))
    with pytest.raises(BibtexError, match=r"latin1.bib:3: is not UTF-8 text; export it again as UTF-8"):
        read_bibtex(latin1)
    with pytest.raises(BibtexError, match="is it a BibTeX file"):
        parse_bibtex("just some notes\n", "notes.txt")
    with pytest.raises(BibtexError, match="cannot be read"):
        read_bibtex(tmp_path / "missing.bib")


def real_bibtex(count: int, digest=TEST, abstracts: bool = True) -> str:
    """``count`` entries with distinct keys and distinct texts made of a real digest's titles and
    abstracts (entry n: title n, abstract n + 7 * lap, so every lap over the papers pairs anew)."""
    papers = read(digest).papers
    entries = []
    for n in range(count):
        lap, row = divmod(n, len(papers))
        title, abstract = papers[row].title, papers[(row + 7 * lap) % len(papers)].abstract
        fields = [f"  title = {{{title}}}", "  journal = JOT", "  year = {2026}"]
        if abstracts:
            fields.append(f"  abstract = {{{abstract}}}")
        entries.append(f"@article{{ref{n},\n" + ",\n".join(fields) + "\n}\n")
    return "@string{JOT = {Journal of Things}}\n\n" + "\n".join(entries)


def test_a_large_bibtex_file_is_read_in_parts_with_progress_and_the_same_lines():
    text = real_bibtex(2500).replace("@article{ref1800,", "@article{ref1800\n", 1)  # one broken, in part 2
    text += "@misc{ref5, title = {A second ref5}}\n"  # a key of part 1 again, in part 3
    seen = []
    bibtex = parse_bibtex(text, "big.bib", progress=seen.append)
    assert len(seen) >= 3 and sum(seen) == 2502  # the @string block, 2500 entries, the repeated key
    broken = text[:text.index("@article{ref1800")].count("\n") + 1
    assert len(bibtex) == 2500 and [s.line for s in bibtex.skipped] == [broken]
    lines, by_key = text.split("\n"), {e.key: e for e in bibtex.entries}
    for entry in (bibtex.entries[0], by_key["ref1500"], bibtex.entries[-1]):
        assert lines[entry.line - 1].startswith(("@article{" + entry.key + ",", "@misc{" + entry.key + ","))
    papers = read(TEST).papers
    assert [e.title for e in bibtex.entries if e.key == "ref5"] == [papers[5].title, "A second ref5"]
    assert by_key["ref2000"].title == papers[2000 % len(papers)].title
    assert bibtex.entries[0].abstract == papers[0].abstract  # braces, dashes and math read as pylatexenc reads them


def test_plain_latex_fields_read_as_pylatexenc_reads_them():
    """The fast path gives pylatexenc's text on every real title and abstract it takes, and it
    takes most of them (the rest still go through pylatexenc)."""
    from semdigest.interests import latex

    texts = sorted({t for p in read(TEST).papers for t in (p.title, p.abstract) if t})
    texts += ["a -{}- b --- c -- d ---- e", "``q'' ~ & !` ?`", r"R\&D at 5\% and $5\%$", "$$x$$y", "a {b {c}} d"]
    fast = 0
    for text in texts:
        plain = latex._plain(text)
        if plain is not None:
            fast += 1
            expected = latex._pylatexenc(latex._UNESCAPED_PERCENT.sub(r"\\%", text))
            assert latex._SPACES.sub(" ", plain).strip() == latex._SPACES.sub(" ", expected).strip(), text
        assert latex.latex_text(text)  # every text reads, one way or the other
    assert fast >= 0.8 * len(texts)
    assert latex.latex_text(r"M\"{u}ller -- $\alpha$ \emph{and} 5%") == "Müller – $\\alpha$ and 5%"


def test_duplicate_keys_and_fields_still_give_the_paper():
    bibtex = parse_bibtex('@misc{a, title = "Pluralistic Leaderboards", title = "x", note = {arXiv:2606.02547}}\n'
                          "@misc{a, title = {Private Learning in Bilateral Trade}}\n")
    assert [(e.title, e.arxiv_id) for e in bibtex.entries] == [
        ("Pluralistic Leaderboards", "2606.02547"), ("Private Learning in Bilateral Trade", None)]


# -- ranking, on a library of 2026-06-02 and 2026-06-08 (real model) --------------------------

@pytest.fixture(scope="module")
def days(tmp_path_factory):
    """A library of 06-02 (the interests) and 06-08 (the day ranked)."""
    from semdigest.library import Library

    library = Library.open(tmp_path_factory.mktemp("interests") / "library.sqlite")
    for path in (TRAIN, TEST):
        library.ingest(read(path))
    papers = library.papers().set_index("arxiv_id")
    ids, matrix = library.vectors()
    day_ids = [i for i in ids if i in {p.arxiv_id for p in read(TEST)}]
    day_matrix = matrix[[ids.index(i) for i in day_ids]]
    yield library, papers, (ids, matrix), day_ids, day_matrix
    library.close()


def field_interest(papers, field: str) -> Interest:
    first = papers[(papers.primary_category == field) & (papers.first_seen == papers.first_seen.min())]
    return Interest(field).add_papers(first.index)


def normalised_precision(ranking, relevant: set[str]) -> float:
    """P@min(R, 20): 1 when the field's papers fill the top, whatever the field's size that day."""
    r = min(len(relevant), 20)
    return float(np.mean([p.arxiv_id in relevant for p in ranking[:r]]))


# measured (onnx-int8, AMD EPYC): combined 0.75 / 1.00, nearest 0.75 / 0.92, classifier 0.62 / 0.92
@pytest.mark.slow
@pytest.mark.parametrize("ranker, floors", [
    ("combined", {"cs.GT": 0.6, "cs.IT": 0.8}),
    ("nearest", {"cs.GT": 0.6, "cs.IT": 0.8}),
    ("classifier", {"cs.GT": 0.5, "cs.IT": 0.8}),
])
def test_rankers_put_the_fields_next_papers_first(days, ranker, floors):
    library, papers, background, day_ids, day_matrix = days
    for field, floor in floors.items():
        interest = field_interest(papers, field)
        vectors = interest_vectors(interest, *background)
        ranking = rank(interest, day_ids, day_matrix, vectors, background, ranker=ranker)
        relevant = {i for i in day_ids if papers.loc[i, "primary_category"] == field}
        assert len(ranking) == len(day_ids) and 5 <= len(relevant) <= 20
        assert normalised_precision(ranking, relevant) >= floor, (field, ranker)
        assert set(ranking[0].closest) <= set(interest.papers) and len(ranking[0].closest) == 3


@pytest.mark.slow
def test_a_bibtex_interest_ranks_game_theory_first(days):
    library, papers, background, day_ids, day_matrix = days
    titles = papers["title"].to_dict()
    interest, summary = import_bibtex(Interest("game theory"), read_bibtex(GAME_THEORY_BIB), titles)
    vectors = interest_vectors(interest, *background, embedder=library.embedder())
    assert len(vectors) == 20 and vectors.missing == ()  # 16 library vectors + 4 references embedded
    assert "2503.22726" in vectors.labels and "Invariant Price of Anarchy and Multiplicative Smoothness" in vectors.labels
    ranking = rank(interest, day_ids, day_matrix, vectors, background)
    relevant = {i for i in day_ids if papers.loc[i, "primary_category"] == "cs.GT"}
    assert normalised_precision(ranking, relevant) >= 0.6


@pytest.mark.slow
def test_a_description_counts_as_a_paper_of_the_interest(days):
    library, papers, background, day_ids, day_matrix = days
    interest = Interest("coding theory", descriptions=("error-correcting codes and channel capacity",))
    vectors = interest_vectors(interest, *background, embedder=library.embedder())
    assert vectors.labels == ('"error-correcting codes and channel capacity"',)
    ranking = rank(interest, day_ids, day_matrix, vectors, background)
    top = [papers.loc[p.arxiv_id, "primary_category"] for p in ranking[:5]]
    assert top.count("cs.IT") >= 3
    with pytest.raises(InterestError, match="needs an embedder"):
        interest_vectors(interest, *background)


@pytest.mark.slow
@pytest.mark.parametrize("ranker", ["combined", "nearest", "classifier"])
def test_marks_change_the_ranking_as_they_should(days, ranker):
    library, papers, background, day_ids, day_matrix = days
    interest = field_interest(papers, "cs.GT")
    vectors = interest_vectors(interest, *background)
    before = rank(interest, day_ids, day_matrix, vectors, background, ranker=ranker)
    top = before[0].arxiv_id

    read_it = interest.mark_read([top])
    after_read = rank(read_it, day_ids, day_matrix, interest_vectors(read_it, *background), background, ranker=ranker)
    assert after_read[-1].arxiv_id == top and after_read[-1].mark == "read"
    assert [p.arxiv_id for p in after_read[:-1]] == [p.arxiv_id for p in before[1:]]  # nothing else moves

    # Not interesting: the paper goes last, and the day's papers nearest to it lose ground.
    row = day_ids.index(top)
    similarity = day_matrix @ day_matrix[row]
    similarity[row] = -1
    nearest = [day_ids[r] for r in np.argsort(-similarity)[:3]]
    disliked = interest.mark_not_interesting([top])
    after = rank(disliked, day_ids, day_matrix, interest_vectors(disliked, *background), background, ranker=ranker)
    assert after[-1].arxiv_id == top and after[-1].mark == "not interesting"
    score_before = {p.arxiv_id: p.score for p in before}
    score_after = {p.arxiv_id: p.score for p in after}
    far = [i for i in day_ids if i not in nearest and i != top]
    drop_near = np.mean([score_before[i] - score_after[i] for i in nearest])
    drop_far = np.mean([score_before[i] - score_after[i] for i in far])
    assert drop_near > drop_far


@pytest.mark.slow
def test_ranking_is_deterministic_and_independent_of_candidate_order(days):
    library, papers, background, day_ids, day_matrix = days
    interest = field_interest(papers, "cs.IT").mark_not_interesting([field_interest(papers, "cs.IT").papers[0]])
    vectors = interest_vectors(interest, *background)
    for ranker in ("combined", NearestRanker(recency=True), LinearRanker(estimator="logistic", C=1.0)):
        first = rank(interest, day_ids, day_matrix, vectors, background, ranker=ranker)
        again = rank(interest, day_ids, day_matrix, vectors, background, ranker=ranker)
        assert first == again
        reversed_order = rank(interest, day_ids[::-1], day_matrix[::-1], vectors, background, ranker=ranker)
        assert [p.arxiv_id for p in reversed_order] == [p.arxiv_id for p in first]
        np.testing.assert_allclose([p.score for p in reversed_order], [p.score for p in first], rtol=1e-5, atol=1e-6)
    frame = first.to_frame()
    assert list(frame.columns) == ["rank", "arxiv_id", "score", "closest", "closest_similarity", "mark", "title",
                                   "closest_titles", "terms"]
    assert frame["rank"].tolist() == list(range(1, len(day_ids) + 1))


def test_an_interest_with_nothing_to_rank_by_says_what_to_do():
    ids, matrix = ["2606.00951"], np.eye(1, 4, dtype=np.float32)
    interest = Interest("new", papers=("2606.99999",))
    vectors = interest_vectors(interest, ids, matrix)
    assert vectors.missing == ("2606.99999",) and len(vectors) == 0
    with pytest.raises(InterestError, match="no papers with vectors yet"):
        rank(interest, ids, matrix, vectors, (ids, matrix))
    with pytest.raises(InterestError, match="pass the library as background"):
        LinearRanker().fit(matrix)
    with pytest.raises(InterestError, match="reference needs a title"):
        Reference(" ")
