"""``patrol schedule``: the nightly crawl service, its job list, a run now."""

from __future__ import annotations

import datetime as dt
import json
import logging
import signal
import threading

import click

logger = logging.getLogger(__name__)


@click.group("schedule", invoke_without_command=True)
@click.option("--reload-seconds", type=float, default=None,
              help="How often the source profiles are re-read (also on SIGHUP); "
                   "default PATROL_SCHEDULE_RELOAD.")
@click.pass_context
def schedule_group(ctx: click.Context, reload_seconds: float | None) -> None:
    """Run the scheduler: crawl each enabled source on its profile's cron,
    in PATROL_TIMEZONE. SIGHUP re-reads the profiles; SIGTERM stops cleanly."""
    if ctx.invoked_subcommand is not None:
        return
    from patrol.scheduler import PatrolScheduler
    service = PatrolScheduler(reload_seconds=reload_seconds)
    done = threading.Event()

    def on_term(signum, frame):
        logger.info("signal %s: stopping the scheduler", signum)
        done.set()

    def on_hup(signum, frame):
        logger.info("SIGHUP: re-reading source profiles")
        threading.Thread(target=service.reload, daemon=True).start()

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    service.start()
    signal.signal(signal.SIGHUP, on_hup)  # only once there are jobs to bring in line
    for job in service.jobs():
        click.echo(f"scheduled {job['source']:<24} next run {job['next_run']}")
    click.echo(f"scheduler running ({len(service.jobs())} jobs, time zone {service.tz.key}); "
               "SIGHUP reloads, SIGTERM stops", err=True)
    while not done.wait(1.0):  # a timeout keeps the main thread responsive to signals
        pass
    service.shutdown()
    click.echo("scheduler stopped", err=True)


@schedule_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON array.")
def schedule_list(as_json: bool) -> None:
    """Each source with its cron, next run time and last outcome."""
    from patrol.scheduler import PatrolScheduler, job_id
    from patrol.scheduler.cron import cron_trigger
    from patrol.store import open_store
    service = PatrolScheduler()
    stored = service.stored_jobs()  # runs nothing
    now = dt.datetime.now(service.tz)
    rows = []
    with open_store(service.store_url) as store:
        for name, prof in sorted(service.load_profiles().items()):
            job = stored.get(job_id(name))
            next_run, problem = None, None
            if job is not None:
                next_run = job.next_run_time
            elif prof.enabled:
                try:
                    next_run = cron_trigger(prof.schedule, service.tz).get_next_fire_time(None, now)
                except ValueError as exc:
                    problem = f"schedule: {exc}"
            last = store.list_runs(source=name, limit=1)
            rows.append({
                "source": name, "enabled": prof.enabled, "schedule": prof.schedule,
                "next_run": next_run.astimezone(service.tz).isoformat() if next_run else None,
                "scheduled": job is not None, "problem": problem,
                "last_outcome": last[0]["outcome"] if last else None,
                "last_started": last[0]["started_at"].isoformat() if last else None,
            })
    usable = [r for r in rows if r["enabled"] and not r["problem"]]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False))
        if not usable:
            raise SystemExit(1)
        return
    if not rows:
        click.echo(f"patrol: error: no usable source profile in {service.sources_dir} (see the errors above; "
                   "PATROL_SOURCES chooses the directory)", err=True)
        raise SystemExit(1)
    click.echo(f"{'source':<22} {'cron':<14} {'next run (' + service.tz.key + ')':<30} last outcome")
    for r in rows:
        nxt = (r["next_run"][:19].replace("T", " ") if r["next_run"]
               else "disabled" if not r["enabled"] else "not scheduled")
        last = f"{r['last_outcome']} at {r['last_started'][:19]}" if r["last_outcome"] else "never run"
        click.echo(f"{r['source']:<22} {r['schedule']:<14} {nxt:<30} {last}")
        if r["problem"]:
            click.echo(f"  ! {r['problem']}")
    if not usable:
        click.echo("patrol: error: no source profile can be scheduled (each is disabled or has a problem)", err=True)
        raise SystemExit(1)


@schedule_group.command("run")
@click.argument("source")
def schedule_run(source: str) -> None:
    """Run one source's crawl now (recorded like a scheduled run)."""
    from patrol.errors import PatrolError
    from patrol.scheduler import PatrolScheduler
    service = PatrolScheduler()
    if source not in service.load_profiles():
        raise PatrolError(f"no source named {source!r} in {service.sources_dir}")

    def on_stop(signum, frame):  # stop the crawl and record it, as the service does
        logger.info("signal %s: stopping the crawl of %s", signum, source)
        service.stop_event.set()

    signal.signal(signal.SIGTERM, on_stop)
    signal.signal(signal.SIGINT, on_stop)
    run = service.run_source(source, trigger="manual")
    if run is None and service.stop_event.is_set():
        raise PatrolError(f"{source}: stopped before the crawl started")
    if run is None:
        raise PatrolError(f"{source} is already running")
    click.echo(f"{source}: {run['outcome']} ({run.get('reason', '')})")
    if run["outcome"] in ("failed", "stopped"):
        raise SystemExit(1)


commands = [schedule_group]
