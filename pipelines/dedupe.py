"""Second stage: drop a URL seen twice in one crawl and tell new / changed /
unchanged content apart, so unchanged pages cost no classification.

It reads, once per crawl, every stored page of the source with its content
hash and the version of the model that judged it (``Store.item_states``):

- a record of an unchanged page's visit (a 304: ``patrol.items.SEEN_KEY``, no
  content) whose URL is stored goes on as it is, "unchanged", for the store
  stage to record as seen (``touch_items``); one the store does not know (its
  stored URL is another, canonical one; the store was reset) is expanded by
  the spider's page class and normalised here, as the first stage would have;
- an unchanged page (a 304 or the same content hash) judged by another model
  than the current one is marked for re-judging (``REJUDGE_KEY``); a 304
  record gets the stored content for that (its body was not parsed), read off
  the reactor thread.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem

from patrol.items import SEEN_KEY
from patrol.store import StoreError, open_store
from pipelines import source_of
from pipelines.normalise import NormalisePipeline

logger = logging.getLogger(__name__)

CHANGE_KEY = "_change"  # "new" | "changed" | "unchanged"; not stored
REJUDGE_KEY = "_rejudge"  # unchanged, but judged by another model: classify again; not stored
CLASSIFY_PIPELINE = "pipelines.classify.ClassifyPipeline"
# Bookkeeping of a stored item that an item coming from a crawl does not carry.
_STORED_ONLY = ("first_seen", "last_seen", "changed_at", "hashes")


class DedupePipeline:
    def __init__(self, crawler, store_url: str, timeout: float, model_path: str | None = None):
        self.crawler = crawler
        self.stats = crawler.stats
        self.store_url = store_url
        self.timeout = timeout
        self.model_path = model_path  # None: nothing is classified in this crawl
        self.model_version = ""
        self.seen: set[str] = set()
        self.known: dict[str, tuple[str, str]] = {}
        self.normalise = NormalisePipeline(crawler.stats)
        self.reader: ThreadPoolExecutor | None = None  # reads stored items to re-judge
        self.store = None  # opened and used on the reader thread only

    @classmethod
    def from_crawler(cls, crawler):
        s = crawler.settings
        classifies = (s.getbool("PATROL_CLASSIFY", True)
                      and s.getwithbase("ITEM_PIPELINES").get(CLASSIFY_PIPELINE) is not None)
        return cls(crawler, s.get("PATROL_STORE"), s.getfloat("PATROL_STORE_TIMEOUT", 5.0),
                   s.get("PATROL_MODEL") if classifies else None)

    def _read_model_version(self) -> None:
        if self.model_path is not None:
            import classifiers
            try:
                self.model_version = classifiers.model_version(self.model_path)
            except classifiers.ArtifactError as exc:  # the classify stage reports it
                logger.warning("no model version to compare stored judgements with: %s", exc)

    def open_spider(self):
        source = source_of(self.crawler.spider)
        self._read_model_version()
        try:
            with open_store(self.store_url, timeout=self.timeout) as store:
                self.known = store.item_states(source=source)
        except StoreError as exc:
            # Without the previous hashes every page counts as new: more
            # classification work, nothing lost.
            logger.warning("cannot read previous content hashes (%s); treating all pages as new", exc)
            self.stats.inc_value("patrol/dedupe/hashes_unavailable")
            self.known = {}

    def close_spider(self):
        if self.reader is not None:
            self.reader.submit(self._close_store).result()
            self.reader.shutdown(wait=True)

    def process_item(self, item):
        adapter = ItemAdapter(item)
        expand = adapter.get(SEEN_KEY)
        if expand is not None and expand is not True:
            adapter[SEEN_KEY] = True  # the function never goes further down
            if adapter["url"] not in self.known:
                self.stats.inc_value("patrol/dedupe/expanded")
                item = expand()
                if item is None:
                    raise DropItem(f"unchanged page not stored and not parseable: {adapter['url']}")
                item = self.normalise.process_item(item)
                adapter = ItemAdapter(item)
        url = adapter["url"]
        if url in self.seen:
            self.stats.inc_value("patrol/dedupe/duplicate")
            raise DropItem(f"duplicate url in this crawl: {url}")
        self.seen.add(url)
        previous, judged_by = self.known.get(url) or (None, "")
        if adapter.get(SEEN_KEY):
            change = "unchanged"
        elif previous is None:
            change = "new"
        elif previous == adapter.get("content_hash"):
            change = "unchanged"
        else:
            change = "changed"
        adapter[CHANGE_KEY] = change
        self.stats.inc_value(f"patrol/dedupe/{change}")
        if change != "unchanged" or not self.model_version or judged_by == self.model_version:
            return item
        self.stats.inc_value("patrol/dedupe/rejudge")
        adapter[REJUDGE_KEY] = True
        if adapter.get(SEEN_KEY):
            return self._with_stored_content(item)  # a coroutine: Scrapy awaits it
        return item

    async def _with_stored_content(self, item: dict) -> dict:
        """The record of a 304 with the stored content to judge again."""
        if self.reader is None:
            self.reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="patrol-dedupe")
        stored = await asyncio.wrap_future(self.reader.submit(self._read, item["url"]))
        if stored is None:  # gone from the store, or the store is down: recorded as seen only
            self.stats.inc_value("patrol/dedupe/rejudge_unavailable")
            item.pop(REJUDGE_KEY, None)
            return item
        content = {k: v for k, v in stored.items() if k not in _STORED_ONLY}
        return {**content, **{k: v for k, v in item.items() if k in ("fetched_at", "url")},
                SEEN_KEY: True, CHANGE_KEY: "unchanged", REJUDGE_KEY: True}

    # -- reader thread ------------------------------------------------------------
    def _read(self, url: str) -> dict | None:
        try:
            if self.store is None:
                self.store = open_store(self.store_url, timeout=self.timeout)
            return self.store.get_item(url)
        except StoreError as exc:
            logger.warning("cannot read the stored content of %s to judge it again: %s", url, exc)
            self._close_store()
            return None

    def _close_store(self) -> None:
        if self.store is not None:
            try:
                self.store.close()
            finally:
                self.store = None
