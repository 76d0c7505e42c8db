"""The frontier's queue as scrapy-redis's queue class: per-run priority
queues in Redis, JSON requests, leases on pop.

scrapy-redis's ``PriorityQueue`` pops with ``ZRANGE`` + ``ZREMRANGEBYRANK``:
nothing records that a worker holds the request, so a worker that dies loses
it. ``RunQueue`` keeps scrapy-redis's ``Base`` (server, spider, key,
serializer check) and replaces push and pop with the scripts of ``lua``:
push marks the request seen in its run and queues it in one step; pop takes
the next request of the next run (round robin) whose site has a free slot,
leases it and takes the slot, in one step.
"""

from __future__ import annotations

import json
import logging

from scrapy_redis.queue import Base

from patrol.distributed import codec
from patrol.distributed.frontier import Taken, host_key

logger = logging.getLogger(__name__)


class RunQueue(Base):
    def __init__(self, server, spider, key, serializer=None):
        super().__init__(server, spider, key, serializer=json)  # requests go through codec
        self.frontier = spider.frontier
        self.lease_seconds = spider.settings.getfloat("PATROL_LEASE_SECONDS")

    def __len__(self) -> int:
        """Requests queued over all running runs (for scrapy-redis's "resuming" log line)."""
        return sum(self.frontier.queued(run) for run in self.frontier.runs()[:100])

    def _encode_request(self, request) -> str:
        return codec.encode(request)

    def _decode_request(self, encoded_request):
        return codec.decode(encoded_request, self.spider.resolve)

    def push(self, request, fingerprint: str = "") -> int:
        """1 queued, 0 seen before in its run, 2 over max_pages, -1 run not running."""
        body = self._encode_request(request)
        return self.frontier.push(request.meta["patrol_run"], fingerprint, request.priority,
                                  host_key(request.url), body)

    def pop(self, timeout: int = 0, count: int = 1) -> list[Taken] | int:
        """Leased requests (undecoded), or the ms to wait."""
        return self.frontier.pop(self.spider.worker_id, self.lease_seconds, count=count)

    def clear(self) -> None:
        """Never: the queues belong to their runs, not to one worker."""
