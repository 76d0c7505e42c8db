"""``patrol worker`` (a crawl process fed by the shared frontier in Redis),
``patrol workers`` (the live ones) and the distributed side of ``patrol crawl``.

A worker is one Scrapy process that runs until SIGTERM (or Ctrl-C): it takes
requests of any source from ``PATROL_REDIS_URL``, crawls them through the
project's spider, page classes, middlewares and pipelines, and writes into
``PATROL_STORE``. Run one or more per machine; every worker must see the same
source profiles (``PATROL_SOURCES``) and the same store.
"""

from __future__ import annotations

import json
import time

import click

from patrol import config
from patrol.errors import PatrolError


def _frontier():
    from patrol.distributed.runs import frontier_from_config
    if not config.get("PATROL_REDIS_URL"):
        raise PatrolError("PATROL_REDIS_URL is not set: the shared frontier needs a Redis "
                          "(e.g. export PATROL_REDIS_URL=redis://127.0.0.1:6379/0)")
    frontier = frontier_from_config(retries=2)  # an operator waits for one line, not a minute
    frontier.ping()
    return frontier


@click.command("worker")
@click.option("-c", "--concurrency", type=int, default=None,
              help="Requests downloaded at once over all sources [PATROL_WORKER_CONCURRENCY].")
@click.option("--id", "worker_id", default="", help="Name in `patrol workers` (default host:pid).")
def worker(concurrency: int | None, worker_id: str) -> None:
    """Crawl requests of any source from the shared frontier until stopped."""
    from scrapy.crawler import CrawlerProcess

    from patrol.distributed.settings import browser_profiles, worker_settings
    from patrol.distributed.spider import WorkerSpider
    _frontier()  # a bad URL or an unreachable Redis is one line, before Scrapy starts
    concurrency = concurrency or config.get("PATROL_WORKER_CONCURRENCY")
    if concurrency < 1:
        raise PatrolError(f"--concurrency must be at least 1, got {concurrency}")
    domains, pages = browser_profiles()
    settings = worker_settings(concurrency=concurrency, browser_domains=domains, browser_pages=pages)
    import logging
    logging.root.handlers.clear()  # Scrapy's handler (LOG_LEVEL) instead of the CLI's
    process = CrawlerProcess(settings)
    process.crawl(WorkerSpider, worker_id=worker_id)
    process.start()


@click.command("workers")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per worker.")
def workers(as_json: bool) -> None:
    """List the live workers (heartbeat in Redis) with their load."""
    frontier = _frontier()
    found = frontier.workers()
    now = time.time() * 1000
    if as_json:
        for w in found:
            click.echo(json.dumps(w, ensure_ascii=False, sort_keys=True))
        return
    click.echo(f"{'worker':<28} {'seen':>5} {'load':>7} {'leases':>6} {'pages':>7} {'items':>7}  runs")
    for w in found:
        runs = ", ".join(f"{r}:{n}" for r, n in sorted((w.get("runs") or {}).items())) or "-"
        click.echo(f"{str(w['id'])[:28]:<28} {(now - w.get('beat', now)) / 1000:>4.0f}s "
                   f"{w.get('downloading', 0):>3}/{w.get('concurrency', 0):<3} {w.get('leases', 0):>6} "
                   f"{w.get('pages', 0):>7} {w.get('items', 0):>7}  {runs}")
    running = frontier.runs()
    click.echo(f"({len(found)} live workers; {len(running)} runs in the frontier)")


def enqueue_sources(sources: list[str], *, trigger: str, wait: bool,
                    poll: float = 1.0) -> list[dict]:
    """``patrol crawl --distributed``: queue a run per source for the workers;
    with ``wait``, return the finished run records."""
    from patrol.distributed.runs import enqueue_run
    from patrol.store import open_store
    frontier = _frontier()
    runs = []
    for source in sources:
        run = enqueue_run(source, trigger=trigger, frontier=frontier)
        runs.append(run)
        if run.get("outcome") == "skipped":
            click.echo(f"  [{run['source']}] skipped: {run['reason']}", err=True)
        else:
            click.echo(f"  [{run['source']}] run {run['id']} queued for the workers", err=True)
    if not wait:
        return runs
    started = time.monotonic()
    with open_store() as store:
        while True:
            for n, run in enumerate(runs):
                if run.get("id") and run.get("outcome") == "running":
                    runs[n] = store.get_run(run["id"])
                    if runs[n]["outcome"] != "running":
                        click.echo(f"  [{runs[n]['source']}] {runs[n]['outcome']}: "
                                   f"{runs[n].get('reason', '')}", err=True)
            if all(r.get("outcome") != "running" for r in runs):
                break
            time.sleep(poll)
    for run in runs:
        run["_seconds"] = time.monotonic() - started
    return runs


commands = [worker, workers]
