"""Distributed crawl benchmark: pages/s of 1, 2 and 4 ``patrol worker``
processes against a latency-bound local site, and the frontier's overhead
against a local ``scrapy crawl profile`` of the same site.

    .venv/bin/python benchmarks/distributed/run.py [--rounds 3] [--delay 0.5] [--concurrency 5]

Each round runs, in this order, a local crawl (one process, concurrency C),
one worker (concurrency C), two workers and four workers; the site holds
250 x N product pages for N workers so that each phase lasts about as long.
The site answers every page after DELAY seconds, so a process with C
requests in flight can do at most C / DELAY pages/s: latency-bound, as real
sites are. The profile's per-site limit (64) is above what N x C reaches, so
the site limit is not what is measured. Pages/s is the site's own count of
requests divided by the time from its first request to its last answer
(start-up of the processes excluded; it is reported apart). CPU seconds per
page are the processes' user + system time over the pages they fetched.
Classification is off in both (the same cost for both; not what is
measured). Prints a JSON summary; the README records the results.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT))

from patrol.devredis import RedisServer  # noqa: E402

GENSITE = ROOT / "tests" / "distributed" / "gensite.py"


def profile(url: str) -> str:
    return (f"name: bench\nkind: shop\nstart_urls: ['{url}/']\n"
            "links:\n  listing: ['nav.lists']\n  detail: ['ul.products']\n  about: ['footer']\n"
            "fields:\n  shop_name: '#shop-name::text'\n  licence: 'p.licence'\n"
            "politeness: {delay: 0.01, concurrency: 64}\n")


class Site:
    def __init__(self, lists: int, delay: float):
        self.proc = subprocess.Popen([sys.executable, str(GENSITE), str(lists), "50", str(delay)],
                                     stdout=subprocess.PIPE, text=True)
        self.url = f"http://127.0.0.1:{int(self.proc.stdout.readline())}"

    def stats(self) -> dict:
        with urllib.request.urlopen(self.url + "/__stats") as resp:
            return json.load(resp)

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait()


TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU of running processes so far (/proc/PID/stat)."""
    total = 0
    for pid in pids:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / TICK


def wait_first_request(site: "Site") -> None:
    while not site.stats()["first"]:
        time.sleep(0.05)


def result(site: Site, cpu: float, wall: float) -> dict:
    """Pages/s over the whole crawl and in its steady middle (10th to 90th
    percentile of the answers: the start page and the last stragglers are few
    requests whatever the number of workers)."""
    log = site.stats()
    span = (log["last"] or 0) - (log["first"] or 0)
    answers = sorted(log["answers"])
    lo, hi = answers[len(answers) // 10], answers[(9 * len(answers)) // 10]
    return {"pages": log["requests"], "span_s": round(span, 2), "wall_s": round(wall, 2),
            "pages_per_s": round(log["requests"] / span, 2) if span > 0 else 0.0,
            "steady_pages_per_s": round(0.8 * len(answers) / (hi - lo), 2) if hi > lo else 0.0,
            "cpu_ms_per_page": round(1000 * cpu / max(1, log["requests"]), 2),
            "max_inflight": log["max_inflight"], "repeated": sum(n - 1 for n in log["paths"].values())}


def base_env(work: Path, tag: str) -> dict:
    return dict(os.environ, PATROL_STORE=f"sqlite:///{work}/{tag}.db", PATROL_DATA_DIR=str(work / tag),
                PATROL_SOURCES=str(work / "sources"), PATROL_CLASSIFY="0", PATROL_HTTPCACHE="0",
                PATROL_LOG_LEVEL="WARNING", SCRAPY_SETTINGS_MODULE="patrol.settings")


def local_crawl(work: Path, delay: float, concurrency: int) -> dict:
    site = Site(5, delay)
    (work / "sources" / "bench.yaml").write_text(profile(site.url), encoding="utf-8")
    env = base_env(work, f"local-{time.monotonic_ns()}")
    t0 = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "scrapy", "crawl", "profile", "-a",
                             f"source={work / 'sources' / 'bench.yaml'}", "-s",
                             f"CONCURRENT_REQUESTS={concurrency}", "-s",
                             f"CONCURRENT_REQUESTS_PER_DOMAIN={concurrency}", "-s", "DOWNLOAD_DELAY=0",
                             "-s", "AUTOTHROTTLE_ENABLED=0", "-s", "LOG_LEVEL=WARNING"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_first_request(site)
    startup, cpu0 = time.monotonic() - t0, cpu_seconds([proc.pid])
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc.wait()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime) - cpu0
    out = result(site, cpu, time.monotonic() - t0)
    out["startup_s"] = round(startup, 2)
    site.close()
    return out


def distributed_crawl(work: Path, redis_url: str, n: int, delay: float, concurrency: int) -> dict:
    from patrol.distributed.frontier import Frontier
    from patrol.distributed.runs import enqueue_run
    from patrol.store import open_store
    site = Site(5 * n, delay)
    (work / "sources" / "bench.yaml").write_text(profile(site.url), encoding="utf-8")
    tag = f"dist{n}-{time.monotonic_ns()}"
    env = dict(base_env(work, tag), PATROL_REDIS_URL=redis_url, PATROL_REDIS_PREFIX=tag)
    t0 = time.monotonic()
    procs = [subprocess.Popen([sys.executable, "-m", "patrol", "worker", "--id", f"w{i}", "-c",
                               str(concurrency)], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL) for i in range(n)]
    frontier = Frontier(redis_url, tag)
    while len(frontier.workers()) < n:
        time.sleep(0.2)
    ready = time.monotonic() - t0
    cpu0 = cpu_seconds([p.pid for p in procs])
    run = enqueue_run("bench", trigger="bench", store_url=env["PATROL_STORE"],
                      sources_dir=str(work / "sources"), frontier=frontier)
    with open_store(env["PATROL_STORE"]) as store:
        while store.get_run(run["id"])["outcome"] == "running":
            time.sleep(0.2)
        finished = store.get_run(run["id"])
    cpu = cpu_seconds([p.pid for p in procs]) - cpu0  # from the run's start to its record
    for proc in procs:
        proc.send_signal(signal.SIGTERM)
    for proc in procs:
        proc.wait()
    out = result(site, cpu, time.monotonic() - t0)
    out.update(workers=n, startup_s=round(ready, 2), outcome=finished["outcome"],
               served_by=len(finished.get("workers") or []))
    site.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--delay", type=float, default=0.5, help="seconds the site takes per page")
    ap.add_argument("--concurrency", type=int, default=5, help="requests in flight per process")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="patrol-dbench-"))
    (work / "sources").mkdir()
    runs: dict[str, list] = {"local": [], "1": [], "2": [], "4": []}
    with RedisServer(work / "redis") as redis:
        for r in range(args.rounds):
            runs["local"].append(local_crawl(work, args.delay, args.concurrency))
            print("local", runs["local"][-1], file=sys.stderr)
            for n in (1, 2, 4):
                runs[str(n)].append(distributed_crawl(work, redis.url, n, args.delay, args.concurrency))
                print(n, runs[str(n)][-1], file=sys.stderr)
    med = {k: statistics.median(x["pages_per_s"] for x in v) for k, v in runs.items()}
    steady = {k: statistics.median(x["steady_pages_per_s"] for x in v) for k, v in runs.items()}
    cpu = {k: statistics.median(x["cpu_ms_per_page"] for x in v) for k, v in runs.items()}
    summary = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.platform()}",
        "load_avg": os.getloadavg(), "delay_s": args.delay, "concurrency_per_process": args.concurrency,
        "bound_pages_per_s_per_process": round(args.concurrency / args.delay, 2),
        "median_pages_per_s": med,
        "spread_pages_per_s": {k: [min(x["pages_per_s"] for x in v), max(x["pages_per_s"] for x in v)]
                               for k, v in runs.items()},
        "median_steady_pages_per_s": steady,
        "ratio_to_n_times_one": {n: round(med[n] / (int(n) * med["1"]), 3) for n in ("2", "4")},
        "steady_ratio_to_n_times_one": {n: round(steady[n] / (int(n) * steady["1"]), 3) for n in ("2", "4")},
        "frontier_overhead_throughput": round(1 - med["1"] / med["local"], 3),
        "frontier_overhead_cpu": round(cpu["1"] / cpu["local"] - 1, 3),
        "median_cpu_ms_per_page": cpu, "runs": runs}
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
