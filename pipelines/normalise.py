"""First stage: canonical URL, tidy text, a content hash every later stage trusts."""

from __future__ import annotations

import logging
import re

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem
from w3lib.url import canonicalize_url

from patrol.items import KIND_FIELDS, content_hash

logger = logging.getLogger(__name__)

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACES = re.compile(r"[ \t\u3000\xa0]+")
_NEWLINES = re.compile(r"\n{3,}")
MAX_TEXT_CHARS = 200_000


def tidy(text: str | None) -> str:
    if not text:
        return ""
    text = _CONTROL.sub("", str(text))
    text = _SPACES.sub(" ", text)
    return _NEWLINES.sub("\n\n", text).strip()


class NormalisePipeline:
    def __init__(self, stats, max_text_chars: int = MAX_TEXT_CHARS):
        self.stats = stats
        self.max_text_chars = max_text_chars

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def process_item(self, item):
        adapter = ItemAdapter(item)
        url = adapter.get("url")
        if not url or not str(url).startswith(("http://", "https://")):
            self.stats.inc_value("patrol/normalise/dropped_invalid")
            raise DropItem(f"item without an http(s) url: {str(url)[:200]!r}")
        if adapter.get("kind") not in KIND_FIELDS:
            self.stats.inc_value("patrol/normalise/dropped_invalid")
            raise DropItem(f"unknown item kind {adapter.get('kind')!r} for {url}")
        adapter["url"] = canonicalize_url(str(url), keep_fragments=False)
        adapter["title"] = tidy(adapter.get("title"))[:1000]
        text = tidy(adapter.get("text"))
        if len(text) > self.max_text_chars:
            self.stats.inc_value("patrol/normalise/text_truncated")
            text = text[: self.max_text_chars]
        adapter["text"] = text
        adapter["content_hash"] = content_hash(dict(adapter))
        self.stats.inc_value("patrol/normalise/items")
        return item
