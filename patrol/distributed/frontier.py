"""The shared frontier in Redis: a Python face for the scripts of ``lua``.

One ``Frontier`` per process (redis-py's client is thread-safe and pools its
connections). Every call goes through redis-py's own retry with back-off, so a
Redis restart of a few seconds is ridden out; callers handle a longer outage
(``FrontierUnavailable``).
"""

from __future__ import annotations

import json
import logging
import random
from dataclasses import dataclass
from urllib.parse import urlsplit

import redis
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError, TimeoutError as RedisTimeoutError
from redis.retry import Retry

from patrol.distributed import lua
from patrol.errors import PatrolError

logger = logging.getLogger(__name__)

MAX_RUNS_SCANNED = 64   # runs one pop looks at before it reports "nothing ready"
SLOT_TTL_SECONDS = 120  # a dead worker's download slot frees itself after this


class FrontierUnavailable(PatrolError):
    """Redis cannot be reached (after redis-py's retries)."""


def host_key(url: str) -> str:
    """The politeness key of a URL: its host, with the port when one is given
    (sites on one host but other ports are other sites, as in the demo)."""
    parts = urlsplit(url)
    # "|" separates the fields of a queued entry (lua.py): never part of a key.
    host = (parts.hostname or "").lower().replace("|", "%7c")
    try:
        port = parts.port
    except ValueError:
        port = None
    return f"{host}:{port}" if port else host


@dataclass
class Taken:
    lease: str
    run: str
    host: str
    body: str  # the request as JSON (patrol.distributed.codec)


def connect(url: str, retries: int = 10) -> redis.Redis:
    """A client that retries a lost connection with back-off (10 tries ride out
    a Redis restart of several seconds; a command line uses fewer)."""
    if not url:
        raise PatrolError("PATROL_REDIS_URL is empty: give redis://host:port/db")
    try:
        return redis.Redis.from_url(
            url, decode_responses=True, socket_timeout=10, socket_connect_timeout=5,
            retry=Retry(ExponentialBackoff(cap=1.0, base=0.05), retries),
            retry_on_error=[RedisConnectionError, RedisTimeoutError], health_check_interval=30)
    except ValueError as exc:
        raise PatrolError(f"PATROL_REDIS_URL {url!r}: {exc}") from None


class Frontier:
    def __init__(self, url: str, prefix: str = "patrol", *, retries: int = 10):
        self.url = url
        self.prefix = prefix
        self.r = connect(url, retries)
        self._scripts = {name: self.r.register_script(getattr(lua, name))
                         for name in ("PUSH", "POP", "ACQUIRE", "ACK", "REQUEUE", "RENEW",
                                      "START", "STOP", "CLEANUP")}

    def key(self, *parts: str) -> str:
        return ":".join((self.prefix,) + parts)

    def run_key(self, run: str, suffix: str = "") -> str:
        return self.key("run", run) + (f":{suffix}" if suffix else "")

    def _call(self, name: str, *args):
        try:
            return self._scripts[name](args=[self.prefix, *args])
        except RedisError as exc:
            raise FrontierUnavailable(f"redis {self.url}: {exc}") from exc

    def _do(self, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except RedisError as exc:
            raise FrontierUnavailable(f"redis {self.url}: {exc}") from exc

    def ping(self) -> None:
        self._do(self.r.ping)

    # -- requests ---------------------------------------------------------------
    def push(self, run: str, fingerprint: str, priority: int, host: str, body: str) -> int:
        """1 queued, 0 already seen in this run, 2 over max_pages, -1 run not running."""
        return int(self._call("PUSH", run, fingerprint, int(priority), host, body))

    def pop(self, worker: str, lease_seconds: float, count: int = 1,
            release: list[tuple[str, str]] = ()) -> list[Taken] | int:
        """Up to ``count`` requests, each with a lease and its site's slot, or
        the ms to wait (-1: nothing queued); first gives back ``release``
        slots (host, lease) of downloads that ended."""
        args = [worker, int(lease_seconds * 1000), SLOT_TTL_SECONDS * 1000, MAX_RUNS_SCANNED,
                f"{random.uniform(0.5, 1.5):.3f}", max(1, count), len(release)]
        for host, lease in release:
            args += [host, lease]
        out = self._call("POP", *args)
        if not out[0]:
            return int(out[1])
        taken = []
        for n in range(0, len(out), 3):
            lease, run, member = out[n:n + 3]
            _seq, host, body = member.split("|", 2)
            taken.append(Taken(lease, run, host, body))
        return taken

    def release_many(self, release: list[tuple[str, str]]) -> None:
        pipe = self.r.pipeline(transaction=False)
        for host, lease in release:
            pipe.zrem(self.key("slot", host), lease)
        self._do(pipe.execute)

    def push_many(self, pushes: list[tuple[str, str, int, str, str]]) -> list[int]:
        """``push`` for many requests in one round trip."""
        pipe = self.r.pipeline(transaction=False)
        for run, fingerprint, priority, host, body in pushes:
            self._scripts["PUSH"](args=[self.prefix, run, fingerprint, int(priority), host, body],
                                  client=pipe)
        return [int(x) for x in self._do(pipe.execute)]

    def ack(self, done: list[tuple[str, dict[str, int]]]) -> tuple[int, int, list[str]]:
        """Finish leases with their stats; returns (acked, gone, runs that reached zero)."""
        args: list = [len(done)]
        for lease, stats in done:
            pairs = [(k, int(v)) for k, v in stats.items() if isinstance(v, (int, float)) and v]
            args += [lease, len(pairs)]
            for k, v in pairs:
                args += [k, v]
        out = self._call("ACK", *args)
        return int(out[0]), int(out[1]), list(out[2:])

    def requeue(self, leases: list[str]) -> int:
        return int(self._call("REQUEUE", "given", *leases)) if leases else 0

    def reap(self, limit: int = 200) -> int:
        """Expired leases back to their queues."""
        return int(self._call("REQUEUE", "expired", limit))

    def renew(self, leases: list[str], lease_seconds: float) -> int:
        return int(self._call("RENEW", int(lease_seconds * 1000), *leases)) if leases else 0

    def acquire(self, host: str, token: str, concurrency: int, delay_ms: int) -> int:
        return int(self._call("ACQUIRE", host, token, concurrency, delay_ms, SLOT_TTL_SECONDS * 1000))

    def release(self, host: str, token: str) -> None:
        self._do(self.r.zrem, self.key("slot", host), token)

    # -- runs ---------------------------------------------------------------------
    def start_run(self, run: str, source: str, token: str, *, concurrency: int, delay_ms: int,
                  max_pages: int, trigger: str, seed_host: str, seed: str, started: str) -> str | None:
        """Register a run with its seed; None, or the run already holding the source."""
        out = self._call("START", run, source, token, concurrency, delay_ms, max_pages, trigger,
                         seed_host, seed, started)
        return None if out == 1 else str(out)

    def reserve_source(self, source: str, token: str, seconds: int = 120) -> str | None:
        """Hold a source for a run about to start; None, or the id of the run holding it."""
        if self._do(self.r.set, self.key("source", source), token, nx=True, ex=seconds):
            return None
        return self._do(self.r.get, self.key("source", source)) or "?"

    def release_source(self, source: str, token: str) -> None:
        key = self.key("source", source)
        if self._do(self.r.get, key) == token:
            self._do(self.r.delete, key)

    def stop_run(self, run: str) -> int:
        return int(self._call("STOP", run))

    def cleanup_run(self, run: str, source: str) -> None:
        self._call("CLEANUP", run, source)

    def run_info(self, run: str) -> dict:
        return self._do(self.r.hgetall, self.run_key(run))

    def runs(self) -> list[str]:
        return list(dict.fromkeys(self._do(self.r.lrange, self.key("active"), 0, -1)))

    def finishing(self) -> list[str]:
        return sorted(self._do(self.r.smembers, self.key("finishing")))

    def run_stats(self, run: str) -> dict[str, int]:
        return {k: int(v) for k, v in self._do(self.r.hgetall, self.run_key(run, "stats")).items()}

    def run_workers(self, run: str) -> list[str]:
        return sorted(self._do(self.r.smembers, self.run_key(run, "workers")))

    def held_by(self, worker: str) -> dict[str, str]:
        """lease -> stored request of the leases ``worker`` holds now."""
        owners = self._do(self.r.hgetall, self.key("leaseowner"))
        mine = [lease for lease, owner in owners.items() if owner == worker]
        data = self._do(self.r.hmget, self.key("leasedata"), mine) if mine else []
        return {lease: d.split("\n", 2)[2].split("|", 2)[2] for lease, d in zip(mine, data) if d}

    def queued(self, run: str) -> int:
        return int(self._do(self.r.zcard, self.run_key(run, "q")))

    def forget(self, run: str, fingerprint: str) -> None:
        self._do(self.r.srem, self.run_key(run, "seen"), fingerprint)

    def record_failure(self, run: str, url: str, reason: str, cap: int = 1000) -> None:
        key = self.run_key(run, "failed")
        if self._do(self.r.hlen, key) < cap:
            self._do(self.r.hset, key, url[:2000], reason[:300])

    def failures(self, run: str) -> dict[str, str]:
        return self._do(self.r.hgetall, self.run_key(run, "failed"))

    def claim(self, name: str, owner: str, seconds: float) -> bool:
        """A short exclusive job (finishing a run, writing progress) for one worker."""
        return bool(self._do(self.r.set, self.key("lock", name), owner, nx=True,
                             px=int(seconds * 1000)))

    # -- per-run shared page state -------------------------------------------------
    def site(self, run: str) -> dict[str, str]:
        return self._do(self.r.hgetall, self.run_key(run, "site"))

    def site_claim_about(self, run: str, url: str) -> bool:
        return bool(self._do(self.r.hsetnx, self.run_key(run, "site"), "__about", url))

    def site_put(self, run: str, values: dict, *, overwrite: bool, done: bool = False) -> None:
        key = self.run_key(run, "site")
        pipe = self.r.pipeline(transaction=True)
        for k, v in values.items():
            text = json.dumps(v, ensure_ascii=False)
            (pipe.hset if overwrite else pipe.hsetnx)(key, f"f:{k}", text)
        if done:
            pipe.hset(key, "__done", "1")
        self._do(pipe.execute)

    def robots(self, run: str, netloc: str) -> str | None:
        return self._do(self.r.get, self.run_key(run, f"robots:{netloc}"))

    def put_robots(self, run: str, netloc: str, body: str, seconds: int = 2 * 86400) -> None:
        self._do(self.r.set, self.run_key(run, f"robots:{netloc}"), body, ex=seconds)

    # -- workers -----------------------------------------------------------------------
    def heartbeat(self, worker: str, info: dict, ttl: float) -> None:
        key = self.key("worker", worker)
        pipe = self.r.pipeline(transaction=True)
        pipe.hset(key, mapping={k: json.dumps(v) for k, v in info.items()})
        pipe.pexpire(key, int(ttl * 1000))
        pipe.zadd(self.key("workers"), {worker: info.get("beat", 0)})
        self._do(pipe.execute)

    def workers(self) -> list[dict]:
        out = []
        for worker in self._do(self.r.zrange, self.key("workers"), 0, -1):
            raw = self._do(self.r.hgetall, self.key("worker", worker))
            if not raw:  # its heartbeat expired: gone
                self._do(self.r.zrem, self.key("workers"), worker)
                continue
            out.append({"id": worker, **{k: json.loads(v) for k, v in raw.items()}})
        return out

    def leave(self, worker: str) -> None:
        self._do(self.r.delete, self.key("worker", worker))
        self._do(self.r.zrem, self.key("workers"), worker)
