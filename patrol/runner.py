"""Run one source's crawl as a ``scrapy crawl`` subprocess and record it.

Twisted's reactor cannot be restarted in one process, so the CLI and the
scheduler start every crawl as a subprocess with a time limit. The run record
in the store is created before the subprocess starts (so a crash is still
recorded), the crawl reports into it, and the outcome is judged from the stats
the crawl wrote (``patrol.crawlstats``) and its exit status.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Callable

from patrol import config
from patrol.crawlstats import read_stats
from patrol.store import StoreError, open_store
from pipelines.outcome import judge

logger = logging.getLogger(__name__)

CRAWL_SPIDER = "profile"  # the profile-driven spider in spiders/
STOP_GRACE_SECONDS = 30.0


def crawl_command(source: str, *, run_id: str, trigger: str, stats_file: str,
                  extra_settings: dict[str, str] | None = None) -> list[str]:
    cmd = [sys.executable, "-m", "scrapy", "crawl", CRAWL_SPIDER, "-a", f"source={source}",
           "-s", f"PATROL_RUN_ID={run_id}", "-s", f"PATROL_RUN_TRIGGER={trigger}",
           "-s", f"PATROL_STATS_FILE={stats_file}"]
    for key, value in (extra_settings or {}).items():
        cmd += ["-s", f"{key}={value}"]
    return cmd


def _stop(proc: subprocess.Popen, grace: float) -> None:
    """SIGTERM (Scrapy closes the spider gracefully), then SIGKILL to the
    crawl's whole process group (its browser too) after ``grace``."""
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        logger.warning("crawl pid %s ignored SIGTERM for %.0fs: killing it", proc.pid, grace)
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:  # it ended in between
            pass
        proc.wait()


def run_crawl(source: str, *, trigger: str = "manual", time_limit: float | None = None,
              store_url: str | None = None, stop: threading.Event | None = None,
              log_file: str | os.PathLike | None = None,
              on_start: Callable[[subprocess.Popen], None] | None = None,
              extra_settings: dict[str, str] | None = None,
              sources_dir: str | None = None, stop_grace: float = STOP_GRACE_SECONDS) -> dict:
    """Crawl ``source`` (a profile name or path) to the end, the time limit or
    ``stop``; returns the finished run record."""
    store_url = store_url or config.get("PATROL_STORE")
    time_limit = time_limit if time_limit is not None else config.get("PATROL_CRAWL_TIME_LIMIT")
    with open_store(store_url) as store:
        run_id = store.start_run(source, trigger=trigger)
    workdir = Path(config.get("PATROL_DATA_DIR")) / "runs"
    workdir.mkdir(parents=True, exist_ok=True)
    stats_file = str(workdir / f"{run_id}.stats.json")
    env = dict(os.environ, PATROL_STORE=store_url, SCRAPY_SETTINGS_MODULE="patrol.settings")
    if sources_dir:
        env["PATROL_SOURCES"] = str(sources_dir)
    cmd = crawl_command(source, run_id=run_id, trigger=trigger, stats_file=stats_file,
                        extra_settings=extra_settings)
    # Readable too: the tail of a failed crawl's log goes into the run's reason.
    log_fh = open(log_file, "a+b") if log_file else tempfile.TemporaryFile()
    started = time.monotonic()
    reason_extra = ""
    with log_fh:
        proc = subprocess.Popen(cmd, stdout=log_fh, stderr=subprocess.STDOUT, env=env,
                                start_new_session=True)
        if on_start:
            on_start(proc)
        while proc.poll() is None:
            if stop is not None and stop.is_set():
                reason_extra = "stopped on request"
                _stop(proc, stop_grace)
                break
            if time.monotonic() - started > time_limit:
                reason_extra = f"time limit of {time_limit:.0f}s reached"
                _stop(proc, stop_grace)
                break
            time.sleep(0.2)
        exit_status = proc.wait()
        if exit_status != 0 or reason_extra:
            log_fh.seek(0, os.SEEK_END)
            size = log_fh.tell()
            log_fh.seek(max(0, size - 4000))
            tail = log_fh.read().decode("utf-8", "replace").strip().splitlines()[-5:]
        else:
            tail = []
    stats = read_stats(stats_file)
    outcome, reason = judge(stats, exit_status)
    if reason_extra:
        outcome = "stopped" if stop is not None and stop.is_set() else "failed"
        reason = f"{reason_extra}; {reason}"
    elif not stats:
        outcome, reason = "failed", f"the crawl wrote no stats (exit status {exit_status})"
    if outcome == "failed" and tail:
        reason += " | " + " / ".join(t[-300:] for t in tail)
    clean = {k: v for k, v in stats.items() if isinstance(v, (int, float, str))}
    try:
        with open_store(store_url) as store:
            return store.finish_run(run_id, outcome=outcome, stats=clean,
                                    exit_status=exit_status, reason=reason)
    except StoreError as exc:
        logger.error("cannot record run %s of %s: %s", run_id, source, exc)
        return {"id": run_id, "source": source, "outcome": outcome, "reason": reason,
                "exit_status": exit_status, "stats": clean}
