"""Scrapy item pipelines: normalise -> dedupe/change -> classify -> store."""


def source_of(spider) -> str:
    """The source (profile name) a crawl reports under."""
    profile = getattr(spider, "profile", None)
    return getattr(profile, "name", None) or spider.name
