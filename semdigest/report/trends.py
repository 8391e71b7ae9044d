"""Topic sizes per day with their events: a table, JSON, CSV, a PNG and a self-contained HTML chart.

Built from what the library stored while tracking (``topics.history``: topic_history and
topic_events); it reads no store itself.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..csv_output import write_frame
from ..maps.static import LITERAL, PALETTE
from ..pages import html_page

# How each event is marked on the charts (and what the legend says).
MARKS = {"born": ("+", "new"), "split": ("+", "split off"), "continues": ("+", "continues another"),
         "returned": ("↺", "returned"), "grew": ("▲", "grew"), "shrank": ("▼", "shrank"), "merged": ("⇉", "absorbed another"), "gone": ("×", "gone")}

LEGEND = "+ new, split off or continuing another, ▲ grew, ▼ shrank, ⇉ absorbed another, ↺ returned, × gone"

CSV_FLOAT_FORMAT = "%.4f"  # shares to four places


@dataclass
class Trends:
    """Tracked topics over a range of days.

    ``history``: date, topic, label, size, share (``topics.history.topic_history``);
    ``events``: date, kind, topic, others, label, what (``Library.topic_events``)."""

    history: pd.DataFrame
    events: pd.DataFrame

    @classmethod
    def from_library(cls, library, since: dt.date | None = None, until: dt.date | None = None) -> "Trends":
        from ..topics.history import topic_events, topic_history

        return cls(topic_history(library, since, until), topic_events(library, since, until))

    @property
    def dates(self) -> list[dt.date]:
        return sorted(set(self.history["date"]))

    def totals(self) -> dict[dt.date, int]:
        """Papers per day: the sum of its topics' sizes."""
        return {d: int(n) for d, n in self.history.groupby("date")["size"].sum().items()}

    def topics(self) -> list[tuple[int, str]]:
        """(id, latest label) of every topic in the range, largest overall first."""
        latest = self.history.sort_values("date").groupby("topic")["label"].last()
        order = self.history.groupby("topic")["size"].sum().sort_values(ascending=False, kind="stable")
        return [(int(t), latest[t]) for t in sorted(order.index, key=lambda t: (-order[t], t))]

    def table(self) -> pd.DataFrame:
        """Topics as rows, days as columns (sizes; 0 where the topic was absent), labels first."""
        wide = self.history.pivot_table(index="topic", columns="date", values="size", fill_value=0, aggfunc="sum")
        order = [t for t, _ in self.topics()]
        wide = wide.reindex(order)
        wide.insert(0, "label", [label for _, label in self.topics()])
        return wide

    def _marks(self) -> dict[tuple[dt.date, int], list[str]]:
        """(date, topic) -> the event kinds that touch that topic that day (a split marks the pieces)."""
        marks: dict[tuple[dt.date, int], list[str]] = {}
        for row in self.events.itertuples():
            targets = [row.topic] if row.kind != "split" else list(row.others[1:])
            for topic in targets:
                marks.setdefault((row.date, topic), []).append(row.kind)
        return marks

    # -- text, JSON, CSV --------------------------------------------------------------------------

    def to_text(self) -> str:
        if self.history.empty:
            return "no tracked topics in this range"
        dates = self.dates
        width = 38
        head = f"{'topic':>5}  {'label':<{width}}" + "".join(f"{d:%m-%d}".rjust(7) for d in dates)
        lines = [head]
        table = self.table()
        for topic, row in table.iterrows():
            label = row["label"] if len(row["label"]) <= width else row["label"][:width - 1] + "…"
            lines.append(f"{topic:>5}  {label:<{width}}" + "".join(f"{int(row[d]) or '·':>7}" for d in dates))
        totals = self.totals()
        lines.append(f"{'':>5}  {'all papers':<{width}}" + "".join(f"{totals[d]:>7}" for d in dates))
        if len(self.events):
            lines += ["", "events:"]
            lines += [f"  {row.what}  ({row.label})" if row.label else f"  {row.what}" for row in self.events.itertuples()]
        return "\n".join(lines)

    def to_json(self) -> dict:
        totals = self.totals()
        sizes = {(int(r.topic), r.date): int(r.size) for r in self.history.itertuples()}
        labels = {(int(r.topic), r.date): r.label for r in self.history.itertuples()}
        return {
            "dates": [d.isoformat() for d in self.dates],
            "totals": {d.isoformat(): n for d, n in totals.items()},
            "topics": [{"topic": t, "label": label,
                        "sizes": {d.isoformat(): sizes[(t, d)] for d in self.dates if (t, d) in sizes},
                        # each day's own label: what the topic's papers of that day were about
                        "labels": {d.isoformat(): labels[(t, d)] for d in self.dates if (t, d) in labels}}
                       for t, label in self.topics()],
            "events": [{"date": r.date.isoformat(), "kind": r.kind, "topic": int(r.topic),
                        "others": [int(o) for o in r.others], "what": r.what} for r in self.events.itertuples()],
        }

    def rows(self) -> pd.DataFrame:
        """One row per topic and day: date, topic, label, size, share, events (kinds, ';')."""
        marks = self._marks()
        frame = self.history.assign(
            date=[d.isoformat() for d in self.history["date"]],
            events=[";".join(marks.get((d, t), [])) for d, t in zip(self.history["date"], self.history["topic"])])
        return frame[["date", "topic", "label", "size", "share", "events"]]

    def to_csv(self) -> str:
        """``rows`` as CSV, through the one CSV writer."""
        buffer = io.StringIO()
        write_frame(buffer, self.rows(), float_format=CSV_FLOAT_FORMAT)
        return buffer.getvalue()

    # -- charts -----------------------------------------------------------------------------------

    def figure(self):
        """A matplotlib figure: stacked bars of topic sizes per day, events marked on their topic."""
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        dates, topics = self.dates, self.topics()
        figure, axes = plt.subplots(figsize=(max(8.0, 0.75 * len(dates) + 5), 6), dpi=150)
        sizes = {(int(r.topic), r.date): int(r.size) for r in self.history.itertuples()}
        bottom = [0] * len(dates)
        marks = self._marks()
        for topic, label in sorted(topics):
            heights = [sizes.get((topic, d), 0) for d in dates]
            colour = PALETTE[topic % len(PALETTE)]
            axes.bar(range(len(dates)), heights, bottom=bottom, color=colour, edgecolor="white", linewidth=0.5,
                     label=f"{topic}. {label}"[:48])
            for x, d in enumerate(dates):
                kinds = marks.get((d, topic), [])
                symbols = "".join(MARKS[k][0] for k in kinds if k != "gone")
                if symbols and heights[x]:
                    axes.text(x, bottom[x] + heights[x] / 2, symbols, ha="center", va="center", fontsize=9,
                              color="black", **LITERAL)
            bottom = [b + h for b, h in zip(bottom, heights)]
        for x, d in enumerate(dates):  # topics gone that day: above the bar
            gone = [t for (day, t), kinds in marks.items() if day == d and "gone" in kinds]
            if gone:
                axes.text(x, bottom[x], "×" + ",".join(map(str, sorted(gone))), ha="center", va="bottom", fontsize=7,
                          color="#555")
        axes.set_ylim(0, max(bottom, default=0) * 1.1 or 1)  # room for the "gone" marks
        axes.set_xticks(range(len(dates)), [f"{d:%m-%d}" for d in dates], rotation=45 if len(dates) > 10 else 0)
        axes.set_ylabel("papers")
        axes.set_title(f"Topics per day  ({LEGEND})", fontsize=9, **LITERAL)
        axes.spines[["top", "right"]].set_visible(False)
        legend = axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=7, frameon=False)
        for text in legend.get_texts():  # the topics' labels
            text.update(LITERAL)
        figure.tight_layout()
        return figure

    def save_png(self, path: str | Path) -> Path:
        import matplotlib.pyplot as plt

        figure = self.figure()
        figure.savefig(path)
        plt.close(figure)
        return Path(path)

    def to_html(self, title: str = "Topics across days") -> str:
        """One self-contained page (no network: data, script and styles inline)."""
        data = {**self.to_json(), "title": title, "palette": PALETTE, "legend": LEGEND,
                "marks": {k: v[0] for k, v in MARKS.items()}}
        return html_page("trends.html", title, data)

    def save_html(self, path: str | Path, title: str = "Topics across days") -> Path:
        path = Path(path)
        path.write_text(self.to_html(title), encoding="utf-8")
        return path

    def _repr_png_(self) -> bytes | None:
        if self.history.empty:
            return None
        import matplotlib.pyplot as plt

        figure = self.figure()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
        plt.close(figure)
        return buffer.getvalue()

    def __repr__(self) -> str:
        return self.to_text()
