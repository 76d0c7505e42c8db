"""Fourth stage (after classify, before store): capture every page that
raises a flag, as evidence that stands up (docs/evidence.md).

The spider keeps each page's exchange on the item (``spiders.exchange``);
here, once the classifier has spoken, a flagged page's exchange is written
as a WARC (plus the rendered DOM and screenshot of a page rendered in
Chromium) into the capture directory beside the store, files named by their
SHA-256, and a page that raises nothing is dropped from memory with nothing
written. The store pipeline then records the capture as the first entry of
the case's chain. A page that cannot be captured still raises its flag, with
the capture marked missing and why.

Files are written on a worker thread so the reactor keeps downloading; the
capture directory is checked when the crawl opens, so an unwritable one
stops the crawl at its start, not at page 900.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import platform
import time

import scrapy

from itemadapter import ItemAdapter
from scrapy.exceptions import NotConfigured

from patrol import __version__
from patrol.evidence.blobs import Blobs, evidence_dir
from patrol.evidence.capture import CAPTURE_KEY, capture
from pipelines.classify import RESULT_KEY
from pipelines.store import FLAG_VERDICTS
from spiders.exchange import EXCHANGE_KEY

logger = logging.getLogger(__name__)


def flagged(result: dict | None) -> bool:
    return bool(result) and any(v in FLAG_VERDICTS for v in result.get("verdicts", {}).values())


class EvidencePipeline:
    def __init__(self, crawler, blobs: Blobs, *, user_agent: str, operator: str, max_bytes: int):
        self.crawler = crawler
        self.stats = crawler.stats
        self.blobs = blobs
        self.software = f"content-patrol/{__version__}"
        self.user_agent = user_agent
        self.operator = operator
        self.max_bytes = max_bytes
        self.profile_text: bytes | None = None  # written with the crawl's first capture
        self.profile_ref: dict | None = None
        # How the page was fixed, for the manifest ("tool, environment").
        self.environment = {"python": platform.python_version(), "scrapy": scrapy.__version__,
                            "system": platform.platform(), "host": platform.node()}

    @classmethod
    def from_crawler(cls, crawler):
        s = crawler.settings
        if not s.getbool("PATROL_EVIDENCE"):
            raise NotConfigured("PATROL_EVIDENCE is off")
        root = evidence_dir(s.get("PATROL_STORE") or "", s.get("PATROL_EVIDENCE_DIR") or "",
                            s.get("PATROL_DATA_DIR") or "")
        return cls(crawler, Blobs(root), user_agent=s.get("USER_AGENT") or "",
                   operator=s.get("PATROL_OFFICE") or "", max_bytes=s.getint("PATROL_MAX_PAGE_BYTES"))

    def open_spider(self):
        self.blobs.check_writable()  # EvidenceDirError: the crawl stops before its first request
        profile = getattr(self.crawler.spider, "profile", None)
        if profile is not None and dataclasses.is_dataclass(profile):
            # The source profile as it was for this crawl, kept once, named by its digest.
            # (Wrapped in one key: a top-level "fields" would read as a table
            # schema to the datapackage validator of ``wacz validate``.)
            text = json.dumps({"source_profile": dataclasses.asdict(profile)}, sort_keys=True,
                              ensure_ascii=False, default=str)
            self.profile_text = text.encode("utf-8")

    async def process_item(self, item):
        adapter = ItemAdapter(item)
        exchange = adapter.get(EXCHANGE_KEY)
        if EXCHANGE_KEY in adapter:
            del adapter[EXCHANGE_KEY]  # every page's body leaves memory here
        if not flagged(adapter.get(RESULT_KEY)):
            return item
        started = time.perf_counter()
        if self.profile_text is not None and self.profile_ref is None:
            try:
                self.profile_ref = await asyncio.to_thread(self.blobs.put, self.profile_text)
            except OSError as exc:
                logger.error("evidence: cannot keep the source profile: %s", exc)
        record = await asyncio.to_thread(
            capture, exchange, self.blobs, fetched_at=adapter.get("fetched_at"),
            software=self.software, user_agent=self.user_agent, operator=self.operator,
            max_bytes=self.max_bytes)
        record.update(software=self.software, user_agent=self.user_agent, operator=self.operator,
                      profile=self.profile_ref, content_hash=adapter.get("content_hash"),
                      environment=self.environment, source=adapter.get("source"))
        adapter[CAPTURE_KEY] = record
        self.stats.inc_value(f"patrol/evidence/{record['status']}")
        self.stats.inc_value("patrol/evidence/ms", round((time.perf_counter() - started) * 1000))
        for part in ("warc", "dom", "screenshot"):
            if record.get(part):
                self.stats.inc_value("patrol/evidence/bytes", record[part]["bytes"])
        if record["status"] != "captured":
            logger.warning("evidence of %s is %s: %s", adapter.get("url"), record["status"],
                           record["reason"])
        return item
