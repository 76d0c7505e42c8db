"""The worker's book-keeping, as a Scrapy extension of ``patrol worker``.

- checkpoints: leases whose requests are done are finished after the store
  pipeline has flushed the items they produced (``leases`` explains why);
- heartbeat: the worker's load in Redis (``patrol workers``), and the
  deadlines of every lease it holds pushed forward;
- housekeeping: expired leases of dead workers back to their queues, pushes
  that failed while Redis was away retried, held items released when their
  run's about page is done, runs over their time limit stopped, progress of
  running runs and the final record of finished ones written to the store;
- the spider never closes when the frontier is empty: it waits for work.
On SIGTERM Scrapy finishes what is downloading; what this worker still holds
then goes back to the queue at once instead of waiting for its lease to expire.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import time
from concurrent.futures import ThreadPoolExecutor

from scrapy import signals
from scrapy.exceptions import DontCloseSpider

from patrol.distributed import runs as run_records
from patrol.distributed.frontier import FrontierUnavailable
from patrol.distributed.spider import LEASE_KEY
from patrol.store import StoreError, open_store

logger = logging.getLogger(__name__)

PROGRESS_SECONDS = 10.0


class WorkerExtension:
    def __init__(self, crawler):
        self.crawler = crawler
        s = crawler.settings
        self.lease_seconds = s.getfloat("PATROL_LEASE_SECONDS")
        self.beat_seconds = min(s.getfloat("PATROL_WORKER_HEARTBEAT"), self.lease_seconds / 3)
        self.checkpoint_seconds = min(s.getfloat("PATROL_STORE_FLUSH_SECONDS"), self.lease_seconds / 3)
        self.time_limit = s.getfloat("PATROL_CRAWL_TIME_LIMIT")
        self.store_url = s.get("PATROL_STORE")
        self.started = dt.datetime.now(dt.timezone.utc).isoformat()
        self.tasks: list[asyncio.Task] = []
        self.store_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="patrol-runs")
        self._store = None
        self._progress_at = 0.0
        self.closing = False
        for handler, signal in ((self.opened, signals.spider_opened), (self.idle, signals.spider_idle),
                                (self.closed, signals.spider_closed),
                                (self.item_done, signals.item_scraped),
                                (self.item_dropped, signals.item_dropped),
                                (self.item_error, signals.item_error),
                                (self.spider_error, signals.spider_error)):
            crawler.signals.connect(handler, signal=signal)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    @property
    def spider(self):
        return self.crawler.spider

    # -- signals ---------------------------------------------------------------------
    def opened(self, spider) -> None:
        logger.info("worker %s serving %s (prefix %s)", spider.worker_id, spider.frontier.url,
                    spider.frontier.prefix)
        for loop, every in ((self._checkpoint, self.checkpoint_seconds), (self._beat, self.beat_seconds),
                            (self._housekeeping, 1.0)):
            self.tasks.append(asyncio.ensure_future(self._every(loop, every)))

    def idle(self, spider) -> None:
        if not self.closing:
            raise DontCloseSpider

    def item_done(self, item, response, spider) -> None:
        lease = item.get(LEASE_KEY)
        self.spider.tracker.count(lease, "item_scraped_count")
        self.spider.tracker.done_waiting(lease)

    def item_dropped(self, item, response, exception, spider) -> None:
        lease = item.get(LEASE_KEY)
        self.spider.tracker.count(lease, "item_dropped_count")
        self.spider.tracker.count(lease, f"item_dropped_reasons_count/{type(exception).__name__}")
        self.spider.tracker.done_waiting(lease)

    def item_error(self, item, response, spider, failure) -> None:
        lease = item.get(LEASE_KEY)
        self.spider.tracker.count(lease, "log_count/ERROR")
        self.spider.tracker.done_waiting(lease)

    def spider_error(self, failure, response, spider) -> None:
        lease = response.meta.get("patrol_lease") if response is not None else None
        self.spider.tracker.count(lease, "spider_exceptions/count")
        self.spider.tracker.count(lease, "log_count/ERROR")

    async def closed(self, spider, reason) -> None:
        self.closing = True
        for task in self.tasks:
            task.cancel()
        tracker = spider.tracker
        try:
            if self.crawler.stats.get_value("patrol/store/lost", 0):
                # Items the store and the spool both refused: crawl those pages again.
                tracker.give_back(tracker.take_ready())
                back = spider.frontier.requeue(tracker.held())
            else:
                await self._ack(tracker.take_ready())  # the store pipeline flushed on close
                back = spider.frontier.requeue(tracker.unready())
            if back:
                logger.info("%d unfinished requests returned to the frontier", back)
            spider.frontier.leave(spider.worker_id)
        except FrontierUnavailable as exc:
            logger.error("redis away at shutdown (%s): %d leases return when they expire",
                         exc, len(tracker.held()))
        self.store_thread.submit(self._close_store).result()
        self.store_thread.shutdown(wait=True)

    # -- loops -------------------------------------------------------------------------
    async def _every(self, fn, seconds: float) -> None:
        while True:
            await asyncio.sleep(seconds)
            try:
                await fn()
            except asyncio.CancelledError:
                raise
            except FrontierUnavailable as exc:
                logger.warning("redis away: %s", exc)
            except StoreError as exc:  # the run's record waits; its claim expires and it is tried again
                logger.warning("store unavailable for run records: %s", exc)
            except Exception:  # keep the worker serving; the next round tries again
                logger.exception("worker loop %s failed", fn.__name__)

    async def _checkpoint(self) -> None:
        ready = self.spider.tracker.take_ready()
        if not ready:
            return
        store = self._store_pipeline()
        if store is not None and not await store.flush():
            # Neither the store nor the spool took them: the leases stay open and
            # go back to the queue when this worker stops (it is stopping).
            self.spider.tracker.give_back(ready)
            return
        await self._ack(ready)

    async def _ack(self, ready: list) -> None:
        if not ready:
            return
        tracker = self.spider.tracker
        try:
            acked, gone, finished = self.spider.frontier.ack(ready)
        except FrontierUnavailable:
            tracker.give_back(ready)
            raise
        tracker.finished([lease for lease, _ in ready])
        if gone:
            self.crawler.stats.inc_value("patrol/frontier/leases_lost", gone)
            logger.warning("%d leases had expired before they were finished: their requests "
                           "were crawled again elsewhere", gone)
        if finished:
            await self._finish_runs(finished)

    async def _beat(self) -> None:
        spider = self.spider
        held = spider.tracker.held()
        spider.frontier.renew(held, self.lease_seconds)
        stats = self.crawler.stats
        engine = self.crawler.engine
        spider.frontier.heartbeat(spider.worker_id, {
            "beat": int(time.time() * 1000), "host": os.uname().nodename, "pid": os.getpid(),
            "started": self.started, "concurrency": self.crawler.settings.getint("CONCURRENT_REQUESTS"),
            "downloading": len(engine.downloader.active), "leases": len(held),
            "runs": dict(spider.tracker.by_run()), "finished": spider.tracker.acked,
            "pages": stats.get_value("response_received_count", 0),
            "items": stats.get_value("item_scraped_count", 0),
            "spooled": stats.get_value("patrol/store/spooled", 0)}, ttl=3 * self.beat_seconds)

    async def _housekeeping(self) -> None:
        spider, frontier = self.spider, self.spider.frontier
        back = frontier.reap()
        if back:
            logger.warning("%d expired leases (a worker stopped) returned to the frontier", back)
        if spider.scheduler.unpushed:
            spider.scheduler.push_waiting()
        spider.release_settled()
        running = frontier.runs()
        if time.monotonic() - self._progress_at >= PROGRESS_SECONDS:
            self._progress_at = time.monotonic()
            self._stop_late(running)
            mine = [r for r in running if frontier.claim(f"progress:{r}", spider.worker_id, PROGRESS_SECONDS)]
            if mine:
                await self._on_store(lambda store: [run_records.write_progress(frontier, store, r)
                                                    for r in mine])
        await self._finish_runs(frontier.finishing())
        for run in [r for r in {key[1] for key in spider.sources} if r not in running]:
            self._forget(run)

    def _stop_late(self, running: list[str]) -> None:
        now = dt.datetime.now(dt.timezone.utc)
        frontier = self.spider.frontier
        for run in running:
            info = frontier.run_info(run)
            try:
                started = dt.datetime.fromisoformat(info.get("started", ""))
            except ValueError:
                continue
            if info.get("state") == "running" and (now - started).total_seconds() > self.time_limit:
                if frontier.claim(f"stop:{run}", self.spider.worker_id, 60):
                    dropped = run_records.stop(frontier, run, f"time limit of {self.time_limit:.0f}s reached")
                    logger.warning("run %s over its time limit: stopped, %d queued requests dropped",
                                   run, dropped)

    async def _finish_runs(self, runs: list[str]) -> None:
        frontier, me = self.spider.frontier, self.spider.worker_id
        for run in runs:
            if frontier.claim(f"finish:{run}", me, 60):
                await self._on_store(lambda store, run=run: run_records.finish(frontier, store, run))
                self._forget(run)

    def _forget(self, run: str) -> None:
        self.spider.forget_run(run)
        for component in self._components():
            if hasattr(component, "forget_run"):
                component.forget_run(run)

    # -- helpers ----------------------------------------------------------------------------
    def _components(self) -> list:
        engine = self.crawler.engine
        found = list(getattr(engine.scraper.itemproc, "middlewares", ()))
        found += list(getattr(engine.downloader.middleware, "middlewares", ()))
        return found

    def _store_pipeline(self):
        return next((c for c in self._components() if hasattr(c, "flush")), None)

    async def _on_store(self, fn):
        def call():
            if self._store is None:
                self._store = open_store(self.store_url)
            try:
                return fn(self._store)
            except StoreError:
                self._close_store()
                raise
        return await asyncio.wrap_future(self.store_thread.submit(call))

    def _close_store(self) -> None:
        if self._store is not None:
            try:
                self._store.close()
            except Exception:  # a dead connection; nothing to keep
                pass
            self._store = None
