"""Crawl start-up (issue 18.3): from launching ``scrapy crawl`` to its first request, first
response, first item out of the pipelines and first item stored, for an HTTP profile
against a local site, with the project's settings and pipelines (classification on).

    PYTHONPATH=$PWD .venv/bin/python benchmarks/crawl/startup.py [--rounds 5] [--pages 200]

The site is ``site.py`` (a generated shop, 127.0.0.1, port 0); the profile ``bench.yaml``;
a fresh embedded SQLite store per run. Times are seconds since the parent's ``time.time()``
just before it started the process (``startup_ext.py`` records the signals inside the
crawl, with the crawl process's CPU seconds); "stored" is when the parent, polling the
SQLite file every 10 ms, first sees a row in ``items``. Prints one JSON summary: per mark
the median and the spread (min-max) over the rounds.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
SETTINGS = {"CONCURRENT_REQUESTS": "16", "CONCURRENT_REQUESTS_PER_DOMAIN": "16", "DOWNLOAD_DELAY": "0",
            "AUTOTHROTTLE_ENABLED": "0", "ROBOTSTXT_OBEY": "1", "LOG_LEVEL": "INFO",
            "TELNETCONSOLE_ENABLED": "0"}
MARKS = ("extension_loaded", "engine_started", "spider_opened", "first_request", "first_response", "first_item")


def stored_at(db: Path, proc: subprocess.Popen, launched: float) -> float | None:
    """Seconds from launch until the store holds an item (None: the crawl ended first)."""
    while proc.poll() is None:
        if db.exists():
            try:
                with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.05) as conn:
                    if conn.execute("SELECT 1 FROM items LIMIT 1").fetchone():
                        return round(time.time() - launched, 3)
            except sqlite3.Error:
                pass
        time.sleep(0.01)
    return None


def one(url: str, work: Path, r: int, extra: dict) -> dict:
    db = work / f"startup-{r}.db"
    out = work / f"startup-{r}.json"
    sys.path.insert(0, str(ROOT))
    from patrol import settings as project

    # the project's extensions as they are, plus the one that takes the times
    settings = {**SETTINGS, "EXTENSIONS": json.dumps({**project.EXTENSIONS, "startup_ext.StartupTimes": 0}), **extra}
    args = [sys.executable, "-m", "scrapy", "crawl", "profile", "-a", f"source={HERE / 'bench.yaml'}"]
    for k, v in settings.items():
        args += ["-s", f"{k}={v}"]
    launched = time.time()
    env = dict(os.environ, SCRAPY_SETTINGS_MODULE="patrol.settings", BENCH_URL=url,
               PATROL_STORE=f"sqlite:///{db}", PATROL_DATA_DIR=str(work / f"data-{r}"),
               PYTHONPATH=os.pathsep.join([str(ROOT), str(HERE)]), STARTUP_LAUNCHED=repr(launched),
               STARTUP_OUT=str(out))
    proc = subprocess.Popen(args, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    stored = stored_at(db, proc, launched)
    _, err = proc.communicate()
    if not out.exists():
        raise SystemExit(f"the crawl wrote no start-up times (exit {proc.returncode}): {err[-3000:]}")
    marks = json.loads(out.read_text(encoding="utf-8"))
    marks["first_stored"] = {"wall": stored}
    marks["exit"] = proc.returncode
    return marks


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--pages", type=int, default=200)
    ap.add_argument("-s", dest="settings", action="append", default=[],
                    help="extra Scrapy setting NAME=VALUE for the crawl (repeatable)")
    args = ap.parse_args()
    extra = dict(s.split("=", 1) for s in args.settings)
    work = Path(tempfile.mkdtemp(prefix="patrol-startup-"))
    site = subprocess.Popen([sys.executable, str(HERE / "site.py"), str(args.pages)], stdout=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{int(site.stdout.readline())}"
    runs = []
    try:
        for r in range(args.rounds):
            runs.append(one(url, work, r, extra))
            print(json.dumps({k: v.get("wall", v) if isinstance(v, dict) else v for k, v in runs[-1].items()}),
                  file=sys.stderr)
    finally:
        site.terminate()
        site.wait()
        shutil.rmtree(work, ignore_errors=True)

    def summary(key: str, field: str) -> dict | None:
        vals = [r[key][field] for r in runs if key in r and r[key].get(field) is not None]
        if not vals:
            return None
        return {"median": round(statistics.median(vals), 3), "min": min(vals), "max": max(vals)}

    out = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
           "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
           "load_average": [round(x, 2) for x in os.getloadavg()], "rounds": args.rounds, "settings": extra,
           "wall_s": {k: summary(k, "wall") for k in (*MARKS, "first_stored")},
           "cpu_s": {k: summary(k, "cpu") for k in MARKS},
           "heavy_modules_at_first_request": runs[-1].get("first_request", {}).get("heavy"),
           "heavy_modules_at_first_item": runs[-1].get("first_item", {}).get("heavy"),
           "code": runs[-1].get("code")}
    print(json.dumps(out, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
