"""`semdigest serve`'s ASGI app (Starlette): the pages and the JSON API over a Reader.

Safety, as Jupyter's server does it: a per-run token, printed in the start-up URL, is needed for
every write (``?token=`` or ``Authorization: Bearer``), and a write must come from the app's own
pages (its Origin, when a browser sends one, is this server) as JSON; ``read_only`` refuses
writes. Only the Host names the server was bound to are answered (DNS rebinding). Every page is
sent with a Content-Security-Policy that allows nothing from elsewhere.
"""

from __future__ import annotations

import asyncio
import hmac
import json
from functools import partial
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ..errors import SemdigestError
from . import pages
from .reader import NotFound, Reader
from .urls import ServerUrls

STATIC = Path(__file__).resolve().parent / "static"
# regl (inside regl-scatterplot) compiles its draw calls with new Function: 'unsafe-eval'. No
# inline script runs: page data is a JSON element, read by the page's own script file.
CSP = ("default-src 'none'; script-src 'self' 'unsafe-eval'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; font-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
SECURITY_HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff",
                    "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY"}
MAX_K = 200
MAX_BODY = 4096


def create_app(reader: Reader, token: str, read_only: bool = False, hosts=("127.0.0.1", "localhost", "[::1]")):
    urls = ServerUrls()

    async def run(fn, *args, **kwargs):
        """``fn`` on the library's own thread, awaited without blocking the event loop."""
        return await asyncio.wrap_future(reader.submit(fn, *args, **kwargs))

    def context():
        return {"latest": reader.latest_date(), "interests": [] if read_only else reader.library.interests()}

    async def home(request: Request):
        latest = await run(reader.latest_date)
        if latest is None:
            return RedirectResponse(urls.search(), 303)
        return RedirectResponse(urls.day(latest), 303)

    async def day_page(request: Request):
        def build():
            day = reader.day(request.path_params["date"])
            c = context()
            return pages.day_page(day, urls, c["latest"], c["interests"], read_only)
        return HTMLResponse(await run(build))

    async def map_page(request: Request):
        library_view = request.query_params.get("view") == "library"

        def build():
            day = reader.day(request.path_params["date"], with_for_you=False)
            library = reader.library_map(day["date"]) if library_view else None
            return pages.map_page(day, urls, reader.latest_date(), library)
        return HTMLResponse(await run(build))

    async def paper_page(request: Request):
        def build():
            paper = reader.paper(request.path_params["arxiv_id"])
            try:
                related = reader.related(paper["arxiv_id"], k=20)
            except SemdigestError:  # no vector yet: the card alone
                related = []
            c = context()
            return pages.paper_page(paper, related, urls, c["latest"], reader.catalog.categories,
                                    c["interests"], read_only)
        return HTMLResponse(await run(build))

    async def search_page(request: Request):
        q, query = request.query_params.get("q", ""), _filters(request)
        topic = request.query_params.get("topic") or None

        def build():
            results = reader.search(q, k=50, topic=topic, **query) if q.strip() else []
            return pages.search_page(results, urls, reader.latest_date(), q=q, since=query["since"],
                                     until=query["until"], category=(query["category"] or [""])[0],
                                     categories=reader.catalog.categories, topic=topic, topics=reader.topic_labels())
        return HTMLResponse(await run(build))

    async def topics_page(request: Request):
        since, until = request.query_params.get("since") or None, request.query_params.get("until") or None

        def build():
            return pages.topics_page(reader.trends(since, until), urls, reader.latest_date(), since, until)
        return HTMLResponse(await run(build))

    async def topic_page(request: Request):
        topic = _int(request.path_params["topic"], "topic")
        return HTMLResponse(await run(lambda: pages.topic_page(reader.topic(topic), urls, reader.latest_date())))

    # -- the JSON API -------------------------------------------------------------------------

    async def api_day(request: Request):
        return JSONResponse(await run(reader.day, request.path_params["date"]))

    async def api_paper(request: Request):
        return JSONResponse(await run(reader.paper, request.path_params["arxiv_id"]))

    async def api_related(request: Request):
        explain = request.query_params.get("explain", "") in ("1", "true", "yes")
        return JSONResponse(await run(reader.related, request.path_params["arxiv_id"], k=_k(request, 10),
                                      explain=explain, **_filters(request)))

    async def api_search(request: Request):
        return JSONResponse(await run(reader.search, request.query_params.get("q", ""), k=_k(request, 20),
                                      topic=request.query_params.get("topic") or None, **_filters(request)))

    async def api_trends(request: Request):
        params = request.query_params
        return JSONResponse(await run(reader.trends, params.get("since") or None, params.get("until") or None))

    async def api_interests(request: Request):
        return JSONResponse(await run(reader.interests))

    async def api_mark(request: Request):
        refusal = _refuse_write(request, token, read_only)
        if refusal:
            return refusal
        body = await request.body()
        try:
            payload = json.loads(body) if len(body) <= MAX_BODY else None
        except ValueError:
            payload = None
        if not isinstance(payload, dict) or not isinstance(payload.get("arxiv_id"), str) \
                or not isinstance(payload.get("mark"), str):
            return _error(400, 'send JSON {"arxiv_id": "2606.04092", "mark": "read" | "not_interesting"}')
        return JSONResponse(await run(reader.mark, request.path_params["name"], payload["arxiv_id"], payload["mark"]))

    routes = [
        Route("/", home), Route("/day/{date}", day_page), Route("/map/{date}", map_page),
        Route("/paper/{arxiv_id:path}", paper_page), Route("/search", search_page),
        Route("/topics", topics_page), Route("/topic/{topic}", topic_page),
        Route("/api/days/{date}", api_day), Route("/api/papers/{arxiv_id:path}/related", api_related),
        Route("/api/papers/{arxiv_id:path}", api_paper), Route("/api/search", api_search),
        Route("/api/trends", api_trends), Route("/api/interests", api_interests),
        Route("/api/interests/{name}/marks", api_mark, methods=["POST"]),
        Mount("/static", app=StaticFiles(directory=STATIC), name="static"),
    ]
    app = Starlette(routes=routes, middleware=[Middleware(TrustedHostMiddleware, allowed_hosts=list(hosts))],
                    exception_handlers={NotFound: partial(_handle, 404), SemdigestError: partial(_handle, 400),
                                        PermissionError: partial(_handle, 403), ValueError: partial(_handle, 400),
                                        404: partial(_handle, 404)})
    return _with_headers(app)


def _with_headers(app):
    async def wrapped(scope, receive, send):
        if scope["type"] != "http":
            return await app(scope, receive, send)

        async def sending(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
                message = {**message, "headers": headers}
            await send(message)
        return await app(scope, receive, sending)
    return wrapped


async def _handle(status: int, request: Request, error: Exception):
    message = getattr(error, "detail", None) if status == 404 and not isinstance(error, NotFound) else None
    return _error(status, message or " ".join(str(error).split()) or "not found")


def _error(status: int, message: str) -> Response:
    return JSONResponse({"error": message}, status_code=status)


def _refuse_write(request: Request, token: str, read_only: bool) -> Response | None:
    """Why a write is refused (a response), or None: read-only, no token, another origin, not JSON."""
    if read_only:
        return _error(403, "this server is read-only (--read-only): restart it without that option to write")
    given = request.query_params.get("token", "")
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        given = header[7:].strip()
    if not given or not hmac.compare_digest(given.encode(), token.encode()):
        return _error(403, "a write needs the token printed when the server started (?token= or Authorization: Bearer)")
    origin = request.headers.get("origin")
    own = f"{request.url.scheme}://{request.headers.get('host', '')}"
    if origin is not None and origin != own:
        return _error(403, f"a write must come from this server's own pages ({own}), not {origin}")
    if request.headers.get("sec-fetch-site") not in (None, "same-origin", "none"):
        return _error(403, "a write must come from this server's own pages")
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        return _error(415, "send the write as application/json")
    return None


def _filters(request: Request) -> dict:
    params = request.query_params
    return {"since": params.get("since") or None, "until": params.get("until") or None,
            "category": [c for c in params.getlist("category") if c] or None}


def _int(text: str, name: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, not {text!r}") from None


def _k(request: Request, default: int) -> int:
    k = _int(request.query_params.get("k") or str(default), "k")
    if not 1 <= k <= MAX_K:
        raise ValueError(f"k must be between 1 and {MAX_K}, not {k}")
    return k
