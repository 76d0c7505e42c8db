"""Second stage: drop a URL seen twice in one crawl and tell new / changed /
unchanged content apart, so unchanged pages cost no classification."""

from __future__ import annotations

import logging

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem

from patrol.store import StoreError, open_store
from pipelines import source_of

logger = logging.getLogger(__name__)

CHANGE_KEY = "_change"  # "new" | "changed" | "unchanged"; not stored


class DedupePipeline:
    def __init__(self, crawler, store_url: str, timeout: float):
        self.crawler = crawler
        self.stats = crawler.stats
        self.store_url = store_url
        self.timeout = timeout
        self.seen: set[str] = set()
        self.known: dict[str, str] = {}

    @classmethod
    def from_crawler(cls, crawler):
        s = crawler.settings
        return cls(crawler, s.get("PATROL_STORE"), s.getfloat("PATROL_STORE_TIMEOUT", 5.0))

    def open_spider(self):
        source = source_of(self.crawler.spider)
        try:
            with open_store(self.store_url, timeout=self.timeout) as store:
                self.known = store.item_hashes(source=source)
        except StoreError as exc:
            # Without the previous hashes every page counts as new: more
            # classification work, nothing lost.
            logger.warning("cannot read previous content hashes (%s); treating all pages as new", exc)
            self.stats.inc_value("patrol/dedupe/hashes_unavailable")
            self.known = {}

    def process_item(self, item):
        adapter = ItemAdapter(item)
        url = adapter["url"]
        if url in self.seen:
            self.stats.inc_value("patrol/dedupe/duplicate")
            raise DropItem(f"duplicate url in this crawl: {url}")
        self.seen.add(url)
        previous = self.known.get(url)
        if previous is None:
            change = "new"
        elif previous == adapter.get("content_hash"):
            change = "unchanged"
        else:
            change = "changed"
        adapter[CHANGE_KEY] = change
        self.stats.inc_value(f"patrol/dedupe/{change}")
        return item
