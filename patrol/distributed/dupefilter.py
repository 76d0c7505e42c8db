"""The duplicate filter of the shared frontier: scrapy-redis's, per run.

scrapy-redis keeps one fingerprint set per spider for ever, so a new nightly
run would skip every page seen last night and a failed request would stay
"seen". Here the set belongs to the run (``P:run:R:seen``, deleted when the
run finishes), and a request that failed after its retries is forgotten
(``forget``). The fingerprint is scrapy-redis's (method, canonical URL, body).

The scheduler does not call ``request_seen``: it checks and queues in one
Redis script (``lua.PUSH``), because scrapy-redis's "add to the set, then push"
loses a request for ever when a worker dies between the two.
"""

from __future__ import annotations

from scrapy_redis.dupefilter import RFPDupeFilter

_RFP = RFPDupeFilter.__new__(RFPDupeFilter)  # request_fingerprint uses no state


def fingerprint(request) -> str:
    return _RFP.request_fingerprint(request)


class RunDupeFilter(RFPDupeFilter):
    def __init__(self, server, key, debug=False, prefix="patrol"):
        super().__init__(server, key, debug)
        self.prefix = prefix

    @classmethod
    def from_spider(cls, spider):
        frontier = spider.frontier
        return cls(frontier.r, key=frontier.key("run", "%(run)s", "seen"),
                   debug=spider.settings.getbool("DUPEFILTER_DEBUG"), prefix=frontier.prefix)

    def _key(self, request) -> str:
        return self.key % {"run": request.meta.get("patrol_run", "none")}

    def request_seen(self, request) -> bool:
        return self.server.sadd(self._key(request), self.request_fingerprint(request)) == 0

    def forget(self, request) -> None:
        self.server.srem(self._key(request), self.request_fingerprint(request))

    def close(self, reason: str = "") -> None:
        """Keep the fingerprints: the run outlives this worker."""

    def clear(self) -> None:
        """Runs clear their own sets when they finish (``lua.CLEANUP``)."""
