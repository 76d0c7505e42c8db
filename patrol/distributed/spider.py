"""The worker's spider: serves requests of many sources through the same
``ProfileSpider`` callbacks and page classes as ``patrol crawl``.

A request from the frontier carries its source and run (``patrol_source``,
``patrol_run`` in meta). The worker keeps one ``SourceSpider`` (a
``ProfileSpider`` with a profile loaded once, re-read only when its file
changes) per run it serves, and calls that spider's callback by name. What a
``ProfileSpider`` keeps in memory for its site — the about page asked for
once, the licence/contact/shop name it supplies to other items — is shared
through Redis for the run, so every worker fills items the same way.

Each callback runs to its end before its output is handed on (``_run``):
site values are published before any request it made can reach another
worker, and its items and requests are tagged with its lease.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

import scrapy
from scrapy.exceptions import IgnoreRequest

from patrol.distributed.codec import CodecError
from patrol.distributed.dupefilter import fingerprint
from patrol.distributed.frontier import Frontier
from patrol.distributed.leases import LeaseStats, LeaseTracker
from spiders.profile_spider import START_FIELDS, ProfileSpider
from spiders.profiles import Profile, find_profile

logger = logging.getLogger(__name__)

LEASE_KEY, RUN_KEY = "_patrol_lease", "_patrol_run"  # on items; never stored (leading "_")


class _RunCrawler:
    """The crawler as a source's spider sees it: the same, with lease-counted stats."""

    def __init__(self, crawler, stats):
        self._crawler = crawler
        self.stats = stats

    def __getattr__(self, name):
        return getattr(self._crawler, name)


class SourceSpider(ProfileSpider):
    """One source in one run, inside a worker."""

    def __init__(self, profile: Profile, run: str, frontier: Frontier, crawler):
        super().__init__(profile=profile)
        self.run = run
        self.frontier = frontier
        self.crawler = crawler
        self.settings = crawler.settings
        self._published: dict[str, Any] = {}

    def _settled(self) -> bool:
        """Nothing more to learn from Redis: the about page is done (and the
        start page's values came before it), or there is no about page to wait
        for and the start page's values are here."""
        if self._site_state == "done":
            return True
        return not self.profile.links.get("about") and all(
            self._site.get(k) for k in START_FIELDS[self.profile.kind])

    def refresh_site(self) -> None:
        """The run's site state and values from Redis (another worker may have them)."""
        if self._settled():
            return
        shared = self.frontier.site(self.run)
        values = {k[2:]: json.loads(v) for k, v in shared.items() if k.startswith("f:")}
        for key, value in values.items():
            self._site.setdefault(key, value)
        self._published.update(values)
        if "__about" in shared:
            self._about_urls.add(shared["__about"])
        if "__done" in shared:
            if self._site_state != "done":
                self._site.update(values)
            self._site_state = "done"
        elif "__about" in shared and self._site_state == "unknown":
            self._site_state = "requested"

    def publish_site(self) -> None:
        """Values first seen here (the start page's shop name) go to Redis."""
        new = {k: v for k, v in self._site.items() if self._published.get(k) != v}
        if new:
            self.frontier.site_put(self.run, new, overwrite=False)
            self._published.update(new)

    def _about(self, response):
        # As ProfileSpider._about, but "once" means once per run over all workers.
        for url in self._links(response, "about"):
            if self._site_state == "unknown" and self._on_site(url):
                self._about_urls.add(url)
                if self.frontier.site_claim_about(self.run, url):
                    self._site_state = "requested"
                    yield self.make_request(url, self.parse_about, priority=10, dont_filter=True,
                                            role="about")
                else:
                    self.refresh_site()

    def _finish_site(self, about_item):
        held = list(super()._finish_site(about_item))
        self.frontier.site_put(self.run, self._site, overwrite=True, done=True)
        self._published.update(self._site)
        return held

    def site_settled(self) -> bool:
        """True when held items may go: the about page is done (or the run is ending)."""
        if self._site_state == "done":
            return True
        self.refresh_site()
        return self._site_state == "done" or self.frontier.run_info(self.run).get("state") != "running"


class Callback:
    """A source spider's callback as the frontier names it (``codec``)."""

    def __init__(self, worker: "WorkerSpider", source: SourceSpider, name: str):
        self.worker, self.source, self.patrol_callback_name = worker, source, name

    def __call__(self, result, **kwargs):
        if self.patrol_callback_name == "seed":
            return self.worker.run_seed(self.source, result)
        method = getattr(self.source, self.patrol_callback_name)
        return self.worker.run_callback(self.source, method, result, kwargs)

    def __repr__(self) -> str:
        return f"<{self.source.profile.name}.{self.patrol_callback_name}>"


class WorkerSpider(scrapy.Spider):
    name = "patrol-worker"

    def __init__(self, worker_id: str = "", *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.worker_id = worker_id or f"{os.uname().nodename}:{os.getpid()}"
        self.tracker = LeaseTracker()
        self.sources: dict[tuple[str, str], SourceSpider] = {}
        self._profiles: dict[str, tuple[float, Profile]] = {}

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any):
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.frontier = Frontier(crawler.settings.get("PATROL_REDIS_URL"),
                                   crawler.settings.get("PATROL_REDIS_PREFIX") or "patrol")
        spider.frontier.ping()
        spider.stats = LeaseStats(crawler, spider.tracker)
        spider.run_crawler = _RunCrawler(crawler, spider.stats)
        return spider

    async def start(self):
        return
        yield  # the frontier feeds this spider; nothing of its own to start

    def log(self, message: Any, level: int = logging.DEBUG, **kw: Any) -> None:
        """scrapy-redis's scheduler still calls the deprecated ``Spider.log``."""
        self.logger.log(level, message, **kw)

    # -- sources ------------------------------------------------------------------
    def profile(self, source: str) -> Profile:
        """The source's profile, loaded once and again only when its file changed."""
        cached = self._profiles.get(source)
        if cached is not None:
            try:
                if Path(cached[1].path).stat().st_mtime == cached[0]:
                    return cached[1]
            except OSError:
                return cached[1]
        profile = find_profile(source, self.settings.get("PATROL_SOURCES") or None)
        self._profiles[source] = (Path(profile.path).stat().st_mtime, profile)
        return profile

    def source_spider(self, source: str, run: str) -> SourceSpider:
        key = (source, run)
        if key not in self.sources:
            self.sources[key] = SourceSpider(self.profile(source), run, self.frontier, self.run_crawler)
        return self.sources[key]

    def resolve(self, meta: dict, name: str) -> Callback:
        source, run = meta.get("patrol_source"), meta.get("patrol_run")
        if not isinstance(source, str) or not isinstance(run, str):
            raise CodecError("stored request has no patrol_source/patrol_run in meta")
        spider = self.source_spider(source, run)
        if name != "seed" and not callable(getattr(spider, name, None)):
            raise CodecError(f"source {source}: no callback {name!r}")
        return Callback(self, spider, name)

    def weight(self, source: str) -> float:
        try:
            return float(self.profile(source).weight or 1.0)
        except Exception:  # a profile gone since: store its items at normal priority
            return 1.0

    def forget_run(self, run: str) -> None:
        for key in [k for k, s in self.sources.items() if k[1] == run and not s._held]:
            del self.sources[key]

    # -- running callbacks ----------------------------------------------------------
    async def run_seed(self, source: SourceSpider, response) -> list:
        requests = [r async for r in source.start()]
        return self.run_callback(source, lambda _r: requests, response, {})

    def run_callback(self, source: SourceSpider, method, result, kwargs: dict) -> list:
        request = getattr(result, "request", None)
        lease = request.meta.get("patrol_lease") if request is not None else None
        tracker = self.tracker
        if isinstance(result, scrapy.http.Response) is False and request is not None:
            self._failed(source, request, result)
        source.refresh_site()
        tracker.current = lease
        try:
            out = list(method(result, **kwargs) or ())
        except Exception:
            tracker.called(lease)  # Scrapy logs and counts the spider error
            raise
        finally:
            tracker.current = None
            self._tag_held(source, lease)
            source.publish_site()
        kept = []
        max_url = self.settings.getint("URLLENGTH_LIMIT")
        for obj in out:
            if isinstance(obj, scrapy.Request):
                # Filtered here, not by Scrapy's offsite and URL-length middlewares
                # later: this worker serves many sites, and a request that vanished
                # after this point would keep its parent's lease waiting.
                if not obj.url.startswith("data:") and not source._on_site(obj.url):
                    tracker.count(lease, "offsite/filtered")
                    continue
                if max_url and len(obj.url) > max_url:
                    tracker.count(lease, "urllength/request_ignored_count")
                    continue
                tracker.wait(lease)  # until the scheduler has queued it
                obj.meta["patrol_source"] = source.profile.name
                obj.meta["patrol_run"] = source.run
                obj.meta.pop("patrol_lease", None)
                obj.meta.pop("patrol_slot", None)
                obj.meta["patrol_parent"] = lease
            elif isinstance(obj, dict) and LEASE_KEY not in obj:
                obj[LEASE_KEY], obj[RUN_KEY] = lease, source.run
                tracker.wait(lease)
            kept.append(obj)
        tracker.called(lease)
        return kept

    def _tag_held(self, source: SourceSpider, lease: str | None) -> None:
        for item in source._held:
            if LEASE_KEY not in item:
                item[LEASE_KEY], item[RUN_KEY] = lease, source.run
                self.tracker.wait(lease)

    def _failed(self, source: SourceSpider, request, failure) -> None:
        """A request that failed after its retries: recorded in the run and
        forgotten by its duplicate filter (a link to it elsewhere is tried again)."""
        lease = request.meta.get("patrol_lease")
        if failure.check(IgnoreRequest) and "robots.txt" in str(failure.value):
            return  # obeying robots.txt is not a failure
        text = str(failure.value)
        reason = f"{type(failure.value).__name__}: {text.splitlines()[0][:200] if text else ''}"
        limit = request.meta.get("max_retry_times", self.settings.getint("RETRY_TIMES"))
        if request.meta.get("retry_times", 0) >= limit > 0:
            # As Scrapy's RetryMiddleware counts (and logs at ERROR) a request it gave up on.
            self.tracker.count(lease, "retry/max_reached")
            self.tracker.count(lease, "log_count/ERROR")
        self.tracker.count(lease, "patrol/frontier/failed")
        try:
            self.frontier.record_failure(source.run, request.url, reason)
            if not request.dont_filter:
                self.frontier.forget(source.run, fingerprint(request))
        except Exception as exc:  # the failure is still counted in the run's stats
            logger.warning("cannot record the failure of %s: %s", request.url, exc)

    def release_settled(self) -> int:
        """Held items of runs whose about page is done leave through a local request."""
        n = 0
        for source in list(self.sources.values()):
            if source._held and source.site_settled():
                n += len(source._held)
                self.crawler.engine.crawl(scrapy.Request(
                    "data:,", callback=Callback(self, source, "_flush"), dont_filter=True,
                    meta={"dont_obey_robotstxt": True, "dont_cache": True, "patrol_local": True,
                          "patrol_source": source.profile.name, "patrol_run": source.run}))
        return n
