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

import contextlib
import datetime as dt
import logging
import threading
import time
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_STOPPED
from apscheduler.triggers.date import DateTrigger

from patrol import config
from patrol.runner import run_crawl
from patrol.scheduler.cron import cron_trigger
from patrol.scheduler.lock import SourceLock
from patrol.store import StoreError

logger = logging.getLogger(__name__)

JOB_PREFIX = "crawl:"
RETRY_PREFIX = "retry:"


def job_id(source: str) -> str:
    return JOB_PREFIX + source


# Runtime state of this process's scheduler, for the job function (jobs are
# stored as "module:function" references, so they reach it through here).
_active: "PatrolScheduler | None" = None


def scheduled_crawl(source: str, trigger: str = "schedule") -> None:
    """The job function APScheduler stores and calls."""
    if _active is None:  # pragma: no cover - only when a job outlives its scheduler
        logger.error("no active scheduler for %s", source)
        return
    _active.run_source(source, trigger=trigger)


class _BackgroundScheduler(BackgroundScheduler):
    def _process_jobs(self):
        # APScheduler 3.11 runs one more round after shutdown() has set
        # STATE_STOPPED and closed the executors: a due job then fails to
        # submit but its next run time is still advanced, so a missed run
        # would be lost by merely starting and stopping a paused scheduler.
        if self.state == STATE_STOPPED:
            return None
        return super()._process_jobs()


class PatrolScheduler:
    def __init__(self, *, store_url: str | None = None, sources_dir: str | None = None,
                 timezone: str | None = None, time_limit: float | None = None,
                 misfire_grace_seconds: int | None = None,
                 retry_backoff_seconds: float | None = None,
                 reload_seconds: float | None = None, stop_grace_seconds: float | None = None):
        from patrol.scheduler.jobstore import jobstore_for

        def pick(value, setting):
            return value if value is not None else config.get(setting)
        self.store_url = store_url or config.get("PATROL_STORE")
        self.sources_dir = str(sources_dir or config.get("PATROL_SOURCES"))
        tz_name = timezone or config.get("PATROL_TIMEZONE")
        try:
            self.tz = ZoneInfo(tz_name)
        except (ValueError, ZoneInfoNotFoundError):
            raise config.ConfigError(f"PATROL_TIMEZONE: unknown time zone {tz_name!r}") from None
        self.time_limit = pick(time_limit, "PATROL_CRAWL_TIME_LIMIT")
        misfire_grace_seconds = int(pick(misfire_grace_seconds, "PATROL_SCHEDULE_MISFIRE_GRACE"))
        self.misfire_grace_seconds = misfire_grace_seconds
        self.retry_backoff_seconds = pick(retry_backoff_seconds, "PATROL_SCHEDULE_RETRY_BACKOFF")
        self.reload_seconds = pick(reload_seconds, "PATROL_SCHEDULE_RELOAD")
        self.stop_grace_seconds = pick(stop_grace_seconds, "PATROL_SCHEDULE_STOP_GRACE")
        self.stop_event = threading.Event()
        self._sync_lock = threading.Lock()
        self.running: dict[str, threading.Event] = {}  # source -> set when its run is recorded
        self.jobstore = jobstore_for(self.store_url, config.get("PATROL_STORE_TIMEOUT"))
        self.scheduler = _BackgroundScheduler(
            timezone=self.tz,
            jobstores={"default": self.jobstore},
            executors={"default": {"type": "threadpool", "max_workers": 4}},
            job_defaults={"coalesce": True, "max_instances": 1,
                          "misfire_grace_time": misfire_grace_seconds},
        )

    # -- profiles -> jobs -----------------------------------------------------
    def load_profiles(self):
        """{name: Profile} of every readable profile in the sources directory
        (a bad profile is logged and left out; the others still run)."""
        from spiders.profiles import ProfileError, load_profile, profile_paths
        profiles, errors = {}, []
        for path in profile_paths(self.sources_dir):
            try:
                prof = load_profile(path)
            except ProfileError as exc:
                errors.append(str(exc))
                continue
            if prof.name in profiles:
                errors.append(f"{path}: field 'name': {prof.name!r} is also the name of "
                              f"{profiles[prof.name].path}")
                continue
            profiles[prof.name] = prof
        for err in errors:
            logger.error("profile skipped: %s", err)
        return profiles

    def sync(self) -> dict[str, list[str]]:
        """Make the jobs match the enabled profiles; returns what changed.
        A job whose cron is unchanged is left alone, so its stored next run
        time (and a missed run) survives a restart or reload."""
        with self._sync_lock:  # SIGHUP and the periodic re-read may meet
            changes = self._sync()
        if any(changes.values()):
            logger.info("schedule synced: %s", changes)
        return changes

    def _sync(self) -> dict[str, list[str]]:
        changes: dict[str, list[str]] = {"added": [], "updated": [], "removed": []}
        wanted = {}
        for name, prof in self.load_profiles().items():
            if not prof.enabled:
                continue
            try:
                wanted[name] = cron_trigger(prof.schedule, self.tz)
            except ValueError as exc:
                logger.error("profile skipped: %s: field 'schedule': %s", prof.path, exc)
        existing = {j.id: j for j in self.scheduler.get_jobs() if j.id.startswith(JOB_PREFIX)}
        for name, trigger in wanted.items():
            job = existing.get(job_id(name))
            if job is None:
                self.scheduler.add_job(scheduled_crawl, trigger, id=job_id(name), name=name,
                                       args=[name], replace_existing=True)
                changes["added"].append(name)
            elif repr(job.trigger) != repr(trigger):  # repr names the time zone too
                job.reschedule(trigger)
                changes["updated"].append(name)
            elif job.misfire_grace_time != self.misfire_grace_seconds:
                job.modify(misfire_grace_time=self.misfire_grace_seconds)
                changes["updated"].append(name)
        for jid, job in existing.items():
            if jid[len(JOB_PREFIX):] not in wanted:
                job.remove()
                changes["removed"].append(jid[len(JOB_PREFIX):])
        for job in self.scheduler.get_jobs():  # a pending retry of a source now gone
            if job.id.startswith(RETRY_PREFIX) and job.id[len(RETRY_PREFIX):] not in wanted:
                job.remove()
        return changes

    # -- runs -------------------------------------------------------------------
    def run_source(self, source: str, trigger: str = "schedule") -> dict | None:
        """Crawl ``source`` now unless it is already running (then None);
        returns the finished run record."""
        if self.stop_event.is_set():
            logger.warning("stopping: the %s run of %s is not started", trigger, source)
            return None
        if config.get("PATROL_REDIS_URL"):
            return self.enqueue_source(source, trigger)
        lock = SourceLock(source)
        if not lock.acquire():
            logger.warning("%s is already running: this %s run is skipped", source, trigger)
            return None
        done = self.running[source] = threading.Event()
        try:
            logger.info("crawl of %s starts (%s)", source, trigger)
            log_dir = Path(config.get("PATROL_DATA_DIR")) / "logs"
            log_dir.mkdir(parents=True, exist_ok=True)
            try:
                run = run_crawl(source, trigger=trigger, time_limit=self.time_limit,
                                store_url=self.store_url, stop=self.stop_event,
                                log_file=log_dir / f"{source}.log", sources_dir=self.sources_dir,
                                stop_grace=self.stop_grace_seconds)
            except StoreError as exc:  # not even the run record could be written
                run = {"source": source, "trigger": trigger, "outcome": "failed",
                       "reason": f"store unavailable: {exc}"}
        finally:
            self.running.pop(source, None)
            lock.release()
            done.set()
        logger.info("crawl of %s ended: %s (%s)", source, run.get("outcome"), run.get("reason"))
        if (run.get("outcome") == "failed" and trigger != "retry" and self.scheduler.running
                and not self.stop_event.is_set()):
            when = dt.datetime.now(self.tz) + dt.timedelta(seconds=self.retry_backoff_seconds)
            logger.error("crawl of %s failed (%s); retrying once at %s", source, run.get("reason"), when)
            self.scheduler.add_job(scheduled_crawl, DateTrigger(when, timezone=self.tz),
                                   id=RETRY_PREFIX + source, args=[source, "retry"],
                                   replace_existing=True)
        return run

    def enqueue_source(self, source: str, trigger: str) -> dict:
        """With a shared frontier (PATROL_REDIS_URL): queue the run for the
        ``patrol worker`` processes instead of crawling here. The workers
        finish and record it; the frontier keeps two runs of a source apart."""
        from patrol.distributed.runs import enqueue_run
        from patrol.errors import PatrolError
        try:
            run = enqueue_run(source, trigger=trigger, store_url=self.store_url,
                              sources_dir=self.sources_dir)
        except (PatrolError, StoreError) as exc:
            logger.error("%s run of %s not queued: %s", trigger, source, exc)
            return {"source": source, "trigger": trigger, "outcome": "failed",
                    "reason": f"not queued: {exc}"}
        logger.info("%s run of %s: %s", trigger, source, run.get("reason") or f"queued as {run['id']}")
        return run

    # -- lifecycle --------------------------------------------------------------
    def start(self) -> None:
        global _active
        _active = self
        # Paused first: load the stored jobs, bring them in line with the
        # profiles, then let missed runs fire once.
        self.start_paused()
        self.close_abandoned_runs()
        self.sync()
        # The periodic re-read runs on a thread of ours: a bound method cannot
        # be stored in a persistent job store.
        self._reload_timer()
        self._recheck_timer()
        self.scheduler.resume()

    def close_abandoned_runs(self, older_than: float | None = None) -> list[str]:
        """Runs still "running" long after any crawl could have (a scheduler
        killed with SIGKILL, a machine that lost power) are recorded as failed,
        so the dashboard and ``schedule list`` do not show them running forever."""
        from patrol.store import StoreError, open_store
        if older_than is None:
            older_than = self.time_limit + self.stop_grace_seconds + 300
        cutoff = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=older_than)
        closed = []
        try:
            with open_store(self.store_url) as store:
                for run in store.list_runs(limit=500):
                    if run.get("outcome") == "running" and run["started_at"] < cutoff:
                        store.finish_run(run["id"], outcome="failed",
                                         reason="abandoned: its crawl ended without being recorded "
                                                "(the scheduler was killed or the machine stopped)")
                        closed.append(run["id"])
        except StoreError as exc:
            logger.error("cannot close abandoned runs: %s", exc)
        if closed:
            logger.warning("recorded %d abandoned runs as failed", len(closed))
        return closed

    def start_paused(self) -> None:
        """Load the stored jobs without running any (``resume()`` or ``start()`` runs them)."""
        with self._store_errors():
            self.scheduler.start(paused=True)

    def stored_jobs(self) -> dict:
        """{job id: Job} as stored, read straight from the job store: no
        scheduler thread, so nothing can run or be marked as run."""
        with self._store_errors():
            self.jobstore.start(self.scheduler, "default")
            try:
                return {j.id: j for j in self.jobstore.get_all_jobs()}
            finally:
                self.jobstore.shutdown()

    @contextlib.contextmanager
    def _store_errors(self):
        from patrol.scheduler.jobstore import JOB_STORE_ERRORS
        from patrol.store.base import StoreUnavailable, redact_url
        try:
            yield
        except JOB_STORE_ERRORS as exc:
            # pymongo's message carries its whole topology; keep the cause (as patrol.store.mongo does)
            reason = str(exc).split(", Timeout:")[0].split(" (configured timeouts")[0]
            raise StoreUnavailable(f"scheduler job store at {redact_url(self.store_url)}: "
                                   f"{reason.splitlines()[0][:200]}") from None

    def _reload_timer(self) -> None:
        def loop():
            while not self.stop_event.wait(self.reload_seconds):
                self.reload()
        threading.Thread(target=loop, name="patrol-reload", daemon=True).start()

    def _recheck_timer(self) -> None:
        """Re-checks after takedown (patrol/evidence/recheck.py): due ones now,
        then every PATROL_RECHECK_INTERVAL seconds."""
        interval = float(config.get("PATROL_RECHECK_INTERVAL"))
        if interval <= 0:
            return

        def loop():
            while not self.stop_event.is_set():
                self.run_due_rechecks()
                if self.stop_event.wait(interval):
                    return
        threading.Thread(target=loop, name="patrol-recheck", daemon=True).start()

    def run_due_rechecks(self) -> list[dict]:
        """Run the re-checks due now (as ``patrol recheck --due``); a failure is
        logged and the next round tries again."""
        from patrol.evidence import recheck
        from patrol.store import open_store
        try:
            with open_store(self.store_url) as store:
                done = recheck.run_due(store, sources_dir=self.sources_dir, time_limit=self.time_limit)
        except Exception as exc:  # keep the service up
            logger.error("re-checks failed: %s", exc)
            return []
        for d in done:
            logger.info("re-check %s: %s (%s)", d["flag_id"], d["outcome"], d["url"])
        return done

    def reload(self) -> None:
        """``sync()`` for SIGHUP and the periodic re-read: a failure (a missing
        sources directory, the database down) is logged and the jobs stay as they are."""
        try:
            self.sync()
        except Exception as exc:  # keep the service up; the next reload tries again
            logger.error("profile reload failed, jobs unchanged: %s", exc)

    def shutdown(self) -> None:
        """Stop: no new runs; running crawls get SIGTERM and a bound, then are
        killed; each is recorded either way."""
        global _active
        self.stop_event.set()
        if self.scheduler.running:
            self.scheduler.pause()  # no new runs; stored jobs stay as they are
        running = list(self.running.items())
        if running:
            logger.info("stopping running crawls: %s", ", ".join(s for s, _ in running))
        # Each crawl thread stops its crawl (SIGTERM, SIGKILL after the grace)
        # and records it; the margin covers writing the run record.
        deadline = time.monotonic() + self.stop_grace_seconds + 30
        stuck = False
        for source, done in running:
            if not done.wait(timeout=max(0.0, deadline - time.monotonic())):
                logger.error("crawl of %s did not stop in time", source)
                stuck = True
        if self.scheduler.running:
            self.scheduler.shutdown(wait=not stuck)
        _active = None

    def jobs(self) -> list[dict]:
        out = []
        for job in self.scheduler.get_jobs():
            if job.id.startswith((JOB_PREFIX, RETRY_PREFIX)):
                out.append({"id": job.id, "source": job.args[0],
                            "next_run": job.next_run_time, "trigger": str(job.trigger)})
        return out

