"""A real APScheduler (PatrolScheduler) running real crawls of local sites."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from apscheduler.events import (EVENT_JOB_EXECUTED, EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED,
                                EVENT_JOB_SUBMITTED)

from tests.scheduler.conftest import Events, make_env, wait_for


def _due_now(service, job: str, seconds: float = 0.0) -> None:
    service.scheduler.modify_job(job, next_run_time=dt.datetime.now(service.tz)
                                 + dt.timedelta(seconds=seconds))


def test_job_fires_on_near_term_trigger(env, site, scheduler_factory):
    env.profile("bk", site.urls["bookshop"])
    service = scheduler_factory()
    service.start()
    job = service.scheduler.get_job("crawl:bk")
    assert job is not None and job.coalesce and job.max_instances == 1
    assert job.misfire_grace_time == 6 * 3600
    assert str(job.trigger.timezone) == "Asia/Shanghai"
    assert not env.runs("bk")

    _due_now(service, "crawl:bk", seconds=1)
    (run,) = env.wait_runs("bk", 1)
    assert run["trigger"] == "schedule"
    assert run["outcome"] == "ok", run["reason"]
    assert run["exit_status"] == 0 and run["finished_at"] >= run["started_at"]
    assert run["stats"]["item_scraped_count"] >= 1
    assert run["stats"]["patrol/store/items_written"] == run["stats"]["item_scraped_count"]
    # Back on its cron: the next run is tomorrow's (or today's) 02:00 in the office's zone.
    nxt = service.scheduler.get_job("crawl:bk").next_run_time.astimezone(service.tz)
    assert (nxt.hour, nxt.minute) == (2, 0) and nxt > dt.datetime.now(service.tz)


def test_overlapping_trigger_does_not_start_a_second_run(env, site, scheduler_factory):
    env.profile("slow", site.urls["bookshop"] + "slow?delay=5", max_pages=1)
    service = scheduler_factory()
    events = Events(service.scheduler)
    service.start()
    site.reset_stats()
    _due_now(service, "crawl:slow")
    env.wait_runs("slow", 1, finished=False)
    wait_for(lambda: site.stats()["sites"]["bookshop"]["inflight"] >= 1, "the slow request")

    # The scheduler fires again while the crawl runs: max_instances holds it back.
    _due_now(service, "crawl:slow")
    wait_for(lambda: events.count(EVENT_JOB_MAX_INSTANCES, "crawl:slow"), "max-instances event")
    # A run by hand (another thread here; `patrol schedule run` in the CLI test) meets the lock.
    assert service.run_source("slow", trigger="manual") is None
    result = {}
    t = threading.Thread(target=lambda: result.update(r=service.run_source("slow", "manual")))
    t.start()
    t.join()
    assert result["r"] is None

    (run,) = env.wait_runs("slow", 1)
    wait_for(lambda: events.count(EVENT_JOB_EXECUTED, "crawl:slow"), "the job to end")
    assert run["outcome"] in ("ok", "partial"), run["reason"]
    assert len(env.runs("slow")) == 1
    assert site.stats()["sites"]["bookshop"]["max_inflight"] == 1
    assert events.count(EVENT_JOB_SUBMITTED, "crawl:slow") == 1


@pytest.mark.parametrize("backend", ["sqlite", "mongodb"])
def test_restart_keeps_jobs_and_runs_the_missed_one_once(backend, tmp_path, monkeypatch, site,
                                                         scheduler_factory, request):
    url = (f"sqlite:///{tmp_path / 'patrol.db'}" if backend == "sqlite"
           else request.getfixturevalue("mongo_db_url"))
    env = make_env(tmp_path, url, monkeypatch)
    env.profile("bk", site.urls["bookshop"])
    grace = 3 * 24 * 3600
    first = scheduler_factory(misfire_grace_seconds=grace)
    first.start()
    assert [j["id"] for j in first.jobs()] == ["crawl:bk"]
    first.shutdown()

    # While "down" for two days, the job's time passes three times: move its
    # stored next run 50 hours into the past (within the grace), with the
    # scheduler paused.
    seeding = scheduler_factory(misfire_grace_seconds=grace)
    seeding.start_paused()
    assert seeding.sync() == {"added": [], "updated": [], "removed": []}  # the job survived
    missed = dt.datetime.now(seeding.tz) - dt.timedelta(hours=50)
    seeding.scheduler.modify_job("crawl:bk", next_run_time=missed)
    seeding.shutdown()
    stored = scheduler_factory(misfire_grace_seconds=grace).stored_jobs()
    assert abs(stored["crawl:bk"].next_run_time - missed) < dt.timedelta(milliseconds=1)
    assert not env.runs("bk")  # stopping the paused scheduler ran nothing

    second = scheduler_factory(misfire_grace_seconds=grace)
    events = Events(second.scheduler)
    second.start()
    (run,) = env.wait_runs("bk", 1)
    wait_for(lambda: events.count(EVENT_JOB_EXECUTED, "crawl:bk"), "the job to end")
    assert run["trigger"] == "schedule" and run["outcome"] == "ok", run["reason"]
    # Exactly once (coalesced): one submission, and the next run is back in the future.
    assert events.count(EVENT_JOB_SUBMITTED, "crawl:bk") == 1
    assert events.count(EVENT_JOB_EXECUTED, "crawl:bk") == 1
    assert second.scheduler.get_job("crawl:bk").next_run_time > dt.datetime.now(second.tz)
    assert len(env.runs("bk")) == 1


def test_run_missed_beyond_the_grace_is_skipped(env, dead_url, scheduler_factory):
    seeding = scheduler_factory(misfire_grace_seconds=3600)
    # A daily time 12 hours away: with the default 02:00, a run between 02:00
    # and 03:00 office time found today's own 02:00 run within the grace and ran it.
    hour = (dt.datetime.now(seeding.tz) + dt.timedelta(hours=12)).hour
    env.profile("late", dead_url, schedule=f"0 {hour} * * *")
    seeding.start_paused()
    seeding.sync()
    seeding.scheduler.modify_job("crawl:late", next_run_time=dt.datetime.now(seeding.tz)
                                 - dt.timedelta(hours=3))
    seeding.shutdown()
    service = scheduler_factory(misfire_grace_seconds=3600)
    events = Events(service.scheduler)
    service.start()
    wait_for(lambda: events.count(EVENT_JOB_MISSED, "crawl:late"), "the missed event")
    assert service.scheduler.get_job("crawl:late").next_run_time > dt.datetime.now(service.tz)
    assert events.count(EVENT_JOB_EXECUTED, "crawl:late") == 0
    assert not env.runs()


def test_crashing_crawl_is_recorded_failed_and_retried_once(env, dead_url, scheduler_factory):
    env.profile("dead", dead_url)
    service = scheduler_factory(retry_backoff_seconds=1)
    events = Events(service.scheduler)
    service.start()
    _due_now(service, "crawl:dead")
    wait_for(lambda: events.count(EVENT_JOB_EXECUTED, "retry:dead"), "the retry to end")
    runs = env.wait_runs("dead", 2)
    assert [r["trigger"] for r in runs] == ["schedule", "retry"]
    for run in runs:
        assert run["outcome"] == "failed"
        assert "no response received" in run["reason"]
        assert run["finished_at"] is not None
    # Retried once only: no retry job is left and no third run was started.
    assert service.scheduler.get_job("retry:dead") is None
    assert events.count(EVENT_JOB_SUBMITTED, "retry:dead") == 1
    assert len(env.runs("dead")) == 2
    # The cron job itself is still there for tomorrow.
    assert service.scheduler.get_job("crawl:dead") is not None


def test_disabled_or_removed_source_loses_its_job(env, scheduler_factory, dead_url):
    env.profile("a", dead_url)
    b = env.profile("b", dead_url, schedule="30 3 * * 1")
    env.profile("c", dead_url)
    service = scheduler_factory()
    service.start()
    assert sorted(j["id"] for j in service.jobs()) == ["crawl:a", "crawl:b", "crawl:c"]
    env.profile("a", dead_url, enabled=False)
    b.unlink()
    env.profile("c", dead_url, schedule="15 1 * * *")
    assert service.sync() == {"added": [], "updated": ["c"], "removed": ["a", "b"]}
    assert [j["id"] for j in service.jobs()] == ["crawl:c"]
    nxt = service.scheduler.get_job("crawl:c").next_run_time.astimezone(service.tz)
    assert (nxt.hour, nxt.minute) == (1, 15)
    service.shutdown()
    # The removal is stored, not only in memory.
    assert list(scheduler_factory().stored_jobs()) == ["crawl:c"]
    assert not env.runs()


def test_bad_profile_is_skipped_and_the_others_still_scheduled(env, scheduler_factory, dead_url,
                                                                caplog):
    env.profile("good", dead_url)
    (env.sources / "bad.yaml").write_text("name: bad\nkind: shop\nstart_urls: [\"x\"]\n",
                                          encoding="utf-8")
    service = scheduler_factory()
    service.start()
    assert [j["id"] for j in service.jobs()] == ["crawl:good"]
    assert any("bad.yaml: field 'start_urls[0]'" in r.getMessage() for r in caplog.records)


def test_cron_lines_keep_their_standard_meaning(env, scheduler_factory, dead_url, caplog):
    # Standard cron: 1 = Monday, 0 and 7 = Sunday (APScheduler 3's own parser says Tuesday).
    env.profile("monday", dead_url, schedule="30 2 * * 1")
    env.profile("sunday", dead_url, schedule="0 3 * * 7")
    env.profile("daily", dead_url, schedule="@daily")
    env.profile("both", dead_url, schedule="0 2 1 * 1")  # cron means "or"; refused, not guessed
    service = scheduler_factory()
    service.start()
    nxt = {j["source"]: j["next_run"].astimezone(service.tz) for j in service.jobs()}
    assert sorted(nxt) == ["daily", "monday", "sunday"]
    assert (nxt["monday"].strftime("%a"), nxt["monday"].hour, nxt["monday"].minute) == ("Mon", 2, 30)
    assert (nxt["sunday"].strftime("%a"), nxt["sunday"].hour) == ("Sun", 3)
    assert (nxt["daily"].hour, nxt["daily"].minute) == (0, 0)
    assert any("both.yaml: field 'schedule': give a day of the month or a day of the week"
               in r.getMessage() for r in caplog.records)


def test_periodic_reload_picks_up_profile_changes(env, scheduler_factory, dead_url):
    env.profile("a", dead_url)
    service = scheduler_factory(reload_seconds=0.3)
    service.start()
    assert [j["id"] for j in service.jobs()] == ["crawl:a"]
    env.profile("b", dead_url)
    (env.sources / "a.yaml").unlink()
    wait_for(lambda: [j["id"] for j in service.jobs()] == ["crawl:b"], "the periodic reload")
    assert not env.runs()


def test_abandoned_running_runs_are_closed_as_failed(env, scheduler_factory):
    from patrol.store import open_store
    with open_store(env.store_url) as store:
        old = store.start_run("bookshop", trigger="schedule")
    service = scheduler_factory()
    assert service.close_abandoned_runs() == []  # just started: could still be crawling
    time.sleep(0.05)
    assert service.close_abandoned_runs(older_than=0.01) == [old]
    with open_store(env.store_url) as store:
        run = store.get_run(old)
    assert run["outcome"] == "failed" and "abandoned" in run["reason"]
    assert service.close_abandoned_runs(older_than=0.01) == []  # closed once
