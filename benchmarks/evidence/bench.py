"""Evidence figures: capture cost per flagged page and package size.

Crawls bundled demo sources (real ``scrapy crawl profile`` of the demo web,
``ziliaopu`` over HTTP and ``appstore`` rendered in Chromium) into a fresh
SQLite store, then confirms every flag and exports each one's package with
``patrol evidence export``. Capture cost is the evidence pipeline's own
``patrol/evidence/ms`` stat (building the WARC, hashing, writing the files on
its thread) divided by the pages captured; package sizes are the exported
WACZ files. Prints one Markdown table row per source.

    .venv/bin/python benchmarks/evidence/bench.py [--sources ziliaopu,appstore]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sources", default="ziliaopu,appstore")
    args = ap.parse_args()
    from patrol.demo import DemoWeb
    from patrol.store import open_store
    rows = []
    with DemoWeb() as web, tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        store_url = f"sqlite:///{tmp / 'patrol.db'}"
        env = {**os.environ, **web.env(), "PATROL_STORE": store_url, "PATROL_DATA_DIR": str(tmp / "data"),
               "PATROL_CONFIG": str(tmp / "none.toml"), "PATROL_TSA_URL": "",
               "SCRAPY_SETTINGS_MODULE": "patrol.settings"}
        subprocess.run([sys.executable, "-m", "patrol", "evidence", "keygen"], cwd=ROOT, env=env, check=True,
                       capture_output=True)
        for source in args.sources.split(","):
            stats_file = tmp / f"stats-{source}.json"
            started = time.monotonic()
            proc = subprocess.run([sys.executable, "-m", "scrapy", "crawl", "profile", "-a", f"source={source}",
                                   "-s", f"PATROL_STATS_FILE={stats_file}"], cwd=ROOT, env=env,
                                  capture_output=True, text=True)
            wall = time.monotonic() - started
            if proc.returncode != 0:
                sys.exit(proc.stderr[-3000:])
            stats = json.loads(stats_file.read_text())
            with open_store(store_url) as store:
                flags, _ = store.list_flags(source=source, limit=500)
                for f in flags:
                    if f["status"] == "pending":
                        store.decide(f["id"], "bench", "confirmed", "bench")
            sizes = []
            for f in flags:
                out = tmp / f"{f['id']}.wacz"
                subprocess.run([sys.executable, "-m", "patrol", "evidence", "export", f["id"], "-o", str(out)],
                               cwd=ROOT, env=env, check=True, capture_output=True)
                sizes.append(out.stat().st_size)
            captured = stats.get("patrol/evidence/captured", 0) + stats.get("patrol/evidence/partial", 0)
            rows.append((source, stats.get("item_scraped_count", 0), captured,
                         stats.get("patrol/evidence/ms", 0) / max(1, captured),
                         stats.get("patrol/evidence/bytes", 0) / max(1, captured) / 1024,
                         statistics.median(sizes) / 1024 if sizes else 0,
                         max(sizes) / 1024 if sizes else 0, wall))
    micro = _micro()
    machine = f"{platform.machine()}, {os.cpu_count()} vCPUs shared, Python {platform.python_version()}"
    print(f"machine: {machine}; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    print("| source | pages kept | captured | capture ms/page | capture KB/page | package KB (median) | package KB (max) | crawl s |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        print(f"| {r[0]} | {r[1]} | {r[2]} | {r[3]:.1f} | {r[4]:.1f} | {r[5]:.1f} | {r[6]:.1f} | {r[7]:.0f} |")


    print()
    print("capture() alone, CPU ms per page (process_time, 200 rounds, files written to a temp dir):")
    for name, ms in micro.items():
        print(f"- {name}: {ms:.2f} ms")


def _micro() -> dict[str, float]:
    """CPU cost of one capture (WARC built, hashed, written; DOM and PNG for a
    rendered page), without the crawl around it: the shared machine's wall
    times above include waiting for a thread while other jobs run."""
    import datetime as dt
    from patrol.evidence.blobs import Blobs
    from patrol.evidence.capture import capture
    body = (ROOT / "patrol/demo/sites/ziliaopu/goods/1006.html").read_bytes()
    png = (ROOT / "patrol/web/static").glob("*.png")
    shot = next(iter(png), None)
    shot_bytes = shot.read_bytes() if shot else os.urandom(100_000)
    if len(shot_bytes) < 50_000:
        shot_bytes = os.urandom(100_000)  # about the size of a full-page screenshot
    base = {"url": "http://127.0.0.1:1/goods/1006.html", "status": 200, "ip": "127.0.0.1",
            "request_headers": [("User-Agent", "ContentPatrol/0.1.0"), ("Accept", "text/html")],
            "response_headers": [("Content-Type", "text/html; charset=utf-8"),
                                 ("Content-Length", str(len(body)))], "body": body}
    cases = {"HTTP page (%.1f KB body)" % (len(body) / 1024): base,
             "rendered page (body + DOM + %d KB PNG)" % (len(shot_bytes) // 1024):
                 {**base, "rendered": True, "dom": body.decode("utf-8"), "screenshot": shot_bytes}}
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, exchange in cases.items():
            rounds = 200
            started = time.process_time()
            for n in range(rounds):
                ex = dict(exchange, body=exchange["body"] + str(n).encode())  # new files each time
                if ex.get("rendered"):
                    ex.update(dom=ex["dom"] + str(n), screenshot=ex["screenshot"] + str(n).encode())
                capture(ex, Blobs(tmp), fetched_at=dt.datetime.now(dt.timezone.utc), software="bench",
                        user_agent="bench", operator="bench")
            out[name] = (time.process_time() - started) * 1000 / rounds
    return out


if __name__ == "__main__":
    main()
