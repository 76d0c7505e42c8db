"""Starting runs for the workers: ``patrol crawl --distributed``, the
scheduler's hook, ``patrol workers``; one-line errors without Redis."""

from __future__ import annotations

import json

from patrol.distributed.frontier import Frontier
from patrol.scheduler import PatrolScheduler
from patrol.store import open_store
from tests.distributed.conftest import gen_profile


def test_crawl_distributed_queues_one_run_per_source(workers, frontier):
    (workers.sources / "gen.yaml").write_text(gen_profile("http://127.0.0.1:9"), encoding="utf-8")
    pool = workers()
    out = pool.cli("crawl", "--distributed", "gen")
    assert out.exit_code == 0, out.output
    with open_store(pool.env["PATROL_STORE"]) as store:
        run = store.list_runs(source="gen")[0]
    assert run["outcome"] == "running" and run["meta"]["distributed"] is True
    assert frontier.runs() == [run["id"]] and frontier.queued(run["id"]) == 1  # its seed
    info = frontier.run_info(run["id"])
    assert (info["concurrency"], info["delay_ms"], info["trigger"]) == ("8", "10", "manual")

    again = pool.cli("crawl", "--distributed", "gen")
    assert again.exit_code == 1 and f"already running (run {run['id']})" in again.stderr


def test_the_scheduler_enqueues_instead_of_crawling(workers, frontier, monkeypatch, tmp_path):
    (workers.sources / "gen.yaml").write_text(gen_profile("http://127.0.0.1:9"), encoding="utf-8")
    store_url = f"sqlite:///{tmp_path / 'sched.db'}"
    monkeypatch.setenv("PATROL_REDIS_URL", frontier.url)
    monkeypatch.setenv("PATROL_REDIS_PREFIX", frontier.prefix)
    monkeypatch.setenv("PATROL_DATA_DIR", str(tmp_path / "data"))
    service = PatrolScheduler(store_url=store_url, sources_dir=str(workers.sources))
    run = service.run_source("gen", trigger="schedule")
    assert run["outcome"] == "running" and run["trigger"] == "schedule"
    assert frontier.run_info(run["id"])["trigger"] == "schedule"
    assert service.run_source("gen")["outcome"] == "skipped"  # never two runs of a source
    assert not (tmp_path / "data" / "logs").exists()  # no crawl subprocess was started


def test_workers_lists_the_live_ones(workers, frontier):
    frontier.heartbeat("box-1:42", {"beat": 1, "host": "box-1", "downloading": 3, "concurrency": 16,
                                    "leases": 5, "runs": {"r1": 5}, "pages": 10, "items": 9}, ttl=30)
    pool = workers()
    out = pool.cli("workers", "--json")
    assert out.exit_code == 0, out.output
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert [(r["id"], r["leases"], r["runs"]) for r in rows] == [("box-1:42", 5, {"r1": 5})]
    table = pool.cli("workers").stdout
    assert "box-1:42" in table and "3/16" in table and "r1:5" in table
    frontier.leave("box-1:42")
    assert pool.cli("workers", "--json").stdout == ""


def test_no_redis_is_a_one_line_error(workers, tmp_path):
    pool = workers()
    pool.env["PATROL_REDIS_URL"] = ""
    out = pool.cli("worker")  # refused before Scrapy starts
    assert out.exit_code == 2 and out.stderr.strip().count("\n") == 0
    assert "PATROL_REDIS_URL is not set" in out.stderr
    pool.env["PATROL_REDIS_URL"] = "redis://127.0.0.1:9/0"  # nothing listens there
    out = pool.cli("workers")
    assert out.exit_code == 2 and "patrol: error: redis redis://127.0.0.1:9/0" in out.stderr
    assert out.stderr.strip().count("\n") == 0


def test_a_run_over_its_time_limit_is_stopped(frontier):
    from patrol.distributed import runs
    assert frontier.start_run("r9", "src", "t", concurrency=1, delay_ms=0, max_pages=0, trigger="t",
                              seed_host="seed:r9", seed="{}", started="2026-01-01T00:00:00+00:00") is None
    assert runs.stop(frontier, "r9", "time limit of 5s reached") == 1
    assert frontier.finishing() == ["r9"]
    assert frontier.run_info("r9")["stop_reason"] == "time limit of 5s reached"


def test_frontier_keys_live_under_their_prefix(redis_server):
    a, b = Frontier(redis_server.url, "office-a"), Frontier(redis_server.url, "office-b")
    a.start_run("r", "src", "t", concurrency=1, delay_ms=0, max_pages=0, trigger="t",
                seed_host="s", seed="{}", started="x")
    assert b.runs() == [] and a.runs() == ["r"]
    a.r.delete(*a.r.scan_iter("office-a:*"))
