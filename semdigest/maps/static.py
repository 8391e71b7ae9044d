"""The static topic map: a PNG drawn with matplotlib."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # the topics package imports maps.projection
    from ..topics import Topics


# 20 distinct colours (matplotlib's tab20, reordered so neighbours in the list differ).
PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
           "#bcbd22", "#17becf", "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94",
           "#f7b6d2", "#c7c7c7", "#dbdb8d", "#9edae5"]


def topic_centres(coords: np.ndarray, labels: np.ndarray, topics: Topics) -> np.ndarray:
    """Where each topic's label goes: the median of its papers (robust to a few far points)."""
    return np.array([np.median(coords[labels == t.id], axis=0) for t in topics]).reshape(-1, 2)


def static_map(coords: np.ndarray, labels: np.ndarray, topics: Topics, title: str, path: str | Path) -> Path:
    """A PNG 1600 px wide: points coloured by topic, labels at topic centres without overlap."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(16, 10), dpi=100)
    colours = [PALETTE[t % len(PALETTE)] for t in labels]
    axes.scatter(coords[:, 0], coords[:, 1], c=colours, s=22, alpha=0.75, linewidths=0)
    axes.set_title(title, fontsize=16)
    axes.set_xticks([]), axes.set_yticks([])
    for spine in axes.spines.values():
        spine.set_visible(False)
    _place_labels(figure, axes, topic_centres(coords, labels, topics), topics)
    figure.tight_layout()
    path = Path(path)
    figure.savefig(path)
    plt.close(figure)
    return path


def _place_labels(figure, axes, centres: np.ndarray, topics: Topics) -> None:
    """Largest topics first; each label moves outward on a spiral until it overlaps no other
    (the HTML map's placeLabels does the same)."""
    renderer = figure.canvas.get_renderer()
    span = np.ptp(centres, axis=0) if len(centres) > 1 else np.ones(2)
    span = np.where(span > 0, span, 1.0)
    placed = []
    for topic, (x, y) in zip(topics, centres):
        text = axes.text(x, y, f"{topic.label}\n({topic.size})", ha="center", va="center", fontsize=11,
                         weight="bold", color="#111",
                         bbox={"boxstyle": "round,pad=0.3", "fc": "white", "ec": PALETTE[topic.id % len(PALETTE)],
                               "alpha": 0.85})
        for step in range(200):
            box = text.get_window_extent(renderer).expanded(1.05, 1.15)
            if not any(box.overlaps(other) for other in placed):
                break
            angle, radius = step * 0.7, 0.01 * step
            text.set_position((x + np.cos(angle) * radius * span[0], y + np.sin(angle) * radius * span[1]))
        if text.get_position() != (x, y):  # moved: a leader line back to the topic
            axes.plot([x, text.get_position()[0]], [y, text.get_position()[1]], color="#555", linewidth=0.8, zorder=2,
                      scalex=False, scaley=False)  # the limits the labels were placed in stay
        placed.append(text.get_window_extent(renderer).expanded(1.05, 1.15))
