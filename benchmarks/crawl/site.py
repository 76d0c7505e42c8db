"""A generated shop-like site for the crawl benchmark, served by Twisted on 127.0.0.1:0.

``python site.py PAGES`` prints the port on its first line. ``/list/N.html``
(N = 1..PAGES/50) links 50 product pages ``/item/M.html`` and the next list
page; every page is ~4 KB of Chinese text with a licence footer, like the
demo shops. Pages are generated in memory, so the server is not the bottleneck.
"""

from __future__ import annotations

import sys

from twisted.internet import reactor
from twisted.web import resource, server

PER_LIST = 50
FOOT = "<footer><p class='licence'>出版物经营许可证：新出发京零字第东150042号</p></footer>"
BLURB = "本书适合小学高年级学生阅读，内容涵盖古诗词赏析、成语故事和传统文化常识，配有彩色插图。" * 8


class Bench(resource.Resource):
    isLeaf = True

    def __init__(self, pages: int):
        super().__init__()
        self.pages = pages
        self.lists = (pages + PER_LIST - 1) // PER_LIST

    def render_GET(self, request):
        path = request.path.decode()
        request.setHeader(b"content-type", b"text/html; charset=utf-8")
        if path == "/robots.txt":
            request.setHeader(b"content-type", b"text/plain")
            return b"User-agent: *\nDisallow: /admin/\n"
        if path.startswith("/list/"):
            n = int(path[6:].split(".")[0])
            first = (n - 1) * PER_LIST
            items = "".join(
                f"<li class='product'><a href='/item/{i}.html'><span class='title'>图书 {i} 号</span></a>"
                f"<span class='price'>¥{10 + i % 90}.50</span></li>"
                for i in range(first, min(first + PER_LIST, self.pages)))
            nxt = f"<a class='next' href='/list/{n + 1}.html'>下一页</a>" if n < self.lists else ""
            body = (f"<html><head><title>全部图书 第{n}页 | 基准书店</title></head><body>"
                    f"<h1 id='shop-name'>基准书店</h1><ul class='products'>{items}</ul>{nxt}{FOOT}</body></html>")
            return body.encode()
        if path.startswith("/item/"):
            i = path[6:].split(".")[0]
            body = (f"<html><head><title>图书 {i} 号 | 基准书店</title></head><body><h1 id='shop-name'>基准书店</h1>"
                    f"<article><h1>图书 {i} 号</h1><p>ISBN 978-7-000-{i}</p><p>售价：¥{i}.00</p>"
                    f"<p>{BLURB}</p></article>{FOOT}</body></html>")
            return body.encode()
        request.setResponseCode(404)
        return b"<html><body>404</body></html>"


def main() -> None:
    pages = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    port = reactor.listenTCP(0, server.Site(Bench(pages)), interface="127.0.0.1", backlog=256)
    print(port.getHost().port, flush=True)
    reactor.run()


if __name__ == "__main__":
    main()
