"""`semdigest serve` (the reader's app in a browser) and `semdigest site` (the same pages as
static files)."""

from __future__ import annotations

import gc
import secrets
import socket
import sys

from ..errors import SemdigestError

from ._common import add_command, at_least, iso_date, note
from .library_cmds import add_library_option, embedder

LOCAL_HOSTS = ("127.0.0.1", "localhost", "[::1]")


def register(commands) -> None:
    serve = add_command(commands, "serve", "The reader's app: the day, its map, search and \"For you\" in a browser.",
                        "semdigest serve --library ~/papers.sqlite   # then open the URL it prints", run_serve,
                        "It binds 127.0.0.1 unless --host says otherwise. Writes (marks) need the token in the URL\n"
                        "it prints; --read-only refuses them (a shared PostgreSQL library served to a lab).")
    serve.add_argument("--port", type=at_least(0), default=8000, help="TCP port (default 8000; 0: any free one)")
    serve.add_argument("--host", default="127.0.0.1",
                       help="address to bind (default 127.0.0.1: this machine only; 0.0.0.0: every network)")
    serve.add_argument("--read-only", action="store_true", help="refuse every write (marks)")
    add_library_option(serve)

    site = add_command(commands, "site", "Write the app's pages as a static site (GitHub Pages, or opened from file://).",
                       "semdigest site --out public/ --since 2026-06-01", run_site)
    site.add_argument("--out", required=True, metavar="DIR", help="folder for index.html, day/, map/, paper/ ...")
    site.add_argument("--since", type=iso_date, help="only the digests of DATE and after (default: every day)")
    site.add_argument("--force", action="store_true", help="write into a folder that holds other files")
    add_library_option(site)


def run_serve(args) -> int:
    import uvicorn

    from ..library import Library
    from ..app.reader import Reader
    from ..app.server import create_app

    model = embedder(args)
    reader = Reader(lambda: Library.open(args.library, create=False), model=model, read_only=args.read_only)
    try:
        note(f"semdigest: opening {reader.library.location} ...")
        token = secrets.token_urlsafe(24)
        hosts = LOCAL_HOSTS if args.host in ("127.0.0.1", "localhost", "::1") else ("*",)
        app = create_app(reader, token, read_only=args.read_only, hosts=hosts)
        sock = _listen(args.host, args.port)
        config = uvicorn.Config(app, log_level="warning", access_log=False)
        server = uvicorn.Server(config)
        reader.submit(_warm, reader)
        _announce(server, args, token, sock.getsockname()[1])
        server.run(sockets=[sock])
    finally:
        reader.close()
    return 0


def _warm(reader) -> None:
    """The latest day's topics and map, the query encoder: before the first visit. Then what start-up
    left in memory is frozen out of the garbage collector's full passes, which otherwise walked it
    in every one: 350 ms at 100k papers, measured, a pause that would land inside some request."""
    reader.warm()
    gc.collect()
    gc.freeze()


def _listen(host: str, port: int) -> socket.socket:
    """The server's socket, bound here so that a busy port or a wrong address is one line."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        raise SemdigestError(f"cannot listen on {host}:{port} ({error.strerror or error}); choose another --port "
                             "(0: any free one) or --host") from None
    return sock


def _announce(server, args, token: str, port: int) -> None:
    """Print the start-up URL once uvicorn listens on the socket."""
    started = server.startup

    async def startup(sockets=None):
        await started(sockets=sockets)
        host = "127.0.0.1" if args.host in ("0.0.0.0", "::") else args.host
        host = f"[{host}]" if ":" in host else host
        mode = " (read-only)" if args.read_only else ""
        print(f"semdigest serve{mode}: open http://{host}:{port}/?token={token}", flush=True)
        print("press Ctrl+C to stop", file=sys.stderr, flush=True)
    server.startup = startup


def run_site(args) -> int:
    from ..library import Library
    from ..app.site import write_site

    written = write_site(lambda: Library.open(args.library, create=False), args.out, since=args.since,
                         model=embedder(args), force=args.force)
    note(f"wrote {written.pages} pages ({written.megabytes:.1f} MB) to {written.out}; open "
         f"{written.out / 'index.html'} in a browser")
    return 0
