"""Cap the size of a page: keep the first PATROL_MAX_PAGE_BYTES, log, count.

Decision: Scrapy's own DOWNLOAD_MAXSIZE *cancels* a download that is too big,
so the page is lost. A huge page of a hostile site is still evidence, so we
stop the download at the cap instead (``StopDownload(fail=False)`` from the
``bytes_received`` signal, which hands the partial response on with the flag
``download_stopped``), cut the body to the cap exactly, log one line and
count ``patrol/page_capped``. The item carries ``truncated: true``.
Pages rendered in the browser are not capped this way.
"""

from __future__ import annotations

import logging

from scrapy import signals
from scrapy.exceptions import NotConfigured, StopDownload

logger = logging.getLogger(__name__)


class PageCapMiddleware:
    def __init__(self, max_bytes: int, stats):
        self.max_bytes = max_bytes
        self.stats = stats
        self._received: dict[int, int] = {}

    @classmethod
    def from_crawler(cls, crawler):
        max_bytes = crawler.settings.getint("PATROL_MAX_PAGE_BYTES", 0)
        if max_bytes <= 0:
            raise NotConfigured("PATROL_MAX_PAGE_BYTES is 0: pages are not capped")
        mw = cls(max_bytes, crawler.stats)
        crawler.signals.connect(mw.bytes_received, signal=signals.bytes_received)
        return mw

    def bytes_received(self, data: bytes, request, spider) -> None:
        key = id(request)
        total = self._received.get(key, 0) + len(data)
        self._received[key] = total
        if total > self.max_bytes:
            self._received.pop(key, None)
            raise StopDownload(fail=False)

    def process_response(self, request, response):
        self._received.pop(id(request), None)
        if "download_stopped" in response.flags or len(response.body) > self.max_bytes:
            original = len(response.body)
            logger.warning("page capped at %d bytes: %s (received %d bytes)",
                           self.max_bytes, response.url, original)
            self.stats.inc_value("patrol/page_capped")
            flags = [f for f in response.flags if f != "download_stopped"] + ["patrol_capped"]
            return response.replace(body=response.body[:self.max_bytes], flags=flags)
        return response

    def process_exception(self, request, exception):
        self._received.pop(id(request), None)
        return None
