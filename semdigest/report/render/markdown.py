"""report.md: "For you" when there are interests, the day's topics and, for each paper, its TL;DR
and earlier related papers (templates/report.md.j2)."""

from __future__ import annotations

from ..data import DayData
from .templates import render
from .view import view


def render_markdown(data: DayData) -> str:
    return render("report.md.j2", autoescape=False, **view(data, mark="*"))
