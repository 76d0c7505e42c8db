"""Concurrent writers on both backends: dedupe under races and no lost updates."""

from __future__ import annotations

import threading
from collections import Counter

from patrol.items import make_item


def run_threads(target, n: int = 2) -> list:
    errors: list = []

    def guarded(i):
        try:
            target(i)
        except Exception as exc:  # reported by the caller's assert, not swallowed
            errors.append(exc)

    threads = [threading.Thread(target=guarded, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def test_racing_raises_make_one_flag_each(store):
    statuses: Counter = Counter()
    lock = threading.Lock()

    def work(i):
        for n in range(30):
            r = store.raise_flag(url=f"https://a.example/{n}", category="vulgar", score=0.5,
                                 priority=1.0, verdict="review", evidence={"by": i},
                                 model_version="m", content_hash="h")
            with lock:
                statuses[r.status] += 1

    assert run_threads(work, 3) == []
    assert statuses == {"new": 30, "updated": 60}
    assert store.list_flags(limit=100)[1] == 30


def test_racing_item_upserts_make_one_item_each(store):
    statuses: Counter = Counter()
    lock = threading.Lock()

    def work(i):
        items = [make_item(url=f"https://a.example/{n}", source="s", kind="page", text=f"v{n}")
                 for n in range(40)]
        for batch in (items[:20], items[20:]):
            results = store.upsert_items(batch) if i % 2 else [store.upsert_item(x) for x in batch]
            with lock:
                statuses.update(r.status for r in results)

    assert run_threads(work, 3) == []
    assert statuses == {"new": 40, "unchanged": 80}
    assert store.count_items() == 40


def test_no_lost_history_under_concurrent_updates(store):
    flag = store.raise_flag(url="https://a.example/x", category="fake_media", score=0.5,
                            priority=1.0, verdict="review", evidence={}, model_version="m",
                            content_hash="h0").flag_id

    def work(i):
        for n in range(10):  # every raise changes the content: one "updated" entry each
            store.raise_flag(url="https://a.example/x", category="fake_media", score=0.5,
                             priority=1.0, verdict="review", evidence={}, model_version="m",
                             content_hash=f"h{i}-{n}")

    assert run_threads(work, 3) == []
    history = store.get_flag(flag)["history"]
    assert [e["action"] for e in history].count("updated") == 30
    assert {e["content_hash"] for e in history if e["action"] == "updated"} == {
        f"h{i}-{n}" for i in range(3) for n in range(10)}
