"""The static topic map: a PNG drawn with matplotlib."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # only for the annotations: importing topics would load its estimator stack
    from ..topics import Topics


# 20 distinct colours (matplotlib's tab20, reordered so neighbours in the list differ).
PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
           "#bcbd22", "#17becf", "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94",
           "#f7b6d2", "#c7c7c7", "#dbdb8d", "#9edae5"]

# For every text drawn from data (titles, labels, legends): shown as written, never read as
# mathtext ($…$ in a file name) or handed to TeX.
LITERAL = {"parse_math": False, "usetex": False}


def label_anchors(coords: np.ndarray, labels: np.ndarray, topics: Topics, bins: int = 200) -> np.ndarray:
    """Where each topic's label belongs: its densest point, not a mean that may fall between lobes.

    Each topic's papers are counted on a grid over the map and smoothed with a Gaussian 5% of the
    map wide (Embedding Atlas finds its clusters' peaks the same way); the anchor is the topic's
    paper in the densest cell."""
    from scipy.ndimage import gaussian_filter

    coords = np.asarray(coords, dtype=float)
    low = coords.min(axis=0) if len(coords) else np.zeros(2)
    span = float(np.ptp(coords, axis=0).max()) if len(coords) > 1 else 0.0
    cells = np.clip(((coords - low) / (span or 1.0) * (bins - 1)).round().astype(int), 0, bins - 1)
    anchors = []
    for topic in topics:
        own = np.flatnonzero(labels == topic.id)
        grid = np.zeros((bins, bins))
        np.add.at(grid, (cells[own, 0], cells[own, 1]), 1.0)
        density = gaussian_filter(grid, sigma=0.05 * bins, mode="constant")
        anchors.append(coords[own[np.argmax(density[cells[own, 0], cells[own, 1]])]])
    return np.array(anchors, dtype=float).reshape(-1, 2)


def static_map(coords: np.ndarray, labels: np.ndarray, topics: Topics, title: str, path: str | Path,
               flagged: np.ndarray | None = None, backdrop: np.ndarray | None = None) -> Path:
    """A PNG 1600 px wide: points coloured by topic (flagged ones faint), each label on its topic's
    densest point, or moved clear of the others with a leader line back to it; ``backdrop``
    points (x, y rows: other days on the library map) faint grey beneath."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(16, 10), dpi=100)
    colours = np.array([PALETTE[t % len(PALETTE)] for t in labels])
    faint = np.zeros(len(labels), dtype=bool) if flagged is None else np.asarray(flagged, dtype=bool)
    if backdrop is not None and len(backdrop):
        axes.scatter(backdrop[:, 0], backdrop[:, 1], c="#9ca3af", s=6, alpha=0.35, linewidths=0)
    axes.scatter(coords[~faint, 0], coords[~faint, 1], c=colours[~faint], s=22, alpha=0.8, linewidths=0)
    axes.scatter(coords[faint, 0], coords[faint, 1], facecolors="none", edgecolors=colours[faint], s=22,
                 alpha=0.6, linewidths=0.9)
    axes.set_title(title, fontsize=16, **LITERAL)
    axes.set_xticks([]), axes.set_yticks([])
    for spine in axes.spines.values():
        spine.set_visible(False)
    axes.set_aspect("equal", adjustable="datalim")  # distances on the map mean the same in x and y
    figure.tight_layout()
    _place_labels(figure, axes, label_anchors(coords, labels, topics), topics)
    path = Path(path)
    figure.savefig(path)
    plt.close(figure)
    return path


def _place_labels(figure, axes, anchors: np.ndarray, topics: Topics) -> None:
    """Largest topics first; each label starts on its anchor and walks outward on a spiral (in
    pixels) until it overlaps no other label and stays inside the axes (the HTML map does the same)."""
    renderer = figure.canvas.get_renderer()
    to_data = axes.transData.inverted()
    frame = axes.get_window_extent(renderer)
    placed = []
    for topic, anchor in zip(topics, anchors):
        ax, ay = axes.transData.transform(anchor)
        text = axes.text(*anchor, f"{textwrap.fill(topic.label, 32)} ({topic.size})", ha="center", va="center",
                         fontsize=11, weight="bold", color="#111", zorder=4, **LITERAL,
                         bbox={"boxstyle": "round,pad=0.3", "fc": "white", "ec": PALETTE[topic.id % len(PALETTE)],
                               "alpha": 0.88})
        for step in range(400):
            angle, radius = step * 0.6, 3.0 * step
            text.set_position(to_data.transform((ax + radius * np.cos(angle), ay + radius * np.sin(angle))))
            box = text.get_window_extent(renderer).expanded(1.04, 1.1)
            inside = frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 and box.y1 <= frame.y1
            if inside and not any(box.overlaps(other) for other in placed):
                break
        if not box.contains(ax, ay):  # moved off its anchor: a leader line back, and a dot on the anchor
            axes.plot([anchor[0], text.get_position()[0]], [anchor[1], text.get_position()[1]], color="#444",
                      linewidth=0.9, zorder=3, scalex=False, scaley=False)
            axes.plot(*anchor, "o", color="#444", markersize=3, zorder=3, scalex=False, scaley=False)
        placed.append(box)
