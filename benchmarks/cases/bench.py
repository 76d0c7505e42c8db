"""Cost of case linking: per flagged item, and a rebuild over N stored flags.

    python -m benchmarks.cases.bench --flags 100000 --per-item 300 [--backends sqlite,mongodb]

1. Per flagged item, on each backend: ``extract`` alone (identifiers of a
   ~2 KB shop page, ``patrol.cases.extract.item_identifiers``) and the whole
   crawl-time step ``patrol.cases.on_raised`` (extract, store the flag's
   entities, relink its case in the store), over ``--per-item`` pages in
   groups of 3 storefronts sharing a WeChat id, all showing one platform
   number that becomes a hub.
2. ``patrol.cases.rebuild`` over ``--flags`` stored flags with 5 identifiers
   each (groups of 2-6 flags share a WeChat id, a phone or a payment account;
   one platform number on 20 % of the flags is a hub; 10 % dismissed). The
   fixture is written in bulk beside the store API (flag documents made by
   the store's own ``logic.plan_raise``; entity rows as ``replace_entities``
   writes them): raising 100,000 flags one call at a time would measure the
   fixture, not the rebuild.

Results go to stdout and to ``benchmarks/cases/results.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from patrol.cases import on_raised, rebuild
from patrol.cases.extract import item_identifiers
from patrol.items import make_item
from patrol.store import open_store
from patrol.store import logic
from patrol.store.common import flag_id
from patrol.store.entities import check_entity
from patrol.store.sqlite_read import dumps

HERE = Path(__file__).resolve().parent
CAT = "unlicensed_publication"
FILLER = ("人教版小学语文数学英语全套同步练习册，单元测试卷及答案，高清扫描PDF，"
          "拍下后自动发送网盘链接和提取码，永久有效，不退不换。价格 9.9 元，已售 3256 件。")


def shop_text(n: int, group: int) -> str:
    body = FILLER * 12  # ~2 KB of text, with prices and counts in it
    return (f"{body} 客服微信：seller{group:05d}x 平台客服热线 13800000000 "
            f"店铺网址 https://shop{n}.example.com/item/{n} 付款支付宝：pay{group:05d}@example.com")


def per_item(url: str, n: int) -> dict:
    store = open_store(url, timeout=30)
    times_extract, times_link = [], []
    try:
        for i in range(n):
            item = make_item(url=f"http://shop{i}.example.com/item/{i}", source=f"shop{i}", kind="shop",
                             title=f"店铺 {i}", text=shop_text(i, i // 3))
            flag = {"id": flag_id(item["url"], CAT), "category": CAT, "status": "new",
                    "evidence": {"snippet": ""}}
            t0 = time.perf_counter()
            item_identifiers(item)
            times_extract.append(time.perf_counter() - t0)
            store.raise_flag(url=item["url"], category=CAT, score=0.9, priority=0.9, verdict="review",
                             evidence={}, model_version="bench", content_hash=item["content_hash"],
                             source=item["source"], kind="shop", title=item["title"])
            t0 = time.perf_counter()
            on_raised(store, item, [flag])
            times_link.append(time.perf_counter() - t0)
        cases = store.list_cases(limit=1)[1]
    finally:
        store.close()
    times_extract, times_link = times_extract[1:], times_link[1:]   # the first loads the libraries' data
    ms = lambda xs: round(1000 * statistics.median(xs), 2)  # noqa: E731
    p95 = lambda xs: round(1000 * sorted(xs)[int(0.95 * len(xs))], 2)  # noqa: E731
    return {"items": n, "extract_ms_median": ms(times_extract), "extract_ms_p95": p95(times_extract),
            "on_raised_ms_median": ms(times_link), "on_raised_ms_p95": p95(times_link), "cases": cases}


def fixture(store, n: int, seed: int = 15) -> dict:
    """n flags with 5 entities each, written in bulk (see the module doc)."""
    rng = random.Random(seed)
    now = store.now()
    flags, entities, dismissed = [], [], 0
    group = 0
    left = 0
    for i in range(n):
        if left == 0:
            group += 1
            left = rng.randint(2, 6)
        left -= 1
        url = f"http://site{i % 5000}.example.com/item/{i}"
        source = f"site{i % 5000}"
        f = logic.check_raise(url=url, category=CAT, score=0.8, priority=0.8, verdict="review",
                              evidence={"snippet": "…"}, model_version="bench", content_hash=f"h{i}",
                              source=source, kind="shop", title=f"item {i}")
        _, doc = logic.plan_raise(None, f, now)
        if rng.random() < 0.1:
            doc["status"] = "dismissed"
            dismissed += 1
        flags.append(doc)
        keys = [f"wechat:g{group:06d}", f"domain:site{i % 5000}.example.com", f"qq:{10000 + i}",
                f"url:site{i % 5000}.example.com/item/{i}",
                "phone:+8613800000000" if rng.random() < 0.2 else f"payment:alipay:g{group:06d}"]
        for key in keys:
            typ, value = key.split(":", 1)
            entities.append(check_entity({"type": typ, "value": value, "key": key, "raw": value,
                                          "start": 0, "end": len(value), "field": "text", "url": url,
                                          "source": source, "category": CAT, "passage": value},
                                         doc["id"]))
    t0 = time.perf_counter()
    if store.backend == "sqlite":
        from patrol.store.sqlite import COLUMNS, column_value
        cols = COLUMNS["flags"]
        store._ent_conn()
        with store._tx() as conn:
            conn.executemany(f"INSERT INTO flags ({', '.join(cols)}, doc) VALUES ({', '.join('?' * (len(cols) + 1))})",
                             [[column_value(d, c) for c in cols] + [dumps(d)] for d in flags])
            conn.executemany("INSERT INTO entities (id, flag_id, key, source, doc) VALUES (?, ?, ?, ?, ?)",
                             [(e["id"], e["flag_id"], e["key"], e["source"], dumps(e)) for e in entities])
    else:
        store._ents()
        for i in range(0, len(flags), 5000):
            store.db.flags.insert_many([{**d, "_id": d["id"], "_rev": 0} for d in flags[i:i + 5000]])
        for i in range(0, len(entities), 5000):
            store.db.entities.insert_many([{**e, "_id": e["id"]} for e in entities[i:i + 5000]])
    return {"flags": n, "entities": len(entities), "dismissed": dismissed,
            "fixture_seconds": round(time.perf_counter() - t0, 1)}


def rebuild_bench(url: str, n: int) -> dict:
    store = open_store(url, timeout=60)
    try:
        out = fixture(store, n)
        t0 = time.perf_counter()
        stats = rebuild(store)
        out["rebuild_seconds"] = round(time.perf_counter() - t0, 1)
        out["result"] = stats
        t0 = time.perf_counter()
        stats = rebuild(store)
        out["rebuild_again_seconds"] = round(time.perf_counter() - t0, 1)
    finally:
        store.close()
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--flags", type=int, default=100_000)
    ap.add_argument("--per-item", type=int, default=300)
    ap.add_argument("--backends", default="sqlite,mongodb")
    ap.add_argument("--output", default=str(HERE / "results.json"))
    args = ap.parse_args(argv)
    results = {"machine": f"{platform.node()} {platform.processor() or platform.machine()}, "
                          f"{os.cpu_count()} cores (shared)", "python": sys.version.split()[0],
               "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "backends": {}}
    with tempfile.TemporaryDirectory(prefix="patrol-cases-bench-") as tmp:
        for backend in args.backends.split(","):
            if backend == "sqlite":
                urls = (f"sqlite:///{tmp}/items.db", f"sqlite:///{tmp}/rebuild.db")
                res = {"per_item": per_item(urls[0], args.per_item),
                       "rebuild": rebuild_bench(urls[1], args.flags)}
            else:
                from patrol.devserver import ferretdb_server
                with ferretdb_server(Path(tmp) / "ferretdb") as uri:
                    res = {"server": "FerretDB 1.24 (SQLite backend)",
                           "per_item": per_item(uri + "items", args.per_item),
                           "rebuild": rebuild_bench(uri + "rebuild", args.flags)}
            results["backends"][backend] = res
            print(backend, json.dumps(res, ensure_ascii=False), flush=True)
    Path(args.output).write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
