"""robots.txt once per site per run, over all workers.

Scrapy's ``RobotsTxtMiddleware`` fetches robots.txt once per site per
*process* and keeps it for the process's life: with N long-running workers a
site would see N fetches, and never a fresh one on the next night. This
subclass keeps Scrapy's parsing and its allow/deny check and changes where
the file comes from: the first worker to need a site's robots.txt in a run
fetches it (holding a short Redis lock, and a slot of the site like any
other request, so a ``concurrency: 1`` site still sees one request at a
time) and stores it in Redis for the run; the others wait for it and parse
the stored copy.
"""

from __future__ import annotations

import asyncio
import json
import logging

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.http import Request
from scrapy.http.request import NO_CALLBACK
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler

from patrol import config
from patrol.distributed.frontier import FrontierUnavailable, host_key

logger = logging.getLogger(__name__)



class RunRobotsTxtMiddleware(RobotsTxtMiddleware):
    def __init__(self, crawler):
        super().__init__(crawler)
        self._politeness: dict[str, tuple[int, int]] = {}
        self._lock_seconds = crawler.settings.getfloat("PATROL_LEASE_SECONDS")

    async def robot_parser(self, request: Request):
        run = request.meta.get("patrol_run")
        if not run:  # a worker-local request
            return None
        netloc = urlparse_cached(request).netloc
        key = f"{run}|{netloc}"
        if key not in self._parsers:
            fut = asyncio.get_running_loop().create_future()
            self._parsers[key] = fut
            try:
                body = await self._shared_body(request, run, netloc)
                parser = build_from_crawler(self._parserimpl, self.crawler, body) if body is not None else None
            except Exception as exc:  # as Scrapy: a robots.txt that cannot be had allows all
                logger.error("robots.txt of %s: %s", netloc, exc)
                parser = None
            self._parsers[key] = parser
            fut.set_result(parser)
        parser = self._parsers[key]
        if isinstance(parser, asyncio.Future):
            return await parser
        return parser

    def forget_run(self, run: str) -> None:
        for key in [k for k in self._parsers if k.startswith(run + "|")]:
            del self._parsers[key]
        self._politeness.pop(run, None)

    async def _shared_body(self, request: Request, run: str, netloc: str) -> bytes | None:
        frontier = self.crawler.spider.frontier
        me = self.crawler.spider.worker_id
        while True:
            stored = frontier.robots(run, netloc)
            if stored is not None:
                doc = json.loads(stored)
                return doc["body"].encode("utf-8", "surrogateescape") if doc.get("ok") else None
            # Held as long as a lease: a worker that dies fetching it frees it as soon.
            if frontier.claim(f"robots:{run}:{netloc}", me, self._lock_seconds):
                break
            await asyncio.sleep(0.1)  # another worker is fetching it
        url = urlparse_cached(request)
        body, ok = await self._fetch(run, f"{url.scheme}://{netloc}/robots.txt", request)
        frontier.put_robots(run, netloc, json.dumps(
            {"ok": ok, "body": body.decode("utf-8", "surrogateescape") if ok else ""}))
        self.crawler.spider.tracker.count(request.meta.get("patrol_lease"), "robotstxt/request_count")
        return body if ok else None

    async def _fetch(self, run: str, url: str, request: Request) -> tuple[bytes, bool]:
        frontier = self.crawler.spider.frontier
        concurrency, delay_ms = self._run_politeness(run)
        host, token = host_key(url), f"robots:{run}:{host_key(url)}"
        # The request that needs robots.txt usually holds a slot of the site
        # already (taken with its lease): robots.txt is fetched in that slot,
        # and the request itself waits the site's delay after it. Taking a
        # second slot would wait for ever on a site of concurrency 1.
        own = request.meta.get("patrol_slot") == host
        while not own:
            wait = frontier.acquire(host, token, concurrency, delay_ms)
            if wait == 0:
                break
            await asyncio.sleep(min(wait, 500) / 1000)
        try:
            response = await self.crawler.engine.download_async(Request(
                url, priority=self.DOWNLOAD_PRIORITY, callback=NO_CALLBACK,
                meta={"dont_obey_robotstxt": True, "patrol_run": run}))
            self._stats.inc_value("robotstxt/response_count")
            if response.status >= 400:  # as Scrapy's parser treats a missing file: allow all
                return b"", True
            return response.body, True
        except Exception as exc:
            logger.warning("robots.txt %s not fetched: %s", url, exc)
            return b"", False
        finally:
            if own:
                await asyncio.sleep(delay_ms / 1000)
            else:
                try:
                    frontier.release(host, token)
                except FrontierUnavailable:
                    pass

    def _run_politeness(self, run: str) -> tuple[int, int]:
        if run not in self._politeness:
            info = self.crawler.spider.frontier.run_info(run)
            self._politeness[run] = (
                int(info.get("concurrency") or config.get("PATROL_CONCURRENCY_PER_DOMAIN")),
                int(info.get("delay_ms") or 0))
        return self._politeness[run]
