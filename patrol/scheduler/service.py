"""The scheduler service: one APScheduler job per enabled source profile.

- Jobs persist in the store's database and survive a restart.
- ``coalesce=True`` and an explicit ``misfire_grace_time``: a run missed while
  the scheduler was down runs once at start-up (APScheduler's default grace of
  one second silently skips it).
- ``max_instances=1`` plus a per-source lock file: two runs of one source
  never overlap, even when ``patrol schedule run`` starts one by hand.
- A failed run (judged by its stats) is retried once after a back-off.
- Profiles are re-read on SIGHUP and periodically; removed or disabled sources
  lose their job.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import logging
import threading
from pathlib import Path
from zoneinfo import ZoneInfo

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger

from patrol import config
from patrol.runner import run_crawl

logger = logging.getLogger(__name__)

JOB_PREFIX = "crawl:"
RETRY_PREFIX = "retry:"


def job_id(source: str) -> str:
    return JOB_PREFIX + source


class SourceLock:
    """An exclusive, non-blocking lock on one source (a file lock: it dies
    with the process that holds it, so a crash never leaves a stale lock)."""

    def __init__(self, source: str):
        directory = Path(config.get("PATROL_DATA_DIR")) / "locks"
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / f"{source}.lock"
        self.fh = None

    def acquire(self) -> bool:
        self.fh = open(self.path, "a+")
        try:
            fcntl.flock(self.fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.fh.close()
            self.fh = None
            return False
        return True

    def release(self) -> None:
        if self.fh is not None:
            fcntl.flock(self.fh, fcntl.LOCK_UN)
            self.fh.close()
            self.fh = None


# Runtime state of this process's scheduler, for the job function (jobs are
# stored as "module:function" references, so they reach it through here).
_active: "PatrolScheduler | None" = None


def scheduled_crawl(source: str, trigger: str = "schedule") -> None:
    """The job function APScheduler stores and calls."""
    if _active is None:  # pragma: no cover - only when a job outlives its scheduler
        logger.error("no active scheduler for %s", source)
        return
    _active.run_source(source, trigger=trigger)


class PatrolScheduler:
    def __init__(self, *, store_url: str | None = None, sources_dir: str | None = None,
                 timezone: str | None = None, time_limit: float | None = None,
                 misfire_grace_seconds: int = 6 * 3600, retry_backoff_seconds: float = 600,
                 reload_seconds: float = 300, stop_grace_seconds: float = 60):
        from patrol.scheduler.jobstore import jobstore_for
        self.store_url = store_url or config.get("PATROL_STORE")
        self.sources_dir = sources_dir or config.get("PATROL_SOURCES")
        self.tz = ZoneInfo(timezone or config.get("PATROL_TIMEZONE"))
        self.time_limit = time_limit if time_limit is not None else config.get("PATROL_CRAWL_TIME_LIMIT")
        self.misfire_grace_seconds = misfire_grace_seconds
        self.retry_backoff_seconds = retry_backoff_seconds
        self.reload_seconds = reload_seconds
        self.stop_grace_seconds = stop_grace_seconds
        self.stop_event = threading.Event()
        self.running: dict[str, threading.Thread] = {}
        self.scheduler = BackgroundScheduler(
            timezone=self.tz,
            jobstores={"default": jobstore_for(self.store_url)},
            executors={"default": {"type": "threadpool", "max_workers": 4}},
            job_defaults={"coalesce": True, "max_instances": 1,
                          "misfire_grace_time": misfire_grace_seconds},
        )

    # -- profiles -> jobs -----------------------------------------------------
    def load_profiles(self):
        from spiders.profiles import load_profile, profile_paths
        profiles, errors = {}, []
        for path in profile_paths(self.sources_dir):
            try:
                prof = load_profile(path)
            except Exception as exc:  # a bad profile is reported, the others still run
                errors.append(str(exc))
                continue
            profiles[prof.name] = prof
        for err in errors:
            logger.error("profile skipped: %s", err)
        return profiles

    def sync(self) -> dict[str, list[str]]:
        """Make the jobs match the enabled profiles; returns what changed.
        A job whose cron is unchanged is left alone, so its stored next run
        time (and a missed run) survives a restart or reload."""
        changes: dict[str, list[str]] = {"added": [], "updated": [], "removed": []}
        wanted = {name: p for name, p in self.load_profiles().items() if p.enabled}
        existing = {j.id: j for j in self.scheduler.get_jobs() if j.id.startswith(JOB_PREFIX)}
        for name, prof in wanted.items():
            trigger = CronTrigger.from_crontab(prof.schedule, timezone=self.tz)
            job = existing.get(job_id(name))
            if job is None:
                self.scheduler.add_job(scheduled_crawl, trigger, id=job_id(name), name=name,
                                       args=[name], replace_existing=True)
                changes["added"].append(name)
            elif str(job.trigger) != str(trigger):
                job.reschedule(trigger)
                changes["updated"].append(name)
        for jid, job in existing.items():
            if jid[len(JOB_PREFIX):] not in wanted:
                job.remove()
                changes["removed"].append(jid[len(JOB_PREFIX):])
        if any(changes.values()):
            logger.info("schedule synced: %s", changes)
        return changes

    # -- runs -------------------------------------------------------------------
    def run_source(self, source: str, trigger: str = "schedule") -> dict | None:
        lock = SourceLock(source)
        if not lock.acquire():
            logger.warning("%s is already running: this %s run is skipped", source, trigger)
            return None
        self.running[source] = threading.current_thread()
        try:
            logger.info("crawl of %s starts (%s)", source, trigger)
            log_dir = Path(config.get("PATROL_DATA_DIR")) / "logs"
            log_dir.mkdir(parents=True, exist_ok=True)
            run = run_crawl(source, trigger=trigger, time_limit=self.time_limit,
                            store_url=self.store_url, stop=self.stop_event,
                            log_file=log_dir / f"{source}.log")
        finally:
            self.running.pop(source, None)
            lock.release()
        logger.info("crawl of %s ended: %s (%s)", source, run.get("outcome"), run.get("reason"))
        if (run.get("outcome") == "failed" and trigger != "retry" and self.scheduler.running
                and not self.stop_event.is_set()):
            when = dt.datetime.now(self.tz) + dt.timedelta(seconds=self.retry_backoff_seconds)
            logger.error("crawl of %s failed (%s); retrying once at %s", source, run.get("reason"), when)
            self.scheduler.add_job(scheduled_crawl, DateTrigger(when, timezone=self.tz),
                                   id=RETRY_PREFIX + source, args=[source, "retry"],
                                   replace_existing=True)
        return run

    # -- lifecycle --------------------------------------------------------------
    def start(self) -> None:
        global _active
        _active = self
        # Paused first: load the stored jobs, bring them in line with the
        # profiles, then let missed runs fire once.
        self.scheduler.start(paused=True)
        self.sync()
        # The periodic re-read runs on a thread of ours: a bound method cannot
        # be stored in a persistent job store.
        self._reload_timer()
        self.scheduler.resume()

    def _reload_timer(self) -> None:
        def loop():
            while not self.stop_event.wait(self.reload_seconds):
                try:
                    self.sync()
                except Exception:  # keep the service up; the error is logged
                    logger.exception("profile reload failed")
        threading.Thread(target=loop, name="patrol-reload", daemon=True).start()

    def shutdown(self) -> None:
        """Stop: no new runs; running crawls get SIGTERM and a bound, then are
        killed; each is recorded either way."""
        global _active
        self.stop_event.set()
        self.scheduler.shutdown(wait=False)
        deadline = dt.datetime.now().timestamp() + self.stop_grace_seconds + 35
        for source, thread in list(self.running.items()):
            thread.join(timeout=max(0.0, deadline - dt.datetime.now().timestamp()))
        _active = None

    def jobs(self) -> list[dict]:
        out = []
        for job in self.scheduler.get_jobs():
            if job.id.startswith((JOB_PREFIX, RETRY_PREFIX)):
                out.append({"id": job.id, "source": job.args[0],
                            "next_run": job.next_run_time, "trigger": str(job.trigger)})
        return out

