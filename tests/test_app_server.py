"""`semdigest serve`: a real uvicorn server (the CLI, on a free port) over a real SQLite library
of real digests, some with hostile titles, authors and TL;DRs. The papers are added without
vectors, so these run in the fast lane: pages, the JSON API, full-text search, the token, the
origin and read-only rules, escaping. tests/test_app_browser.py drives the same in Chromium."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.error
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

import pytest

from .conftest import DAILY, ROOT
from .helpers import digest_slice
from .test_hostile_output import AUTHORS, INTEREST, TITLES, hostile_digest

URL_LINE = re.compile(r"open (http://[^/\s]+)/\?token=(\S+)")


def start_server(library: Path, *options: str) -> tuple[subprocess.Popen, str, str]:
    """`semdigest serve --port 0` in its own process; (process, base URL, token) once it listens."""
    process = subprocess.Popen([sys.executable, "-m", "semdigest", "serve", "--library", str(library), "--port", "0",
                                *options], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "PYTHONPATH": str(ROOT)})
    for line in process.stdout:  # the URL is printed once the socket is bound
        found = URL_LINE.search(line)
        if found:
            return process, found[1], found[2]
    process.kill()
    raise AssertionError(f"the server did not start: {process.stderr.read()}")


def stop_server(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


def fetch(url: str, method: str = "GET", body=None, headers=None, timeout: float = 60) -> tuple[int, dict, str]:
    request = urllib.request.Request(url, method=method, headers=headers or {},
                                     data=None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode()))
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


@pytest.fixture(scope="module")
def library_path(tmp_path_factory) -> Path:
    from semdigest.interests import Interest
    from semdigest.library import Library
    from semdigest.readers import read

    folder = tmp_path_factory.mktemp("app-library")
    with Library.open(folder / "library.sqlite") as library:
        for day, n in (("2026-06-06", 4), ("2026-06-07", 4), ("2026-06-08", 8)):
            library.add(read(digest_slice(DAILY / f"{day}.md", folder / f"{day}.md", n)))
        library.add(read(hostile_digest(DAILY / "2026-06-09.md", folder / "2026-06-09.md", 6)))
        first = library.papers(date="2026-06-08")["arxiv_id"][0]
        library.save_interest(Interest(INTEREST, papers=(first,)))
    return folder / "library.sqlite"


@pytest.fixture(scope="module")
def server(library_path):
    process, base, token = start_server(library_path)
    yield base, token
    stop_server(process)


class Elements(HTMLParser):
    """Every start tag with its attributes, and the page's text."""

    def __init__(self, page: str):
        super().__init__(convert_charrefs=True)
        self.tags, self.text = [], []
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def test_it_binds_localhost_and_prints_a_token_url(server):
    base, token = server
    assert base.startswith("http://127.0.0.1:")
    assert len(token) >= 24


def test_the_root_opens_the_latest_day(server):
    base, _ = server
    status, _, page = fetch(base + "/")
    assert status == 200 and "<h1>2026-06-09</h1>" in page


def test_the_day_api_uses_the_field_names_of_papers_csv(server):
    base, _ = server
    status, _, text = fetch(base + "/api/days/2026-06-09")
    day = json.loads(text)
    assert status == 200 and day["date"] == "2026-06-09" and day["n_papers"] == 6
    paper = day["papers"][0]
    assert {"arxiv_id", "title", "authors", "primary_category", "tldr", "code_url", "abstract"} <= set(paper)
    assert paper["title"] in TITLES  # the JSON holds the text as the digest gave it
    assert paper["links"]["pdf"] == f"https://arxiv.org/pdf/{paper['arxiv_id']}"


def test_hostile_fields_reach_every_page_as_text(server):
    base, _ = server
    day = json.loads(fetch(base + "/api/days/2026-06-09")[2])
    pages = [fetch(base + path)[2] for path in
             ("/day/2026-06-09", f"/paper/{day['papers'][0]['arxiv_id']}", "/search?q=script", "/map/2026-06-09")]
    for page in pages:
        parsed = Elements(page)
        tags = [t for t, _ in parsed.tags]
        assert "img" not in tags and "b" not in tags
        assert all(a.get("src", "").startswith("/static/") for t, a in parsed.tags if t == "script" and "src" in a)
        assert tags.count("script") == sum(1 for t, a in parsed.tags if t == "script" and ("src" in a or a.get("type") == "application/json"))
    text = "".join(Elements(pages[0]).text)
    assert TITLES[1] in text and AUTHORS.split(",")[1] in text
    data = re.search(r'<script type="application/json" id="page-data">(.*?)</script>', pages[0], re.S)[1]
    assert not set(data) & set("<>&")


def test_no_page_loads_anything_from_elsewhere(server):
    base, _ = server
    for path in ("/day/2026-06-09", "/map/2026-06-09", "/search?q=model", "/topics"):
        status, headers, page = fetch(base + path)
        assert status == 200
        assert "default-src 'none'" in headers["content-security-policy"]
        for tag, attrs in Elements(page).tags:
            for name in ("src", "href"):
                value = attrs.get(name) or ""
                if tag == "a" or not value:
                    continue  # a link is followed by the reader, never loaded by the page
                assert value.startswith(("/", "data:")) and not value.startswith("//"), (tag, value)
    for asset in ("app.js", "app.css", "map-page.js", "map.js"):
        body = fetch(f"{base}/static/{asset}")[2]
        assert not re.search(r"https?://", body.replace("http://127.0.0.1", "")), asset


def test_a_weekend_republication_says_no_new_papers(server):
    base, _ = server
    page = fetch(base + "/day/2026-06-07")[2]
    assert "No new papers" in page and "2026-06-06" in page
    assert json.loads(fetch(base + "/api/days/2026-06-07")[2])["n_new"] == 0


def test_full_text_finds_an_author_an_exact_term_and_an_id(server):
    base, _ = server
    day = json.loads(fetch(base + "/api/days/2026-06-08")[2])
    paper = day["papers"][3]
    surname = paper["authors"][0].split()[-1]
    found = json.loads(fetch(f"{base}/api/search?q={urllib.request.quote(surname)}")[2])
    assert paper["arxiv_id"] in [r["arxiv_id"] for r in found]
    found = json.loads(fetch(f"{base}/api/search?q={paper['arxiv_id']}v2")[2])
    assert found[0]["arxiv_id"] == paper["arxiv_id"] and "id" in found[0]["matched"]
    word = max(re.findall(r"[A-Za-z]{6,}", paper["title"]), key=len)
    found = json.loads(fetch(f"{base}/api/search?q={word}&since=2026-06-08&until=2026-06-08")[2])
    assert paper["arxiv_id"] in [r["arxiv_id"] for r in found]
    assert all(r["first_seen"] == "2026-06-08" for r in found)
    assert json.loads(fetch(f"{base}/api/search?q={word}&category=no.such")[2]) == []


def test_bad_requests_are_one_line_json_errors(server):
    base, _ = server
    for path, status in (("/api/days/2099-01-01", 404), ("/api/days/yesterday", 400), ("/api/papers/9999.99999", 404),
                         ("/api/search?q=x&k=0", 400), ("/api/search?q=x&k=many", 400), ("/day/2099-01-01", 404),
                         ("/api/papers/2606.00001/related", 404), ("/nowhere", 404)):
        got, _, text = fetch(base + path)
        assert got == status, path
        assert "\n" not in json.loads(text)["error"] and "Traceback" not in text


def mark(base: str, interest: str, arxiv_id: str, headers: dict, query: str = "", body=None):
    return fetch(f"{base}/api/interests/{urllib.request.quote(interest, safe='')}/marks{query}", "POST",
                 body if body is not None else {"arxiv_id": arxiv_id, "mark": "read"}, headers)


def test_writes_need_the_token_json_and_the_same_origin(server):
    base, token = server
    paper = json.loads(fetch(base + "/api/days/2026-06-08")[2])["papers"][1]["arxiv_id"]
    json_type = {"Content-Type": "application/json"}
    assert mark(base, INTEREST, paper, json_type)[0] == 403
    assert mark(base, INTEREST, paper, {**json_type, "Authorization": "Bearer wrong"})[0] == 403
    assert mark(base, INTEREST, paper, {**json_type, "Authorization": f"Bearer {token}",
                                        "Origin": "http://evil.example"})[0] == 403
    assert mark(base, INTEREST, paper, {**json_type, "Authorization": f"Bearer {token}",
                                        "Sec-Fetch-Site": "cross-site"})[0] == 403
    assert mark(base, INTEREST, paper, {"Content-Type": "text/plain", "Authorization": f"Bearer {token}"})[0] == 415
    assert mark(base, INTEREST, paper, {**json_type, "Authorization": f"Bearer {token}"}, body=b"{not json")[0] == 400
    assert json.loads(fetch(base + "/api/interests")[2])[0]["read"] == []
    status, _, text = mark(base, INTEREST, paper, {**json_type, "Origin": base}, query=f"?token={token}")
    assert status == 200, text
    assert json.loads(fetch(base + "/api/interests")[2])[0]["read"] == [paper]


def test_an_unknown_host_name_is_refused(server):
    base, _ = server
    assert fetch(base + "/api/interests", headers={"Host": "attacker.example"})[0] == 400


def test_read_only_refuses_every_write(library_path):
    process, base, token = start_server(library_path, "--read-only")
    try:
        paper = json.loads(fetch(base + "/api/days/2026-06-08")[2])["papers"][2]["arxiv_id"]
        status, _, text = mark(base, INTEREST, paper, {"Content-Type": "application/json",
                                                       "Authorization": f"Bearer {token}"})
        assert status == 403 and "read-only" in json.loads(text)["error"]
        assert "class=\"marks\"" not in fetch(base + "/day/2026-06-08")[2]
    finally:
        stop_server(process)


@pytest.mark.slow
def test_the_app_serves_a_postgresql_library(postgres_server, tmp_path):
    import uuid

    from semdigest.interests import Interest
    from semdigest.library import Library
    from semdigest.readers import read

    url = postgres_server.url(f"t_{uuid.uuid4().hex[:8]}")
    with Library.open(url) as library:
        library.add(read(digest_slice(DAILY / "2026-06-08.md", tmp_path / "2026-06-08.md", 6)))
        library.add(read(hostile_digest(DAILY / "2026-06-09.md", tmp_path / "2026-06-09.md", 4)))
        library.save_interest(Interest("pg", papers=(library.papers(date="2026-06-08")["arxiv_id"][0],)))
    process, base, token = start_server(url)
    try:
        day = json.loads(fetch(base + "/api/days/2026-06-09")[2])
        assert day["n_papers"] == 4 and {p["title"] for p in day["papers"]} <= set(TITLES)
        paper = json.loads(fetch(base + "/api/days/2026-06-08")[2])["papers"][4]
        word = max(re.findall(r"[A-Za-z]{6,}", paper["title"]), key=len)
        assert paper["arxiv_id"] in [r["arxiv_id"] for r in json.loads(fetch(f"{base}/api/search?q={word}")[2])]
        status, _, text = mark(base, "pg", paper["arxiv_id"], {"Content-Type": "application/json",
                                                                "Authorization": f"Bearer {token}"})
        assert status == 200, text
        assert json.loads(fetch(base + "/api/interests")[2])[0]["read"] == [paper["arxiv_id"]]
        assert "No new papers" not in fetch(base + "/day/2026-06-09")[2]
    finally:
        stop_server(process)


def test_a_busy_port_is_one_line_that_says_what_to_do(library_path):
    import socket

    from .helpers import run_cli

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        result = run_cli("serve", "--library", str(library_path), "--port", str(busy.getsockname()[1]), timeout=120)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("semdigest: error: cannot listen on 127.0.0.1:")
    assert "--port" in result.stderr
