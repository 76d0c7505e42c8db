"""A small Twisted site for crawl tests, run as a subprocess.

``python siteserver.py SPEC.json`` listens on 127.0.0.1 port 0, prints
``PORT`` on its first line and serves the paths of the spec:
``{"/path": {"status": 200, "headers": {...}, "body": "text" | "body_hex": "..",
"repeat": N, "delay": seconds}}``. ``/__stats`` answers the request count and
the most connections in flight at once (what the concurrency test reads).
Written with Twisted because ``python -m http.server`` stalls above ~16
concurrent requests.
"""

from __future__ import annotations

import json
import sys

from twisted.internet import reactor
from twisted.internet.task import deferLater
from twisted.web import resource, server

STATE = {"inflight": 0, "max_inflight": 0, "requests": 0, "paths": {}, "headers": {}}


class Site(resource.Resource):
    isLeaf = True

    def __init__(self, spec: dict):
        super().__init__()
        self.spec = spec

    def render(self, request):
        path = request.path.decode()
        if path == "/__stats":
            request.setHeader(b"content-type", b"application/json")
            return json.dumps(STATE).encode()
        STATE["requests"] += 1
        STATE["paths"][path] = STATE["paths"].get(path, 0) + 1
        STATE["headers"][path] = {k.decode(): v.decode() for k, v in request.requestHeaders.getAllRawHeaders()
                                  for v in v[:1]}
        STATE["inflight"] += 1
        STATE["max_inflight"] = max(STATE["max_inflight"], STATE["inflight"])
        request.notifyFinish().addBoth(lambda _: STATE.__setitem__("inflight", STATE["inflight"] - 1))
        entry = self.spec.get(path) or self.spec.get("*")
        if entry is None:
            request.setResponseCode(404)
            return b"<html><body>not found</body></html>"
        request.setResponseCode(entry.get("status", 200))
        for k, v in entry.get("headers", {"Content-Type": "text/html; charset=utf-8"}).items():
            request.setHeader(k.encode(), v.encode())
        etag = entry.get("headers", {}).get("ETag")
        if etag and request.getHeader(b"if-none-match") == etag.encode():
            request.setResponseCode(304)
            return b""
        if "body_hex" in entry:
            body = bytes.fromhex(entry["body_hex"])
        else:
            body = entry.get("body", "").replace("{path}", path).encode("utf-8")
        body *= entry.get("repeat", 1)
        delay = entry.get("delay", 0)
        if not delay:
            return body

        def write():
            if not request.finished and not getattr(request, "_gone", False):
                request.write(body)
                request.finish()
        call = deferLater(reactor, delay, write)
        call.addErrback(lambda f: None)
        request.notifyFinish().addErrback(lambda f: (setattr(request, "_gone", True), call.cancel()))
        return server.NOT_DONE_YET


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as fh:
        spec = json.load(fh)
    port = reactor.listenTCP(0, server.Site(Site(spec)), interface="127.0.0.1", backlog=128)
    print(port.getHost().port, flush=True)
    reactor.run()


if __name__ == "__main__":
    main()
