"""``patrol schedule`` as a process (SIGHUP, SIGTERM) and ``schedule list`` / ``run``."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys

from patrol.scheduler import PatrolScheduler
from tests.scheduler.conftest import ROOT, wait_for


def test_schedule_run_and_list(env, site, dead_url):
    env.profile("bk", site.urls["bookshop"])
    env.profile("idle", dead_url, enabled=False)

    done = env.cli("schedule", "run", "bk")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("bk: ok (")
    (run,) = env.runs("bk")
    assert run["trigger"] == "manual" and run["outcome"] == "ok" and run["exit_status"] == 0

    # A scheduler has stored the job once (then stopped): list shows its stored next run.
    service = PatrolScheduler()
    service.start_paused()
    service.sync()
    stored_next = service.scheduler.get_job("crawl:bk").next_run_time
    service.shutdown()

    listed = env.cli("schedule", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    rows = {r["source"]: r for r in json.loads(listed.stdout)}
    assert set(rows) == {"bk", "idle"}
    assert rows["bk"]["scheduled"] is True and rows["bk"]["enabled"] is True
    assert dt.datetime.fromisoformat(rows["bk"]["next_run"]) == stored_next
    assert rows["bk"]["last_outcome"] == "ok"
    assert rows["idle"] == {"source": "idle", "enabled": False, "schedule": "0 2 * * *",
                           "next_run": None, "scheduled": False, "problem": None, "last_outcome": None,
                           "last_started": None}

    text = env.cli("schedule", "list")
    assert text.returncode == 0, text.stderr
    lines = {ln.split()[0]: ln for ln in text.stdout.splitlines()[1:]}
    assert "ok at" in lines["bk"] and "disabled" in lines["idle"] and "never run" in lines["idle"]

    missing = env.cli("schedule", "run", "nosuch")
    assert missing.returncode == 2
    assert missing.stderr.strip().splitlines() == [
        f"patrol: error: no source named 'nosuch' in {env.sources}"]
    assert len(env.runs()) == 1


def test_sighup_reloads_and_sigterm_stops_cleanly(env, site, dead_url):
    env.profile("slow", site.urls["bookshop"] + "slow?delay=20", max_pages=1)
    other = env.profile("other", dead_url, schedule="0 4 * * *")
    # The slow source's run was missed while the service was down: it starts at once.
    seed = PatrolScheduler()
    seed.start_paused()
    seed.sync()
    seed.scheduler.modify_job("crawl:slow",
                              next_run_time=dt.datetime.now(seed.tz) - dt.timedelta(minutes=1))
    seed.shutdown()

    log = env.tmp / "service.log"
    with open(log, "wb") as fh:
        proc = subprocess.Popen(
            [sys.executable, "-m", "patrol", "schedule"], cwd=ROOT, stdout=fh, stderr=subprocess.STDOUT,
            env=dict(os.environ, **env.vars, PATROL_SCHEDULE_STOP_GRACE="5",
                     PATROL_SCHEDULE_RELOAD="3600"))
    try:
        wait_for(lambda: "scheduler running (2 jobs" in log.read_text(), "the service to start")
        (running,) = env.wait_runs("slow", 1, finished=False)
        assert running["outcome"] == "running" and running["trigger"] == "schedule"
        wait_for(lambda: site.stats()["sites"]["bookshop"]["inflight"] >= 1, "the slow request")

        # Another process cannot start a second run of the same source.
        again = env.cli("schedule", "run", "slow")
        assert again.returncode == 2 and "slow is already running" in again.stderr

        # SIGHUP: the removed profile's job goes.
        other.unlink()
        proc.send_signal(signal.SIGHUP)
        wait_for(lambda: "crawl:other" not in PatrolScheduler().stored_jobs(), "the reload")
        assert proc.poll() is None

        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=180) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    output = log.read_text()
    assert "scheduler stopped" in output and "Traceback" not in output
    assert "did not stop in time" not in output
    (run,) = env.runs("slow")
    assert run["outcome"] == "stopped" and run["finished_at"] is not None
    assert run["reason"].startswith("stopped on request")
    # The job stays stored for its next night.
    stored = PatrolScheduler().stored_jobs()
    assert list(stored) == ["crawl:slow"]
    assert stored["crawl:slow"].next_run_time > dt.datetime.now(dt.timezone.utc)


def test_time_limit_stops_a_crawl_and_records_it_failed(env, site):
    env.profile("slow", site.urls["bookshop"] + "slow?delay=20", max_pages=1)
    done = env.cli("schedule", "run", "slow",
                   extra_env={"PATROL_CRAWL_TIME_LIMIT": "2", "PATROL_SCHEDULE_STOP_GRACE": "2"})
    assert done.returncode == 1, done.stderr
    assert done.stdout.startswith("slow: failed (time limit of 2s reached")
    (run,) = env.runs("slow")
    assert run["outcome"] == "failed" and run["finished_at"] is not None
    assert run["reason"].startswith("time limit of 2s reached")


def test_sigterm_to_schedule_run_stops_and_records_the_crawl(env, site):
    env.profile("slow", site.urls["bookshop"] + "slow?delay=20", max_pages=1)
    proc = subprocess.Popen([sys.executable, "-m", "patrol", "schedule", "run", "slow"], cwd=ROOT,
                            env=dict(os.environ, **env.vars, PATROL_SCHEDULE_STOP_GRACE="2"),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        env.wait_runs("slow", 1, finished=False)
        wait_for(lambda: site.stats()["sites"]["bookshop"]["inflight"] >= 1, "the slow request")
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 1, err
    assert out.startswith("slow: stopped (stopped on request")
    (run,) = env.runs("slow")
    assert run["outcome"] == "stopped" and run["trigger"] == "manual"
    assert run["finished_at"] is not None
