"""Faults: a worker killed mid-crawl, Redis restarted mid-crawl; politeness
over four workers."""

from __future__ import annotations

import json
import os
import signal
import time

from patrol.devredis import RedisServer
from patrol.distributed.frontier import Frontier
from patrol.distributed.runs import enqueue_run
from patrol.store import open_store
from tests.distributed.conftest import gen_profile, wait_for_run


def _wait_until(predicate, timeout: float = 120, every: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(every)
    raise AssertionError("condition not reached in time")



def test_sigkill_loses_nothing_and_repeats_only_what_it_held(gensite, workers, frontier):
    site = gensite(10, 30, delay=0.02)  # 312 pages, each answered after 20 ms
    (workers.sources / "gen.yaml").write_text(gen_profile(site.url, concurrency=6), encoding="utf-8")
    pool = workers()
    for name in ("w1", "w2", "w3"):
        pool.start(name, concurrency=4)
    store_url = pool.env["PATROL_STORE"]
    run = enqueue_run("gen", trigger="test", store_url=store_url, sources_dir=str(workers.sources),
                      frontier=frontier)
    _wait_until(lambda: site.stats()["requests"] >= 80 and frontier.held_by("w1"))
    os.killpg(pool.procs["w1"].pid, signal.SIGSTOP)  # frozen: it takes nothing more
    held = {json.loads(body)["url"] for body in frontier.held_by("w1").values()}
    pool.kill("w1")
    done = wait_for_run(store_url, run["id"])

    assert done["outcome"] == "ok", done["reason"]
    paths = site.stats()["paths"]
    assert len(paths) == site.pages + 1  # nothing lost (and robots.txt)
    repeated = {site.url + p for p, n in paths.items() if n > 1}
    assert repeated <= held, f"repeated without having been held: {sorted(repeated - held)[:5]}"
    assert "w1" in done["workers"]
    # The run's stats count each request once: the dead worker's unfinished
    # requests took their counts with them and were counted when re-crawled.
    assert done["stats"]["item_scraped_count"] == site.pages
    assert done["stats"]["patrol/frontier/requeued"] >= len(held)
    with open_store(store_url) as store:
        assert store.count_items(source="gen") == site.pages
    pool.stop_all()  # SIGTERM: the others leave; the killed one's heartbeat has expired
    assert frontier.workers() == [] and frontier.r.hlen(frontier.key("leasedata")) == 0


def test_redis_restart_mid_crawl_resumes(gensite, workers, tmp_path, prefix):
    site = gensite(10, 30, delay=0.02)
    (workers.sources / "gen.yaml").write_text(gen_profile(site.url, concurrency=6), encoding="utf-8")
    with RedisServer(tmp_path / "own-redis") as server:
        frontier = Frontier(server.url, prefix)
        pool = workers()
        pool.env["PATROL_REDIS_URL"] = server.url
        for name in ("w1", "w2", "w3"):
            pool.start(name, concurrency=4)
        store_url = pool.env["PATROL_STORE"]
        run = enqueue_run("gen", trigger="test", store_url=store_url,
                          sources_dir=str(workers.sources), frontier=frontier)
        _wait_until(lambda: site.stats()["requests"] >= 60)
        server.restart()  # SIGTERM (the AOF is written), then the same port again
        before = site.stats()["requests"]
        done = wait_for_run(store_url, run["id"])
        pool.stop_all()

    assert done["outcome"] == "ok", done["reason"]
    log = site.stats()
    assert log["requests"] > before, "crawling went on after the restart"
    assert len(log["paths"]) == site.pages + 1
    with open_store(store_url) as store:
        assert store.count_items(source="gen") == site.pages


def test_four_workers_keep_a_concurrency_of_one(gensite, workers, frontier):
    site = gensite(3, 10, delay=0.05, broken=1)  # 35 pages, 50 ms each, and one answering 500
    (workers.sources / "gen.yaml").write_text(gen_profile(site.url, concurrency=1, delay=0.01),
                                             encoding="utf-8")
    pool = workers()
    for name in ("w1", "w2", "w3", "w4"):
        pool.start(name, concurrency=8)
    store_url = pool.env["PATROL_STORE"]
    _wait_until(lambda: len(frontier.workers()) == 4)  # all four are taking requests
    run = enqueue_run("gen", trigger="test", store_url=store_url, sources_dir=str(workers.sources),
                      frontier=frontier)
    done = wait_for_run(store_url, run["id"])
    assert done["outcome"] == "ok", done["reason"]
    log = site.stats()
    assert len(log["paths"]) == site.pages + 2  # robots.txt and the broken page
    assert log["max_inflight"] == 1, "the site saw two requests at once"
    assert len(done["workers"]) >= 2
    # The broken page: tried three times (two retries), then recorded in the
    # run, not silently kept as "seen".
    assert log["paths"]["/broken/0.html"] == 3
    assert done["failed"] == [{"url": site.url + "/broken/0.html",
                               "reason": "HttpError: Ignoring non-200 response"}]
    assert done["stats"]["retry/max_reached"] == 1 and done["stats"]["retry/count"] == 2
    assert "1 pages failed after retries" in done["reason"]
