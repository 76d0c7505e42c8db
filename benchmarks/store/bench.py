"""Store batch cost against store size (issue 18, item 2).

Fills a fresh store through ``upsert_items`` in batches of ``--batch`` new
items of realistic size (a page item with 1–3 KB of Chinese text), and at each
size in ``--sizes`` times, in rounds alternating the order:

- ``new``: a batch of new items (``upsert_items``);
- ``unchanged``: a batch of items already stored, same content (a re-crawl);
- ``changed``: a batch of stored items whose text changed;
- ``apps``: ``upsert_apps`` of a batch of 50 apps (half new, half known);
- ``flags``: 50 ``raise_flag`` calls on new flags;
- ``raw``: the same documents as ``new`` written by a raw bulk insert
  (``insert_many`` on MongoDB/FerretDB, one ``executemany`` transaction on
  SQLite) into a side collection/table of the same store size: the floor.

Run by hand (never by pytest); it stops by itself. Examples::

    .venv/bin/python benchmarks/store/bench.py --backend sqlite --sizes 0,10000,100000,1000000
    .venv/bin/python benchmarks/store/bench.py --backend ferretdb --sizes 0,10000,100000
    .venv/bin/python benchmarks/store/bench.py --backend ferretdb-pg --sizes 0,10000
    .venv/bin/python benchmarks/store/bench.py --mongo-uri mongodb://127.0.0.1:27017/ --sizes 0,10000

Prints one JSON line per measurement and a table (median and min–max of the
rounds, milliseconds per batch). ``--json OUT`` writes all of it.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from patrol.items import make_item  # noqa: E402
from patrol.store import open_store  # noqa: E402

WORDS = ("网络 内容 平台 用户 发布 信息 管理 规定 服务 安全 青少年 保护 视频 直播 游戏 "
         "评论 新闻 出版 许可 书店 图书 销售 社区 互联网 监督 举报 依法 处理 账号 审核").split()


def text_of(rng: random.Random) -> str:
    return "，".join("".join(rng.choice(WORDS) for _ in range(rng.randint(4, 12)))
                    for _ in range(rng.randint(40, 120))) + "。"


TEXTS = [text_of(random.Random(k)) for k in range(997)]  # 0.3–4 KB each


def item(n: int, version: int = 0) -> dict:
    """Item ``n`` at ``version``: the same arguments give the same content
    (a text drawn from TEXTS, made distinct by its number)."""
    text = f"{TEXTS[(n * 31 + version) % len(TEXTS)]}（{n}-{version}）"
    return make_item(url=f"https://site{n % 1000}.example/page/{n}", source=f"site{n % 1000}",
                     kind="page", title=f"页面 {n} v{version}", text=text)


def app(n: int) -> dict:
    return {"store": "bench", "app_id": f"app{n}", "name": f"应用{n}", "downloads": n,
            "minor_relevant": n % 3 == 0, "minor_score": 0.5}


@contextlib.contextmanager
def postgres(tmp: Path):
    """A throw-away PostgreSQL cluster on a free port (as the ``postgres`` user
    when run as root: initdb refuses root)."""
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    data = tmp / "pg"
    data.mkdir()
    bindir = Path(subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True).stdout.strip()
                  or "/usr/lib/postgresql/15/bin")
    if not (bindir / "initdb").exists():
        bindir = Path("/usr/lib/postgresql/15/bin")
    pre = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if pre:
        os.chmod(tmp, 0o755)  # the postgres user must reach its data directory
        shutil.chown(data, "postgres")
    subprocess.run(pre + [str(bindir / "initdb"), "-D", str(data / "d"), "-A", "trust", "-U", "postgres"],
                   check=True, capture_output=True)
    subprocess.run(pre + [str(bindir / "pg_ctl"), "-D", str(data / "d"), "-w", "-l", str(data / "log"),
                          "-o", f"-p {port} -k {data} -c listen_addresses=127.0.0.1", "start"],
                   check=True, capture_output=True)
    with contextlib.suppress(OSError, ValueError):
        SERVER_PIDS.append(int((data / "d" / "postmaster.pid").read_text().split()[0]))
    try:
        subprocess.run(pre + [str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port),
                              "-U", "postgres", "ferretdb"], check=True, capture_output=True)
        yield f"postgres://postgres@127.0.0.1:{port}/ferretdb"
    finally:
        subprocess.run(pre + [str(bindir / "pg_ctl"), "-D", str(data / "d"), "-m", "fast", "stop"],
                       capture_output=True)


@contextlib.contextmanager
def ferretdb(tmp: Path, handler: str):
    """FerretDB 1.24 on its SQLite or PostgreSQL backend; yields a base URI."""
    from patrol.devserver import _LISTENING, _die_with_parent, ferretdb_binary
    with contextlib.ExitStack() as stack:
        args = ["--handler=sqlite", f"--sqlite-url=file:{tmp}/"]
        if handler == "pg":
            args = ["--handler=pg", f"--postgresql-url={stack.enter_context(postgres(tmp))}"]
        log = tmp / "ferretdb.log"
        proc = subprocess.Popen([str(ferretdb_binary()), *args, "--listen-addr=127.0.0.1:0",
                                 "--telemetry=disable", "--debug-addr=-", f"--state-dir={tmp}",
                                 "--log-level=info"], stdout=open(log, "wb"), stderr=subprocess.STDOUT,
                                preexec_fn=_die_with_parent)
        SERVER_PIDS.append(proc.pid)
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                match = _LISTENING.search(log.read_text(errors="replace"))
                if match:
                    break
                if proc.poll() is not None:
                    raise SystemExit(f"FerretDB did not start: {log.read_text()[-500:]}")
                time.sleep(0.1)
            else:
                raise SystemExit("FerretDB did not start in 60 s")
            yield f"mongodb://{match.group(1)}/"
        finally:
            proc.terminate()
            proc.wait(timeout=30)


SERVER_PIDS: list[int] = []  # FerretDB's (and PostgreSQL's) processes, for their CPU time


def server_cpu() -> float:
    """CPU seconds used so far by the server processes (and their children)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    pids = set(SERVER_PIDS)
    for pid in list(pids):  # PostgreSQL's backends are children of the postmaster
        with contextlib.suppress(OSError):
            for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
                pids.add(int(child))
    for pid in pids:
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def timed(fn) -> tuple[float, float]:
    """(wall ms, CPU ms of this process plus the server's) of ``fn()``."""
    c0, s0, t0 = time.process_time(), server_cpu(), time.perf_counter()
    fn()
    wall = (time.perf_counter() - t0) * 1000
    return wall, (time.process_time() - c0 + server_cpu() - s0) * 1000


class Raw:
    """The floor: the same documents written with no store logic."""

    def __init__(self, store):
        self.store = store
        if store.backend == "sqlite":
            conn = sqlite3.connect(store.path, isolation_level=None)
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("CREATE TABLE IF NOT EXISTS raw_items (url TEXT PRIMARY KEY, kind TEXT, "
                         "source TEXT, last_seen TEXT, doc TEXT NOT NULL)")
            self.conn = conn
        else:
            self.coll = store.db["raw_items"]
            self.coll.create_index([("url", 1)], unique=True)

    def write(self, docs: list[dict]) -> None:
        if self.store.backend == "sqlite":
            from patrol.store.sqlite_read import dumps
            self.conn.execute("BEGIN IMMEDIATE")
            self.conn.executemany("INSERT INTO raw_items VALUES (?, ?, ?, ?, ?)",
                                  [(d["url"], d["kind"], d["source"], None, dumps(d)) for d in docs])
            self.conn.execute("COMMIT")
        else:
            self.coll.insert_many([{**d, "_id": d["url"]} for d in docs], ordered=False)


def run(args) -> list[dict]:
    rng = random.Random(args.seed)
    sizes = sorted(int(s) for s in args.sizes.split(","))
    out: list[dict] = []
    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="patrol-storebench-")))
        if args.backend == "sqlite":
            url = f"sqlite:///{tmp / 'bench.db'}"
        else:
            base = args.mongo_uri or stack.enter_context(
                ferretdb(tmp, "pg" if args.backend == "ferretdb-pg" else "sqlite"))
            url = base.rstrip("/") + "/bench_" + uuid.uuid4().hex[:8]
        store = stack.enter_context(open_store(url, timeout=120))
        raw = Raw(store)
        filled, fresh, app_n, flag_n = 0, 10**9, 0, 0
        t_fill = time.perf_counter()
        for size in sizes:
            while filled < size:  # fill through the store itself, as a crawl would
                n = min(args.batch, size - filled)
                store.upsert_items([item(filled + i) for i in range(n)])
                filled += n
            fill_s = time.perf_counter() - t_fill
            for r in range(args.rounds):
                kinds = [k for k in ("new", "unchanged", "changed", "apps", "flags", "raw")
                         if k in args.ops.split(",")]
                if r % 2:
                    kinds.reverse()
                for kind in kinds:
                    if kind == "new":
                        batch = [item(fresh + i) for i in range(args.batch)]
                        fresh += args.batch
                        ms = timed(lambda: store.upsert_items(batch))
                    elif kind == "raw":
                        batch = [item(fresh + i) for i in range(args.batch)]
                        fresh += args.batch
                        ms = timed(lambda: raw.write(batch))
                    elif kind in ("unchanged", "changed") and filled:
                        picks = rng.sample(range(filled), min(args.batch, filled))
                        # the same n and version give the same content (a new fetched_at)
                        version = 0 if kind == "unchanged" else 1 + r + 100 * sizes.index(size)
                        batch = [item(p, version) for p in picks]
                        ms = timed(lambda: store.upsert_items(batch))
                    elif kind == "apps":
                        batch = [app(i) for i in range(app_n, app_n + 25)] + \
                                [app(i) for i in range(max(0, app_n - 25), app_n)]
                        app_n += 25
                        ms = timed(lambda: store.upsert_apps(batch))
                    elif kind == "flags":
                        def flags(start=flag_n):
                            for i in range(start, start + 50):
                                store.raise_flag(url=f"https://flags.example/{i}", category="vulgar",
                                                 score=0.9, priority=0.9, verdict="review",
                                                 evidence={"terms": ["x"]}, model_version="bench",
                                                 content_hash=f"h{i}", source="flags")
                        flag_n += 50
                        ms = timed(flags)
                    else:
                        continue
                    rec = {"backend": args.backend, "size": size, "round": r, "op": kind,
                           "batch": args.batch, "ms": round(ms[0], 2), "cpu_ms": round(ms[1], 2)}
                    print(json.dumps(rec), flush=True)
                    out.append(rec)
            print(json.dumps({"size": size, "fill_seconds": round(fill_s, 1)}), flush=True)
    return out


def table(recs: list[dict], field: str = "ms") -> str:
    """Median (min–max) per size and operation of ``field`` (wall "ms" or "cpu_ms")."""
    ops = ["new", "unchanged", "changed", "apps", "flags", "raw"]
    sizes = sorted({r["size"] for r in recs if "op" in r})
    lines = ["| size | " + " | ".join(ops) + " | new / raw |", "|" + " --- |" * (len(ops) + 2)]
    for size in sizes:
        cells, med = [], {}
        for op in ops:
            ms = [r[field] for r in recs if r.get("size") == size and r.get("op") == op]
            if not ms:
                cells.append("–")
                continue
            med[op] = statistics.median(ms)
            cells.append(f"{med[op]:.0f} ({min(ms):.0f}–{max(ms):.0f})")
        ratio = f"{med['raw'] / med['new']:.2f}" if "raw" in med and "new" in med else "–"
        lines.append(f"| {size:,} | " + " | ".join(cells) + f" | {ratio} |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--backend", choices=["sqlite", "ferretdb", "ferretdb-pg", "mongodb"],
                    default="sqlite")
    ap.add_argument("--mongo-uri", help="a running server instead of a FerretDB started here")
    ap.add_argument("--sizes", default="0,1000,10000")
    ap.add_argument("--batch", type=int, default=500)
    ap.add_argument("--ops", default="new,unchanged,changed,apps,flags,raw",
                    help="which batches to time at each size")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    # A SIGTERM (a time limit) unwinds like Ctrl-C, so the servers started here stop.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if args.backend == "mongodb" and not args.mongo_uri:
        ap.error("--backend mongodb needs --mongo-uri")
    recs = run(args)
    print("wall ms per batch\n" + table(recs) + "\n\nCPU ms per batch (client + server)\n"
          + table(recs, "cpu_ms"))
    if args.json:
        args.json.write_text(json.dumps(recs, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
