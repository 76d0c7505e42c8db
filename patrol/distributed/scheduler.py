"""scrapy-redis's scheduler, changed where it does not fit a shared frontier.

Kept from ``scrapy_redis.scheduler.Scheduler``: its settings, its Redis
connection from ``REDIS_URL``, and its wiring of queue class
(``SCHEDULER_QUEUE_CLASS``) and duplicate filter (``DUPEFILTER_CLASS``).

Changed, and why:

- ``enqueue_request``: the duplicate check and the push are one Redis script
  (``RunQueue.push``), not ``request_seen`` then ``push``; a request made
  again by a downloader middleware from a leased one (a retry, a redirect)
  finishes that lease once the new one is queued; a push that fails because
  Redis is away is kept in memory and retried, holding its parent's lease.
- ``next_request``: a request comes with a lease and its site's slot
  (``RunQueue.pop``); scrapy-redis pops with no acknowledgement. An empty or
  saturated frontier is asked again after the wait it reports, not on every
  engine tick.
- ``close``/``flush`` never clear anything: the queue outlives every worker
  (scrapy-redis clears it on close unless ``SCHEDULER_PERSIST``).
- requests marked ``patrol_local`` (held items leaving this worker) stay in
  this process.
"""

from __future__ import annotations

import collections
import logging
import time

from scrapy_redis.scheduler import Scheduler

from patrol.distributed.codec import CodecError
from patrol.distributed.dupefilter import fingerprint
from patrol.distributed.frontier import FrontierUnavailable, Taken

logger = logging.getLogger(__name__)

IDLE_POLL = 0.25  # seconds between pops while nothing is queued anywhere


class FrontierScheduler(Scheduler):
    @classmethod
    def from_crawler(cls, crawler):
        instance = super().from_crawler(crawler)
        instance.crawler = crawler
        return instance

    def open(self, spider):
        super().open(spider)
        self.tracker = spider.tracker
        self.frontier = spider.frontier
        self.local: collections.deque = collections.deque()
        self.unpushed: list = []   # (request, fingerprint, lease waiting on it)
        self.next_pop = 0.0
        self._timer = None
        self._timer_at = 0.0
        spider.scheduler = self

    def close(self, reason):
        if self.unpushed:
            logger.error("%d requests could not be queued (Redis away); their parents' leases "
                         "were not finished and will be crawled again", len(self.unpushed))

    def flush(self):
        """Never clear the shared queue."""

    def __len__(self):
        return len(self.local)

    def has_pending_requests(self) -> bool:
        return bool(self.local)

    # -- in -------------------------------------------------------------------------
    def enqueue_request(self, request) -> bool:
        meta = request.meta
        if meta.get("patrol_local"):
            self.local.append(request)
            return True
        replaced = meta.pop("patrol_lease", None)   # a retry or redirect of a leased request
        meta.pop("patrol_slot", None)
        parent = meta.pop("patrol_parent", None)
        if not meta.get("patrol_run"):
            logger.error("request without a run dropped: %s", request.url)
            return False
        fp = "" if request.dont_filter else fingerprint(request)
        try:
            status = self.queue.push(request, fp)
        except CodecError as exc:
            logger.error("%s", exc)
            self.tracker.count(parent or replaced, "patrol/frontier/unserialisable")
            status = -2
        except FrontierUnavailable as exc:
            logger.warning("redis away, request kept in memory: %s (%s)", request.url, exc)
            # The parent already waits for this request (``WorkerSpider.run_callback``);
            # a replaced lease waits for its replacement.
            self.unpushed.append((request, fp, parent or replaced))
            if replaced:
                self.tracker.wait(replaced)
            self._replaced(replaced, request)
            return True
        self._count(parent or replaced, status)
        self._replaced(replaced, request)
        self.tracker.done_waiting(parent)
        return status == 1

    def _count(self, lease, status: int) -> None:
        key = {1: "scheduler/enqueued/redis", 0: "dupefilter/filtered", 2: "patrol/frontier/capped",
               -1: "patrol/frontier/run_not_running"}.get(status)
        if key:
            self.tracker.count(lease, key)
            if self.stats:
                self.stats.inc_value(key)

    def _replaced(self, lease, request) -> None:
        """The leased request is done: a new one took its place (or was filtered)."""
        if not lease:
            return
        if request.meta.get("retry_times"):
            self.tracker.count(lease, "retry/count")
        elif request.meta.get("redirect_times"):
            self.tracker.count(lease, "downloader/redirected")
        self.tracker.called(lease)

    def push_waiting(self) -> int:
        """Retry the pushes that failed while Redis was away."""
        waiting, self.unpushed = self.unpushed, []
        done = 0
        for n, (request, fp, lease) in enumerate(waiting):
            try:
                status = self.queue.push(request, fp)
            except FrontierUnavailable:
                self.unpushed = waiting[n:] + self.unpushed
                break
            self._count(lease, status)
            self.tracker.done_waiting(lease)
            done += 1
        return done

    # -- out --------------------------------------------------------------------------
    def _wake_in(self, seconds: float) -> None:
        """Ask again when the frontier said a request will be ready. The engine
        itself asks only when a download ends or on its 5 s heartbeat, which
        would leave a site's slots idle between its delays."""
        from twisted.internet import reactor
        when = time.monotonic() + seconds
        if self._timer is not None and self._timer.active():
            if self._timer_at <= when:
                return
            self._timer.cancel()
        self._timer_at = when
        self._timer = reactor.callLater(seconds, self._wake)

    def _wake(self) -> None:
        slot = getattr(self.crawler.engine, "_slot", None)
        if slot is not None:
            slot.nextcall.schedule()

    def next_request(self):
        if self.local:
            return self.local.popleft()
        now = time.monotonic()
        if now < self.next_pop:
            return None
        try:
            taken = self.queue.pop()
        except FrontierUnavailable as exc:
            logger.warning("redis away, no request taken: %s", exc)
            self.next_pop = now + 1.0
            self._wake_in(1.0)
            return None
        if not isinstance(taken, Taken):
            wait = IDLE_POLL if taken < 0 else min(max(taken, 2), 500) / 1000
            self.next_pop = now + wait
            self._wake_in(wait)
            return None
        self.tracker.taken(taken.lease, taken.run, taken.host)
        try:
            request = self.queue._decode_request(taken.body)
        except Exception as exc:  # a bad stored request or a profile this worker cannot load
            logger.error("run %s: request dropped: %s", taken.run, exc)
            self.tracker.count(taken.lease, "patrol/frontier/undecodable")
            self.tracker.called(taken.lease)
            return None
        request.meta["patrol_lease"] = taken.lease
        request.meta["patrol_slot"] = taken.host
        if self.stats:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request
