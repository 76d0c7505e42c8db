"""A generated shop site for the distributed tests and benchmark, on 127.0.0.1:0.

``python gensite.py LISTS PER_LIST [DELAY [BROKEN]]`` prints its port on the first line
and serves ``/`` (links to LISTS listing pages; the only page with the shop's
name), ``/list/N.html`` (PER_LIST product links each), ``/item/K.html``,
``/about.html`` (the only page with the licence) and ``/robots.txt``; every
page links the about page in its footer. Each page is answered after DELAY
seconds (latency-bound, as real sites are). The start page also links BROKEN
pages ``/broken/N.html`` that always answer 500. ``/__stats`` is the site's own
request log: requests per path and the most requests in flight at once.
"""

from __future__ import annotations

import json
import sys
import time

from twisted.internet import reactor
from twisted.internet.task import deferLater
from twisted.web import resource, server

STATE = {"requests": 0, "paths": {}, "inflight": 0, "max_inflight": 0, "agents": {},
         "first": None, "last": None,  # time.time() of the first request, the last answer
         "answers": []}                # time.time() of every answer
FOOT = "<footer><a class='about' href='/about.html'>资质证照</a></footer>"
BLURB = "本书适合小学高年级学生阅读，内容涵盖古诗词赏析、成语故事和传统文化常识。" * 4


class Site(resource.Resource):
    isLeaf = True

    def __init__(self, lists: int, per_list: int, delay: float, broken: int = 0):
        super().__init__()
        self.lists, self.per_list, self.delay, self.broken = lists, per_list, delay, broken

    def page(self, path: str) -> tuple[int, str, str]:
        if path == "/robots.txt":
            return 200, "text/plain", "User-agent: *\nDisallow: /admin/\n"
        if path == "/":
            links = "".join(f"<a href='/list/{n}.html'>第{n}页</a>" for n in range(1, self.lists + 1))
            links += "".join(f"<a href='/broken/{n}.html'>坏链</a>" for n in range(self.broken))
            return 200, "text/html", (f"<html><head><title>生成书店</title></head><body><h1 id='shop-name'>"
                                      f"生成书店</h1><nav class='lists'>{links}</nav>{FOOT}</body></html>")
        if path == "/about.html":
            return 200, "text/html", ("<html><head><title>资质 | 生成书店</title></head><body><article>"
                                      "<p class='licence'>出版物经营许可证：新出发京零字第东150042号</p>"
                                      f"</article>{FOOT}</body></html>")
        if path.startswith("/broken/"):
            return 500, "text/html", "<html><body>500</body></html>"
        if path.startswith("/list/") and path.endswith(".html"):
            n = int(path[6:-5])
            if not 1 <= n <= self.lists:
                return 404, "text/html", "<html><body>404</body></html>"
            first = (n - 1) * self.per_list
            items = "".join(f"<li class='product'><a href='/item/{k}.html'><span class='title'>图书 {k} 号"
                            f"</span></a><span class='price'>¥{10 + k % 90}.50</span></li>"
                            for k in range(first, first + self.per_list))
            return 200, "text/html", (f"<html><head><title>全部图书 第{n}页</title></head><body>"
                                      f"<ul class='products'>{items}</ul>{FOOT}</body></html>")
        if path.startswith("/item/") and path.endswith(".html"):
            k = int(path[6:-5])
            if not 0 <= k < self.lists * self.per_list:
                return 404, "text/html", "<html><body>404</body></html>"
            return 200, "text/html", (f"<html><head><title>图书 {k} 号</title></head><body><article>"
                                      f"<h1>图书 {k} 号</h1><p>ISBN 978-7-000-{k}</p><p>{BLURB}</p>"
                                      f"</article>{FOOT}</body></html>")
        return 404, "text/html", "<html><body>404</body></html>"

    def render_GET(self, request):
        path = request.path.decode()
        if path == "/__stats":
            request.setHeader(b"content-type", b"application/json")
            return json.dumps(STATE).encode()
        STATE["requests"] += 1
        STATE["first"] = STATE["first"] or time.time()
        STATE["paths"][path] = STATE["paths"].get(path, 0) + 1
        agent = (request.getHeader(b"user-agent") or b"").decode()
        STATE["agents"][agent] = STATE["agents"].get(agent, 0) + 1
        STATE["inflight"] += 1
        STATE["max_inflight"] = max(STATE["max_inflight"], STATE["inflight"])
        status, ctype, body = self.page(path)

        def answer():
            STATE["inflight"] -= 1
            STATE["last"] = time.time()
            STATE["answers"].append(STATE["last"])
            if not request.finished and not getattr(request, "_gone", False):
                request.setResponseCode(status)
                request.setHeader(b"content-type", f"{ctype}; charset=utf-8".encode())
                request.write(body.encode("utf-8"))
                request.finish()

        call = deferLater(reactor, self.delay, answer)
        call.addErrback(lambda f: None)
        request.notifyFinish().addErrback(lambda f: setattr(request, "_gone", True))
        return server.NOT_DONE_YET


def main() -> None:
    lists, per_list = int(sys.argv[1]), int(sys.argv[2])
    delay = float(sys.argv[3]) if len(sys.argv) > 3 else 0.0
    broken = int(sys.argv[4]) if len(sys.argv) > 4 else 0
    port = reactor.listenTCP(0, server.Site(Site(lists, per_list, delay, broken)), interface="127.0.0.1",
                             backlog=256)
    print(port.getHost().port, flush=True)
    reactor.run()


if __name__ == "__main__":
    main()
