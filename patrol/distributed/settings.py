"""Scrapy settings of a ``patrol worker``: the project's settings
(``patrol/settings.py``: user agent, robots.txt, retries, page cap, HTTP
cache, pipelines) with the frontier's scheduler, queue, duplicate filter,
robots.txt and slot middlewares, and the worker's pipelines and extension.

What a profile decides for its own crawl (``spiders/settings_profile.py``)
cannot be a process-wide setting in a worker that serves every source at
once, so:

- politeness: ``delay`` and ``concurrency`` are the run's, held in Redis per
  site over all workers (``lua.POP``); Scrapy's own per-process delay and
  AutoThrottle are off, since a per-process estimate cannot keep a limit
  that is shared by N processes (the shared delay is the profile's, or
  ``PATROL_DOWNLOAD_DELAY``);
- ``max_pages`` caps the requests queued for the run (``lua.PUSH``);
- the browser: Playwright's handler is installed when any profile renders in
  a browser (it downloads other requests as plain HTTP), and rendered pages
  may fetch from the sites of every browser profile only.
"""

from __future__ import annotations

from pathlib import Path

from scrapy.settings import Settings
from scrapy.utils.project import get_project_settings

from patrol import config
from spiders.settings_profile import CHROMIUM_ARGS, PLAYWRIGHT_HANDLER, _on_site

D = "patrol.distributed"


def worker_settings(*, concurrency: int, browser_domains: set[str] | None = None,
                    browser_pages: int = 2) -> Settings:
    import os
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "patrol.settings")
    s = get_project_settings()
    put = lambda name, value: s.set(name, value, priority="cmdline")  # noqa: E731
    put("PATROL_REDIS_URL", config.get("PATROL_REDIS_URL"))
    put("PATROL_REDIS_PREFIX", config.get("PATROL_REDIS_PREFIX"))
    put("PATROL_LEASE_SECONDS", config.get("PATROL_LEASE_SECONDS"))
    put("PATROL_WORKER_HEARTBEAT", config.get("PATROL_WORKER_HEARTBEAT"))
    put("PATROL_CRAWL_TIME_LIMIT", config.get("PATROL_CRAWL_TIME_LIMIT"))
    put("REDIS_URL", config.get("PATROL_REDIS_URL"))
    put("SCHEDULER", f"{D}.scheduler.FrontierScheduler")
    put("SCHEDULER_QUEUE_CLASS", f"{D}.queue.RunQueue")
    put("DUPEFILTER_CLASS", f"{D}.dupefilter.RunDupeFilter")
    put("SCHEDULER_PERSIST", True)
    put("CONCURRENT_REQUESTS", concurrency)
    put("CONCURRENT_REQUESTS_PER_DOMAIN", concurrency)  # the shared slots limit each site
    put("DOWNLOAD_DELAY", 0)
    put("AUTOTHROTTLE_ENABLED", False)
    dmw = dict(s.getdict("DOWNLOADER_MIDDLEWARES"))
    dmw.update({"scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
                f"{D}.robots.RunRobotsTxtMiddleware": 100,
                "spiders.middlewares.pagecap.PageCapMiddleware": 950,
                f"{D}.slots.SharedSlotMiddleware": 960})
    put("DOWNLOADER_MIDDLEWARES", dmw)
    pipes = dict(s.getdict("ITEM_PIPELINES"))
    for old, new in (("pipelines.dedupe.DedupePipeline", f"{D}.pipelines.RunDedupePipeline"),
                     ("pipelines.store.StorePipeline", f"{D}.pipelines.WorkerStorePipeline")):
        if old in pipes:
            pipes[new] = pipes.pop(old)
    put("ITEM_PIPELINES", pipes)
    put("EXTENSIONS", {**s.getdict("EXTENSIONS"), f"{D}.worker.WorkerExtension": 500})
    data_dir = Path(s.get("PATROL_DATA_DIR") or config.get("PATROL_DATA_DIR"))
    if s.getbool("PATROL_HTTPCACHE"):
        put("HTTPCACHE_ENABLED", True)
        put("HTTPCACHE_POLICY", "spiders.middlewares.cachepolicy.RevalidatePolicy")
        put("HTTPCACHE_DIR", str(data_dir / "httpcache" / "worker"))
    if browser_domains:
        put("DOWNLOAD_HANDLERS", {"http": PLAYWRIGHT_HANDLER, "https": PLAYWRIGHT_HANDLER})
        put("PLAYWRIGHT_BROWSER_TYPE", "chromium")
        options = {"headless": True, "args": CHROMIUM_ARGS}
        if s.get("PATROL_CHROMIUM"):
            options["executable_path"] = s.get("PATROL_CHROMIUM")
        put("PLAYWRIGHT_LAUNCH_OPTIONS", options)
        put("PLAYWRIGHT_MAX_CONTEXTS", 1)
        put("PLAYWRIGHT_MAX_PAGES_PER_CONTEXT", max(1, browser_pages))
        allowed = set(browser_domains)
        put("PLAYWRIGHT_ABORT_REQUEST", lambda req: not _on_site(req.url, allowed))
    return s


def browser_profiles(sources_dir: str | None = None) -> tuple[set[str], int]:
    """Allowed domains and the largest concurrency of the browser profiles."""
    from spiders.profiles import ProfileError, load_profile, profile_paths
    domains: set[str] = set()
    pages = 1
    for path in profile_paths(sources_dir):
        try:
            profile = load_profile(path)
        except ProfileError:
            continue
        if profile.render == "browser" and profile.enabled:
            domains |= set(profile.allowed_domains)
            pages = max(pages, profile.concurrency or config.get("PATROL_CONCURRENCY_PER_DOMAIN"))
    return domains, pages
