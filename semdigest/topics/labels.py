"""Topic labels: key phrases by class-based TF-IDF over a phrase-aware vocabulary, diversified
within a topic (maximal marginal relevance) and made distinct across the day (each word belongs
to one label).

- Candidates are 1-3-word phrases that never cross a stop word, a number, LaTeX or punctuation
  ("language models for reasoning" gives "language models" and "reasoning", never "models
  reasoning"); plurals count with their singular ("agents" = "agent").
- A phrase's weight in a topic is c-TF-IDF on document frequencies: the share of the topic's
  papers that use it x log(1 + papers per topic / papers using it anywhere). Counting papers,
  not occurrences, keeps one abstract's invented acronym from naming its topic.
- A single word gives way to a phrase that holds it when most of the topic's papers that use
  the word use that phrase ("gaussian" -> "gaussian splatting").
- Within a topic, maximal marginal relevance (BERTopic's MMR, with phrases compared by the
  papers they occur in instead of a second embedding model) skips a phrase that says what a
  chosen one said.
- Across the day, labels are filled in rounds, best weight first: a word a label has taken
  is not used by another, so every word belongs to the topic it describes best.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

# Nouns every abstract uses whatever its subject. They may end a phrase ("language models",
# "reinforcement learning") but never start one or stand alone.
GENERIC_NOUNS = frozenset("""
model models learning data dataset datasets method methods framework frameworks approach approaches
task tasks problem problems benchmark benchmarks baseline baselines performance analysis evaluation
evaluations result results experiment experiments study studies work challenge challenges improvement
improvements accuracy robustness level levels range state art world system systems setting settings
paper code effect effects detail details extent way ways aspect aspects
""".split())
# Verbs, adjectives and adverbs of the same kind: they end a phrase like a stop word does.
GENERIC_WORDS = frozenset("""
propose proposed proposes proposing present presents presented introduce introduces introduced
using use used uses based show shows shown showing demonstrate demonstrates demonstrated demonstrating
achieve achieves achieved achieving novel new existing recent recently significant significantly
improve improves improved improving effective effectively efficient efficiently address addresses
addressed addressing key different various multiple including include includes outperform outperforms
outperformed outperforming available furthermore moreover however specifically large provide provides
provided enable enables enabled enabling leverage leverages leveraging wide remains remain remaining
critical compared comparing high low robust towards toward fail fails failing extensive extensively
experimental real formulate formulated decide indicate indicates reflect reflects quantify
increasingly follow follows following resolve resolved consider considered considering known derive
derived account tight et al via given across able allow allows allowing aim aims typically often
particular particularly crucial important novelty still yet whereas thereby thus hence overall
substantially consistently notably despite while within without among lead leads leading yield yields
emerge emerged emerges emerging make makes making run runs superior competitive comprehensive simple strong stronger better best widely commonly evaluated lack lacks percentage point points future
support supports rely relies primarily additional standard standardized findings finding previous
average analyze analyse analyzes analyses number numbers organize measure measures learnable modeling
modelling systematic consistent requirement requirements comparison comparisons group groups base leave
entire precise project page pages investigate investigates investigated
""".split())
STOP_WORDS = frozenset(ENGLISH_STOP_WORDS) | GENERIC_WORDS
_LATEX = re.compile(r"\$[^$]*\$|\\[a-zA-Z]+(\{[^}]*\})?|[{}]")
# A word: letters, inner hyphens allowed. Anything else (digits, punctuation, LaTeX) ends a phrase.
_PIECE = re.compile(r"[a-z][a-z\-]*[a-z]|[a-z]|[^a-z\s]+")
_WORD = re.compile(r"[a-z][a-z\-]*[a-z]")
MAX_WORDS = 3
MAX_LABEL_CHARACTERS = 40


@dataclass(frozen=True)
class TopicWords:
    """A topic's description: its top phrases (strongest first) and its label's phrases."""

    terms: tuple[str, ...]
    label_terms: tuple[str, ...]

    @property
    def label(self) -> str:
        return ", ".join(self.label_terms)


def strip_latex(text: str) -> str:
    return _LATEX.sub(" ", text)


@cache
def stem(word: str) -> str:
    """Crude singular forms, enough to count "agent" and "agents", "policy" and "policies" as one word."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


# Adverbs ("semantically", "precisely") never name a subject; these few -ly words do.
_LY_NOUNS = frozenset("anomaly anomalies family families assembly supply monopoly reply italy july butterfly".split())


def _is_word(piece: str) -> bool:
    return (_WORD.fullmatch(piece) is not None and piece not in STOP_WORDS and len(piece) > 1
            and (not piece.endswith("ly") or piece in _LY_NOUNS))


def _candidates(text: str):
    """Each 1-3-word candidate phrase of a text as it is written: runs of words that no stop word,
    number, LaTeX or punctuation interrupts, starting with a word that is not generic."""
    run: list[str] = []
    for piece in _PIECE.findall(strip_latex(text).lower()) + ["."]:
        if _is_word(piece):
            run.append(piece)
            continue
        for start in range(len(run)):
            if run[start] in GENERIC_NOUNS:
                continue
            for size in range(1, min(MAX_WORDS, len(run) - start) + 1):
                yield run[start:start + size]
        run = []


def _read(texts: Sequence[str]):
    """Which phrases each text uses (a sparse paper x phrase matrix), the phrases, and how each is
    most often written ("llms" for ("llm",) if that is the usual form)."""
    seen: dict[tuple[str, ...], Counter] = defaultdict(Counter)
    docs = []
    for text in texts:
        found = set()
        for words in _candidates(text):
            key = tuple(stem(w) for w in words)
            seen[key][" ".join(words)] += 1
            found.add(key)
        docs.append(found)
    vocabulary = sorted(seen)
    index = {p: i for i, p in enumerate(vocabulary)}
    columns = [index[p] for found in docs for p in sorted(found)]
    rows = np.repeat(np.arange(len(docs)), [len(found) for found in docs])
    occurs = sparse.csr_matrix((np.ones(len(columns)), (rows, columns)), shape=(len(docs), len(vocabulary)))
    forms = {key: max(sorted(forms), key=forms.get) for key, forms in seen.items()}
    return occurs, vocabulary, forms


def describe_topics(texts: Sequence[str], labels: np.ndarray, n_terms: int = 5, label_terms: int = 3,
                    diversity: float = 0.3, candidates: int = 40) -> dict[int, TopicWords]:
    """Top phrases and a label for each topic in ``labels`` (one entry per text)."""
    labels = np.asarray(labels)
    topics = sorted(set(labels.tolist()))
    occurs, vocabulary, forms = _read(texts)
    if not vocabulary:
        return {t: TopicWords((), ()) for t in topics}
    membership = sparse.csr_matrix((np.ones(len(labels)), ([topics.index(t) for t in labels], np.arange(len(labels)))),
                                   shape=(len(topics), len(labels)))
    df = (membership @ occurs).toarray()  # papers of each topic that use each phrase
    sizes = np.asarray(membership.sum(axis=1)).ravel()
    # c-TF-IDF on paper counts; a phrase of w words counts sqrt(w) times (it says more than one word)
    weights = (df / sizes[:, None] * np.log1p(len(texts) / len(topics) / np.maximum(df.sum(axis=0), 1))
               * np.sqrt([len(p) for p in vocabulary]))
    # a phrase names a topic only if a tenth of its papers use it (and two, unless the topic is one paper)
    weights[df < np.maximum(np.minimum(2, sizes), 0.1 * sizes)[:, None]] = 0
    by_phrase = occurs.tocsc()

    pools = {}
    for row, t in enumerate(topics):
        pool = _phrase_aware(vocabulary, df[row], weights[row], candidates)
        used = by_phrase[:, pool].toarray()[labels == t].astype(bool)
        pools[t] = [_Candidate(vocabulary[i], weights[row, i], used[:, j]) for j, i in enumerate(pool)]
    chosen = _assign_labels(pools, label_terms, diversity)
    result = {}
    for t in topics:
        terms = chosen[t] + _mmr(pools[t], chosen[t], n_terms - len(chosen[t]), diversity)
        result[t] = TopicWords(terms=tuple(forms[c.phrase] for c in terms),
                               label_terms=tuple(forms[c.phrase] for c in chosen[t]))
    return result


def _phrase_aware(vocabulary, df: np.ndarray, weights: np.ndarray, size: int) -> list[int]:
    """The topic's best candidates, where a phrase used by most papers using its words replaces them."""
    best = [i for i in np.lexsort((np.arange(len(weights)), -weights))[:size * 3] if weights[i] > 0]
    kept = []
    for i in best:
        term = vocabulary[i]
        longer = [j for j in best if len(vocabulary[j]) > len(term) and _contains(vocabulary[j], term)
                  and df[j] >= 0.5 * df[i]]
        if not longer:
            kept.append(i)
    return kept[:size]


def _contains(phrase: tuple[str, ...], part: tuple[str, ...]) -> bool:
    return any(phrase[k:k + len(part)] == part for k in range(len(phrase) - len(part) + 1))


def _similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Overlap of the papers two phrases occur in (cosine of their occurrence vectors)."""
    both = np.count_nonzero(a & b)
    return both / np.sqrt(max(np.count_nonzero(a), 1) * max(np.count_nonzero(b), 1))


@dataclass(frozen=True)
class _Candidate:
    phrase: tuple[str, ...]   # stems
    weight: float
    used: np.ndarray          # which of the topic's papers use it

    def relevance(self, picked: list["_Candidate"], best: float, diversity: float) -> float:
        """Maximal marginal relevance: weight, less the overlap with the phrases already picked."""
        redundancy = max((_similarity(self.used, p.used) for p in picked), default=0.0)
        return (1 - diversity) * self.weight / best - diversity * redundancy


def _mmr(pool: list[_Candidate], picked: list[_Candidate], count: int, diversity: float) -> list[_Candidate]:
    """Up to ``count`` more phrases by maximal marginal relevance, sharing no word with those picked."""
    picked, out = list(picked), []
    best = max((c.weight for c in pool), default=1.0) or 1.0
    while len(out) < count:
        used = {w for c in picked for w in c.phrase}
        options = [c for c in pool if not used & set(c.phrase)]
        if not options:
            break
        choice = max(options, key=lambda c: (c.relevance(picked, best, diversity), c.phrase))
        picked.append(choice)
        out.append(choice)
    return out


def _length(phrases: list[_Candidate]) -> int:
    return len(", ".join(" ".join(c.phrase) for c in phrases))


def _assign_labels(pools: dict[int, list[_Candidate]], label_terms: int, diversity: float) -> dict[int, list]:
    """Fill every label one phrase per round. In each round the strongest claims go first, and a
    word one label has taken is not used by any other, so it names the topic it describes best."""
    chosen: dict[int, list[_Candidate]] = {t: [] for t in pools}
    owner: dict[str, int] = {}
    for round_ in range(label_terms):
        claims = []
        for t, pool in pools.items():
            if not pool or len(chosen[t]) < round_:
                continue
            best = max(c.weight for c in pool) or 1.0
            taken = {w for c in chosen[t] for w in c.phrase}
            for c in pool:
                if taken & set(c.phrase) or any(owner.get(w, t) != t for w in c.phrase):
                    continue
                if round_ and c.weight < 0.25 * best:  # a second phrase must still describe the topic
                    continue
                if round_ and _length(chosen[t] + [c]) > MAX_LABEL_CHARACTERS:  # short enough to read on a map
                    continue
                score = c.weight if not round_ else c.relevance(chosen[t], best, diversity) * best
                claims.append((-score, t, c.phrase, c))
        for _, t, phrase, c in sorted(claims, key=lambda claim: claim[:3]):
            if len(chosen[t]) > round_ or any(owner.get(w, t) != t for w in phrase):
                continue
            chosen[t].append(c)
            owner.update({w: t for w in phrase})
    return chosen
