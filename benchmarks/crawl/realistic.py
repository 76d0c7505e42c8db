"""End-to-end crawl on pages of realistic size: the project's spider with
everything on (generic news extraction with main content, dedupe, classify,
store into SQLite) against the bare Scrapy spider, alternating in rounds, on
the same local site (``realistic_site.py``: 20–100 KB pages, 1–5 KB of text).

    .venv/bin/python benchmarks/crawl/realistic.py --pages 1000 --rounds 3

Prints a JSON summary (pages/s per round, medians, ratio); the README gives
the figures with the date, the machine and the load.
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
sys.path.insert(0, str(HERE))
from run import alternate  # noqa: E402  (same crawls and download settings as run.py)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pages", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="patrol-bench-real-"))
    site = subprocess.Popen([sys.executable, str(HERE / "realistic_site.py"), str(args.pages)],
                            stdout=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{int(site.stdout.readline())}"
    try:
        results = alternate(url, HERE / "realistic.yaml", args.rounds, work, classify=True)
    finally:
        site.terminate()
        site.wait()
        shutil.rmtree(work, ignore_errors=True)
    bare = statistics.median(x["pages_per_s"] for x in results["bare"])
    proj = statistics.median(x["pages_per_s"] for x in results["project"])
    print(json.dumps({
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores", "load": os.getloadavg(),
        "site_pages": args.pages, "bare_pages_per_s": bare, "project_pages_per_s": proj,
        "ratio_project_to_bare": round(proj / bare, 3), "runs": results}, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
