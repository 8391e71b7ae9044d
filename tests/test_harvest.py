"""The OAI-PMH harvester against a local HTTP server (127.0.0.1, an ephemeral port) that stands in
for arXiv's endpoint, serving pages built from real papers: every record exactly once across
resumption tokens, retries on 503 with Retry-After, on cut pages, dropped connections and
timeouts, bounded; errors that retrying cannot mend end the harvest with what to do next."""

from __future__ import annotations

import gzip
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from semdigest.backfill.harvest import Harvester
from semdigest.errors import HarvestError

from .arxiv_metadata import oai_deleted, oai_error, oai_page, oai_record, real_papers


class OAIServer:
    """ListRecords pages by resumption token; ``script`` may answer a request first (a 503, a
    cut page, ...): it gets the query and the number of requests so far and returns None to let
    the page through, or (status, headers, body). ``log`` holds every request's query."""

    def __init__(self, pages: list[bytes]):
        self.pages, self.log, self.script = pages, [], None
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))
                server.log.append(query)
                answer = server.script(query, len(server.log)) if server.script else None
                if answer == "drop":
                    self.close_connection = True
                    return  # no response at all: the client sees the connection closed
                status, headers, body = answer or (200, {"Content-Type": "text/xml"}, server.page(query))
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):  # quiet
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.http.server_port}/oai"
        self.thread = threading.Thread(target=self.http.serve_forever, daemon=True)

    def page(self, query: dict) -> bytes:
        token = query.get("resumptionToken")
        if token is None:
            return self.pages[0]
        if not token.startswith("t") or not token[1:].isdigit() or int(token[1:]) >= len(self.pages):
            return oai_error("badResumptionToken", f"unknown token {token}")
        return self.pages[int(token[1:])]


@pytest.fixture
def papers():
    return [p for p in real_papers() if p.categories][:250]


def paged(papers, size: int = 100, deleted: dict[int, list[str]] | None = None) -> list[bytes]:
    """Pages of ``size`` papers, the tokens t1, t2, ... and an empty token on the last page."""
    chunks = [papers[i:i + size] for i in range(0, len(papers), size)]
    pages = []
    for number, chunk in enumerate(chunks):
        records = [oai_record(p) for p in chunk] + [oai_deleted(i) for i in (deleted or {}).get(number, [])]
        last = number == len(chunks) - 1
        pages.append(oai_page(records, token="" if last else f"t{number + 1}", cursor=number * size, size=len(papers)))
    return pages


@pytest.fixture
def serve():
    servers = []

    def start(pages: list[bytes]) -> OAIServer:
        server = OAIServer(pages)
        server.thread.start()
        servers.append(server)
        return server
    yield start
    for server in servers:
        server.http.shutdown()
        server.http.server_close()


def _harvester(server, **options) -> Harvester:
    return Harvester(server.url, **{"delay": 0, "backoff": 0.01, "timeout": 10, **options})


def test_every_record_exactly_once_across_tokens_and_a_503_with_retry_after(serve, papers):
    server = serve(paged(papers, deleted={1: ["2606.00001", "hep-th/9108001"]}))
    busy = {"answered": False}

    def once_busy(query, count):
        if query.get("resumptionToken") == "t1" and not busy["answered"]:
            busy["answered"] = True
            return 503, {"Retry-After": "1"}, b"busy, come back in a second"
        return None
    server.script = once_busy
    harvester = _harvester(server, set_spec="cs", since="2026-05-01", until="2026-06-30")
    tokens, got, deleted = [], [], []
    for page in harvester.pages():
        tokens.append(page.token)
        got += [p.arxiv_id for p in page.papers]
        deleted += [d.arxiv_id for d in page.deleted]
    assert got == [p.arxiv_id for p in papers]  # every record, once, in order
    assert deleted == ["2606.00001", "hep-th/9108001"] and tokens == ["t1", "t2", None]
    assert server.log[0] == {"verb": "ListRecords", "metadataPrefix": "arXivRaw", "set": "cs",
                             "from": "2026-05-01", "until": "2026-06-30"}
    # A token goes alone, as OAI-PMH requires; the refused page was asked again, once.
    assert server.log[1:] == [{"verb": "ListRecords", "resumptionToken": t} for t in ("t1", "t1", "t2")]
    stats = harvester.stats
    assert (stats.requests, stats.retries, stats.waited) == (4, 1, 1.0)  # waited as Retry-After asked
    assert (stats.pages, stats.papers, stats.deleted, stats.skipped) == (3, 250, 2, 0)


def test_a_harvest_resumes_from_the_token_of_the_last_page_stored(serve, papers):
    server = serve(paged(papers))
    first = _harvester(server)
    pages = first.pages()
    stored = [p.arxiv_id for p in next(pages).papers]
    token = first.token  # what a checkpoint keeps
    resumed = _harvester(server, token=token)
    stored += [p.arxiv_id for page in resumed.pages() for p in page.papers]
    assert stored == [p.arxiv_id for p in papers] and token == "t1"


@pytest.mark.parametrize("failure", ["cut page", "dropped connection", "gateway error"])
def test_a_failed_page_is_asked_again_and_nothing_is_lost_or_doubled(serve, papers, failure):
    server = serve(paged(papers))

    def fail_once(query, count):
        if count != 2:
            return None
        if failure == "cut page":
            return 200, {"Content-Type": "text/xml"}, server.pages[1][:5000]
        if failure == "dropped connection":
            return "drop"
        return 502, {}, b"bad gateway"
    server.script = fail_once
    harvester = _harvester(server)
    got = [p.arxiv_id for page in harvester.pages() for p in page.papers]
    assert got == [p.arxiv_id for p in papers] and harvester.stats.retries == 1


def test_a_request_that_times_out_is_asked_again(serve, papers):
    server = serve(paged(papers[:30]))

    def slow_once(query, count):
        if count == 1:
            time.sleep(1.5)
        return None
    server.script = slow_once
    harvester = _harvester(server, timeout=0.3)
    assert len([p for page in harvester.pages() for p in page.papers]) == 30
    assert harvester.stats.retries == 1


def test_retries_are_bounded_and_the_error_says_where_to_resume(serve, papers):
    server = serve(paged(papers))
    server.script = lambda query, count: (503, {"Retry-After": "0"}, b"") if count > 1 else None
    harvester = _harvester(server, retries=2)
    pages = harvester.pages()
    next(pages)
    with pytest.raises(HarvestError, match=r"gave up after 3 tries \(HTTP 503.*resume with the token 't1'"):
        next(pages)
    assert len(server.log) == 1 + 3


def test_a_server_asking_to_wait_longer_than_allowed_ends_the_harvest(serve, papers):
    server = serve(paged(papers))
    server.script = lambda query, count: (503, {"Retry-After": "3600"}, b"")
    with pytest.raises(HarvestError, match="asks to wait 3600 s.*run the harvest later and start it again"):
        list(_harvester(server, max_wait=60).pages())
    assert len(server.log) == 1


@pytest.mark.parametrize("status", [400, 404, 403])
def test_a_refusal_that_retrying_cannot_mend_is_not_retried(serve, papers, status):
    server = serve(paged(papers))
    server.script = lambda query, count: (status, {}, b"no")
    with pytest.raises(HarvestError, match=f"answered {status}"):
        list(_harvester(server).pages())
    assert len(server.log) == 1


def test_an_expired_token_says_to_start_again(serve, papers):
    server = serve(paged(papers))
    with pytest.raises(HarvestError, match="no longer knows this resumption token"):
        list(_harvester(server, token="t99").pages())


def test_oai_errors_end_the_harvest_and_no_records_is_an_empty_harvest(serve):
    server = serve([oai_error("noRecordsMatch", "nothing in that range")])
    harvester = _harvester(server)
    assert [page.papers for page in harvester.pages()] == [()] and harvester.stats.pages == 1
    server = serve([oai_error("noSetHierarchy", "no sets here")])
    with pytest.raises(HarvestError, match="answered noSetHierarchy: no sets here"):
        list(_harvester(server, set_spec="cs").pages())


def test_a_gzip_page_is_decompressed(serve, papers):
    server = serve(paged(papers[:20]))
    server.script = lambda query, count: (200, {"Content-Encoding": "gzip"}, gzip.compress(server.pages[0]))
    assert [p.arxiv_id for page in _harvester(server).pages() for p in page.papers] == \
        [p.arxiv_id for p in papers[:20]]


def test_a_server_repeating_its_token_is_stopped(serve, papers):
    page = oai_page([oai_record(p) for p in papers[:5]], token="t0")
    server = serve([page])
    with pytest.raises(HarvestError, match="same resumption token"):
        list(_harvester(server).pages())


@pytest.mark.parametrize("options, reason", [
    ({"url": "file:///etc/passwd"}, "is not an http"),
    ({"url": "ftp://127.0.0.1/oai"}, "is not an http"),
    ({"since": "1 May 2026"}, "since '1 May 2026' is not a day"),
    ({"metadata_prefix": "oai_dc"}, "not read here; use one of arXivRaw, arXiv"),
])
def test_bad_options_are_named_before_any_request(options, reason):
    with pytest.raises(HarvestError, match=reason):
        Harvester(**{"url": "http://127.0.0.1:9/oai", **options})
