"""Time the console's pages over HTTP on a fixture store (fixture.py).

    python -m benchmarks.console.run --store sqlite:////tmp/c100k.db --rounds 7

Starts the console under waitress (the production server, ``patrol serve``)
in a subprocess, logs in as a lead through the login form, then requests each
page ``--rounds`` times after one warm-up and prints the median and the range
in milliseconds (wall time of the whole request, as a browser waits for it).
``claim_next`` is timed in process through the store API (claim, then release
so the queue stays the same).
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import re
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

LEAD, PASSWORD = "bench-lead", "bench-lead-password"


def serve(store: str) -> None:
    from patrol.web.serve import make_server
    _, server = make_server("127.0.0.1", 0, store_url=store, threads=4)
    print(server.effective_port, flush=True)
    server.run()


class Client:
    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path: str) -> tuple[int, bytes]:
        try:
            with self.opener.open(self.base + path, timeout=600) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    def login(self) -> None:
        _, page = self.get("/login")
        token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page).group(1).decode()
        data = urllib.parse.urlencode({"username": LEAD, "password": PASSWORD,
                                       "csrf_token": token}).encode()
        with self.opener.open(self.base + "/login", data=data, timeout=60) as r:
            r.read()


def timed(fn, rounds: int) -> dict:
    fn()  # warm-up (page cache, templates)
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return {"median_ms": round(statistics.median(times), 1), "min_ms": round(min(times), 1),
            "max_ms": round(max(times), 1), "n": rounds}


def run(store_url: str, rounds: int) -> dict:
    from patrol.store import Conflict, open_store
    from patrol.web.auth import create_account
    store = open_store(store_url, timeout=60)
    try:
        create_account(store, LEAD, "lead", PASSWORD)
    except Conflict:
        pass
    some = store.page_flags(status="pending", limit=1, with_total=False).flags
    flag_id = some[0]["id"] if some else store.page_flags(limit=1, with_total=False).flags[0]["id"]
    proc = subprocess.Popen([sys.executable, "-m", "benchmarks.console.run", "--serve", store_url],
                            stdout=subprocess.PIPE, text=True)
    try:
        port = int(proc.stdout.readline())
        client = Client(f"http://127.0.0.1:{port}")
        client.login()
        pages = {
            "queue (status + search 网盘)": "/?status=pending&q=%E7%BD%91%E7%9B%98",
            "queue (category + source substring)": "/?category=vulgar&status=pending&source=source-01",
            "queue (first page, no filter)": "/",
            "flag page": f"/flags/{flag_id}",
            "dashboard": "/dashboard",
            "apps page": "/apps",
            "summary (reports)": "/reports/summary",
            "summary (export page)": "/export/summary",
        }
        out: dict = {"store": store_url, "backend": store.backend, "rounds": rounds}
        status, _ = client.get("/apps")
        for name, path in pages.items():
            if name == "apps page" and status == 404:
                out[name] = "no /apps page on this commit"
                continue
            code, body = client.get(path)
            if code != 200:
                out[name] = f"HTTP {code}"
                continue
            out[name] = timed(lambda p=path: client.get(p), rounds)
        # The queue's second page by its keyset cursor.
        _, body = client.get("/?status=pending")
        m = re.search(rb'href="\?([^"]*after=[^"]+)"', body)
        if m:
            nxt = "/?" + m.group(1).decode().replace("&amp;", "&")
            out["queue (next keyset page)"] = timed(lambda: client.get(nxt), rounds)
        t = []
        for _ in range(rounds):
            t0 = time.perf_counter()
            got = store.claim_next("bench-analyst")
            t.append((time.perf_counter() - t0) * 1000)
            if got:
                store.release(got["id"], "bench-analyst")
        out["claim_next (store API)"] = {"median_ms": round(statistics.median(t), 1),
                                         "min_ms": round(min(t), 1), "max_ms": round(max(t), 1),
                                         "n": rounds}
        out["flags"] = store.flag_figures()["total"]
    finally:
        proc.terminate()
        proc.wait(10)
        store.close()
    return out


def main(argv=None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--store", required=False)
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--serve", metavar="STORE")
    a = ap.parse_args(argv)
    if a.serve:
        serve(a.serve)
        return
    print(json.dumps(run(a.store, a.rounds), ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
