"""The queue at campaign scale on both backends: search, substring filters,
keyset pages, bulk actions of a lead, the indexed claim and the report figures."""

from __future__ import annotations

import datetime as dt

import pytest

from patrol.items import content_hash
from patrol.store.common import StoreInputError


def page(store, url, title, text, source="demo", kind="page"):
    item = {"url": url, "kind": kind, "source": source, "title": title, "text": text}
    item["content_hash"] = content_hash(item)
    return item


def raise_(store, item, category="vulgar", score=0.5, priority=None, snippet="", terms=()):
    return store.raise_flag(url=item["url"], category=category, score=score,
                            priority=score if priority is None else priority, verdict="review",
                            evidence={"terms": [{"term": t, "matched": t} for t in terms],
                                      "snippet": snippet, "rules": []},
                            model_version="m-1", content_hash=item["content_hash"],
                            source=item["source"], kind=item["kind"], title=item["title"]).flag_id


def ids(p):
    return {f["id"] for f in p.flags}


def test_search_title_text_and_evidence(store):
    a = page(store, "https://shop.example/a", "特价图书", "本店提供百度网盘资源下载，全场包邮")
    b = page(store, "https://news.example/b", "城南日报", "记者采访了有偿删帖的中介")
    cc = page(store, "https://other.example/c", "Weekly NEWS", "nothing to see")
    fa = raise_(store, a, "unlicensed_publication", snippet="盗版电子书")
    fb = raise_(store, b, "fake_media", terms=["有偿删帖"])
    fc = raise_(store, cc)
    # Flags are written before their pages' items (pipelines/store.py): the
    # text reaches the index when the item is stored.
    store.upsert_items([a, b, cc])
    assert ids(store.page_flags(q="网盘")) == {fa}           # a word of the page's text
    assert ids(store.page_flags(q="百度网盘资源")) == {fa}
    assert ids(store.page_flags(q="盗版")) == {fa}           # the evidence snippet
    assert ids(store.page_flags(q="删帖")) == {fb}           # a matched term (and the text)
    assert ids(store.page_flags(q="日报")) == {fb}           # the title
    assert ids(store.page_flags(q="news")) == {fc}           # Latin words, any case
    assert ids(store.page_flags(q="网盘 包邮")) == {fa}      # every word
    assert ids(store.page_flags(q="网盘 删帖")) == set()
    assert store.page_flags(q="网盘").total == 1
    assert ids(store.page_flags(q="网盘", category="fake_media")) == set()
    # Changed text re-indexes; crawled text is not a query.
    a2 = dict(a, text="现已下架", content_hash="other")
    store.upsert_items([a2])
    assert ids(store.page_flags(q="网盘")) == set()
    assert ids(store.page_flags(q="下架")) == {fa}
    for hostile in ('" OR 1', "NEAR(a b)", "*", ".*", "a\"b"):
        store.page_flags(q=hostile) if any(ch.isalnum() for ch in hostile) else None
    with pytest.raises(StoreInputError):
        store.page_flags(q="***")


def test_substring_filters(store):
    a = page(store, "https://shop.example/books/1", "一", "x", source="bookshop-north")
    b = page(store, "https://app.example/x_1", "二", "x", source="appstore")
    fa, fb = raise_(store, a), raise_(store, b)
    assert ids(store.page_flags(source_like="north")) == {fa}
    assert ids(store.page_flags(source_like="shop")) == {fa}
    assert ids(store.page_flags(url_like="/books/")) == {fa}
    assert ids(store.page_flags(url_like="x_1")) == {fb}
    assert ids(store.page_flags(url_like="%")) == set()      # a LIKE wildcard is a character
    assert ids(store.page_flags(url_like=".*")) == set()     # so is a regex


@pytest.mark.parametrize("sort", ["-priority", "score", "-created_at", "updated_at"])
def test_keyset_pages_cover_every_flag_once(store, sort):
    made = set()
    for n in range(23):
        item = page(store, f"https://k.example/{n}", f"t{n}", "x")
        made.add(raise_(store, item, score=round((n % 5) / 10, 2)))  # ties on purpose
    seen, after, pages = [], None, 0
    while True:
        p = store.page_flags(sort=sort, after=after, limit=5)
        assert p.total == 23
        seen += [f["id"] for f in p.flags]
        pages += 1
        if p.next is None:
            break
        after = p.next
    assert pages == 5 and len(seen) == 23 and set(seen) == made
    listed, _ = store.list_flags(sort=sort, limit=100)
    assert seen == [f["id"] for f in listed]                 # the same order as list_flags
    with pytest.raises(StoreInputError):
        store.page_flags(sort="-score" if sort != "-score" else "score", after=after)
    with pytest.raises(StoreInputError):
        store.page_flags(after="not a cursor")


def test_bulk_actions_of_a_lead_reach_every_history(store):
    flags = [raise_(store, page(store, f"https://b.example/{n}", "t", "x")) for n in range(4)]
    store.claim(flags[0], "ann")
    out = store.bulk_decide(flags[:3] + ["no-such-flag"], "lee", "dismissed", "not_vulgar", "批量")
    assert [out[f] for f in flags[:3]] == ["ok"] * 3 and out["no-such-flag"] != "ok"
    for f in flags[:3]:
        doc = store.get_flag(f)
        assert doc["status"] == "dismissed" and doc["decision"]["analyst"] == "lee"
        last = doc["history"][-1]
        assert (last["action"], last["actor"], last["forced"]) == ("decided", "lee", True)
    out = store.bulk_reassign([flags[3]], "lee", "bob")
    assert out == {flags[3]: "ok"}
    assert store.get_flag(flags[3])["claim"]["analyst"] == "bob"
    assert store.bulk_decide([flags[3]], "lee", "escalated", "needs_lead") == {flags[3]: "ok"}
    assert store.get_flag(flags[3])["status"] == "escalated"


def test_claim_next_takes_expired_claims_in_priority_order(store):
    low = raise_(store, page(store, "https://c.example/low", "t", "x"), score=0.2)
    high = raise_(store, page(store, "https://c.example/high", "t", "x"), score=0.9)
    store.claim(high, "ann", lease_seconds=1)
    import time
    time.sleep(1.2)
    got = store.claim_next("bob")
    assert got["id"] == high                                  # an expired claim outranks a lower pending
    assert store.claim_next("bob")["id"] == low
    assert store.claim_next("bob") is None


def test_report_figures(store):
    a = page(store, "https://apps.example/a", "A", "x", source="appstore", kind="app")
    b = page(store, "https://news.example/b", "B", "x", source="news")
    fa = raise_(store, a, "vulgar")
    raise_(store, a, "unlicensed_publication")
    fb = raise_(store, b, "fake_media")
    store.upsert_items([a, b])
    store.decide(fa, "lee", "confirmed", "vulgar_content", force=True)
    store.decide(fb, "lee", "dismissed", "not_fake", force=True)
    figs = store.flag_figures()
    assert figs["total"] == 3
    assert figs["by_category_status"] == {"vulgar": {"confirmed": 1},
                                          "unlicensed_publication": {"pending": 1},
                                          "fake_media": {"dismissed": 1}}
    assert figs["by_source"] == {"appstore": 2, "news": 1}
    future = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=1)
    assert store.flag_figures(since=future)["total"] == 0
    figs = store.item_figures()
    assert (figs["pages"], figs["by_source"]) == (2, {"appstore": 1, "news": 1})
    assert figs["by_source_kind"] == {"appstore": {"app": 1}, "news": {"page": 1}}
    counts = store.flag_counts_for_urls([a["url"], b["url"], "https://none.example/"])
    assert counts[a["url"]]["open"] == 1 and counts[a["url"]]["confirmed"] == 1
    assert counts[a["url"]]["categories"] == ["unlicensed_publication", "vulgar"]
    assert counts[b["url"]]["dismissed"] == 1 and "https://none.example/" not in counts
    for n in range(5):
        store.upsert_app({"store": "demo", "app_id": f"app{n}", "name": f"应用{n}",
                          "category": "教育" if n % 2 else "游戏", "minor_relevant": n < 3,
                          "minor_score": 0.5, "minor_reasons": [], "url": f"https://apps.example/{n}"})
    assert [a["app_id"] for a in store.iter_apps(batch=2)] == [f"app{n}" for n in range(5)] \
        or len(list(store.iter_apps(batch=2))) == 5
    assert len(list(store.iter_apps(minor_only=True, batch=2))) == 3
    assert len(list(store.iter_apps(since=future))) == 0
    apps = store.app_figures()
    assert (apps["apps"], apps["minor"]) == (5, 3)
    assert apps["by_category"]["游戏"] == {"apps": 3, "minor": 2}


def test_saved_filters_are_per_user(store):
    store.save_filter("ann", "网盘 待审", "q=%E7%BD%91%E7%9B%98&status=pending")
    store.save_filter("ann", "书店", "source=shop")
    store.save_filter("ann", "书店", "source=bookshop")           # same name: replaced
    store.save_filter("bob", "mine", "status=in_review")
    assert store.list_filters("ann") == [{"name": "书店", "query": "source=bookshop"},
                                         {"name": "网盘 待审", "query": "q=%E7%BD%91%E7%9B%98&status=pending"}]
    store.delete_filter("ann", "书店")
    assert [f["name"] for f in store.list_filters("ann")] == ["网盘 待审"]
    assert store.list_filters("bob") == [{"name": "mine", "query": "status=in_review"}]
    with pytest.raises(StoreInputError):
        store.save_filter("ann", " ", "x")
