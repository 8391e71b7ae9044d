"""Harvesting an OAI-PMH endpoint (arXiv's: https://oaipmh.arxiv.org/oai) page by page with
ListRecords: resumption tokens, a polite delay between requests, bounded retries with back-off,
the server's ``Retry-After`` honoured. Only the standard library's urllib speaks HTTP."""

from __future__ import annotations

import datetime as dt
import email.utils
import http.client
import time
import urllib.error
import urllib.parse
import urllib.request
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

from .. import __version__
from ..errors import HarvestError, OAIError
from ..readers.oai import FORMATS, Page, parse_page

_RETRIED = (429, 500, 502, 503, 504)  # busy or failing for a while; any other status is final


@dataclass
class HarvestStats:
    """What a harvest did so far. ``waited``: seconds slept on Retry-After and back-off (the
    polite delay between pages not included)."""

    requests: int = 0
    retries: int = 0
    waited: float = 0.0
    pages: int = 0
    papers: int = 0
    deleted: int = 0
    skipped: int = 0


class Harvester:
    """ListRecords pages of one OAI-PMH endpoint, one request at a time.

    Iterate ``pages()``: each Page holds its papers, deleted records, skipped records and
    ``token``, the resumption token that continues after it (None after the last page). Keep
    the token of the last page you stored; ``Harvester(url, token=...)`` resumes there.

    Parameters
    ----------
    url : the endpoint's base URL (http or https).
    metadata_prefix : "arXivRaw" (versions with dates; the default) or "arXiv".
    set_spec : an OAI set such as "cs" or "physics:hep-th"; None for all.
    since, until : days (date or "YYYY-MM-DD") bounding the records' last change (datestamp).
    token : a resumption token to start from instead of the first page.
    delay : seconds between the end of one request and the start of the next (arXiv asks 3).
    retries : how many times one page is asked again after a failure before giving up.
    backoff : seconds before the first retry when the server names none; doubled each time.
    max_wait : the longest Retry-After accepted; a server asking more ends the harvest.
    timeout : seconds a request may take.
    max_bytes : the largest page accepted (arXiv's are a few MB).

    >>> for page in Harvester("https://oaipmh.arxiv.org/oai", set_spec="cs", since="2024-01-01").pages():
    ...     store(page.papers); remember(page.token)                      # doctest: +SKIP
    """

    def __init__(self, url: str, *, metadata_prefix: str = "arXivRaw", set_spec: str | None = None,
                 since: dt.date | str | None = None, until: dt.date | str | None = None,
                 token: str | None = None, delay: float = 3.0, retries: int = 5, backoff: float = 5.0,
                 max_wait: float = 600.0, timeout: float = 60.0, max_bytes: int = 64 << 20):
        if urllib.parse.urlsplit(url).scheme not in ("http", "https") or not urllib.parse.urlsplit(url).netloc:
            raise HarvestError(f"{url!r} is not an http(s) URL; give the OAI-PMH base URL, "
                               "such as https://oaipmh.arxiv.org/oai")
        if metadata_prefix not in FORMATS:
            raise HarvestError(f"metadata format {metadata_prefix!r} is not read here; use one of {', '.join(FORMATS)}")
        self.url, self.metadata_prefix, self.set_spec = url, metadata_prefix, set_spec
        self.since, self.until = _day(since, "since"), _day(until, "until")
        self.token = token
        self.delay, self.retries, self.backoff, self.max_wait = delay, retries, backoff, max_wait
        self.timeout, self.max_bytes = timeout, max_bytes
        self.stats = HarvestStats()
        self._last_request: float | None = None

    def pages(self) -> Iterator[Page]:
        """Every page from ``token`` (or the first) to the end of the list."""
        while True:
            page = self._page(self.token)
            self.stats.pages += 1
            self.stats.papers += len(page.papers)
            self.stats.deleted += len(page.deleted)
            self.stats.skipped += len(page.skipped)
            if page.token is not None and page.token == self.token:
                raise HarvestError(f"{page.source}: the server gave back the same resumption token; "
                                   "it would repeat this page for ever")
            self.token = page.token
            yield page
            if page.token is None:
                return

    def request_url(self, token: str | None) -> str:
        """ListRecords for the first page, or for the page a token names (the token alone, as
        OAI-PMH requires)."""
        if token is not None:
            query = {"verb": "ListRecords", "resumptionToken": token}
        else:
            query = {"verb": "ListRecords", "metadataPrefix": self.metadata_prefix, "set": self.set_spec,
                     "from": self.since and self.since.isoformat(), "until": self.until and self.until.isoformat()}
        return f"{self.url}?{urllib.parse.urlencode({k: v for k, v in query.items() if v is not None})}"

    def _page(self, token: str | None) -> Page:
        url = self.request_url(token)
        resume = f"resume with the token {token!r}" if token else "start it again"
        for attempt in range(self.retries + 1):
            try:
                return self._try(url)
            except _Retry as failure:
                last = failure
            if attempt == self.retries:
                break
            wait = self.backoff * 2 ** attempt if last.wait is None else last.wait
            if wait > self.max_wait:
                raise HarvestError(f"{url}: the server asks to wait {wait:.0f} s ({last}); "
                                   f"run the harvest later and {resume}")
            self.stats.retries += 1
            self.stats.waited += wait
            time.sleep(wait)
        raise HarvestError(f"{url}: gave up after {self.retries + 1} tries ({last}); "
                           f"run the harvest later and {resume}")

    def _try(self, url: str) -> Page:
        """One request: the page, _Retry when asking again may help, HarvestError when not."""
        self._pause()
        request = urllib.request.Request(url, headers={
            "User-Agent": f"semdigest/{__version__} (OAI-PMH harvester)", "Accept-Encoding": "gzip"})
        self.stats.requests += 1
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                body = self._body(response, url)
        except urllib.error.HTTPError as error:
            if error.code not in _RETRIED:
                raise HarvestError(f"{url}: the server answered {error.code} {error.reason}; "
                                   "check the URL, the set and the dates") from None
            raise _Retry(f"HTTP {error.code} {error.reason}", _retry_after(error.headers.get("Retry-After"))) from None
        except (urllib.error.URLError, http.client.HTTPException, OSError, zlib.error) as error:
            raise _Retry(f"{type(error).__name__}: {getattr(error, 'reason', error)}") from None  # refused, reset, timed out
        finally:
            self._last_request = time.monotonic()
        try:
            return parse_page(body, url)
        except OAIError as error:
            if error.code is None:  # a page cut off or garbled on the way: ask again
                raise _Retry(error.reason) from None
            if error.code == "badResumptionToken":
                raise HarvestError(f"{url}: the server no longer knows this resumption token (tokens expire); "
                                   "start the harvest again from the last day you stored") from None
            raise HarvestError(str(error)) from None

    def _body(self, response, url: str) -> bytes:
        body = response.read(self.max_bytes + 1)
        if response.headers.get("Content-Encoding", "").lower() == "gzip":
            body = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(body, self.max_bytes + 1)
        if len(body) > self.max_bytes:
            raise HarvestError(f"{url}: the page is larger than {self.max_bytes} bytes; not an arXiv "
                               "OAI-PMH page, or raise max_bytes")
        return body

    def _pause(self) -> None:
        """Wait until ``delay`` seconds have passed since the last request ended."""
        if self._last_request is not None:
            time.sleep(max(0.0, self.delay - (time.monotonic() - self._last_request)))


class _Retry(Exception):
    """A request that failed in a way asking again may mend; ``wait``: the server's Retry-After."""

    def __init__(self, reason: str, wait: float | None = None):
        super().__init__(reason)
        self.wait = wait


def _retry_after(value: str | None) -> float | None:
    """Retry-After as seconds: a number, or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    return max(0.0, (when - dt.datetime.now(dt.timezone.utc)).total_seconds())


def _day(value: dt.date | str | None, name: str) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise HarvestError(f"{name} {value!r} is not a day; write it as YYYY-MM-DD") from None
