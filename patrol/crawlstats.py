"""A Scrapy extension that writes a crawl's final stats to a JSON file.

``patrol crawl`` and the scheduler run each crawl as a subprocess and judge
its outcome by these stats (``pipelines.outcome.judge``), because a crawl
exits 0 even when its browser failed to start. Enabled when the
``PATROL_STATS_FILE`` Scrapy setting names a file.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

from scrapy import signals
from scrapy.exceptions import NotConfigured


def _plain(value):
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, (int, float, str, bool)) or value is None:
        return value
    return str(value)


class StatsFile:
    def __init__(self, stats, path: str):
        self.stats = stats
        self.path = Path(path)

    @classmethod
    def from_crawler(cls, crawler):
        path = crawler.settings.get("PATROL_STATS_FILE")
        if not path:
            # No message: Scrapy logs a WARNING for a NotConfigured with one, and a
            # crawl without a stats file (a bare ``scrapy crawl``) is normal.
            raise NotConfigured
        ext = cls(crawler.stats, path)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_closed(self, spider, reason):
        stats = {k: _plain(v) for k, v in self.stats.get_stats().items()}
        stats.setdefault("finish_reason", reason)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(stats, ensure_ascii=False, sort_keys=True), encoding="utf-8")
        os.replace(tmp, self.path)


def read_stats(path: str | os.PathLike) -> dict:
    """The stats a finished crawl wrote, or {} when it wrote none (it crashed)."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
