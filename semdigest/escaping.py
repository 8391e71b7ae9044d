"""Text from a digest made safe for each place semdigest writes it: JSON inside an HTML
``<script>``, Markdown, and CSV cells a spreadsheet opens. Every writer goes through these
functions, so a title, author list, TL;DR, file name or interest name is escaped the same way
everywhere."""

from __future__ import annotations

import json
import re
from urllib.parse import quote

# -- JSON inside <script> -------------------------------------------------------------------------

# In a script element the HTML parser looks for `</script` and, after `<!--`, for `<script` (the
# "double-escaped" state, where the real `</script>` no longer ends the script): no `<` may reach
# it. `>` and `&` go too (`-->`, entities in XHTML), and U+2028/U+2029, line ends to older JavaScript.
_SCRIPT_UNSAFE = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
_SCRIPT_UNSAFE_RE = re.compile("[<>&\u2028\u2029]")


def script_json(value) -> str:
    """``value`` as JSON to write inside an HTML ``<script>``: the same value to JSON.parse and
    to JavaScript, and nothing in it the HTML parser reads as markup."""
    text = json.dumps(value, ensure_ascii=False)
    return _SCRIPT_UNSAFE_RE.sub(lambda m: _SCRIPT_UNSAFE[m.group()], text)  # only inside strings


# -- Markdown -------------------------------------------------------------------------------------

# Characters Markdown (CommonMark and GitHub's) gives a meaning anywhere in a line: raw HTML and
# autolinks (< >), links ([ ]), emphasis (* _ ~), code (`), headings (#), tables (|), escapes (\).
_MD_INLINE = re.compile(r"([\\`*_\[\]<>#|~])")
_MD_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")  # &lt; &#60; would be read as the character
_MD_BLOCK_START = re.compile(r"^([-+=]|\d+(?=[.)]))")  # a list, a setext underline at a line's start


def markdown_text(text) -> str:
    """Text that Markdown shows as written, on one line: no HTML, links, emphasis, code, entities
    or block markers from it (a backslash before each), and its line breaks turned into spaces."""
    text = " ".join(str(text).split())  # a newline inside a field would end its list item
    text = _MD_ENTITY.sub("\\&", _MD_INLINE.sub(r"\\\1", text))
    if match := _MD_BLOCK_START.match(text):
        text = (f"\\{text}" if not match.group().isdigit()
                else f"{match.group()}\\{text[match.end():]}")
    return text


def markdown_url(url: str) -> str:
    """A web address to write inside a Markdown link's parentheses: spaces, quotes, brackets and
    angle brackets percent-encoded, so the address cannot end the link and start markup."""
    return quote(url, safe="/:?#@!$&'*+,;=%~-._[]")


# -- CSV ------------------------------------------------------------------------------------------

# OWASP's CSV injection rule: a cell starting with one of these is run as a formula by Excel,
# LibreOffice and Google Sheets (=HYPERLINK(...), @SUM(...), -2+3, a tab or CR before them).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value):
    """A CSV cell that a spreadsheet shows as text and never runs: text starting with = + - @, a
    tab or a carriage return gets a leading ' (OWASP's rule); numbers and other values unchanged."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value
