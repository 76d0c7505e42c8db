"""Downloader middleware of the worker: give a site's shared slot back as
soon as its download ends, and count download outcomes per lease.

The slot (one of the profile's ``concurrency`` places for the site, held in
Redis across all workers) is taken with the request's lease when the worker
pops it (``lua.POP``). This middleware sits next to the download handler
(order 960, after retries and redirects), so it sees every response and
every download exception first and gives the slot back at once (with the
worker's next pop, or within 20 ms); the lease's finish frees it too, and a
dead worker's slot expires on its own.
"""

from __future__ import annotations

import logging

from scrapy import signals
from scrapy.utils.python import global_object_name


logger = logging.getLogger(__name__)


class SharedSlotMiddleware:
    def __init__(self, crawler):
        self.crawler = crawler
        crawler.signals.connect(self.request_reached, signal=signals.request_reached_downloader)
        crawler.signals.connect(self.response_received, signal=signals.response_received)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    @property
    def _spider(self):
        return self.crawler.spider

    def _release(self, request) -> None:
        host = request.meta.pop("patrol_slot", None)
        lease = request.meta.get("patrol_lease")
        if host and lease:
            self._spider.scheduler.release(host, lease)  # with the next pop, or within 20 ms

    def request_reached(self, request, spider) -> None:
        self._spider.tracker.count(request.meta.get("patrol_lease"), "downloader/request_count")

    def response_received(self, response, request, spider) -> None:
        tracker = self._spider.tracker
        lease = request.meta.get("patrol_lease")
        tracker.count(lease, "response_received_count")
        tracker.count(lease, f"downloader/response_status_count/{response.status}")

    def process_response(self, request, response):
        self._release(request)
        return response

    def process_exception(self, request, exception):
        lease = request.meta.get("patrol_lease")
        tracker = self._spider.tracker
        tracker.count(lease, "downloader/exception_count")
        tracker.count(lease, f"downloader/exception_type_count/{global_object_name(exception.__class__)}")
        self._release(request)
        return None
