"""Pages seen again on both backends: ``touch_items`` (last_seen in one
statement per batch), ``item_states`` (hash and judging model), ``set_judged_by``
and ``retire_flag`` (a flag the current model no longer raises)."""

from __future__ import annotations

import datetime as dt

import pymongo
import pytest

from patrol.items import make_item
from patrol.store import Conflict, open_store
from patrol.store.common import StoreInputError

from tests.store.test_contract_batches import Clock, Commands

T0 = dt.datetime(2026, 5, 1, 12, 0, 0, tzinfo=dt.timezone.utc)


def page(url: str, text: str = "正文", source: str = "demo", kind: str = "page", **kw) -> dict:
    return make_item(url=url, source=source, kind=kind, title="t", text=text, **kw)


def test_touch_moves_only_last_seen_and_fetched_at(store_url):
    clock = Clock(T0)
    store = open_store(store_url, timeout=10, clock=clock)
    try:
        urls = [f"https://s.example/{n}" for n in range(7)]
        store.upsert_items([page(u, f"文{n}") for n, u in enumerate(urls)])
        before = {u: store.get_item(u) for u in urls}
        clock.now = T0 + dt.timedelta(hours=1)
        fetched = T0 + dt.timedelta(minutes=59)
        # a url twice and one never stored: ignored, not an error
        assert store.touch_items(urls[:5] + [urls[0], "https://s.example/none"], fetched) == 5
        for u in urls[:5]:
            now, old = store.get_item(u), before[u]
            assert now["last_seen"] >= old["last_seen"] + dt.timedelta(minutes=59)
            assert isinstance(now["last_seen"], dt.datetime) and now["last_seen"].utcoffset() == dt.timedelta(0)
            assert now["fetched_at"] == fetched
            assert {k: v for k, v in now.items() if k not in ("last_seen", "fetched_at")} == \
                {k: v for k, v in old.items() if k not in ("last_seen", "fetched_at")}
        for u in urls[5:]:
            assert store.get_item(u) == before[u]
        assert store.get_item("https://s.example/none") is None
        # the newest last_seen sorts first, as after an unchanged upsert
        assert store.list_items(limit=1)[0]["url"] in urls[:5]
        clock.now = T0 + dt.timedelta(hours=2)
        assert store.touch_items([urls[6]]) == 1  # no fetched_at: only last_seen moves
        assert store.get_item(urls[6])["fetched_at"] == before[urls[6]]["fetched_at"]
        assert store.list_items(limit=1)[0]["url"] == urls[6]
        assert store.touch_items([]) == 0
        with pytest.raises(StoreInputError):
            store.touch_items("https://s.example/0")
        with pytest.raises(StoreInputError):
            store.touch_items([None])
        with pytest.raises(StoreInputError):
            store.touch_items(urls, "yesterday")
    finally:
        store.close()


def test_touch_refreshes_the_app_of_a_page(store_url):
    clock = Clock(T0)
    store = open_store(store_url, timeout=10, clock=clock)
    try:
        url = "https://apps.example/app/1"
        store.upsert_items([page(url, kind="app", store="demo", app_id="a1")])
        store.upsert_apps([{"store": "demo", "app_id": "a1", "name": "一", "url": url, "downloads": 10},
                           {"store": "demo", "app_id": "a2", "name": "二", "url": url + "0"}])
        first = store.get_app("demo", "a1")
        other = store.get_app("demo", "a2")
        clock.now = T0 + dt.timedelta(days=1)
        assert store.touch_items([url]) == 1
        app = store.get_app("demo", "a1")
        assert app["last_seen"] >= first["last_seen"] + dt.timedelta(hours=23)
        assert app["first_seen"] == first["first_seen"]
        assert app["downloads_history"] == first["downloads_history"]
        assert store.get_app("demo", "a2") == other
        assert store.list_apps(sort="-last_seen", limit=1)[0]["app_id"] == "a1"
        clock.now = T0 + dt.timedelta(days=2)
        store.touch_items([url], apps=False)
        assert store.get_app("demo", "a1") == app
    finally:
        store.close()


def test_item_states_and_judged_by(store):
    items = [page(f"https://j.example/{s}/{n}", f"{s}{n}", source=s) for s in ("x", "y")
             for n in range(3)]
    items[0]["judged_by"] = "m1"
    results = store.upsert_items(items)
    states = store.item_states(source="x")
    assert states == {i["url"]: (r.content_hash, "m1" if n == 0 else "")
                      for n, (i, r) in enumerate(zip(items, results)) if i["source"] == "x"}
    assert len(store.item_states()) == 6 and store.item_states(source="zz") == {}
    before = store.get_item(items[1]["url"])
    assert store.set_judged_by([items[0]["url"], items[1]["url"], "https://j.example/none"], "m2") == 2
    after = store.get_item(items[1]["url"])
    assert after["judged_by"] == "m2"
    assert {k: v for k, v in after.items() if k != "judged_by"} == before
    assert store.item_states(source="x")[items[0]["url"]] == (results[0].content_hash, "m2")
    assert store.set_judged_by([], "m2") == 0
    with pytest.raises(StoreInputError):
        store.set_judged_by([items[0]["url"]], "")


def _raise(store, url, content_hash="h1", version="m1"):
    return store.raise_flag(url=url, category="vulgar", score=0.9, priority=1.0, verdict="block",
                            evidence={"terms": ["x"]}, model_version=version,
                            content_hash=content_hash, source="demo", kind="page", title="t")


def test_retire_flag_closes_only_open_unheld_flags(store):
    pending = _raise(store, "https://r.example/pending").flag_id
    retired = store.retire_flag(pending, "m2")
    assert retired["status"] == "dismissed" and retired["claim"] is None
    assert retired["decision"]["reason"] == "model m2 no longer flags it"
    assert retired["decision"]["retired_by_model"] == "m2"
    last = retired["history"][-1]
    assert last["action"] == "decided" and last["reason"] == "model m2 no longer flags it"
    assert last["previous_status"] == "pending"

    held = _raise(store, "https://r.example/held").flag_id
    store.claim(held, "ana")
    with pytest.raises(Conflict, match="held by ana"):
        store.retire_flag(held, "m2")
    assert store.get_flag(held)["status"] == "in_review"

    decided = _raise(store, "https://r.example/decided").flag_id
    store.claim(decided, "ana")
    store.decide(decided, "ana", "confirmed", "lure")
    before = store.get_flag(decided)
    with pytest.raises(Conflict, match="decided"):
        store.retire_flag(decided, "m2")
    assert store.get_flag(decided) == before

    # The same content raised again: an analyst's dismissal holds, a retirement
    # by a model is reopened when a later model flags the content again.
    assert _raise(store, "https://r.example/pending", version="m3").status == "reopened"
    reopened = store.get_flag(pending)
    assert reopened["status"] == "pending" and reopened["decision"] is None
    assert reopened["history"][-1]["reason"] == "model m3 flags it again"
    assert _raise(store, "https://r.example/decided", version="m3").status == "suppressed"


@pytest.mark.mongo
def test_mongo_touch_is_one_update_per_batch(mongo_db_url, monkeypatch):
    listener = Commands()
    real = pymongo.MongoClient

    def client(*args, **kwargs):
        return real(*args, event_listeners=[listener], **kwargs)

    monkeypatch.setattr(pymongo, "MongoClient", client)
    store = open_store(mongo_db_url, timeout=10)
    try:
        urls = [f"https://m.example/{n}" for n in range(60)]
        store.upsert_items([page(u) for u in urls])
        listener.sent.clear()
        assert store.touch_items(urls, T0, apps=False) == 60
        assert [n for n, _ in listener.sent] == ["update"]
        (update,) = listener.on_items("update")
        assert len(update["updates"]) == 1 and update["updates"][0]["multi"] is True
    finally:
        store.close()
