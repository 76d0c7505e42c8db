"""Batched writes on both backends: ``upsert_items``, ``upsert_apps``,
``item_hashes``. A batch must leave the store exactly as the same calls one by
one would, and (on the MongoDB-compatible server) send what keeps its cost flat:
new items are inserted without a read; only duplicates are read back."""

from __future__ import annotations

import datetime as dt

import pymongo
import pytest
from pymongo import monitoring

from patrol.items import make_item
from patrol.store import open_store
from patrol.store.common import StoreInputError

T0 = dt.datetime(2026, 5, 1, 12, 0, 0, tzinfo=dt.timezone.utc)


def page(url: str, text: str = "正文", source: str = "demo", **kw) -> dict:
    return make_item(url=url, source=source, kind="page", title="t", text=text, **kw)


class Clock:
    """An injected wall clock, moved by the test."""

    def __init__(self, start: dt.datetime):
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now


def test_batch_matches_one_by_one(store_url):
    clock = Clock(T0)
    store = open_store(store_url, timeout=10, clock=clock)
    try:
        store.upsert_items([page("https://b.example/same"), page("https://b.example/edit", "旧")])
        before = {u: store.get_item(u) for u in ("https://b.example/same", "https://b.example/edit")}
        clock.now = T0 + dt.timedelta(hours=1)
        fetched = T0 + dt.timedelta(minutes=59)
        same = page("https://b.example/same")
        same["fetched_at"] = fetched
        results = store.upsert_items([
            same,
            page("https://b.example/edit", "新"),
            page("https://b.example/new"),
            page("https://b.example/new", "第二次"),  # the same url twice in one batch
        ])
        assert [r.status for r in results] == ["unchanged", "changed", "new", "changed"]
        assert results[0].previous_hash == before["https://b.example/same"]["content_hash"]
        assert results[1].previous_hash == before["https://b.example/edit"]["content_hash"]
        assert results[3].previous_hash == results[2].content_hash

        kept = store.get_item("https://b.example/same")
        old = before["https://b.example/same"]
        # only last_seen and fetched_at move; every other field is as stored, types kept
        assert kept["last_seen"] > old["last_seen"] and kept["fetched_at"] == fetched
        assert isinstance(kept["last_seen"], dt.datetime) and kept["last_seen"].utcoffset() == dt.timedelta(0)
        assert {k: v for k, v in kept.items() if k not in ("last_seen", "fetched_at")} == \
            {k: v for k, v in old.items() if k not in ("last_seen", "fetched_at")}

        edited = store.get_item("https://b.example/edit")
        assert edited["text"] == "新" and len(edited["hashes"]) == 2
        assert edited["first_seen"] == before["https://b.example/edit"]["first_seen"]
        twice = store.get_item("https://b.example/new")
        assert twice["text"] == "第二次" and len(twice["hashes"]) == 2
        assert store.count_items() == 3

        clock.now = T0 + dt.timedelta(hours=2)  # the newest last_seen sorts first
        assert store.upsert_items([page("https://b.example/same")])[0].status == "unchanged"
        assert store.list_items(limit=1)[0]["url"] == "https://b.example/same"
    finally:
        store.close()


def test_a_bad_item_leaves_the_batch_unwritten(store):
    store.upsert_item(page("https://b.example/keep"))
    bad = page("https://b.example/bad")
    bad["kind"] = "no-such-kind"
    with pytest.raises(StoreInputError, match="kind"):
        store.upsert_items([page("https://b.example/a"), page("https://b.example/keep", "改"), bad])
    assert store.count_items() == 1
    assert store.get_item("https://b.example/keep")["text"] == "正文"
    with pytest.raises(StoreInputError, match="url"):
        store.upsert_items([page("https://b.example/a"), {"url": None}])
    assert store.get_item("https://b.example/a") is None


def test_item_hashes_in_one_read(store):
    items = [page(f"https://b.example/{s}/{n}", f"{s}{n}", source=s) for s in ("x", "y")
             for n in range(3)]
    results = store.upsert_items(items)
    assert store.item_hashes(source="x") == {i["url"]: r.content_hash for i, r in zip(items, results)
                                             if i["source"] == "x"}
    assert len(store.item_hashes()) == 6 and store.item_hashes(source="zz") == {}


def test_upsert_apps_batch(store):
    def app(app_id, downloads, **kw):
        return {"store": "demo", "app_id": app_id, "name": app_id, "downloads": downloads, **kw}

    assert store.upsert_apps([app("a1", 10), app("a2", 5), app("a1", 10), app("a1", 30)]) == \
        ["new", "new", "unchanged", "changed"]
    a1 = store.get_app("demo", "a1")
    assert [h["downloads"] for h in a1["downloads_history"]] == [10, 30]
    assert store.upsert_apps([]) == []
    with pytest.raises(StoreInputError):
        store.upsert_apps([app("a3", 1), {"store": "demo"}])


class Commands(monitoring.CommandListener):
    """Every command a client sends (pymongo's command monitoring)."""

    def __init__(self):
        self.sent: list[tuple[str, dict]] = []

    def started(self, event):
        self.sent.append((event.command_name, dict(event.command)))

    def succeeded(self, event):
        pass

    def failed(self, event):
        pass

    def on_items(self, name: str) -> list[dict]:
        return [cmd for n, cmd in self.sent if n == name and cmd.get(name) == "items"]


@pytest.mark.mongo
def test_mongo_inserts_first_and_reads_back_only_duplicates(mongo_db_url, monkeypatch):
    listener = Commands()
    real = pymongo.MongoClient

    def client(*args, **kwargs):
        return real(*args, event_listeners=[listener], **kwargs)

    monkeypatch.setattr(pymongo, "MongoClient", client)
    store = open_store(mongo_db_url, timeout=10)
    try:
        fresh = [page(f"https://m.example/{n}", f"页{n}") for n in range(40)]
        listener.sent.clear()
        assert {r.status for r in store.upsert_items(fresh)} == {"new"}
        assert len(listener.on_items("insert")) == 1 and listener.on_items("find") == []

        listener.sent.clear()
        mixed = fresh[:3] + [page(f"https://m.example/more{n}") for n in range(20)]
        assert [r.status for r in store.upsert_items(mixed)] == ["unchanged"] * 3 + ["new"] * 20
        finds = listener.on_items("find")
        assert len(finds) == 1  # one read, of the three already stored only
        assert sorted(finds[0]["filter"]["_id"]["$in"]) == sorted(i["url"] for i in fresh[:3])
        assert store.count_items() == 60
    finally:
        store.close()


def test_a_large_unchanged_batch_refreshes_every_item(store_url):
    """More unchanged items than one bulk of replacements on FerretDB (REPLACE_BULK)."""
    clock = Clock(T0)
    store = open_store(store_url, timeout=10, clock=clock)
    try:
        items = [page(f"https://u.example/{n}", f"文本{n}") for n in range(37)]
        store.upsert_items(items)
        clock.now = T0 + dt.timedelta(minutes=5)
        assert {r.status for r in store.upsert_items(items)} == {"unchanged"}
        seen = {store.get_item(i["url"])["last_seen"] for i in items}
        assert len(seen) == 1 and seen.pop() > T0 + dt.timedelta(minutes=4)
        assert all(d["last_seen"] > T0 + dt.timedelta(minutes=4) for d in store.list_items(limit=50))
    finally:
        store.close()
