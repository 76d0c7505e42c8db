"""scrapy-redis's scheduler, changed where it does not fit a shared frontier.

Kept from ``scrapy_redis.scheduler.Scheduler``: its settings, its Redis
connection from ``REDIS_URL``, and its wiring of queue class
(``SCHEDULER_QUEUE_CLASS``) and duplicate filter (``DUPEFILTER_CLASS``).

Changed, and why:

- ``enqueue_request``: the duplicate check and the push are one Redis script
  (``lua.PUSH``), not ``request_seen`` then ``push``, which loses a request
  for ever when a worker dies between the two. Pushes made in one reactor
  turn (a callback's links) go to Redis in one round trip. A request made
  again by a downloader middleware from a leased one (a retry, a redirect)
  finishes that lease once the new one is queued; a push that fails because
  Redis is away is kept in memory and retried, holding its parent's lease.
- ``next_request``: requests come with a lease and their site's slot
  (``lua.POP``), as many at once as the downloader has room for; scrapy-redis
  pops with no acknowledgement. An empty or saturated frontier is asked again
  after the wait it reports. Slots of finished downloads are given back with
  the next pop (or within 20 ms).
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
from twisted.internet import reactor

from patrol.distributed.codec import CodecError
from patrol.distributed.dupefilter import fingerprint
from patrol.distributed.frontier import FrontierUnavailable, host_key

logger = logging.getLogger(__name__)

IDLE_POLL = 0.25     # seconds between pops while nothing is queued anywhere
RELEASE_AFTER = 0.02  # seconds a finished download's slot may wait for the next pop
MAX_POP = 8          # requests taken in one pop


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
        self.lease_seconds = spider.settings.getfloat("PATROL_LEASE_SECONDS")
        self.concurrency = spider.settings.getint("CONCURRENT_REQUESTS")
        self.local: collections.deque = collections.deque()
        self.taken: collections.deque = collections.deque()
        self.to_push: list = []     # (request, body, fingerprint, lease waiting on it)
        self.unpushed: list = []    # pushes that failed while Redis was away
        self.releases: list = []    # (host, lease) slots to give back
        self.next_pop = 0.0
        self._timer = None
        self._timer_at = 0.0
        self._push_call = None
        self._release_call = None
        spider.scheduler = self

    def close(self, reason):
        self._push_now()
        self.release_now()
        if self.taken:  # taken but never started: back to the queue at once
            self.frontier.requeue([t.lease for t in self.taken])
        if self.unpushed:
            logger.error("%d requests could not be queued (Redis away); their parents' leases "
                         "were not finished and will be crawled again", len(self.unpushed))

    def flush(self):
        """Never clear the shared queue."""

    def __len__(self):
        return len(self.local) + len(self.taken)

    def has_pending_requests(self) -> bool:
        return bool(self.local or self.taken)

    # -- in -------------------------------------------------------------------------
    def enqueue_request(self, request) -> bool:
        meta = request.meta
        if meta.get("patrol_local"):
            self.local.append(request)
            return True
        replaced = meta.pop("patrol_lease", None)   # a retry or redirect of a leased request
        meta.pop("patrol_slot", None)
        parent = meta.pop("patrol_parent", None)
        waiting = parent or replaced
        if replaced:
            self.tracker.wait(replaced)  # finished once its replacement is queued
            if meta.get("retry_times"):
                self.tracker.count(replaced, "retry/count")
            elif meta.get("redirect_times"):
                self.tracker.count(replaced, "downloader/redirected")
            self.tracker.called(replaced)
        if not meta.get("patrol_run"):
            logger.error("request without a run dropped: %s", request.url)
            self.tracker.done_waiting(waiting)
            return False
        try:
            body = self.queue._encode_request(request)
        except CodecError as exc:
            logger.error("%s", exc)
            self.tracker.count(waiting, "patrol/frontier/unserialisable")
            self.tracker.done_waiting(waiting)
            return False
        fp = "" if request.dont_filter else fingerprint(request)
        self.to_push.append((request, body, fp, waiting))
        if self._push_call is None or not self._push_call.active():
            self._push_call = reactor.callLater(0, self._push_now)
        return True

    def _push_now(self) -> None:
        batch, self.to_push = self.to_push, []
        if not batch:
            return
        try:
            results = self.frontier.push_many(
                [(r.meta["patrol_run"], fp, r.priority, host_key(r.url), body) for r, body, fp, _ in batch])
        except FrontierUnavailable as exc:
            logger.warning("redis away, %d requests kept in memory (%s)", len(batch), exc)
            self.unpushed.extend(batch)
            return
        for (_r, _b, _fp, lease), status in zip(batch, results):
            self._count(lease, status)
            self.tracker.done_waiting(lease)
        self._wake_in(0)

    def push_waiting(self) -> int:
        """Retry the pushes that failed while Redis was away."""
        waiting, self.unpushed = self.unpushed, []
        self.to_push = waiting + self.to_push
        self._push_now()
        return len(waiting) - len(self.unpushed)

    def _count(self, lease, status: int) -> None:
        key = {1: "scheduler/enqueued/redis", 0: "dupefilter/filtered", 2: "patrol/frontier/capped",
               -1: "patrol/frontier/run_not_running"}.get(status)
        if key:
            self.tracker.count(lease, key)
            if self.stats:
                self.stats.inc_value(key)

    # -- slots -----------------------------------------------------------------------
    def release(self, host: str, lease: str) -> None:
        """A download ended: its site's slot goes back with the next pop."""
        self.releases.append((host, lease))
        if self._release_call is None or not self._release_call.active():
            self._release_call = reactor.callLater(RELEASE_AFTER, self.release_now)

    def release_now(self) -> None:
        batch, self.releases = self.releases, []
        if batch:
            try:
                self.frontier.release_many(batch)
            except FrontierUnavailable as exc:  # they expire by themselves
                logger.debug("slots not given back: %s", exc)

    # -- out --------------------------------------------------------------------------
    def _wake_in(self, seconds: float) -> None:
        """Ask again when the frontier said a request will be ready. The engine
        itself asks only when a download ends or on its 5 s heartbeat, which
        would leave a site's slots idle between its delays."""
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
        if not self.taken:
            self._take()
        while self.taken:
            taken = self.taken.popleft()
            try:
                request = self.queue._decode_request(taken.body)
            except Exception as exc:  # a bad stored request or a profile this worker cannot load
                logger.error("run %s: request dropped: %s", taken.run, exc)
                self.tracker.count(taken.lease, "patrol/frontier/undecodable")
                self.tracker.called(taken.lease)
                continue
            request.meta["patrol_lease"] = taken.lease
            request.meta["patrol_slot"] = taken.host
            if self.stats:
                self.stats.inc_value("scheduler/dequeued/redis")
            return request
        return None

    def _take(self) -> None:
        now = time.monotonic()
        if now < self.next_pop and not self.releases:
            return
        room = self.concurrency - len(self.crawler.engine.downloader.active)
        releases, self.releases = self.releases, []
        try:
            got = self.frontier.pop(self.spider.worker_id, self.lease_seconds,
                                    count=max(1, min(MAX_POP, room)), release=releases)
        except FrontierUnavailable as exc:
            logger.warning("redis away, no request taken: %s", exc)
            self.next_pop = now + 1.0
            self._wake_in(1.0)
            return
        if isinstance(got, int):
            wait = IDLE_POLL if got < 0 else min(max(got, 2), 500) / 1000
            self.next_pop = now + wait
            self._wake_in(wait)
            return
        for taken in got:
            self.tracker.taken(taken.lease, taken.run, taken.host)
        self.taken.extend(got)
