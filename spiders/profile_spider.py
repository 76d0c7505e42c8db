"""The profile-driven spider: ``scrapy crawl profile -a source=<name or path>``.

It only routes: start URLs and listing pages give listing, detail, next-page
and about links (LinkExtractor restricted to the profile's regions); each
response goes to the page class of its role; errors are counted in stats
under ``patrol/...`` and never stop the crawl. The about page (a shop's 资质
page, a news site's about/contact page) is fetched once, early, and its
licence/contact text fills items that lack it.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.exceptions import DontCloseSpider, IgnoreRequest
from scrapy.linkextractors import LinkExtractor
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import (ConnectionRefusedError, DNSLookupError, TCPTimedOutError,
                                    TimeoutError as TwistedTimeoutError)

from patrol.errors import PatrolError
from patrol.items import SEEN_KEY, content_hash, seen_record
from spiders.exchange import EVIDENCE_PIPELINE, EXCHANGE_KEY, SCREENSHOT_KEY, exchange_of
from spiders.pages import page_class
from spiders.profiles import Profile, find_profile
from spiders.settings_profile import apply_profile

logger = logging.getLogger(__name__)

# The stage that expands or resolves the records of unchanged pages (patrol.items.SEEN_KEY).
DEDUPE_PIPELINE = "pipelines.dedupe.DedupePipeline"
# Pages always parsed, even when a 304 says they are unchanged: the start page
# supplies START_FIELDS and the about page SITE_FIELDS to the pages that changed.
ALWAYS_PARSED = ("start", "about")

# Fields an about page supplies to the other items of the same site.
SITE_FIELDS = {"shop": ("licence",), "news": ("licence_claim", "contact"), "app": ()}
# Fields a start page supplies to the other items of the same site.
START_FIELDS = {"shop": ("shop_name", "seller"), "news": ("outlet",), "app": ()}


def _extractor(profile: Profile, role: str) -> LinkExtractor | None:
    specs = profile.links.get(role)
    if not specs and role == "detail" and not profile.links:
        specs = ("body",)  # no link rules: every on-site link of a start page is a detail page
    if not specs:
        return None
    # No allow_domains here: LinkExtractor compares host:port, and off-site
    # links are dropped (and counted) by Scrapy's OffsiteMiddleware anyway.
    return LinkExtractor(
        restrict_css=[s for s in specs if not s.startswith("xpath:")],
        restrict_xpaths=[s[6:] for s in specs if s.startswith("xpath:")],
        unique=True)


WAIT_FOR_MS = 10_000


async def wait_softly(page, selector: str, timeout_ms: int) -> bool:
    """Wait for the profile's ``wait_for`` selector; a page without it (a listing,
    an error page) is taken as it is after the timeout instead of failing."""
    try:
        await page.wait_for_selector(selector, timeout=timeout_ms)
        return True
    except Exception:  # playwright's TimeoutError; the page is still usable
        logger.info("wait_for %r not found on %s after %d ms", selector, page.url, timeout_ms)
        return False


class ProfileSpider(scrapy.Spider):
    name = "profile"

    def __init__(self, source: str | None = None, *args: Any, profile: Profile | None = None,
                 **kwargs: Any):
        super().__init__(*args, **kwargs)
        if not source and profile is None:
            raise PatrolError("spider profile: give the source profile with -a source=<name or path>")
        # A loaded profile may be handed in (a distributed worker loads each profile once).
        self.profile: Profile = profile if profile is not None else find_profile(source)
        self.allowed_domains = list(self.profile.allowed_domains)
        self.extractors = {role: _extractor(self.profile, role)
                           for role in ("listing", "detail", "next", "about")}
        self._site: dict[str, Any] = {}     # values from the about page
        self._site_state = "unknown"        # unknown → requested → done
        self._held: list[dict] = []          # items waiting for the about page
        self._about_urls: set[str] = set()   # fetched once as "about", not again as detail

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any):
        spider = super().from_crawler(crawler, *args, **kwargs)
        apply_profile(crawler.settings, spider.profile)  # settings are not frozen yet (Scrapy >= 2.11)
        crawler.signals.connect(spider._on_idle, signal=signals.spider_idle)
        crawler.signals.connect(spider._on_scraped, signal=signals.item_scraped)
        return spider

    def _on_scraped(self, item, response=None, spider=None) -> None:
        """``patrol/items/<kind>`` counts the items that came through every
        pipeline (kept), so by kind they add up to ``item_scraped_count``: the
        one definition of a run's items (``pipelines.outcome.run_counts``)."""
        kind = item.get("kind") if hasattr(item, "get") else None
        if kind:
            self.crawler.stats.inc_value(f"patrol/items/{kind}")

    def _on_idle(self) -> None:
        """Never end with items still waiting for an about page that will not come."""
        if self._held:
            self._site_state = "done"
            self.crawler.engine.crawl(scrapy.Request("data:,", callback=self._flush, dont_filter=True,
                                                     meta={"dont_obey_robotstxt": True, "dont_cache": True}))
            raise DontCloseSpider

    def _flush(self, response) -> Iterator[dict]:
        held, self._held = self._held, []
        for item in held:
            yield self._fill(item)

    def _on_site(self, url: str) -> bool:
        host = urlsplit(url).hostname or ""
        return any(host == d or host.endswith("." + d) for d in self.profile.allowed_domains)

    # -- requests ------------------------------------------------------------
    def make_request(self, url: str, callback, *, priority: int = 0, dont_filter: bool = False,
                     role: str = "") -> scrapy.Request:
        meta: dict[str, Any] = {"patrol_role": role}
        if self.profile.render == "browser":
            from scrapy_playwright.page import PageMethod
            methods = []
            if self.profile.wait_for:
                methods.append(PageMethod(wait_softly, self.profile.wait_for, WAIT_FOR_MS))
            shot = self.screenshot_path(url)
            if shot:
                methods.append(PageMethod("screenshot", path=shot, full_page=True))
                meta["patrol_screenshot"] = shot
            if self.evidence_on:
                # Evidence of a flagged page (pipelines/evidence.py): the screenshot
                # is taken now, as bytes in memory (a page is only known to be
                # flagged after it is closed), and written only if it is flagged.
                if not shot:
                    methods.append(PageMethod("screenshot", full_page=True, type="png"))
                meta[SCREENSHOT_KEY] = len(methods) - 1  # an index: meta may be serialised
                meta["playwright_page_event_handlers"] = {"response": "keep_navigation_body"}
            # Rendered pages are always rendered again, never served from the HTTP cache.
            meta.update(playwright=True, playwright_page_methods=methods, dont_cache=True)
        return scrapy.Request(url, callback=callback, errback=self.on_error, meta=meta,
                              priority=priority, dont_filter=dont_filter)

    @property
    def evidence_on(self) -> bool:
        """Whether pages carry their exchange for evidence: only when the
        evidence pipeline will take it off the item again. Without it (a crawl
        with ITEM_PIPELINES={} and a feed) the raw bytes would reach the feed."""
        if "_evidence_on" not in self.__dict__:
            pipelines = self.settings.getwithbase("ITEM_PIPELINES")
            self._evidence_on = (self.settings.getbool("PATROL_EVIDENCE")
                                 and pipelines.get(EVIDENCE_PIPELINE) is not None)
        return self._evidence_on

    @property
    def skip_unchanged(self) -> bool:
        """Whether pages a 304 confirmed go to the pipelines unparsed, as records
        of the visit: only when the dedupe stage will resolve them again (a
        crawl with ITEM_PIPELINES={} and a feed gets every page parsed)."""
        if "_skip_unchanged" not in self.__dict__:
            pipelines = self.settings.getwithbase("ITEM_PIPELINES")
            self._skip_unchanged = pipelines.get(DEDUPE_PIPELINE) is not None
        return self._skip_unchanged

    def screenshot_path(self, url: str) -> str:
        enabled = self.profile.screenshot
        if enabled is None:
            enabled = self.settings.getbool("PATROL_SCREENSHOTS")
        if not enabled:
            return ""
        folder = Path(self.settings.get("PATROL_DATA_DIR")) / "screenshots" / self.profile.name
        folder.mkdir(parents=True, exist_ok=True)
        return str(folder / (hashlib.sha1(url.encode()).hexdigest()[:20] + ".png"))

    async def keep_navigation_body(self, response) -> None:
        """Playwright's ``response`` event: the body of a top-level navigation as
        the server sent it (the Scrapy response of a rendered page holds the DOM)."""
        try:
            if not response.request.is_navigation_request() or response.frame.parent_frame:
                return
            body = await response.body()
        except Exception:  # a redirect or an aborted navigation has no body
            return
        wire = self.__dict__.setdefault("_wire_bodies", {})
        wire[response.url] = body
        while len(wire) > 64:  # pages whose item never came (errors) must not pile up
            wire.pop(next(iter(wire)))

    async def start(self):
        for url in self.profile.start_urls:
            yield self.make_request(url, self.parse_listing, role="start")

    # -- callbacks -------------------------------------------------------------
    def _links(self, response, role: str) -> list[str]:
        ex = self.extractors.get(role)
        if ex is None or not isinstance(response, scrapy.http.TextResponse):
            return []
        return [link.url for link in ex.extract_links(response) if link.url not in self._about_urls]

    def _count_response(self, response, role: str) -> None:
        stats = self.crawler.stats
        stats.inc_value(f"patrol/pages/{role}")
        if response.meta.get("redirect_urls"):
            stats.inc_value("patrol/redirected")
        if "cached" in response.flags:
            stats.inc_value("patrol/unchanged")
        encoding = getattr(response, "encoding", None)
        if encoding and encoding.lower() not in ("utf-8", "utf8", "ascii"):
            stats.inc_value(f"patrol/encoding/{encoding.lower()}")

    def _item(self, response, kind: str) -> dict | None:
        if not isinstance(response, scrapy.http.TextResponse):
            self.crawler.stats.inc_value("patrol/not_html")
            return None
        page = page_class(kind)(response, self.profile, role=response.meta.get("patrol_role") or "detail",
                                rendered="playwright" in response.flags,
                                screenshot=response.meta.get("patrol_screenshot"))
        item = page.to_item()
        for issue in page.issues:  # no_main_content, unparsed/<field>: kept as an item, counted
            self.crawler.stats.inc_value(f"patrol/extract/{issue}")
        if self.evidence_on:
            wire = self.__dict__.get("_wire_bodies", {}).pop(response.url, None)
            item[EXCHANGE_KEY] = exchange_of(response, wire_body=wire)
        self.crawler.stats.inc_value(f"patrol/extracted/{kind}")  # before the pipelines' de-duplication
        return item

    def _page(self, response, kind: str) -> dict | None:
        """The page's item, or only the record of its visit when the HTTP cache
        confirmed it unchanged (a 304): no parsing, extraction or hashing; the
        dedupe stage expands the record if the store does not know the page."""
        role = response.meta.get("patrol_role") or "detail"
        if ("cached" not in response.flags or role in ALWAYS_PARSED or not self.skip_unchanged
                or not isinstance(response, scrapy.http.TextResponse)):
            return self._item(response, kind)
        self.crawler.stats.inc_value("patrol/unparsed_unchanged")
        return seen_record(url=response.url.split("#", 1)[0], source=self.profile.name, kind=kind,
                           expand=lambda: self._expand(response, kind))

    def _expand(self, response, kind: str) -> dict | None:
        item = self._item(response, kind)
        return self._fill(item) if item else None

    def _about(self, response) -> Iterator[scrapy.Request]:
        """Request the site's about page once, early; items wait for it (``_held``)."""
        for url in self._links(response, "about"):
            # dont_filter below would also let an off-site link past OffsiteMiddleware.
            if self._site_state == "unknown" and self._on_site(url):
                self._site_state = "requested"
                self._about_urls.add(url)
                yield self.make_request(url, self.parse_about, priority=10, dont_filter=True, role="about")

    def parse_listing(self, response) -> Iterator[Any]:
        self._count_response(response, "listing")
        yield from self._about(response)
        for role, callback in (("listing", self.parse_listing), ("next", self.parse_listing),
                               ("detail", self.parse_detail)):
            for url in self._links(response, role):
                yield self.make_request(url, callback, role=role)
        # A shop's listing page is the shop; other kinds' listings are plain pages.
        # (Its links above are followed whether or not it changed.)
        item = self._page(response, "shop" if self.profile.kind == "shop" else "page")
        if item and response.meta.get("patrol_role") == "start":
            for key in START_FIELDS[self.profile.kind]:
                # a news home page is a ``page`` item: its outlet is in ``site``
                value = item.get(key) or (item.get("site") or {}).get(key)
                if value:
                    self._site.setdefault(key, value)
        yield from self._release(item)

    def parse_detail(self, response) -> Iterator[Any]:
        self._count_response(response, "detail")
        yield from self._about(response)
        # Detail pages link to more details (related apps, an old URL that redirects).
        if self.profile.links.get("detail"):
            for url in self._links(response, "detail"):
                yield self.make_request(url, self.parse_detail, role="detail")
        yield from self._release(self._page(response, self.profile.kind))

    def parse_about(self, response) -> Iterator[Any]:
        self._count_response(response, "about")
        item = self._item(response, self.profile.kind)
        if item:
            self._site.update({k: item[k] for k in SITE_FIELDS[self.profile.kind] if item.get(k)})
        yield from self._finish_site(item)

    def _finish_site(self, about_item: dict | None) -> Iterator[dict]:
        self._site_state = "done"
        held, self._held = self._held, []
        if about_item:
            yield self._fill(about_item)
        for item in held:
            yield self._fill(item)

    def _fill(self, item: dict) -> dict:
        if item.get("kind") != self.profile.kind:
            return item
        changed = False
        for key, value in self._site.items():
            if not item.get(key):
                item[key] = value
                changed = True
        if changed:
            item["content_hash"] = content_hash(item)
        return item

    def _release(self, item: dict | None) -> Iterator[dict]:
        if item is None:
            return
        if SEEN_KEY in item:  # carries no content for the about page to complete
            yield item
            return
        if self._site_state == "requested" and item["kind"] == self.profile.kind:
            self._held.append(item)
            return
        yield self._fill(item)

    # -- errors ----------------------------------------------------------------
    def on_error(self, failure) -> Iterator[Any]:
        request = failure.request
        stats = self.crawler.stats
        exc = failure.value
        if failure.check(HttpError):
            key = f"patrol/http_error/{exc.response.status}"
        elif failure.check(IgnoreRequest) and "robots.txt" in str(exc):
            key = "patrol/robots_forbidden"
        elif failure.check(IgnoreRequest):
            key = "patrol/ignored"
        elif failure.check(TwistedTimeoutError, TCPTimedOutError) or "Timeout" in type(exc).__name__:
            key = "patrol/timeout"
        elif failure.check(DNSLookupError):
            key = "patrol/dns_error"
        elif failure.check(ConnectionRefusedError):
            key = "patrol/connection_refused"
        else:
            key = f"patrol/error/{type(exc).__name__}"
        if request.meta.get("playwright") and not failure.check(HttpError, IgnoreRequest):
            stats.inc_value("patrol/browser_error")
        stats.inc_value(key)
        stats.inc_value("patrol/errors")
        logger.warning("%s: %s (%s)", key, request.url, str(exc).splitlines()[0][:200] if str(exc) else "")
        if request.meta.get("patrol_role") == "about":
            yield from self._finish_site(None)


