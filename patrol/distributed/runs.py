"""Runs across workers: started by whoever enqueues them, finished by the
worker that sees their queue and leases empty.

A run is one source, one trigger: ``enqueue_run`` (``patrol crawl
--distributed``, the scheduler) records it in the store, holds the source in
Redis (two runs of one source never overlap) and queues its seed. Workers add
every finished request's stats to the run's sum in Redis; ``write_progress``
copies the sums and the workers that served it into the store's run record
while it runs, and ``finish`` writes the final record and removes the run's
keys.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid

from patrol import config
from patrol.distributed import codec
from patrol.distributed.frontier import Frontier
from patrol.store import Conflict, NotFound, open_store
from pipelines.outcome import judge

logger = logging.getLogger(__name__)

FAILURES_KEPT = 200  # failed URLs copied into the run record


def frontier_from_config(retries: int = 10) -> Frontier:
    return Frontier(config.get("PATROL_REDIS_URL"), config.get("PATROL_REDIS_PREFIX"), retries=retries)


def enqueue_run(source: str, *, trigger: str = "manual", store_url: str | None = None,
                sources_dir: str | None = None, frontier: Frontier | None = None) -> dict:
    """Start a run of ``source`` for the workers; returns its run record, or
    ``{"outcome": "skipped", ...}`` when the source is already running."""
    from spiders.profiles import find_profile
    profile = find_profile(source, sources_dir)
    frontier = frontier or frontier_from_config()
    token = "starting:" + uuid.uuid4().hex
    holder = frontier.reserve_source(profile.name, token)
    if holder is not None:
        return {"source": profile.name, "trigger": trigger, "outcome": "skipped",
                "reason": f"already running (run {holder})"}
    try:
        with open_store(store_url) as store:
            run_id = store.start_run(profile.name, trigger=trigger,
                                     meta={"distributed": True, "redis_prefix": frontier.prefix})
            run = store.get_run(run_id)
        concurrency = profile.concurrency or config.get("PATROL_CONCURRENCY_PER_DOMAIN")
        delay = profile.delay if profile.delay is not None else config.get("PATROL_DOWNLOAD_DELAY")
        frontier.start_run(run_id, profile.name, token, concurrency=int(concurrency),
                           delay_ms=int(round(delay * 1000)), max_pages=profile.max_pages,
                           trigger=trigger, seed_host=f"seed:{run_id}",
                           seed=codec.seed(run_id, profile.name),
                           started=dt.datetime.now(dt.timezone.utc).isoformat())
    except BaseException:
        frontier.release_source(profile.name, token)
        raise
    logger.info("run %s of %s queued for the workers (%s)", run_id, profile.name, trigger)
    return run


def _snapshot(frontier: Frontier, run: str) -> tuple[dict, list[str], list[dict]]:
    stats = frontier.run_stats(run)
    info = frontier.run_info(run)
    for key in ("pushed", "requeued"):
        if info.get(key):
            stats[f"patrol/frontier/{key}"] = int(info[key])
    failed = [{"url": u, "reason": r} for u, r in sorted(frontier.failures(run).items())][:FAILURES_KEPT]
    return stats, frontier.run_workers(run), failed


def write_progress(frontier: Frontier, store, run: str) -> None:
    stats, workers, failed = _snapshot(frontier, run)
    try:
        store.record_run_progress(run, stats=stats, workers=workers, failed=failed)
    except (Conflict, NotFound) as exc:  # finished meanwhile, or recorded in another store
        logger.debug("progress of run %s not written: %s", run, exc)


def finish(frontier: Frontier, store, run: str) -> dict | None:
    """Record a run whose queue and leases are empty, then drop its keys."""
    info = frontier.run_info(run)
    source = info.get("source", "")
    stats, workers, failed = _snapshot(frontier, run)
    stopping = info.get("state") == "stopping"
    stats["finish_reason"] = "stopped" if stopping else "finished"
    outcome, reason = judge(stats)
    if stopping:
        outcome = "stopped"
        reason = (info.get("stop_reason") or "stopped") + "; " + reason
    if failed:
        reason += f"; {len(failed)} URLs failed after retries (listed in the run)"
    record = None
    try:
        store.record_run_progress(run, stats=stats, workers=workers, failed=failed)
        record = store.finish_run(run, outcome=outcome, stats=stats, reason=reason)
    except (Conflict, NotFound) as exc:
        logger.warning("run %s was already recorded (%s)", run, exc)
    frontier.cleanup_run(run, source)
    logger.info("run %s of %s finished: %s (%s) by %d workers", run, source, outcome, reason,
                len(workers))
    return record


def stop(frontier: Frontier, run: str, reason: str) -> int:
    frontier.r.hset(frontier.run_key(run), "stop_reason", reason)
    return frontier.stop_run(run)
