"""The baseline: a minimal Scrapy spider, no pipelines, following every link.
``scrapy runspider bare_spider.py -a start=URL -a out=STATS.json``."""

import datetime
import json

import scrapy


class BareSpider(scrapy.Spider):
    name = "bare"

    def __init__(self, start: str = "", out: str = "", **kw):
        super().__init__(**kw)
        self.start_urls = [start]
        self.out = out

    def parse(self, response):
        for href in response.css("a::attr(href)").getall():
            yield response.follow(href, self.parse)
        yield {"url": response.url, "title": response.css("title::text").get()}

    def closed(self, reason):
        raw = self.crawler.stats.get_stats()
        stats = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in raw.items()}
        # CoreStats adds elapsed_time_seconds after this handler; compute it the same way.
        now = datetime.datetime.now(tz=datetime.timezone.utc)
        stats.setdefault("elapsed_time_seconds", (now - raw["start_time"]).total_seconds())
        with open(self.out, "w", encoding="utf-8") as fh:
            json.dump(stats, fh)
