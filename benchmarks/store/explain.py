"""What FerretDB 1.24 answers the store's lookups by ``_id`` with, on its SQLite
and its PostgreSQL backend: the query plan (``explain``) and the time of one
lookup at the start, the middle and the end of a collection of ``--docs``
documents (issue 18, item 2). Run by hand::

    .venv/bin/python benchmarks/store/explain.py --docs 20000
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import pymongo

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from benchmarks.store.bench import ferretdb  # noqa: E402


def ms(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return round((time.perf_counter() - t0) * 1000, 1)


def probe(uri: str, n: int) -> dict:
    db = pymongo.MongoClient(uri)["probe"]
    db.items.drop()
    db.items.create_index([("url", 1)], unique=True)
    text = "测试正文" * 300
    for start in range(0, n, 1000):
        db.items.insert_many([{"_id": f"u{i}", "url": f"u{i}", "text": text}
                              for i in range(start, min(n, start + 1000))], ordered=False)
    ids = [f"u{i}" for i in range(0, n, max(1, n // 500))][:500]
    out = {
        "find_one _id (first)": ms(lambda: db.items.find_one({"_id": "u0"})),
        "find_one _id (middle)": ms(lambda: db.items.find_one({"_id": f"u{n // 2}"})),
        "find_one _id (last)": ms(lambda: db.items.find_one({"_id": f"u{n - 1}"})),
        "find_one _id (missing)": ms(lambda: db.items.find_one({"_id": "missing"})),
        "find $in 500 _id": ms(lambda: list(db.items.find({"_id": {"$in": ids}}))),
        "replace_one _id (last)": ms(lambda: db.items.replace_one({"_id": f"u{n - 1}"}, {"url": f"u{n - 1}", "text": text})),
        "insert_many 500 new": ms(lambda: db.items.insert_many(
            [{"_id": f"n{i}", "url": f"n{i}", "text": text} for i in range(500)])),
    }
    for label, flt in (("_id equality", {"_id": f"u{n - 1}"}), ("_id $in", {"_id": {"$in": ids[:3]}})):
        plan = db.command("explain", {"find": "items", "filter": flt}, verbosity="queryPlanner")
        out[f"plan of {label}"] = plan.get("queryPlanner")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, default=20000)
    args = ap.parse_args()
    for handler in ("sqlite", "pg"):
        with tempfile.TemporaryDirectory(prefix="patrol-explain-") as tmp, ferretdb(Path(tmp), handler) as uri:
            print(handler, json.dumps(probe(uri, args.docs), ensure_ascii=False, default=str), flush=True)


if __name__ == "__main__":
    main()
