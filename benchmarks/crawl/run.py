"""Crawl benchmark: pages/s of the project's spider (with the project's
ITEM_PIPELINES) against a bare Scrapy spider on the same generated local site,
same concurrency, in the same run. ``python benchmarks/crawl/run.py [--pages N] [--rounds R]``
prints a JSON summary; results are written up in README.md by hand.
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
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
# Identical download settings for both: throughput, not politeness, is measured.
SAME = {"CONCURRENT_REQUESTS": "16", "CONCURRENT_REQUESTS_PER_DOMAIN": "16", "DOWNLOAD_DELAY": "0",
        "AUTOTHROTTLE_ENABLED": "0", "ROBOTSTXT_OBEY": "1", "LOG_LEVEL": "INFO",
        "TELNETCONSOLE_ENABLED": "0", "REMOTE_CONTROL_ENABLED": "0"}


def settings_args(extra: dict) -> list[str]:
    out = []
    for k, v in {**SAME, **extra}.items():
        out += ["-s", f"{k}={v}"]
    return out


def measure(cmd: list[str], env: dict, cwd: Path, stats_file: Path) -> dict:
    begun = time.monotonic()
    proc = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True)
    wall = time.monotonic() - begun
    if not stats_file.exists():
        raise SystemExit(f"crawl wrote no stats: {proc.stderr[-2000:]}")
    stats = json.loads(stats_file.read_text(encoding="utf-8"))
    stats = stats.get("stats", stats)
    pages = stats.get("response_received_count", 0)
    return {"pages": pages, "items": stats.get("item_scraped_count", 0),
            "seconds": round(stats["elapsed_time_seconds"], 2), "wall": round(wall, 2),
            "pages_per_s": round(pages / stats["elapsed_time_seconds"], 1),
            "errors": stats.get("log_count/ERROR", 0), "exit": proc.returncode}


def alternate(url: str, profile: Path, rounds: int, work: Path, classify: bool) -> dict[str, list]:
    """``rounds`` of a bare crawl then a project crawl of ``profile`` on the site at ``url``."""
    results: dict[str, list] = {"bare": [], "project": []}
    for r in range(rounds):
        out = work / f"bare-{r}.json"
        bare_env = {k: v for k, v in os.environ.items() if k != "SCRAPY_SETTINGS_MODULE"}
        results["bare"].append(measure(
            [sys.executable, "-m", "scrapy", "runspider", str(HERE / "bare_spider.py"),
             "-a", f"start={url}/list/1.html", "-a", f"out={out}", *settings_args({})],
            bare_env, work, out))
        print("bare", results["bare"][-1], file=sys.stderr)
        out = work / f"project-{r}.json"
        env = dict(os.environ, SCRAPY_SETTINGS_MODULE="patrol.settings", BENCH_URL=url,
                   PATROL_STORE=f"sqlite:///{work}/bench-{r}.db", PATROL_DATA_DIR=str(work / f"data-{r}"),
                   PATROL_CLASSIFY="1" if classify else "0", PYTHONPATH=str(ROOT))
        results["project"].append(measure(
            [sys.executable, "-m", "scrapy", "crawl", "profile", "-a", f"source={profile}",
             *settings_args({"PATROL_STATS_FILE": str(out)})], env, ROOT, out))
        print("project", results["project"][-1], file=sys.stderr)
    return results


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pages", type=int, default=5000)
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    from patrol import config
    work = Path(tempfile.mkdtemp(prefix="patrol-bench-"))
    site = subprocess.Popen([sys.executable, str(HERE / "site.py"), str(args.pages)],
                            stdout=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{int(site.stdout.readline())}"
    classify = Path(config.get("PATROL_MODEL")).exists()
    try:
        results = alternate(url, HERE / "bench.yaml", args.rounds, work, classify)
    finally:
        site.terminate()
        site.wait()
        shutil.rmtree(work, ignore_errors=True)
    bare = statistics.median(x["pages_per_s"] for x in results["bare"])
    proj = statistics.median(x["pages_per_s"] for x in results["project"])
    import scrapy
    summary = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
               "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.platform()}",
               "python": platform.python_version(), "scrapy": scrapy.__version__,
               "site_pages": args.pages, "classify_pipeline": classify, "settings": SAME,
               "bare_pages_per_s": bare, "project_pages_per_s": proj,
               "ratio_project_to_bare": round(proj / bare, 3), "runs": results}
    print(json.dumps(summary, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
