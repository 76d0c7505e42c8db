"""Scrapy settings a profile decides: politeness overrides, the browser, the
HTTP cache, the page cap and the stats file. Applied by the spider in
``from_crawler`` at "spider" priority, so ``-s NAME=VALUE`` on the command
line still wins.
"""

from __future__ import annotations

import logging
from pathlib import Path

from scrapy.settings import Settings

from patrol import config
from spiders.profiles import Profile

logger = logging.getLogger(__name__)

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
PLAYWRIGHT_HANDLER = "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler"


def apply_profile(settings: Settings, profile: Profile) -> None:
    def put(name, value):
        settings.set(name, value, priority="spider")

    if profile.delay is not None:
        put("DOWNLOAD_DELAY", profile.delay)
        put("AUTOTHROTTLE_START_DELAY", profile.delay)
    if profile.concurrency is not None:
        put("CONCURRENT_REQUESTS_PER_DOMAIN", profile.concurrency)
    if profile.max_pages:
        put("CLOSESPIDER_PAGECOUNT", profile.max_pages)
    if settings.getfloat("DOWNLOAD_DELAY") <= 0:
        # Scrapy 2.14+ under asyncio does not hold the per-domain cap with a zero delay.
        logger.warning("DOWNLOAD_DELAY is 0: per-domain concurrency is not enforced by Scrapy")

    data_dir = Path(settings.get("PATROL_DATA_DIR") or config.get("PATROL_DATA_DIR"))
    if settings.getbool("PATROL_HTTPCACHE", config.get("PATROL_HTTPCACHE")):
        put("HTTPCACHE_ENABLED", True)
        put("HTTPCACHE_POLICY", "spiders.middlewares.cachepolicy.RevalidatePolicy")
        put("HTTPCACHE_DIR", str(data_dir / "httpcache" / profile.name))

    dmw = settings.getdict("DOWNLOADER_MIDDLEWARES")
    if settings.getbool("HTTPCACHE_ENABLED"):
        # Scrapy's cache middleware (900 in its base order) with no rewrite on a 304.
        dmw.setdefault("scrapy.downloadermiddlewares.httpcache.HttpCacheMiddleware", None)
        dmw.setdefault("spiders.middlewares.cachepolicy.KeepEntryCacheMiddleware", 900)
    dmw.setdefault("spiders.middlewares.pagecap.PageCapMiddleware", 950)
    put("DOWNLOADER_MIDDLEWARES", dmw)

    if profile.render == "browser":
        # Only browser profiles get the Playwright handlers (they start a browser).
        put("DOWNLOAD_HANDLERS", {"http": PLAYWRIGHT_HANDLER, "https": PLAYWRIGHT_HANDLER})
        put("PLAYWRIGHT_BROWSER_TYPE", "chromium")
        options = {"headless": True, "args": CHROMIUM_ARGS}
        chromium = settings.get("PATROL_CHROMIUM")
        if chromium:
            options["executable_path"] = chromium
        put("PLAYWRIGHT_LAUNCH_OPTIONS", options)
        put("PLAYWRIGHT_MAX_CONTEXTS", 1)
        put("PLAYWRIGHT_MAX_PAGES_PER_CONTEXT", max(1, settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN")))
        allowed = set(profile.allowed_domains)
        # A rendered page may pull in anything; only its own site is fetched.
        put("PLAYWRIGHT_ABORT_REQUEST", lambda req: not _on_site(req.url, allowed))


def _on_site(url: str, allowed: set[str]) -> bool:
    from urllib.parse import urlsplit
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "about"):
        return True
    host = parts.hostname or ""
    return any(host == d or host.endswith("." + d) for d in allowed)
