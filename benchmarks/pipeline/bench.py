"""Full-pipeline benchmark (issue 5, item 6): pages/s of the project's crawl
with every pipeline stage (normalise → dedupe → classify → store into a
MongoDB-compatible server) against bare Scrapy on the same generated site, in
the same run, with the same download settings; and the peak RSS of the
full-pipeline crawl process.

    .venv/bin/python benchmarks/pipeline/bench.py --pages 5000 [--rounds 2] [--json OUT]

Per round, one after the other on the same site and the same FerretDB:
``bare`` (benchmarks/crawl/bare_spider.py, no pipelines), ``full``
(``scrapy crawl profile -a source=benchmarks/crawl/bench.yaml``, classify on
with PATROL_CLASSIFY_WORKERS threads) and ``store_only`` (the same with
PATROL_CLASSIFY=false), each crawl a subprocess writing a fresh database.
Prints the summary JSON on stdout; progress on stderr. Stops by itself.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
CRAWL = HERE.parent / "crawl"
PROFILE = CRAWL / "bench.yaml"        # the crawl benchmark's shop profile, reused
BARE_SPIDER = CRAWL / "bare_spider.py"  # the crawl benchmark's bare spider, reused
PER_LIST = 50                         # benchmarks/crawl/site.py: detail links per listing page
OWN_SETTINGS = {"PATROL_STORE", "PATROL_DATA_DIR", "PATROL_MODEL", "PATROL_CLASSIFY",
                "PATROL_CLASSIFY_WORKERS", "PATROL_RUN_TRIGGER", "PATROL_STATS_FILE"}
CRAWL_TIMEOUT = 1800                  # seconds; a crawl stuck longer than this is killed

# Identical download settings for every run. Politeness is off because this is
# a local benchmark of throughput (real crawls keep a delay and AutoThrottle):
# no delay, no AutoThrottle, the same concurrency overall and per domain.
SAME = {"CONCURRENT_REQUESTS": "16", "CONCURRENT_REQUESTS_PER_DOMAIN": "16",
        "DOWNLOAD_DELAY": "0", "DOWNLOAD_DELAY_JITTER": "0", "AUTOTHROTTLE_ENABLED": "0",
        "ROBOTSTXT_OBEY": "1", "LOG_LEVEL": "INFO", "MEMUSAGE_ENABLED": "1",
        "MEMUSAGE_CHECK_INTERVAL_SECONDS": "1", "TELNETCONSOLE_ENABLED": "0",
        "REMOTE_CONTROL_ENABLED": "0"}


def machine() -> dict:
    model = ""
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, timeout=10).stdout
        model = next((line.split(":", 1)[1].strip() for line in out.splitlines()
                      if line.startswith("Model name")), "")
    except (OSError, subprocess.SubprocessError):
        pass
    ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    import scrapy
    return {"nproc": len(os.sched_getaffinity(0)), "cpu_model": model, "ram_gb": round(ram, 1),
            "platform": platform.platform(), "python": platform.python_version(),
            "scrapy": scrapy.__version__}


def run_crawl(cmd: list[str], env: dict, cwd: Path, log: Path) -> tuple[int, float, float, float]:
    """Run one crawl; returns (exit status, wall seconds, peak RSS in MB, CPU seconds) of that process.

    ``os.wait4`` gives the child's own resource usage (its ru_maxrss, in KB on
    Linux), not that of the site server or FerretDB, which are children too."""
    begun = time.monotonic()
    with open(log, "w", encoding="utf-8") as out:
        proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
        deadline = begun + CRAWL_TIMEOUT
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.05)
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    return proc.returncode, time.monotonic() - begun, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def result(name: str, stats_file: Path, log: Path, exit_code: int, wall: float, rss: float,
           cpu: float) -> dict:
    if not stats_file.exists():
        tail = log.read_text(encoding="utf-8", errors="replace")[-1500:]
        raise SystemExit(f"{name} crawl (exit {exit_code}) wrote no stats file {stats_file}:\n{tail}")
    stats = json.loads(stats_file.read_text(encoding="utf-8"))
    pages = stats.get("response_received_count", 0)
    seconds = float(stats["elapsed_time_seconds"])
    return {"pages": pages, "items": stats.get("item_scraped_count", 0),
            "seconds": round(seconds, 2), "wall_seconds": round(wall, 2),
            "pages_per_s": round(pages / seconds, 1), "wall_pages_per_s": round(pages / wall, 1),
            "peak_rss_mb": round(rss, 1), "cpu_seconds": round(cpu, 1),
            "memusage_max_mb": round(stats.get("memusage/max", 0) / 2**20, 1),
            "errors": stats.get("log_count/ERROR", 0), "exit": exit_code,
            "classified": stats.get("patrol/classify/classified", 0),
            "items_written": stats.get("patrol/store/items_written", 0),
            "spooled": stats.get("patrol/store/spooled", 0), "log": str(log)}


def settings_args(extra: dict) -> list[str]:
    return [arg for k, v in {**SAME, **extra}.items() for arg in ("-s", f"{k}={v}")]


def bare_run(url: str, work: Path, tag: str) -> dict:
    out, log = work / f"{tag}.json", work / f"{tag}.log"
    env = {k: v for k, v in os.environ.items() if k != "SCRAPY_SETTINGS_MODULE"}
    cmd = [sys.executable, "-m", "scrapy", "runspider", str(BARE_SPIDER),
           "-a", f"start={url}/list/1.html", "-a", f"out={out}", *settings_args({})]
    return result(tag, out, log, *run_crawl(cmd, env, work, log))


def project_run(url: str, mongo: str, work: Path, tag: str, classify: bool, workers: int,
                model: Path, extra: dict) -> dict:
    from patrol.store import open_store
    out, log = work / f"{tag}.json", work / f"{tag}.log"
    db = f"{mongo}bench_{tag.replace('-', '_')}_{uuid.uuid4().hex[:8]}"
    env = dict(os.environ, SCRAPY_SETTINGS_MODULE="patrol.settings", BENCH_URL=url, PATROL_STORE=db,
               PATROL_DATA_DIR=str(work / f"data-{tag}"), PATROL_MODEL=str(model),
               PATROL_CLASSIFY="true" if classify else "false", PATROL_CLASSIFY_WORKERS=str(workers),
               PATROL_RUN_TRIGGER="benchmark", **extra)
    cmd = [sys.executable, "-m", "scrapy", "crawl", "profile", "-a", f"source={PROFILE}",
           *settings_args({"PATROL_STATS_FILE": str(out)})]
    res = result(tag, out, log, *run_crawl(cmd, env, ROOT, log))
    with open_store(db, timeout=10) as store:  # what the crawl really stored
        res["store_items"] = store.count_items(source="bench")
        res["flags_by_category"] = store.flag_counts()["by_category"]
    return res


def start_site(pages: int, seed: int) -> tuple[subprocess.Popen, str, int]:
    site = subprocess.Popen([sys.executable, str(HERE / "textsite.py"), str(pages), str(seed)],
                            stdout=subprocess.PIPE, text=True)
    port = site.stdout.readline().strip()
    flagged = site.stdout.readline().strip()
    if not port.isdigit():
        site.kill()
        raise SystemExit("the benchmark site did not start (no port on its first line)")
    return site, f"http://127.0.0.1:{port}", int(flagged)


def summarise(runs: dict, expected: int) -> dict:
    med = {name: statistics.median(r["pages_per_s"] for r in rs) for name, rs in runs.items()}
    wall = {name: statistics.median(r["wall_pages_per_s"] for r in rs) for name, rs in runs.items()}
    rss = max(r["peak_rss_mb"] for r in runs["full"])
    ratio = med["full"] / med["bare"]
    return {"bare_pages_per_s": med["bare"], "full_pages_per_s": med["full"],
            "store_only_pages_per_s": med["store_only"],
            "ratio_full_to_bare": round(ratio, 3),
            "ratio_store_only_to_bare": round(med["store_only"] / med["bare"], 3),
            "wall_ratio_full_to_bare": round(wall["full"] / wall["bare"], 3),
            "full_peak_rss_mb": rss,
            "all_pages_crawled": all(r["pages"] == expected for rs in runs.values() for r in rs),
            "goal": {"ratio_min": 0.8, "rss_max_mb": 500, "ratio_met": ratio >= 0.8, "rss_met": rss < 500}}


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=5000, help="detail pages of the generated site")
    ap.add_argument("--rounds", type=int, default=2, help="rounds of bare / full / store-only; medians reported")
    ap.add_argument("--seed", type=int, default=1, help="seed of the generated page text")
    ap.add_argument("--workers", type=int, default=1, help="PATROL_CLASSIFY_WORKERS of the full run")
    ap.add_argument("--model", default=None, help="classifier artifact (default: the PATROL_MODEL setting)")
    ap.add_argument("--json", dest="json_out", default=None, help="also write the summary JSON here")
    ap.add_argument("--keep", action="store_true", help="keep the work directory (logs, stats)")
    ap.add_argument("--env", action="append", default=[], metavar="PATROL_X=VALUE",
                    help="an extra PATROL_* setting for the full and store-only crawls (repeatable)")
    args = ap.parse_args(argv)
    if args.pages < 1 or args.rounds < 1 or args.workers < 1:
        raise SystemExit("--pages, --rounds and --workers must be at least 1")
    sys.path.insert(0, str(ROOT))
    from patrol import config
    from patrol.devserver import ferretdb_server

    model = Path(args.model or config.get("PATROL_MODEL"))
    if not model.is_file():
        raise SystemExit(f"{model}: no trained classifier model (train one with `patrol train` "
                         "or give --model)")
    extra = {}
    for pair in args.env:
        name, sep, value = pair.partition("=")
        if not sep or name not in config.SETTINGS:
            raise SystemExit(f"--env {pair!r}: give PATROL_NAME=VALUE with a known setting name")
        if name in OWN_SETTINGS:
            raise SystemExit(f"--env {pair!r}: {name} is set by the benchmark itself")
        extra[name] = value
    work = Path(tempfile.mkdtemp(prefix="patrol-pipeline-bench-"))
    expected = args.pages + (args.pages + PER_LIST - 1) // PER_LIST + 1  # details, listings, robots.txt
    runs: dict[str, list[dict]] = {"bare": [], "full": [], "store_only": []}
    site, url, flagged = start_site(args.pages, args.seed)
    try:
        with ferretdb_server(work / "ferretdb") as mongo:
            for r in range(args.rounds):
                runs["bare"].append(bare_run(url, work, f"bare-{r}"))
                print("bare", runs["bare"][-1], file=sys.stderr, flush=True)
                runs["full"].append(project_run(url, mongo, work, f"full-{r}", True, args.workers, model, extra))
                print("full", runs["full"][-1], file=sys.stderr, flush=True)
                runs["store_only"].append(project_run(url, mongo, work, f"store-only-{r}", False,
                                                      args.workers, model, extra))
                print("store_only", runs["store_only"][-1], file=sys.stderr, flush=True)
    finally:
        site.terminate()
        site.wait()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    summary = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "machine": machine(),
               "site": {"detail_pages": args.pages, "responses_expected": expected,
                        "flagged_detail_pages": flagged, "seed": args.seed},
               "settings": SAME, "classify_workers": args.workers, "env": extra, "model": str(model),
               **summarise(runs, expected), "runs": runs,
               "work_dir": str(work) if args.keep else None}
    text = json.dumps(summary, indent=1, ensure_ascii=False)
    if args.json_out:
        Path(args.json_out).write_text(text + "\n", encoding="utf-8")
    print(text)
    return summary


if __name__ == "__main__":
    main()
