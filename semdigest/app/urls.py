"""Where each page is: the server's paths (/day/2026-06-09) or the static site's files
(day/2026-06-09.html, opened from file:// as well as from GitHub Pages). Templates ask this
object, so the same templates render both."""

from __future__ import annotations

from urllib.parse import quote, urlencode


class ServerUrls:
    mode = "server"

    def root(self) -> str:
        return "/"

    def static(self, path: str) -> str:
        return f"/static/{path}"

    def day(self, date) -> str:
        return f"/day/{date}"

    def map(self, date) -> str:
        return f"/map/{date}"

    def paper(self, arxiv_id: str) -> str:
        return f"/paper/{quote(arxiv_id, safe='')}"

    def search(self, **query) -> str:
        query = {k: v for k, v in query.items() if v}
        return "/search" + (f"?{urlencode(query)}" if query else "")

    def topics(self) -> str:
        return "/topics"

    def topic(self, topic: int) -> str:
        return f"/topic/{int(topic)}"


class SiteUrls(ServerUrls):
    """Every page sits one folder below the site's root, so "../" reaches the root from any."""

    mode = "site"

    def root(self) -> str:
        return "../index.html"

    def static(self, path: str) -> str:
        return f"../static/{path}"

    def day(self, date) -> str:
        return f"../day/{date}.html"

    def map(self, date) -> str:
        return f"../map/{date}.html"

    def paper(self, arxiv_id: str) -> str:
        return f"../paper/index.html?id={quote(arxiv_id, safe='')}"

    def search(self, **query) -> str:
        query = {k: v for k, v in query.items() if v}
        return "../search/index.html" + (f"?{urlencode(query)}" if query else "")

    def topics(self) -> str:
        return "../topics/index.html"

    def topic(self, topic: int) -> str:
        return f"../topics/{int(topic)}.html"
