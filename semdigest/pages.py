"""The self-contained HTML pages (the topic map, the library map, trends) from their templates in
semdigest/templates: each placeholder filled in one pass, so a value that reads ``{{DATA}}`` (an
undated file's name in a title) stays text and is never filled in again."""

from __future__ import annotations

import html
import re
from importlib import resources

from .escaping import script_json

_PLACEHOLDER = re.compile(r"\{\{([A-Z]+)\}\}")


def html_page(template: str, title: str, data) -> str:
    """The page ``template`` (a file name in semdigest/templates) with ``{{TITLE}}`` as escaped
    text and ``{{DATA}}`` as ``data`` in JSON that is safe inside its ``<script>``."""
    values = {"TITLE": html.escape(title), "DATA": script_json(data)}
    text = resources.files("semdigest").joinpath("templates", template).read_text(encoding="utf-8")
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], text)
