"""The app's map as a Jupyter widget (anywidget): the same vendored component, whose selection
comes back to Python as a DataFrame.

    from semdigest.app.widget import MapWidget
    widget = MapWidget.from_topic_map(topic_map(library, date="2026-06-09"))  # semdigest.maps.topicmap
    widget                      # shift + drag selects on the map
    widget.selection            # the selected papers, a DataFrame

The widget's script carries the vendored bundle and map.js as text and runs them as classic
scripts in the notebook's page: nothing is fetched from anywhere.
"""

from __future__ import annotations

import json
from pathlib import Path

import anywidget
import numpy as np
import pandas as pd
import traitlets

STATIC = Path(__file__).resolve().parent / "static"
FIELDS = ("label", "subtopic_label", "primary_category")

_ESM = """
const SCRIPTS = %s;
function load() {
  if (window.SemdigestMap) return;
  for (const code of SCRIPTS) {
    const script = document.createElement('script');
    script.textContent = code;
    document.head.appendChild(script);
  }
}
function render({ model, el }) {
  load();
  const box = document.createElement('div');
  box.style.height = `${model.get('height')}px`;
  box.style.position = 'relative';
  el.appendChild(box);
  const points = model.get('points');
  const map = window.SemdigestMap.create(box, {
    x: points.x, y: points.y, fields: points.fields, colorBy: model.get('color_by'),
    onSelect: (indices) => { model.set('selected', indices); model.save_changes(); },
  });
  model.on('change:color_by', () => map.colorBy(model.get('color_by')));
  model.on('change:selected', () => {
    const wanted = model.get('selected');
    if (JSON.stringify(wanted) !== JSON.stringify(map.selected())) map.select(wanted);
  });
  el.semdigestMap = map;
  return () => map.destroy();
}
export default { render };
"""


def _esm() -> str:
    scripts = [(STATIC / "vendor" / "regl-scatterplot.min.js").read_text(encoding="utf-8"),
               (STATIC / "map.js").read_text(encoding="utf-8")]
    # JSON inside a module: </script> cannot end anything here, the text is never HTML
    return _ESM % json.dumps(scripts)


class MapWidget(anywidget.AnyWidget):
    """Papers on the map: ``frame`` has x, y and the fields to colour by (label: the topic,
    subtopic_label: the sub-topic, primary_category); ``selected`` holds the selected rows' positions, ``selection`` the rows."""

    _esm = _esm()
    points = traitlets.Dict().tag(sync=True)
    color_by = traitlets.Unicode("label").tag(sync=True)
    selected = traitlets.List(traitlets.Int()).tag(sync=True)
    height = traitlets.Int(480).tag(sync=True)

    def __init__(self, frame: pd.DataFrame, color_by: str = "label", **kwargs):
        missing = {"x", "y"} - set(frame.columns)
        if missing:
            raise ValueError(f"the frame needs columns x and y (missing: {', '.join(sorted(missing))})")
        fields = {name: [None if v is None or v != v else str(v) for v in frame[name]]
                  for name in FIELDS if name in frame.columns}
        if color_by not in fields:
            raise ValueError(f"color_by must be one of {', '.join(fields) or 'no field'}, not {color_by!r}")
        x, y = np.asarray(frame["x"], dtype=float), np.asarray(frame["y"], dtype=float)
        if not (np.isfinite(x).all() and np.isfinite(y).all()):
            raise ValueError("x and y must be finite numbers (a paper without a place on the map?)")
        self.frame = frame.reset_index(drop=True)
        super().__init__(points={"x": x.round(4).tolist(), "y": y.round(4).tolist(), "fields": fields},
                         color_by=color_by, **kwargs)

    @classmethod
    def from_topic_map(cls, topic_map, **kwargs) -> "MapWidget":
        """The map of a TopicMap (maps.topicmap.topic_map, or a day report's ``map``)."""
        return cls(topic_map.papers, **kwargs)

    @property
    def selection(self) -> pd.DataFrame:
        """The selected papers, in the order of the frame."""
        rows = sorted(i for i in set(self.selected) if 0 <= i < len(self.frame))
        return self.frame.iloc[rows]
