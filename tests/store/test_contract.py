"""The store contract on both backends: items, apps, runs, opening and errors.

The review queue (flags) is in test_contract_queue.py. Every test runs once on
SQLite and once on the MongoDB-compatible server (see tests/conftest.py).
"""

from __future__ import annotations

import datetime as dt
import socket
import time

import pytest

from patrol.items import make_item
from patrol.store import (Conflict, NotFound, StoreConfigError, StoreError, StoreUnavailable,
                          open_store)
from patrol.store.base import HASH_HISTORY


def is_utc(value) -> bool:
    return isinstance(value, dt.datetime) and value.utcoffset() == dt.timedelta(0)


def page(url: str, text: str = "hello", **kw) -> dict:
    return make_item(url=url, source=kw.pop("source", "demo"), kind=kw.pop("kind", "page"),
                     title=kw.pop("title", "t"), text=text, **kw)


# -- items -------------------------------------------------------------------

def test_item_new_unchanged_changed(store):
    first = store.upsert_item(page("https://a.example/1"))
    assert (first.status, first.previous_hash) == ("new", None)
    stored = store.get_item("https://a.example/1")
    assert stored["text"] == "hello" and stored["content_hash"] == first.content_hash
    assert all(is_utc(stored[k]) for k in ("first_seen", "last_seen", "changed_at", "fetched_at"))

    again = store.upsert_item(page("https://a.example/1"))
    assert again.status == "unchanged" and again.previous_hash == first.content_hash
    after = store.get_item("https://a.example/1")
    assert after["last_seen"] >= stored["last_seen"]
    assert after["changed_at"] == stored["changed_at"] and len(after["hashes"]) == 1

    changed = store.upsert_item(page("https://a.example/1", text="new text"))
    assert changed.status == "changed" and changed.previous_hash == first.content_hash
    latest = store.get_item("https://a.example/1")
    assert latest["text"] == "new text" and latest["first_seen"] == stored["first_seen"]
    assert [h["hash"] for h in latest["hashes"]] == [first.content_hash, changed.content_hash]
    assert "_id" not in latest and "_rev" not in latest
    assert store.get_item("https://a.example/missing") is None


def test_item_hash_history_is_bounded(store):
    hashes = [store.upsert_item(page("https://a.example/h", text=f"v{n}")).content_hash
              for n in range(HASH_HISTORY + 5)]
    kept = [h["hash"] for h in store.get_item("https://a.example/h")["hashes"]]
    assert kept == hashes[-HASH_HISTORY:]


def test_upsert_items_batch(store):
    store.upsert_item(page("https://a.example/old", text="before"))
    results = store.upsert_items([
        page("https://a.example/old", text="after"),
        page("https://a.example/n1", kind="news", outlet="Daily"),
        page("https://a.example/n1", kind="news", outlet="Daily"),  # repeated in one batch
        page("https://a.example/s1", kind="shop", shop_name="书店"),
    ])
    assert [r.status for r in results] == ["changed", "new", "unchanged", "new"]
    assert store.count_items() == 3
    assert store.items_by_kind() == {"page": 1, "news": 1, "shop": 1}
    assert store.count_items(kind="news") == 1 and store.count_items(source="nope") == 0
    assert [i["url"] for i in store.list_items(kind="shop")] == ["https://a.example/s1"]
    assert len(store.list_items(limit=2)) == 2 and len(store.list_items(skip=2, limit=2)) == 1
    assert store.upsert_items([]) == []


def test_nested_and_hostile_fields_round_trip(store):
    when = dt.datetime(2026, 3, 1, 8, 30, 15, 123456, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    item = make_item(url="https://shop.example/x", source="s", kind="shop", shop_name="店",
                     products=[{"title": "书", "price": 9.5, "url": "https://shop.example/p"}],
                     licence=None, sells_publications=True,
                     meta={"$where": "sleep(1)", "og.title": "x", "seen": when})
    store.upsert_item(item)
    got = store.get_item("https://shop.example/x")
    assert got["products"] == item["products"] and got["sells_publications"] is True
    # "$" and "." in crawled keys are stored escaped, never as operators or paths.
    assert got["meta"]["\uff04where"] == "sleep(1)" and got["meta"]["og\uff0etitle"] == "x"
    assert got["meta"]["seen"] == when.replace(microsecond=123000)  # millisecond precision
    assert is_utc(got["meta"]["seen"])


def test_query_values_are_not_operators(store):
    store.upsert_item(page("https://a.example/1"))
    with pytest.raises(StoreError, match="url must be a string"):
        store.get_item({"$ne": None})
    with pytest.raises(StoreError, match="source"):
        store.count_items(source={"$gt": ""})
    with pytest.raises(StoreError, match="kind"):
        store.upsert_item(page("https://a.example/2") | {"kind": "weird"})


# -- apps --------------------------------------------------------------------

def app(app_id: str, downloads, **kw) -> dict:
    return {"store": kw.pop("store", "demo-store"), "app_id": app_id, "name": kw.pop("name", app_id),
            "downloads": downloads, "age_rating": "12+", **kw}


def test_apps_upsert_and_downloads_history(store):
    assert store.upsert_app(app("a1", 100, minor_relevant=True, minor_score=0.8,
                                minor_reasons=["age rating 12+"])) == "new"
    assert store.upsert_app(app("a1", 100, minor_relevant=True, minor_score=0.8,
                                minor_reasons=["age rating 12+"])) == "unchanged"
    assert store.upsert_app(app("a1", 250, minor_relevant=True, minor_score=0.8,
                                minor_reasons=["age rating 12+"])) == "changed"
    got = store.get_app("demo-store", "a1")
    assert [h["downloads"] for h in got["downloads_history"]] == [100, 250]
    assert all(is_utc(h["at"]) for h in got["downloads_history"])
    assert got["minor_relevant"] is True and got["minor_reasons"] == ["age rating 12+"]
    assert got["flag_counts"] == {} and got["first_seen"] <= got["last_seen"]

    store.upsert_app(app("a2", 900))
    store.upsert_app(app("a3", 5, store="other", minor_relevant=True, flag_counts={"vulgar": 2}))
    assert store.count_apps() == 3 and store.count_apps(minor_only=True) == 2
    assert [a["app_id"] for a in store.list_apps()] == ["a2", "a1", "a3"]
    assert [a["app_id"] for a in store.list_apps(sort="downloads")] == ["a3", "a1", "a2"]
    assert [a["app_id"] for a in store.list_apps(minor_only=True)] == ["a1", "a3"]
    assert [a["app_id"] for a in store.list_apps(store="other")] == ["a3"]
    assert store.get_app("other", "a3")["flag_counts"] == {"vulgar": 2}
    assert store.get_app("demo-store", "nope") is None
    with pytest.raises(StoreError, match="app_id"):
        store.upsert_app({"store": "demo-store", "name": "no id"})


# -- runs --------------------------------------------------------------------

def test_runs_start_finish_list(store):
    first = store.start_run("demo-apps", trigger="schedule", meta={"pid": 1})
    second = store.start_run("demo-news")
    run = store.get_run(first)
    assert run["outcome"] == "running" and run["trigger"] == "schedule" and is_utc(run["started_at"])
    assert run["finished_at"] is None

    done = store.finish_run(first, outcome="ok", stats={"item_scraped_count": 3,
                                                        "start_time": run["started_at"]},
                            exit_status=0)
    assert done["outcome"] == "ok" and done["stats"]["item_scraped_count"] == 3
    assert is_utc(done["finished_at"]) and done["exit_status"] == 0
    assert store.get_run(first)["stats"]["start_time"] == run["started_at"]
    with pytest.raises(Conflict):
        store.finish_run(first, outcome="failed")
    with pytest.raises(StoreError, match="outcome"):
        store.finish_run(second, outcome="great")
    assert [r["id"] for r in store.list_runs()] == [second, first]
    assert [r["id"] for r in store.list_runs(source="demo-apps")] == [first]
    assert store.count_runs() == 2
    # Filtered, ordered and paged by the store (the console's runs page).
    assert [r["id"] for r in store.list_runs(outcome="ok")] == [first]
    assert [r["id"] for r in store.list_runs(outcome="running")] == [second]
    assert store.count_runs(outcome="ok") == 1 and store.count_runs(source="demo-news") == 1
    assert store.count_runs(source="demo-news", outcome="ok") == 0
    assert [r["id"] for r in store.list_runs(oldest_first=True)] == [first, second]
    assert [r["id"] for r in store.list_runs(skip=1, limit=1)] == [first]
    assert store.list_runs(skip=2) == []
    with pytest.raises(StoreError, match="outcome"):
        store.list_runs(outcome="great")
    with pytest.raises(NotFound):
        store.get_run("no-such-run")


def test_summary(store):
    store.upsert_item(page("https://a.example/1", kind="news"))
    store.upsert_app(app("a1", 1, minor_relevant=True))
    store.start_run("demo")
    summary = store.summary()
    assert summary["backend"] in ("sqlite", "mongodb")
    assert {k: summary[k] for k in ("items", "items_by_kind", "flags", "apps", "apps_minor", "runs")} \
        == {"items": 1, "items_by_kind": {"news": 1}, "flags": 0, "apps": 1, "apps_minor": 1, "runs": 1}


# -- opening and failures --------------------------------------------------------

def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when the block ends: nothing listens


def test_unreachable_mongodb_fails_fast():
    started = time.monotonic()
    with pytest.raises(StoreUnavailable, match="unreachable"):
        open_store(f"mongodb://127.0.0.1:{closed_port()}/patrol", timeout=2)
    elapsed = time.monotonic() - started
    print(f"unreachable server reported after {elapsed:.2f} s")
    assert elapsed < 15


@pytest.mark.parametrize("url", ["postgres://x/y", "mongodb://127.0.0.1:notaport/x",
                                 "mongodb://127.0.0.1:1/bad$name", "sqlite://host/x.db",
                                 "sqlite:///", "sqlite:///:memory:", "sqlite:///x.db?mode=ro", " "])
def test_bad_url_is_a_config_error(url):
    with pytest.raises(StoreConfigError):
        open_store(url, timeout=1)


def test_sqlite_relative_and_absolute_paths(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with open_store("sqlite:///rel/dir/patrol.db") as s:
        s.upsert_item(page("https://a.example/1"))
    assert (tmp_path / "rel" / "dir" / "patrol.db").is_file()
    with open_store(f"sqlite:///{tmp_path}/rel/dir/patrol.db") as s:  # sqlite:////abs
        assert s.count_items() == 1


def test_sqlite_unwritable_path_is_unavailable(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    with pytest.raises(StoreUnavailable, match="a-file"):
        open_store(f"sqlite:///{blocker}/sub/patrol.db")
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"this is not a sqlite database at all" * 100)
    with pytest.raises(StoreUnavailable, match="garbage.db"):
        open_store(f"sqlite:///{garbage}")
