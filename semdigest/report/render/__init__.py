"""The day report's views, each from a DayData alone: Markdown, HTML and CSV. The wording both
pages share is in view.py; the layout is in the packaged templates."""

from .csv import CSV_COLUMNS, papers_table, render_csv
from .html import render_html
from .markdown import render_markdown
from .view import LIBRARY_MAP_HTML, LIBRARY_MAP_PNG, NO_AUTHORS, NO_CATEGORY, NO_TLDR

__all__ = ["CSV_COLUMNS", "LIBRARY_MAP_HTML", "LIBRARY_MAP_PNG", "NO_AUTHORS", "NO_CATEGORY", "NO_TLDR",
           "papers_table", "render_csv", "render_html", "render_markdown"]
