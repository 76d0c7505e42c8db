"""What a worker holds: its leased requests, what each still waits for, and
the stats each one earned.

A lease is finished ("acked") only when its request is done *and durable*:
its callback has run, every item it produced has left the pipelines (or is
still held for the site's about page, which keeps the lease open), every
request it produced is in Redis, and the store pipeline has flushed since.
Until then the lease is renewed; if the worker dies, it expires and the
request is crawled again by another worker, so nothing is lost and the only
duplicates are among the requests the dead worker held.

Stats are counted per lease and added to the run's sum in the same Redis
script that finishes the lease, so a run's stats count every request once:
a dead worker's unfinished leases take their stats with them and are counted
again when re-crawled.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field


@dataclass
class Lease:
    run: str
    host: str
    taken: float
    stats: Counter = field(default_factory=Counter)
    waiting: int = 0            # items in the pipelines or held, requests not yet pushed
    called: bool = False        # its callback or errback has run


class LeaseTracker:
    def __init__(self, clock=time.monotonic):
        self.clock = clock
        self.leases: dict[str, Lease] = {}
        self.current: str | None = None   # the lease whose callback is running
        self._ready: list[str] = []
        self.acked = 0

    def taken(self, lease: str, run: str, host: str) -> None:
        self.leases[lease] = Lease(run, host, self.clock())

    def count(self, lease: str | None, key: str, n: int = 1) -> None:
        entry = self.leases.get(lease) if lease else None
        if entry is not None:
            entry.stats[key] += n

    def run_of(self, lease: str | None) -> str | None:
        entry = self.leases.get(lease) if lease else None
        return entry.run if entry else None

    def wait(self, lease: str | None, n: int = 1) -> None:
        entry = self.leases.get(lease) if lease else None
        if entry is not None:
            entry.waiting += n

    def done_waiting(self, lease: str | None, n: int = 1) -> None:
        entry = self.leases.get(lease) if lease else None
        if entry is not None:
            entry.waiting -= n
            self._check(lease, entry)

    def called(self, lease: str | None) -> None:
        entry = self.leases.get(lease) if lease else None
        if entry is not None:
            entry.called = True
            self._check(lease, entry)

    def _check(self, lease: str, entry: Lease) -> None:
        if entry.called and entry.waiting <= 0 and lease not in self._ready:
            self._ready.append(lease)

    def take_ready(self) -> list[tuple[str, dict]]:
        """Leases ready to finish (call before the store flush that makes them durable)."""
        ready, self._ready = self._ready, []
        return [(lease, dict(self.leases[lease].stats)) for lease in ready if lease in self.leases]

    def finished(self, leases: list[str]) -> None:
        for lease in leases:
            if self.leases.pop(lease, None) is not None:
                self.acked += 1

    def give_back(self, done: list[tuple[str, dict]]) -> None:
        """An ack failed (Redis away): try these again at the next checkpoint."""
        self._ready = [lease for lease, _ in done] + self._ready

    def remove(self, lease: str) -> Lease | None:
        return self.leases.pop(lease, None)

    def held(self) -> list[str]:
        return list(self.leases)

    def unready(self) -> list[str]:
        ready = set(self._ready)
        return [lease for lease in self.leases if lease not in ready]

    def by_run(self) -> Counter:
        return Counter(entry.run for entry in self.leases.values())


class LeaseStats:
    """The stats object a source's spider sees: every count goes to the
    worker's own stats and, while a callback runs, to that callback's lease."""

    def __init__(self, crawler, tracker: LeaseTracker):
        self._crawler = crawler  # its stats exist only once the crawl starts
        self._tracker = tracker

    def inc_value(self, key: str, count: int = 1, start: int = 0, spider=None) -> None:
        self._crawler.stats.inc_value(key, count, start)
        self._tracker.count(self._tracker.current, key, count)

    def __getattr__(self, name):
        return getattr(self._crawler.stats, name)
