"""Fill a store for the console benchmarks, through the store's own API.

    python -m benchmarks.console.fixture --store sqlite:////tmp/c1m.db --flags 1000000

Per batch of pages: each page's flags (``raise_flag``), its app when it is an
app page (``upsert_app``), the pages (``upsert_items``, batched), then the
decisions of the flags a campaign has already decided (``decide``). The
store's clock is injected (``open_store(clock=)``, as the tests do) so the
flags spread over the 90 days of a campaign instead of one afternoon.

Page text: 3-6 consecutive sentences of the real-news corpus
(/work/shared/datasets/real-news, read in place, never copied), one page in
50 carrying the word the queue benchmark searches for (网盘).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
import time
from pathlib import Path

from patrol.items import content_hash
from patrol.store import open_store
from patrol.store.base import CATEGORIES

NEWS = Path("/work/shared/datasets/real-news/msra_news_sentences.txt")
START = dt.datetime(2026, 9, 1, tzinfo=dt.timezone.utc)
DAYS = 90
SOURCES = 200
SEARCH_WORD = "网盘"
# Of the flags: what a campaign three months in looks like.
STATUS_MIX = (("pending", 0.22), ("confirmed", 0.13), ("dismissed", 0.6), ("escalated", 0.05))
REASONS = {"confirmed": "vulgar_content", "dismissed": "not_vulgar", "escalated": "needs_lead"}
KIND_MIX = (("app", 0.3), ("shop", 0.3), ("news", 0.2), ("page", 0.2))
APP_CATEGORIES = ("游戏", "教育", "社交", "视频", "阅读", "工具", "直播")


class Clock:
    def __init__(self):
        self.t = START

    def __call__(self):
        return self.t


def pick(rng: random.Random, mix) -> str:
    x, acc = rng.random(), 0.0
    for value, p in mix:
        acc += p
        if x < acc:
            return value
    return mix[-1][0]


def build(url: str, n_flags: int, *, seed: int = 1, batch: int = 500, echo=print) -> dict:
    rng = random.Random(seed)
    sentences = NEWS.read_text(encoding="utf-8").splitlines()
    clock = Clock()
    store = open_store(url, timeout=60, clock=clock)
    t0 = time.monotonic()
    flags = pages = apps = decided = 0
    page_no = 0
    step = dt.timedelta(days=DAYS) / max(1, n_flags)
    try:
        while flags < n_flags:
            items, todo = [], []
            for _ in range(batch):
                if flags >= n_flags:
                    break
                page_no += 1
                kind = pick(rng, KIND_MIX)
                source = f"source-{rng.randrange(SOURCES):03d}"
                i = rng.randrange(len(sentences) - 6)
                text = "".join(sentences[i:i + rng.randint(3, 6)])
                if rng.random() < 0.02:
                    cut = rng.randrange(len(text))
                    text = text[:cut] + f"百度{SEARCH_WORD}资源免费下载" + text[cut:]
                title = sentences[rng.randrange(len(sentences))][:24]
                item = {"url": f"https://{source}.example/{kind}/{page_no}", "kind": kind,
                        "source": source, "title": title, "text": text, "http_status": 200}
                if kind == "app":
                    item.update(store="demo-store", app_id=f"app{page_no}", name=title[:10],
                                developer=f"开发者{rng.randrange(5000)}",
                                category=rng.choice(APP_CATEGORIES),
                                age_rating=rng.choice(("4+", "9+", "12+", "17+")),
                                downloads=rng.randrange(10, 10_000_000))
                item["content_hash"] = content_hash(item)
                items.append(item)
                cats = rng.sample(CATEGORIES, 2 if rng.random() < 0.15 else 1)
                for cat in cats[: n_flags - flags]:
                    todo.append((item, cat))
                    flags += 1
            for item, cat in todo:
                clock.t += step
                score = round(rng.random(), 4)
                fid = store.raise_flag(
                    url=item["url"], category=cat, score=score, priority=score,
                    verdict="block" if score > 0.9 else "review",
                    evidence={"model_score": score, "lexicon_score": 0.0, "rules": [],
                              "features": [], "snippet": item["text"][:80],
                              "terms": [{"term": "资源", "matched": "资源", "start": 0, "end": 2,
                                         "weight": 1.0, "evasion": False, "field": "text"}]},
                    model_version="bench-1", content_hash=item["content_hash"],
                    source=item["source"], kind=item["kind"], title=item["title"]).flag_id
                status = pick(rng, STATUS_MIX)
                if status != "pending":
                    store.decide(fid, "lead", status, REASONS[status], force=True)
                    decided += 1
            for item in items:
                if item["kind"] == "app":
                    minor = rng.random() < 0.4
                    store.upsert_app({k: item[k] for k in ("store", "app_id", "name", "developer",
                                                           "category", "age_rating", "downloads",
                                                           "url")}
                                     | {"minor_relevant": minor,
                                        "minor_score": round(rng.random(), 3),
                                        "minor_reasons": ["适用年龄 " + item["age_rating"]]
                                        if minor else [],
                                        "youth_mode": rng.random() < 0.3})
                    apps += 1
            store.upsert_items(items)
            pages += len(items)
            if pages % (batch * 20) < batch:
                echo(json.dumps({"flags": flags, "pages": pages, "apps": apps,
                                 "s": round(time.monotonic() - t0, 1)}), file=sys.stderr)
    finally:
        store.close()
    out = {"store": url, "flags": flags, "pages": pages, "apps": apps, "decided": decided,
           "build_s": round(time.monotonic() - t0, 1)}
    echo(json.dumps(out))
    return out


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", required=True)
    ap.add_argument("--flags", type=int, required=True)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    build(args.store, args.flags, seed=args.seed)


if __name__ == "__main__":
    main()
