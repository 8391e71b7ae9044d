"""Labels that say what is inside a topic: its own phrases, re-ranked the way BERTopic's
``KeyBERTInspired`` and ``MaximalMarginalRelevance`` do, without a second model.

- Candidates are 1-3-word phrases of the topic's own papers that no stop word, number, LaTeX or
  punctuation interrupts (``labels._read``); a phrase in a paper's title counts fully, one only in
  its abstract counts ``abstract_weight``.
- Generic words are learned from the day's document frequencies, not listed by hand: a word
  used by at least ``generic_share`` of the papers that no topic uses even 1.5 times as often as
  the rest of the day ("propose", "model", "results") never enters a label.
- A phrase may name a topic only where its papers are: used by at least ``min_coverage`` of the
  topic's papers and at least ``phrase_lift`` times as often inside it as in the day's other
  papers; the label as a whole (a paper uses it if it uses any of its phrases) at least
  ``min_lift`` times. Holding the label, not each phrase, to the stricter bar lets a broad phrase
  that most of the topic uses ("llms") name it beside a narrow one, so the label covers the topic.
- Relevance (KeyBERT-style): the cosine between the topic's centre and the phrase's vector, the
  mean vector of the day's papers that use it (both taken around the day's mean). A phrase whose
  papers sit elsewhere in the day is a weak name even if the topic uses it.
- A label is picked by maximal marginal relevance over the topic's papers: each next phrase is
  worth the papers it covers that the label does not cover yet (times 1 + its relevance, so
  relevance ranks phrases of like reach but does not let a rare phrase beat one the topic uses
  widely), so three phrases say more than one; across the day, a word one label has taken is
  not used by another (strongest claim first).
- A topic no phrase covers well (the label covers under ``mixed_below`` of its papers) is said to
  be a mixture: "Mixed: ...".
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import Interval

from .labellers import BaseLabeller
from .labels import MAX_LABEL_CHARACTERS, TopicWords, _contains, _read

MIXED = "Mixed: "


class KeyPhraseLabeller(BaseLabeller):
    """Name each topic by the phrases of its papers that cover it and sit at its centre.

    Parameters
    ----------
    label_terms : int, default=3
        Phrases a label holds, at most.
    n_terms : int, default=5
        Key phrases kept per topic (the label's first).
    min_coverage : float, default=0.15
        Share of the topic's papers a phrase must occur in to name it.
    min_lift : float, default=2.5
        How many times more often than in the day's other papers the label's phrases are used.
    phrase_lift : float, default=2.0
        The same, for each phrase of the label.
    generic_share : float, default=0.04
        Words used by this share of the day's papers and spread over its topics are generic.
    abstract_weight : float, default=0.75
        Weight of a paper that uses a phrase in its abstract only (in its title: 1).
    mixed_below : float, default=0.4
        A label covering fewer of its topic's papers than this says "Mixed: ".
    """

    _parameter_constraints = {
        "label_terms": [Interval(Integral, 1, None, closed="left")],
        "n_terms": [Interval(Integral, 1, None, closed="left")],
        "min_coverage": [Interval(Real, 0, 1, closed="both")],
        "min_lift": [Interval(Real, 1, None, closed="left")],
        "phrase_lift": [Interval(Real, 1, None, closed="left")],
        "generic_share": [Interval(Real, 0, 1, closed="both")],
        "abstract_weight": [Interval(Real, 0, 1, closed="both")],
        "mixed_below": [Interval(Real, 0, 1, closed="both")],
    }

    def __init__(self, label_terms=3, n_terms=5, min_coverage=0.15, min_lift=2.5, phrase_lift=2.0,
                 generic_share=0.04, abstract_weight=0.75, mixed_below=0.4):
        self.label_terms = label_terms
        self.n_terms = n_terms
        self.min_coverage = min_coverage
        self.min_lift = min_lift
        self.phrase_lift = phrase_lift
        self.generic_share = generic_share
        self.abstract_weight = abstract_weight
        self.mixed_below = mixed_below

    def describe(self, texts, labels, vectors, titles=None):
        self._validate_params()
        labels = np.asarray(labels)
        topics = sorted(set(labels.tolist()))
        occurs, vocabulary, forms = _read(texts)
        if not vocabulary:
            return {t: TopicWords((), ()) for t in topics}
        in_title = _title_occurrences(titles, vocabulary) if titles is not None else None
        member = np.array([labels == t for t in topics])         # topic x paper
        sizes = member.sum(axis=1)
        dense = (occurs.toarray() > 0).astype(float)             # paper x phrase (a day: < 600 papers)
        df = member.astype(float) @ dense                        # topic x phrase
        rest = np.maximum(len(labels) - sizes, 1)[:, None]
        lift = (df / sizes[:, None]) / ((dense.sum(axis=0)[None, :] - df + 1) / (rest + 1))
        usable = (df / sizes[:, None] >= self.min_coverage) & (df >= np.minimum(2, sizes)[:, None]) \
            & ((lift >= self.phrase_lift) | (len(topics) == 1)) & ~_has_generic(vocabulary, dense, member, self.generic_share)[None, :]
        weight = dense * self.abstract_weight
        if in_title is not None:
            weight = np.maximum(weight, in_title)
        relevance = _relevance(np.asarray(vectors, dtype=np.float32), member, dense)

        pools = {}
        for row, t in enumerate(topics):
            columns = [i for i in np.flatnonzero(usable[row]) if not _said_longer(i, vocabulary, df[row], usable[row])]
            pools[t] = [(i, weight[member[row], i], max(float(relevance[row, i]), 0.0)) for i in columns]
        chosen = self._assign(pools, vocabulary, dense > 0, member)
        result = {}
        for row, t in enumerate(topics):
            picked = chosen[t]
            extra = [i for i, _, _ in sorted(pools[t], key=lambda c: (-c[1].sum() * (0.5 + c[2]), vocabulary[c[0]]))
                     if i not in picked and not _shares_word(i, picked, vocabulary)]
            terms = [forms[vocabulary[i]] for i in (picked + extra)[:max(self.n_terms, len(picked))]]
            label_terms = tuple(forms[vocabulary[i]] for i in picked)
            covered = (dense[member[row]][:, picked] > 0).any(axis=1).mean() if picked else 0.0
            if covered < self.mixed_below and len(topics) > 1:  # one group (too few to cluster) is what it is
                label_terms = (MIXED + (", ".join(label_terms) or "no shared phrase"),)
            result[t] = TopicWords(terms=tuple(terms), label_terms=label_terms)
        return result

    def _assign(self, pools: dict, vocabulary, uses: np.ndarray, member: np.ndarray) -> dict[int, list[int]]:
        """Fill every label one phrase per round, strongest claims first; each word to one label;
        a label stays ``min_lift`` times more used inside its topic than in the day's other papers."""
        chosen: dict[int, list[int]] = {t: [] for t in pools}
        covered = {t: np.zeros(len(pool[0][1]) if pool else 0) for t, pool in pools.items()}
        owner: dict[str, int] = {}
        for round_ in range(self.label_terms):
            claims = []
            for row, (t, pool) in enumerate(pools.items()):
                if len(chosen[t]) < round_:
                    continue
                for i, weights, relevance in pool:
                    words = vocabulary[i]
                    if any(owner.get(w, t) != t for w in words) or _shares_word(i, chosen[t], vocabulary):
                        continue
                    if len(pools) > 1 and _lift(uses[:, chosen[t] + [i]].any(axis=1), member[row]) < self.min_lift:
                        continue
                    gain = float((weights * (1 - covered[t])).mean())  # what it adds: papers not yet named
                    if round_ and gain < 0.05:
                        continue
                    names = [" ".join(vocabulary[j]) for j in chosen[t] + [i]]
                    if round_ and len(", ".join(names)) > MAX_LABEL_CHARACTERS:
                        continue
                    claims.append((-gain * (1 + relevance) * np.sqrt(len(words)), t, words, i))
            for _, t, words, i in sorted(claims):
                if len(chosen[t]) > round_ or any(owner.get(w, t) != t for w in words):
                    continue
                chosen[t].append(i)
                owner.update({w: t for w in words})
                weights = next(c[1] for c in pools[t] if c[0] == i)
                covered[t] = np.maximum(covered[t], weights)
        return chosen


def _lift(used: np.ndarray, inside: np.ndarray) -> float:
    """How many times more often the papers of a topic use a label than the day's other papers
    (one paper added to the others, so a label no other paper uses is not infinitely distinct)."""
    return used[inside].mean() / ((used[~inside].sum() + 1) / ((~inside).sum() + 1))


def _title_occurrences(titles, vocabulary) -> np.ndarray:
    """paper x phrase: 1 where the phrase is in the paper's title."""
    occurs, title_vocabulary, _ = _read(titles)
    index = {p: i for i, p in enumerate(vocabulary)}
    out = np.zeros((len(titles), len(vocabulary)))
    dense = occurs.toarray()
    for j, phrase in enumerate(title_vocabulary):
        if phrase in index:
            out[:, index[phrase]] = dense[:, j]
    return out


def _has_generic(vocabulary, dense: np.ndarray, member: np.ndarray, share: float) -> np.ndarray:
    """Per phrase: holds a word that is generic on this day (common, and no topic's own)."""
    singles = {p[0]: i for i, p in enumerate(vocabulary) if len(p) == 1}
    n, member = len(dense), member.astype(float)
    generic = set()
    for word, i in singles.items():
        used = dense[:, i]
        if used.sum() < share * n:
            continue
        inside = member @ used / np.maximum(member.sum(axis=1), 1)
        outside = (used.sum() - member @ used) / np.maximum(n - member.sum(axis=1), 1)
        if (inside < 1.5 * np.maximum(outside, 1e-9)).all():
            generic.add(word)
    return np.array([bool(generic & set(p)) for p in vocabulary])


def _relevance(X: np.ndarray, member: np.ndarray, dense: np.ndarray) -> np.ndarray:
    """topic x phrase: cosine between the topic's centre and the mean of the papers using the phrase,
    both around the day's mean (KeyBERT's document-to-phrase similarity, in paper space)."""
    middle = X.mean(axis=0)
    centres = _unit(member.astype(np.float32) @ X / np.maximum(member.sum(axis=1), 1)[:, None] - middle)
    phrases = _unit(dense.T.astype(np.float32) @ X / np.maximum(dense.sum(axis=0), 1)[:, None] - middle)
    return centres @ phrases.T


def _said_longer(i: int, vocabulary, df: np.ndarray, usable: np.ndarray) -> bool:
    """A phrase gives way to a longer usable one holding it that most of its papers use."""
    short = vocabulary[i]
    return any(usable[j] and len(vocabulary[j]) > len(short) and _contains(vocabulary[j], short)
               and df[j] >= 0.5 * df[i] for j in np.flatnonzero(usable))


def _shares_word(i: int, picked: list[int], vocabulary) -> bool:
    return any(set(vocabulary[i]) & set(vocabulary[j]) for j in picked)


def _unit(rows: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(rows, axis=-1, keepdims=True)
    return rows / np.where(norms > 0, norms, 1.0)
