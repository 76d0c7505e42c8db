"""Serve the bundled demo sites with Twisted, each on its own free port on 127.0.0.1.

Run ``python -m patrol.demo.server --json``: the first line of output is the
JSON map ``{"appstore": "http://127.0.0.1:PORT/", ...}``; SIGTERM (or, with
``--watch-stdin``, the end of standard input) stops it. ``patrol.demo.web.DemoWeb``
wraps this in a context manager.

Every site answers, besides its files:

- ``/slow?delay=SECONDS`` after that delay (at most 30 s), for timeout and
  concurrency tests;
- ``/__stats`` with JSON counters of every site (requests, in-flight now,
  maximum in flight, by status, by path, user agents); ``/__stats?reset=1``
  zeroes them first. Stats requests are not counted.

Static files carry ``ETag`` and ``Last-Modified`` and answer 304 to
``If-None-Match`` / ``If-Modified-Since``. ``--delay`` holds every response
for that many seconds, so a real crawl of a site can prove a concurrency cap.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import mimetypes
import sys
from collections import Counter
from pathlib import Path
from urllib.parse import parse_qs

from twisted.internet import reactor, stdio
from twisted.internet.protocol import Protocol
from twisted.internet.task import deferLater
from twisted.web import http, resource, server

from patrol.demo.sites import CHARSETS, ERRORS, REDIRECTS, SITE_NAMES, SITES_DIR

log = logging.getLogger(__name__)

MAX_SLOW = 30.0
_TEXT_TYPES = {".html": "text/html", ".htm": "text/html", ".txt": "text/plain",
               ".json": "application/json", ".js": "text/javascript", ".css": "text/css",
               ".xml": "application/xml"}


class SiteStats:
    """Request counters of one site; ``max_inflight`` is what concurrency tests read."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.requests = 0
        self.inflight = 0
        self.max_inflight = 0
        self.status: Counter[str] = Counter()
        self.paths: Counter[str] = Counter()
        self.user_agents: Counter[str] = Counter()

    def as_dict(self) -> dict:
        return {"requests": self.requests, "inflight": self.inflight,
                "max_inflight": self.max_inflight, "status": dict(self.status),
                "paths": dict(self.paths), "user_agents": dict(self.user_agents)}


class DemoSite(resource.Resource):
    """One site's files plus the special routes (redirect, 500, /slow, /__stats).

    Written by hand rather than with ``twisted.web.static.File`` because the
    demo needs a charset per file (a GBK page, a page with no charset) and
    ETags, which ``File`` does not provide.
    """

    isLeaf = True

    def __init__(self, name: str, root: Path, all_stats: dict[str, SiteStats], delay: float = 0.0):
        super().__init__()
        self.name = name
        self.root = root.resolve()
        self.all_stats = all_stats
        self.stats = all_stats[name]
        self.delay = delay
        self.removed: set[str] = set()  # pages "taken down" (/__remove), answered 410 Gone

    def render(self, request: server.Request):
        path = request.path.decode("utf-8", "replace")
        if path == "/__stats":
            return self._render_stats(request)
        if path == "/__remove":
            # A drill of a takedown: the page named is gone from now on (re-checks, issue 14).
            target = request.args.get(b"path", [b""])[0].decode("utf-8", "replace")
            if not target.startswith("/"):
                return self._plain(request, http.BAD_REQUEST, "give ?path=/the/page.html\n")
            self.removed.add(target)
            return self._plain(request, http.OK, f"removed {target}\n")
        self.stats.requests += 1
        self.stats.inflight += 1
        self.stats.max_inflight = max(self.stats.max_inflight, self.stats.inflight)
        self.stats.paths[path] += 1
        ua = (request.getHeader(b"user-agent") or b"").decode("utf-8", "replace")
        self.stats.user_agents[ua] += 1
        request.notifyFinish().addBoth(self._finished, request)
        if path == "/slow":
            try:
                wait = float(request.args.get(b"delay", [b"1"])[0])
            except ValueError:
                wait = -1.0
            if not 0 <= wait <= MAX_SLOW:
                return self._plain(request, http.BAD_REQUEST, f"delay must be 0..{MAX_SLOW} seconds\n")
            body = f"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>slow</title></head>" \
                   f"<body><p class=\"slow\">answered after {wait} s</p></body></html>".encode()
            request.setHeader(b"content-type", b"text/html; charset=utf-8")
            return self._later(request, wait + self.delay, body)
        body = self._respond(request, path)
        if self.delay > 0:
            return self._later(request, self.delay, body)
        return body

    # -- responses -------------------------------------------------------------------

    def _respond(self, request: server.Request, path: str) -> bytes:
        if path in REDIRECTS.get(self.name, {}):
            target = REDIRECTS[self.name][path]
            request.setResponseCode(http.MOVED_PERMANENTLY)
            request.setHeader(b"location", target.encode())
            request.setHeader(b"content-type", b"text/html; charset=utf-8")
            return f'<html><body>Moved to <a href="{target}">{target}</a></body></html>'.encode()
        if path in self.removed:
            request.setResponseCode(http.GONE)
            request.setHeader(b"content-type", b"text/html; charset=utf-8")
            return "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>410 商品已下架</title>" \
                   "</head><body><h1>410</h1><p>该商品已下架。</p></body></html>".encode()
        if path in ERRORS.get(self.name, set()):
            return self._plain(request, http.INTERNAL_SERVER_ERROR, "500 Internal Server Error\n")
        file = self._file_for(path)
        if file is None:
            request.setResponseCode(http.NOT_FOUND)
            request.setHeader(b"content-type", b"text/html; charset=utf-8")
            return "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>404 页面不存在</title>" \
                   "</head><body><h1>404</h1><p>页面不存在或已删除。</p></body></html>".encode()
        data = file.read_bytes()
        request.setHeader(b"content-type", self._content_type(path, file).encode())
        etag = b'"' + hashlib.sha1(data).hexdigest()[:20].encode() + b'"'
        mtime = int(file.stat().st_mtime)
        request.setHeader(b"etag", etag)
        request.setHeader(b"last-modified", http.datetimeToString(mtime))
        request.setHeader(b"cache-control", b"no-cache")
        if _not_modified(request, etag, mtime):
            request.setResponseCode(http.NOT_MODIFIED)
            return b""
        return data

    def _file_for(self, path: str) -> Path | None:
        if path.endswith("/"):
            path += "index.html"
        parts = [p for p in path.split("/") if p]
        if any(p.startswith(".") or p.startswith("_") for p in parts):
            return None
        candidate = (self.root / "/".join(parts)).resolve()
        if not candidate.is_relative_to(self.root) or not candidate.is_file():
            return None
        return candidate

    def _content_type(self, path: str, file: Path) -> str:
        suffix = file.suffix.lower()
        ctype = _TEXT_TYPES.get(suffix) or mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        charsets = CHARSETS.get(self.name, {})
        key = path + "index.html" if path.endswith("/") else path
        if key in charsets:
            charset = charsets[key]
            return f"{ctype}; charset={charset}" if charset else ctype
        if ctype.startswith("text/") or ctype == "application/json":
            return f"{ctype}; charset=utf-8"
        return ctype

    def _render_stats(self, request: server.Request) -> bytes:
        if parse_qs(request.uri.decode().partition("?")[2]).get("reset"):
            for s in self.all_stats.values():
                s.reset()
        request.setHeader(b"content-type", b"application/json")
        request.setHeader(b"cache-control", b"no-store")
        data = {"sites": {n: s.as_dict() for n, s in self.all_stats.items()}}
        return json.dumps(data, ensure_ascii=False).encode()

    @staticmethod
    def _plain(request: server.Request, code: int, text: str) -> bytes:
        request.setResponseCode(code)
        request.setHeader(b"content-type", b"text/plain; charset=utf-8")
        return text.encode()

    def _later(self, request: server.Request, seconds: float, body: bytes):
        def write() -> None:
            if not request.finished and not getattr(request, "_gone", False):
                request.write(body)
                request.finish()
        call = deferLater(reactor, seconds, write)
        call.addErrback(lambda f: f.trap(Exception))  # a cancelled call is fine
        request.notifyFinish().addErrback(lambda _f: (setattr(request, "_gone", True), call.cancel()))
        return server.NOT_DONE_YET

    def _finished(self, _result, request) -> None:
        self.stats.inflight -= 1
        self.stats.status[str(request.code)] += 1


def _not_modified(request: server.Request, etag: bytes, mtime: int) -> bool:
    # Hand-written: Twisted's setETag splits If-None-Match on spaces, not commas,
    # and would also apply If-Modified-Since when If-None-Match is present (RFC 9110 13.1.3).
    inm = request.getHeader(b"if-none-match")
    if inm is not None:
        tags = [t.strip() for t in inm.split(b",")]
        return b"*" in tags or etag in tags or b"W/" + etag in tags
    ims = request.getHeader(b"if-modified-since")
    if ims:
        try:
            return http.stringToDatetime(ims.split(b";", 1)[0]) >= mtime
        except ValueError:
            return False
    return False


class _QuietSite(server.Site):
    def log(self, request) -> None:  # access lines go to Python logging at DEBUG
        log.debug("%s %s %s", request.method.decode(), request.uri.decode("utf-8", "replace"), request.code)


class _StopOnEOF(Protocol):
    def connectionLost(self, reason=None) -> None:
        if reactor.running:
            reactor.stop()


def listen(names=SITE_NAMES, delay: float = 0.0, sites_dir: Path = SITES_DIR,
           ports: dict[str, int] | None = None) -> dict[str, str]:
    """Start listening (the reactor must then be run); returns the URL map.
    ``ports``: the port each site had before (its URL is its identity in the
    store); a site not named gets a free port."""
    from twisted.internet.error import CannotListenError
    all_stats = {n: SiteStats() for n in names}
    urls = {}
    for name in names:
        root = sites_dir / name
        if not root.is_dir():
            raise SystemExit(f"patrol.demo.server: no site directory {root}")
        site = _QuietSite(DemoSite(name, root, all_stats, delay))
        wanted = int((ports or {}).get(name, 0))
        try:
            port = reactor.listenTCP(wanted, site, interface="127.0.0.1")
        except CannotListenError:
            raise SystemExit(f"patrol.demo.server: port {wanted} of site {name} is in use (another "
                             "demo still running?); stop it, or forget the demo's ports to get "
                             "new ones (the store then sees new URLs)") from None
        urls[name] = f"http://127.0.0.1:{port.getHost().port}/"
    return urls


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m patrol.demo.server", description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true", help="print the URL map as JSON on the first line")
    parser.add_argument("--sites", default=",".join(SITE_NAMES), help="comma-separated site names")
    parser.add_argument("--delay", type=float, default=0.0, help="hold every response this many seconds")
    parser.add_argument("--watch-stdin", action="store_true", help="stop when standard input closes")
    parser.add_argument("--ports", default="{}",
                        help='JSON {"site": port} of the ports to serve on (default: free ones)')
    args = parser.parse_args(argv)
    try:
        ports = json.loads(args.ports)
        if not isinstance(ports, dict) or not all(isinstance(v, int) and 0 <= v < 65536
                                                  for v in ports.values()):
            raise ValueError("not an object of port numbers")
    except ValueError as exc:
        parser.error(f"--ports: {exc}")
    names = [n.strip() for n in args.sites.split(",") if n.strip()]
    unknown = [n for n in names if n not in SITE_NAMES]
    if unknown:
        parser.error(f"--sites: unknown site(s) {', '.join(unknown)} (known: {', '.join(SITE_NAMES)})")
    if not 0 <= args.delay <= MAX_SLOW:
        parser.error(f"--delay must be between 0 and {MAX_SLOW} seconds")
    urls = listen(names, args.delay, ports=ports)
    if args.json:
        print(json.dumps(urls), flush=True)
    else:
        for name, url in urls.items():
            print(f"{name:16} {url}", flush=True)
        print("Ctrl-C stops the demo web.", flush=True)
    if args.watch_stdin:
        stdio.StandardIO(_StopOnEOF())
    reactor.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
