"""Library locations: which are server URLs, and how messages may show them. Standard library only:
help texts use it without importing a database driver.

A location that looks like a URL (``scheme:/…``, or any ``postgres:``/``postgresql:`` in any case)
is never taken as a file path: a typo such as ``POSTGRESQL://`` or ``postgresql:/host`` would
otherwise create folders named after the URL, password included.
"""

from __future__ import annotations

import os
import re
from urllib.parse import urlsplit

from ..errors import LibraryError

SERVER_SCHEMES = ("postgresql", "postgres")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]+):")  # two letters at least: C:\ is a Windows path
_PASSWORD_PARAMETER = re.compile(r"((?:^|[?&;\s])password=)[^&#;\s]*", re.IGNORECASE)


def looks_like_url(location: str | os.PathLike) -> bool:
    """Whether a location is written as a URL rather than a file path."""
    found = _SCHEME.match(str(location))
    if found is None:
        return False
    return found.group(1).lower() in SERVER_SCHEMES or str(location)[found.end():].startswith("/")


def server_url(location: str | os.PathLike) -> str:
    """The PostgreSQL URL a URL-looking location stands for (its scheme in lower case, as libpq
    wants it); a LibraryError of one line for anything else that looks like a URL."""
    text = str(location)
    scheme, _, rest = text.partition(":")
    if scheme.lower() not in SERVER_SCHEMES:
        raise LibraryError(f"--library {masked(text)} is a {scheme}: URL; a library is a file path or a "
                           "postgresql://USER@HOST/DATABASE URL")
    why = None
    if not rest.startswith("//"):
        why = f"{scheme}: must be followed by //"
    else:
        try:
            urlsplit(text).port  # a bad port or an unclosed [ raises here
        except ValueError:  # its message may quote the password
            why = "its host or port cannot be read; a / @ or : in the password is written %2F %40 %3A"
    if why:
        raise LibraryError(f"--library {masked(text)} is not a valid PostgreSQL URL ({why}); write "
                           "postgresql://USER@HOST/DATABASE, or ./NAME for a file of that name")
    return scheme.lower() + ":" + rest


def masked(location: str | os.PathLike) -> str:
    """The location as messages, help texts and reprs show it: a file path as it is, a URL (valid or
    not) with any password replaced by ***. The one place a location is made fit to print."""
    text = str(location)
    if not looks_like_url(text):
        return text
    head = _SCHEME.match(text).end()
    while text[head:head + 1] == "/":
        head += 1
    query = text.find("?", head)
    query = len(text) if query < 0 else query
    at = text.rfind("@", head, query)  # the last @: a password may hold an unescaped one
    if at > 0 and ":" in text[head:at]:
        text = text[:text.index(":", head)] + ":***" + text[at:]
    return _PASSWORD_PARAMETER.sub(r"\1***", text)
