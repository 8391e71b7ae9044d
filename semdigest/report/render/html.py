"""index.html: the interactive map, then the topics with their papers (templates/report.html.j2,
styled by templates/report.css)."""

from __future__ import annotations

from ..data import DayData
from .templates import render
from .view import view


def render_html(data: DayData) -> str:
    return render("report.html.j2", autoescape=True, **view(data, mark="◆"))
