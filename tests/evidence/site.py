"""A local site whose pages a test can change, remove or leave alone between
crawls (for re-checks), served from this process on port 0."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class MutableSite:
    def __init__(self, pages: dict[str, tuple[int, str]]):
        self.pages = dict(pages)  # path -> (status, html)
        self.hits: dict[str, int] = {}
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                path = self.path.split("?", 1)[0]
                site.hits[path] = site.hits.get(path, 0) + 1
                status, html = site.pages.get(path, (404, "<html><body>not found</body></html>"))
                body = html.encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def profile_yaml(site: MutableSite, name: str = "evsite") -> str:
    return f"""name: {name}
kind: shop
start_urls: ["{site.url}/"]
links:
  detail: ["body"]
politeness: {{delay: 0.05, concurrency: 2}}
"""
