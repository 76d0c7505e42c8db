"""``patrol sources list|check``, ``patrol crawl SOURCE…`` and ``patrol demo``.

Every crawl is a ``scrapy crawl profile`` subprocess started by
``patrol.runner.run_crawl`` (which records the run and judges it by the
stats the crawl wrote); here we run several at once, show their progress
from their logs and print a summary.
"""

from __future__ import annotations

import os
import re
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import click

from patrol import config
from patrol.errors import PatrolError
from patrol.scheduler.lock import SourceLock

_PROGRESS = re.compile(r"Crawled (\d+) pages .*?scraped (\d+) items")
# Crawled text is hostile: no terminal control sequences reach the operator's screen.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def _safe(value: object, width: int = 100) -> str:
    return _CONTROL.sub("?", str(value))[:width]


def _wrapped(text: str, indent: int, width: int = 100) -> str:
    """A full value wrapped to ``width`` terminal columns, continuation lines
    indented (never cut: an analyst must see the whole value)."""
    from wcwidth import wcwidth
    lines, line, used = [], [], 0
    for ch in str(text):
        w = max(wcwidth(ch), 0)
        if used + w > width - indent and line:
            lines.append("".join(line))
            line, used = [], 0
        line.append(ch)
        used += w
    lines.append("".join(line))
    return ("\n" + " " * indent).join(lines)


def _cell(value: object, width: int, *, right: bool = False, words: bool = False) -> str:
    """``value`` made safe and padded to ``width`` terminal columns (a Chinese
    character takes two: wcwidth, as terminals count). Too long, it is cut
    with "…" — with ``words``, after the last whole word or "; "-item that fits."""
    from wcwidth import wcswidth, wcwidth
    text = _CONTROL.sub("?", str(value if value is not None else ""))
    if max(wcswidth(text), 0) > width:
        cut, used = [], 0
        for ch in text:
            w = max(wcwidth(ch), 0)
            if used + w > width - 1:
                break
            cut.append(ch)
            used += w
        shown = "".join(cut)
        if words:
            ends = [shown.rfind(sep) for sep in ("; ", "；", "，", "、", " ")]
            end = max(ends)
            if end > 0:
                shown = shown[:end].rstrip(" ;；，、")
        text = shown + "…"
    pad = " " * max(width - max(wcswidth(text), 0), 0)
    return pad + text if right else text + pad


def patrol_command() -> str:
    """How the user runs ``patrol`` from here: the bare name when it is on the
    PATH, else the path of the venv's script (``.venv/bin/patrol`` after
    set-up), relative to the current directory when it is under it."""
    import shutil
    script = Path(sys.executable).parent / "patrol"
    found = shutil.which("patrol")
    if found and Path(found).resolve() == script.resolve():
        return "patrol"
    if not script.exists():
        return "patrol"
    try:
        return str(script.absolute().relative_to(Path.cwd()))
    except ValueError:
        return str(script.absolute())
BUNDLED_SOURCES = Path(__file__).resolve().parent.parent / "sources"


# -- sources ------------------------------------------------------------------
@click.group("sources")
def sources_group() -> None:
    """Source profiles (PATROL_SOURCES): one YAML file per target site."""


@sources_group.command("list")
def sources_list() -> None:
    """List the profiles with kind, rendering, schedule and state."""
    from spiders.profiles import ProfileError, load_profile, profile_paths, sources_dir
    paths = profile_paths()
    click.echo(f"{'name':<18} {'kind':<5} {'render':<8} {'enabled':<8} {'schedule':<14} start URL")
    for path in paths:
        try:
            p = load_profile(path)
        except ProfileError as exc:
            click.echo(f"{path.stem:<18} INVALID  {exc}")
            continue
        click.echo(f"{p.name:<18} {p.kind:<5} {p.render:<8} {'yes' if p.enabled else 'no':<8} "
                   f"{p.schedule:<14} {p.start_urls[0]}")
    click.echo(f"({len(paths)} profiles in {sources_dir()})")


@sources_group.command("check")
@click.argument("profile_file")
@click.option("--url", help="Check this page instead of the start page (its role is shown: listing or detail).")
def sources_check(profile_file: str, url: str | None) -> None:
    """Validate PROFILE_FILE, fetch its start page (and first detail page) and
    show what each link rule and field extracted."""
    from spiders.check import check_profile
    from spiders.profiles import find_profile
    profile = find_profile(profile_file)
    click.echo(f"{profile.path}: valid ({profile.kind}, render={profile.render}, "
               f"{len(profile.fields)} field selectors)")
    if profile.render == "browser":
        click.echo("rendering in Chromium (render: browser)")
    outlets: dict[str, None] = {}
    for report in check_profile(profile, url):
        why = f"  (role: {report.role_reason})" if report.role_reason else ""
        click.echo(f"\n{report.role} page {_safe(report.url, 300)}  HTTP {report.status}{why}")
        for role, links in report.links.items():
            shown = _safe(", ".join(links[:3]), 300) + (" …" if len(links) > 3 else "")
            click.echo(f"  links.{role:<8} {len(links):>3}  {shown}")
        for key, value in report.item.items():
            if key in ("fetched_at", "content_hash", "source", "meta", "text", "chrome", "raw"):
                continue
            mark = "*" if key in report.from_profile else " "
            text = value if isinstance(value, str) else repr(value)
            origin = report.origins.get(key)
            shown = report.raw.get(key)
            beside = f"   (shown: {shown!s})" if shown is not None and str(shown) != str(value) else ""
            click.echo(f" {mark}{key:<18} " + _wrapped(click.style(_safe(text, 100_000), bold=bool(value))
                                                    if value else _safe(text), 21)
                       + (_wrapped(beside, 21) if beside else ""))
            if origin:
                click.echo(f"  {'':<18} ← {_safe(origin, 300)}")
        text = report.item.get("text") or ""
        click.echo(f"  {'text':<18} {len(text)} chars (main content): " + _wrapped(_safe(text, 600), 21))
        chrome = report.item.get("chrome") or ""
        click.echo(f"  {'chrome':<18} {len(chrome)} chars (navigation, footers, sidebars): "
                   + _wrapped(_safe(chrome.replace(chr(10), ' | '), 300), 21))
        # a news site's home page is a page item: its outlet is in ``site``
        outlet = report.item.get("outlet") or (report.item.get("site") or {}).get("outlet")
        if outlet:
            outlets.setdefault(str(outlet), None)
    click.echo("\n(* = from the profile's selector; ← where each value came from; shown: the value as the "
               "page displays it, beside the normalised one)")
    if profile.kind == "news":
        _warn_unregistered(profile, list(outlets))


def _warn_unregistered(profile, extracted: list[str]) -> None:
    """A licensed news site missing from the outlet registry gets fake-media
    flags on its own about and recruitment pages: say so before the crawl."""
    from classifiers.checks import registration_problem
    registry_path = config.get("PATROL_OUTLET_REGISTRY")
    declared = [profile.licensed_outlet[0]] if profile.licensed_outlet else []
    for outlet in dict.fromkeys(declared + extracted):
        problem = registration_problem(outlet, profile.start_urls, registry_path)
        if problem:
            click.echo(f"warning: {_safe(problem, 300)} ({registry_path}). If it is a licensed outlet, add the "
                       f"row '{_safe(outlet, 80)},<its domain>' to the registry, or its about page and reports "
                       "will be flagged as fake media (docs/sources.md, 'Licensed news outlets').", err=True)
    if not declared and not extracted:
        click.echo("warning: news profile without licensed_outlet and no outlet name found on the page: "
                   "if the site is a licensed outlet, declare licensed_outlet: {name, licence} and list it "
                   "in the registry (docs/sources.md, 'Licensed news outlets').", err=True)


# -- crawling -----------------------------------------------------------------
def _log_path(source: str) -> Path:
    folder = Path(config.get("PATROL_DATA_DIR")) / "logs"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{source}-{time.strftime('%Y%m%d-%H%M%S')}.log"


def _progress(logs: dict[str, Path], done: dict[str, dict], stop: threading.Event) -> None:
    """Print each running crawl's pages/items as its log reports them."""
    last: dict[str, str] = {}
    while not stop.wait(2.0):
        for source, log in list(logs.items()):
            if source in done or not log.exists():
                continue
            try:
                tail = log.read_bytes()[-20000:].decode("utf-8", "replace")
            except OSError:
                continue
            found = _PROGRESS.findall(tail)
            line = f"{found[-1][0]} pages, {found[-1][1]} items" if found else "starting"
            if last.get(source) != line:
                last[source] = line
                click.echo(f"  [{source}] {line}", err=True)


def crawl_sources(sources: list[str], *, jobs: int, trigger: str, resume: bool = False,
                  store_url: str | None = None, sources_dir: str | None = None,
                  labels: dict[str, str] | None = None) -> list[dict]:
    """Run the crawls (``jobs`` at a time) and return their run records in order."""
    labels = labels or {}
    from patrol.runner import run_crawl
    from patrol.store import StoreError
    logs = {s: _log_path(s) for s in sources}
    done: dict[str, dict] = {}
    started: dict[str, float] = {}

    def one(source: str) -> dict:
        extra = {"LOGSTATS_INTERVAL": "2"}
        if resume:
            extra["JOBDIR"] = str(Path(config.get("PATROL_DATA_DIR")) / "jobs" / labels.get(source, source))
        started[source] = time.monotonic()
        lock = SourceLock(labels.get(source, source))
        if not lock.acquire():  # the scheduler or another patrol crawl is on it
            run = {"source": source, "outcome": "failed", "stats": {},
                   "reason": "already running (another crawl of this source holds its lock)"}
        else:
            click.echo(f"  [{source}] crawling (log: {logs[source]})", err=True)
            try:
                run = run_crawl(source, trigger=trigger, store_url=store_url, log_file=logs[source],
                                extra_settings=extra, sources_dir=sources_dir)
            except (StoreError, OSError) as exc:  # one source's trouble must not hide the others' results
                run = {"source": source, "outcome": "failed", "reason": str(exc).splitlines()[0],
                       "stats": {}}
            finally:
                lock.release()
        run["_seconds"] = time.monotonic() - started[source]
        run["_label"] = labels.get(source, source)
        done[source] = run
        click.echo(f"  [{source}] {run.get('outcome')}: {run.get('reason', '')}", err=True)
        return run

    stop = threading.Event()
    watcher = threading.Thread(target=_progress, args=(logs, done, stop), daemon=True)
    watcher.start()
    try:
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            runs = list(pool.map(one, sources))
    finally:
        stop.set()
    return runs


def summary_table(runs: list[dict]) -> str:
    """Each run's pages, items by kind and errors (``pipelines.outcome.run_counts``,
    the numbers of the run's reason and of the console's dashboard)."""
    from pipelines.outcome import KINDS, run_counts
    head = f"{'source':<16} {'outcome':<8} {'pages':>5} {'items':>5} " + " ".join(f"{k:>5}" for k in KINDS) \
        + f" {'errors':>6} {'time':>7}"
    lines = [head, "-" * len(head)]
    for run in runs:
        n = run_counts(run.get("stats") or {})
        by_kind = " ".join(f"{n['by_kind'][k]:>5}" for k in KINDS)
        lines.append(f"{run.get('_label') or run.get('source', '?'):<16} {run.get('outcome', '?'):<8} "
                     f"{n['pages']:>5} {n['items']:>5} {by_kind} {n['errors']:>6} {run.get('_seconds', 0):>6.1f}s")
    return "\n".join(lines)


@click.command("crawl")
@click.argument("sources", nargs=-1, required=True)
@click.option("-j", "--jobs", default=1, show_default=True, help="Crawls to run at the same time.")
@click.option("--resume", is_flag=True, help="Keep crawl state in PATROL_DATA_DIR/jobs/<source> and "
              "go on from where an interrupted crawl stopped.")
@click.option("--distributed", is_flag=True, help="Queue the runs for `patrol worker` processes "
              "(PATROL_REDIS_URL) instead of crawling here.")
@click.option("--wait", is_flag=True, help="With --distributed: wait until the runs finish.")
def crawl(sources: tuple[str, ...], jobs: int, resume: bool, distributed: bool, wait: bool) -> None:
    """Crawl the named SOURCES (profile names or files), each as a scrapy subprocess.
    Exits non-zero when a crawl failed (judged by its stats, not its exit code)."""
    from spiders.profiles import find_profile
    # A bad profile is a one-line error before anything starts.
    labels = {s: find_profile(s).name for s in sources}
    if distributed:
        from patrol.cli.worker_cmds import enqueue_sources
        runs = enqueue_sources(list(sources), trigger="manual", wait=wait)
        if wait:
            click.echo(summary_table(runs))
        if any(r.get("outcome") in ("failed", "skipped") for r in runs):
            sys.exit(1)
        return
    runs = crawl_sources(list(sources), jobs=jobs, trigger="manual", resume=resume, labels=labels)
    click.echo(summary_table(runs))
    if any(r.get("outcome") == "failed" for r in runs):
        sys.exit(1)


def demo_report(store_url: str, top: int = 10) -> str:
    """Flags by category and the apps used by minors, after a demo crawl."""
    from patrol.cases.views import summary_lines
    from patrol.export import app_survey_rows
    from patrol.store import CATEGORIES, open_store
    with open_store(store_url) as store:
        counts = store.flag_counts()
        apps = app_survey_rows(store)
        cases = summary_lines(store)
    by_cat = ", ".join(f"{c} {counts['by_category'].get(c, 0)}" for c in CATEGORIES)
    by_status = ", ".join(f"{k} {v}" for k, v in sorted(counts["by_status"].items()))
    lines = ["", f"flags: {counts['total']} ({by_cat}; {by_status or 'none'})", "",
             f"apps used by minors: {len(apps)} (top {min(top, len(apps))} by estimated reach among minors: "
             f"audience weight × downloads)",
             f"{_cell('app', 16)} {_cell('category', 10)} {_cell('downloads', 11, right=True)} "
             f"{_cell('minor', 6, right=True)} {_cell('flags', 5, right=True)}  reasons"]
    for app in apps[:top]:
        lines.append(f"{_cell(app.get('name'), 16)} {_cell(app.get('category'), 10)} "
                     f"{_cell(format(app.get('downloads') or 0, ','), 11, right=True)} "
                     f"{_cell(format(app.get('minor_score') or 0, '.2f'), 6, right=True)} "
                     f"{_cell(app['open_flags'] + app['confirmed_flags'], 5, right=True)}  "
                     f"{_cell('; '.join(app.get('minor_reasons') or []), 60, words=True).rstrip()}")
    lines += [""] + cases
    cmd = patrol_command()
    lines.append("")
    lines.append(f"more: {cmd} queue stats | {cmd} cases list | {cmd} export apps --format xlsx --output apps.xlsx")
    return "\n".join(lines)


@click.command("demo")
@click.option("--serve", is_flag=True, help="Then start the review console on the crawled store.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Review console address (--serve).")
@click.option("--port", default=8000, show_default=True, help="Review console port (--serve).")
@click.option("-j", "--jobs", default=2, show_default=True, help="Crawls to run at the same time.")
@click.option("--sites-only", is_flag=True, help="Only serve the demo sites and print the `export` lines "
              "that make the bundled profiles usable in another shell (Ctrl-C stops).")
def demo(serve: bool, host: str, port: int, jobs: int, sites_only: bool) -> None:
    """Serve the bundled demo sites on 127.0.0.1, crawl every demo profile into
    the configured store (PATROL_STORE, the embedded one by default), print a
    summary and exit (or, with --serve, open the review console)."""
    from patrol.demo import DemoWeb
    from spiders.profiles import load_profile, profile_paths
    names = [p.stem for p in profile_paths(BUNDLED_SOURCES)]
    # The same ports as the last demo: a site's URL is its identity in the store.
    ports = Path(config.get("PATROL_DATA_DIR")) / "demo" / "ports.json"
    if sites_only:
        _serve_sites_only(DemoWeb(ports_file=ports))
        return
    store_url = config.get("PATROL_STORE")
    click.echo(f"demo: store {store_url}")
    with DemoWeb(ports_file=ports) as web:
        os.environ.update(web.env())  # the profiles' ${DEMO_*_URL}, for the crawl subprocesses too
        for name in names:
            load_profile(BUNDLED_SOURCES / f"{name}.yaml")
        click.echo("demo sites: " + ", ".join(f"{k} {v}" for k, v in web.urls.items()))
        begun = time.monotonic()
        runs = crawl_sources(names, jobs=jobs, trigger="demo", store_url=store_url,
                             sources_dir=str(BUNDLED_SOURCES))
        click.echo(summary_table(runs))
        click.echo(f"total {time.monotonic() - begun:.1f}s")
        click.echo(demo_report(store_url))
        if not serve:
            if any(r.get("outcome") == "failed" for r in runs):
                sys.exit(1)
            return
        from patrol.web.serve import serve as serve_console
        _demo_account(store_url)
        serve_console(host, port, store_url=store_url)


def _serve_sites_only(web) -> None:
    """Serve the demo sites until Ctrl-C, after printing, on stdout and ready
    for ``eval``, the variables the bundled profiles need."""
    import shlex
    with web:
        for name, value in web.env().items():
            click.echo(f"export {name}={shlex.quote(value)}")
        cmd = patrol_command()
        click.echo(f"# demo sites served until Ctrl-C; in another shell, paste the lines above, then: "
                   f"{cmd} sources list, {cmd} crawl bookshop, {cmd} schedule list", err=True)
        try:
            while web._proc is not None and web._proc.poll() is None:
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass


def _demo_account(store_url: str) -> None:
    """A store without accounts gets a lead account "demo" with a random
    password, printed once, so the demo's console can be opened at once."""
    import secrets

    from patrol.store import open_store
    from patrol.web.auth import create_account
    with open_store(store_url) as store:
        users = store.list_users()
        if users:
            names = ", ".join(u["username"] for u in users[:5])
            click.echo(f"demo: log in with an existing account ({names}); forgot the password? "
                       f"{patrol_command()} users passwd demo  (or NAME) sets a new one")
            return
        password = secrets.token_urlsafe(12)
        create_account(store, "demo", "lead", password)
    click.echo(f"demo account: user 'demo', password '{password}' (a lead; add your own with "
               f"{patrol_command()} users add NAME --role analyst|lead)")


commands = [sources_group, crawl, demo]
