"""A known day's topics and map, remembered in the library: a `day` re-run of the same papers
reuses the topic fit and the map layout instead of recomputing them (most of a re-run's time:
the key phrases, the graph, UMAP and numba's import).

What is remembered is keyed by everything the fit depends on: the papers' vector ids (a changed
text is a new vector), the vector key, the topic model's parameters (seed included), the source
of the code that fits and lays out (semdigest/topics/, the map's projection and assembly) and
the versions of the numerical libraries under it. Anything else gives a fresh fit, which then
replaces what was remembered for that set of papers (one entry per day and model, in the
store's meta table). The papers' other fields (authors, TL;DR, code) are read afresh either way,
and the map is assembled by the same ``TopicMap.from_fit`` as a fresh fit: a remembered day is
the recomputed one, byte for byte (tests/test_known_days.py checks it on a real day)."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import fields
from importlib import metadata as package_metadata
from pathlib import Path

import numpy as np

from ..maps.topicmap import TopicMap, topic_map
from ..records import PaperFilter

FORMAT = 1  # of the stored value: a new layout is a new number, and an old entry is recomputed
# What a map is assembled from (TopicMap.from_fit); everything else of the model is refitted when needed.
FITTED = ("labels_", "subtopic_labels_", "centrality_", "confidence_", "flagged_", "clustered_")
_PACKAGE = Path(__file__).resolve().parents[1]
_CODE = ("topics", "maps/projection.py", "maps/topicmap.py")  # the fit and layout: their source is in the key
_LIBRARIES = ("numpy", "scipy", "scikit-learn", "umap-learn", "pynndescent", "numba")


def known_day_map(library, ids, title: str, model=None, topic_model=None) -> TopicMap:
    """``topic_map(library, ids=ids, ...)``, reusing the fit and layout remembered for the same
    papers, vectors and settings; a fresh fit is remembered (unless the library is read-only).
    A topic model that cannot be named by its parameters (a clusterer shown by its address) is
    always refitted."""
    from ..topics import TopicModel

    topic_model = topic_model if topic_model is not None else TopicModel()
    embedder = library.embedder(model)
    linked = library.store.linked_vectors(embedder.key, PaperFilter(ids=ids))
    fingerprint = _fingerprint(embedder.key, linked.arxiv_ids, linked.vector_ids, topic_model)
    if fingerprint is None or not linked.arxiv_ids:
        return topic_map(library, ids=ids, model=embedder, topic_model=topic_model, title=title)
    slot = f"known-day:{embedder.key}:{_digest(linked.arxiv_ids)}"
    restored = _restore(library.store.get_meta(slot), fingerprint, topic_model)
    if restored is not None:
        frame = library.papers(ids=linked.arxiv_ids).set_index("arxiv_id").loc[linked.arxiv_ids]
        return TopicMap.from_fit(linked.arxiv_ids, frame, title, *restored)
    day = topic_map(library, ids=ids, model=embedder, topic_model=topic_model, title=title)
    if list(day.papers["arxiv_id"]) == linked.arxiv_ids and not library.read_only:
        with library.store.write():
            library.store.set_meta(slot, json.dumps({"fingerprint": fingerprint, **_remember(day)}))
    return day


def _fingerprint(vector_key: str, arxiv_ids, vector_ids, topic_model) -> str | None:
    params = repr(sorted(topic_model.get_params(deep=False).items()))
    if " at 0x" in params:  # an object named by its address: not the same settings next time
        return None
    code = hashlib.sha256()
    for name in _CODE:
        for path in sorted((_PACKAGE / name).rglob("*.py")) if (_PACKAGE / name).is_dir() else [_PACKAGE / name]:
            code.update(path.relative_to(_PACKAGE).as_posix().encode() + b"\0" + path.read_bytes())
    key = {"format": FORMAT, "vectors": vector_key, "papers": list(arxiv_ids),
           "vector_ids": [int(v) for v in vector_ids], "params": params, "code": code.hexdigest(),
           "libraries": {name: _version(name) for name in _LIBRARIES}}
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()


def _version(name: str) -> str | None:
    try:
        return package_metadata.version(name)
    except package_metadata.PackageNotFoundError:
        return None


def _digest(arxiv_ids) -> str:
    return hashlib.sha256("\n".join(arxiv_ids).encode()).hexdigest()[:32]


def _remember(day: TopicMap) -> dict:
    model = day.model
    return {"fitted": {name: _value(getattr(model, name)) for name in FITTED},
            "topics": [_topic(t) for t in model.topics_], "subtopics": [_topic(t) for t in model.subtopics_],
            "coords": _array(day.papers[["x", "y"]].to_numpy())}


def _restore(value: str | None, fingerprint: str, topic_model):
    """(the fitted model, the map's coordinates) from a stored entry of this fingerprint, else None
    (none, another fingerprint, or a damaged entry: recomputed and replaced)."""
    from sklearn.base import clone

    from ..topics import Topic, Topics

    try:
        stored = json.loads(value) if value else None
        if not isinstance(stored, dict) or stored.get("fingerprint") != fingerprint:
            return None
        fitted = clone(topic_model)
        for name in FITTED:
            setattr(fitted, name, _unvalue(stored["fitted"][name]))
        fitted.topics_ = Topics(_untopic(Topic, t) for t in stored["topics"])
        fitted.subtopics_ = Topics(_untopic(Topic, t) for t in stored["subtopics"])
        return fitted, _unarray(stored["coords"])
    except (ValueError, TypeError, KeyError, AttributeError):
        return None


def _topic(topic) -> dict:
    return {f.name: _value(getattr(topic, f.name)) for f in fields(topic)}


def _untopic(cls, stored: dict):
    return cls(**{name: _unvalue(v) for name, v in stored.items()})


def _value(value):
    """JSON of a fitted value: arrays exact (their bytes and dtype), tuples as lists, numpy scalars as Python's."""
    if isinstance(value, np.ndarray):
        return _array(value)
    if isinstance(value, tuple):
        return {"tuple": [_value(v) for v in value]}
    if isinstance(value, np.generic):
        return value.item()
    return value


def _unvalue(value):
    if isinstance(value, dict) and "tuple" in value:
        return tuple(_unvalue(v) for v in value["tuple"])
    if isinstance(value, dict) and "dtype" in value:
        return _unarray(value)
    return value


def _array(values: np.ndarray) -> dict:
    values = np.ascontiguousarray(values)
    return {"dtype": values.dtype.str, "shape": list(values.shape), "data": base64.b64encode(values.tobytes()).decode()}


def _unarray(stored: dict) -> np.ndarray:
    values = np.frombuffer(base64.b64decode(stored["data"]), dtype=np.dtype(stored["dtype"]))
    return values.reshape(stored["shape"]).copy()
