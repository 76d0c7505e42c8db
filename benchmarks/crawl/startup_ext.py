"""Scrapy extension of ``startup.py``: when the first request goes out, the first response
comes in and the first item leaves the pipelines, as seconds since the process was launched
(``STARTUP_LAUNCHED``, the parent's ``time.time()`` just before it started the process) and
as CPU seconds of this process; and which heavy modules were imported by then. Written to
``STARTUP_OUT`` (JSON) when the spider closes. Enabled by ``-s EXTENSIONS=...``."""

from __future__ import annotations

import json
import os
import sys
import time

from scrapy import signals

HEAVY = ("sklearn", "skops", "scipy", "playwright", "scrapy_playwright", "trafilatura", "jieba", "rjieba",
         "opencc", "pypinyin", "extruct", "phonenumbers", "tldextract", "pymongo", "apscheduler", "numpy")


class StartupTimes:
    def __init__(self, crawler):
        self.launched = float(os.environ["STARTUP_LAUNCHED"])
        self.out = os.environ["STARTUP_OUT"]
        self.marks: dict[str, dict] = {}
        self.mark("extension_loaded")
        for name, sig in (("engine_started", signals.engine_started), ("spider_opened", signals.spider_opened),
                          ("first_request", signals.request_reached_downloader),
                          ("first_response", signals.response_received), ("first_item", signals.item_scraped)):
            crawler.signals.connect(lambda *a, _n=name, **k: self.mark(_n), signal=sig, weak=False)
        crawler.signals.connect(self.closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def mark(self, name: str) -> None:
        if name not in self.marks:
            self.marks[name] = {"wall": round(time.time() - self.launched, 3),
                                "cpu": round(time.process_time(), 3),
                                "heavy": sorted(m for m in HEAVY if m in sys.modules)}

    def closed(self, spider, reason):
        self.mark("closed")
        self.marks["code"] = {"classifiers": getattr(sys.modules.get("classifiers"), "__file__", None)}
        with open(self.out, "w", encoding="utf-8") as fh:
            json.dump(self.marks, fh, indent=1)
