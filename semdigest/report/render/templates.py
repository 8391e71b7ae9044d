"""The report's templates (semdigest/templates, packaged), loaded once per process."""

from __future__ import annotations

from functools import cache

import jinja2

from ...escaping import markdown_text, markdown_url


@cache
def environment(autoescape: bool) -> jinja2.Environment:
    """HTML templates escape every value (autoescape); Markdown ones through |md and |mdurl."""
    env = jinja2.Environment(loader=jinja2.PackageLoader("semdigest", "templates"), autoescape=autoescape,
                             trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
                             undefined=jinja2.StrictUndefined)
    env.filters["md"] = markdown_text
    env.filters["mdurl"] = markdown_url
    return env


def render(template: str, autoescape: bool, **values) -> str:
    return environment(autoescape).get_template(template).render(**values)
