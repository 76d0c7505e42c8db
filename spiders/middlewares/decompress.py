"""Cap the size of a compressed page *after* decompression (gzip bombs).

Checked in Scrapy 2.19: ``HttpCompressionMiddleware`` decompresses in chunks
and stops once the decompressed body passes ``DOWNLOAD_MAXSIZE`` (or the
request's ``download_maxsize``), raising ``IgnoreRequest``; it never holds
more than the cap. But this project sets ``DOWNLOAD_MAXSIZE = 0`` because
``PageCapMiddleware`` keeps the first ``PATROL_MAX_PAGE_BYTES`` of a large
page instead of losing it, and that cap sees the bytes on the wire, which for
a compressed page are the compressed ones: a 1 MB gzip body became a 1 GiB
page in memory. Setting ``DOWNLOAD_MAXSIZE`` instead would make Scrapy cancel
every plain page whose ``Content-Length`` is over the cap, before our cap
could keep its first part.

So this is Scrapy's own middleware, given ``PATROL_MAX_PAGE_BYTES`` as its
decompressed cap. A page over it is dropped (a bomb has nothing worth keeping
past its first bytes), logged with its URL and counted ``patrol/page_bomb``;
the run's judgement sees the counter.
"""

from __future__ import annotations

from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.exceptions import IgnoreRequest


class CappedDecompressionMiddleware(HttpCompressionMiddleware):
    def __init__(self, stats=None, *, crawler=None):
        super().__init__(stats, crawler=crawler)
        cap = crawler.settings.getint("PATROL_MAX_PAGE_BYTES") if crawler else 0
        if cap > 0 and (self._max_size <= 0 or cap < self._max_size):
            self._max_size = cap

    def process_response(self, request, response, spider=None):
        try:
            return super().process_response(request, response)
        except IgnoreRequest:
            if self.stats:
                self.stats.inc_value("patrol/page_bomb")
            raise
