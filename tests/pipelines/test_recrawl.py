"""An unchanged re-crawl through the whole pipeline chain, on both stores: pages
a 304 confirmed are not parsed, classified or rewritten (``touch_items``), the
links of a 304 listing page are still followed, the model is never loaded; a
page judged by another model is judged again from its stored text and its
flags raised, refreshed or retired as a crawl would."""

from __future__ import annotations

import pytest

from patrol.store import open_store
from tests.pipelines.conftest import profile_crawl

PROFILE = """
name: recrawl_news
kind: news
start_urls: ["${SITE_URL}/"]
links: {listing: ["#more"], detail: ["#list"], about: ["#about"]}
"""
CACHED = {"Content-Type": "text/html; charset=utf-8", "ETag": '"v1"', "Cache-Control": "no-cache"}
LURE = "深夜福利准时开播！私密直播间等你解锁，一对一私聊看更多不能公开的内容，首充6元送VIP"


def listing(paths, more=""):
    links = "".join(f'<li><a href="{p}">{p}</a></li>' for p in paths)
    nav = f'<a id="more" href="{more}">更多</a>' if more else ""
    return (f'<html><head><meta charset="utf-8"><title>列表 - 城南测试网</title></head><body>'
            f'<ul id="list">{links}</ul>{nav}<a id="about" href="/about.html">关于我们</a></body></html>')


def article(text):
    return ('<html><head><meta charset="utf-8"><title>稿件 {path} - 城南测试网</title></head>'
            f'<body><article><h1>稿件 {{path}}</h1><p>{text}</p></article></body></html>')


def site_spec():
    clean = article("城南区新建三所公办幼儿园，将于九月开园，共提供学位九百个。正文 {path}")
    return {
        "/": {"body": listing(["/a.html", "/b.html", "/lure.html"], more="/list2.html"), "headers": CACHED},
        "/list2.html": {"body": listing(["/c.html", "/d.html"]), "headers": CACHED},
        "/about.html": {"body": article("联系电话 010-12345678，新闻信息服务许可证 11120180001"),
                        "headers": CACHED},
        "/lure.html": {"body": article(LURE), "headers": CACHED},
        "*": {"body": clean, "headers": CACHED},
    }


DETAILS = ("/a.html", "/b.html", "/c.html", "/d.html", "/lure.html")


def _crawl(site, tmp_path, store_url):
    proc, stats = profile_crawl(PROFILE, tmp_path=tmp_path, store_url=store_url,
                                env={"SITE_URL": site.url})
    assert proc.returncode == 0, proc.stderr[-3000:]
    return stats


def test_unchanged_recrawl_touches_without_parsing(local_site, store_url, tmp_path):
    site = local_site(site_spec())
    first = _crawl(site, tmp_path, store_url)
    with open_store(store_url) as store:
        items = {i["url"]: i for i in store.list_items(source="recrawl_news", limit=100)}
        flags, _ = store.list_flags(limit=100)
    assert len(items) == 8  # start, second listing, about, 5 articles
    assert first["patrol/classify/model_loaded"] == 1
    assert {f["url"] for f in flags} == {site.url + "/lure.html"}

    second = _crawl(site, tmp_path, store_url)
    # every page was asked for again and answered 304; the second listing's
    # links were followed although it was not parsed
    assert second["patrol/httpcache/kept"] == 9  # with robots.txt
    assert second["patrol/pages/detail"] == len(DETAILS)
    # start and about pages are parsed (they complete the others); the rest not
    assert second["patrol/unparsed_unchanged"] == len(DETAILS) + 1
    assert second.get("patrol/extracted/news", 0) == 1  # the about page
    assert second["patrol/dedupe/unchanged"] == 8 == second["item_scraped_count"]
    assert "patrol/classify/model_loaded" not in second
    assert second.get("patrol/classify/classified", 0) == 0
    assert second["patrol/store/items_touched"] == len(DETAILS) + 1
    assert second["patrol/store/items_written"] == 2
    assert not any(k.startswith("patrol/store/flags/") for k in second)
    with open_store(store_url) as store:
        after = {i["url"]: i for i in store.list_items(source="recrawl_news", limit=100)}
        assert store.list_flags(limit=100)[1] == len(flags)
    assert after.keys() == items.keys()
    for url, old in items.items():
        new = after[url]
        assert new["last_seen"] > old["last_seen"], url
        assert new["fetched_at"] >= old["fetched_at"]
        assert {k: v for k, v in new.items() if k not in ("last_seen", "fetched_at")} == \
            {k: v for k, v in old.items() if k not in ("last_seen", "fetched_at")}, url


def test_a_newer_model_judges_unchanged_pages_again(local_site, store_url, tmp_path):
    site = local_site(site_spec())
    _crawl(site, tmp_path, store_url)
    lure, clean, held = (site.url + p for p in ("/lure.html", "/a.html", "/b.html"))
    with open_store(store_url) as store:
        version = store.get_item(lure)["judged_by"]
        assert version
        urls = list(store.item_states(source="recrawl_news"))
        # as an older model left them: it also flagged two clean pages, one
        # of which an analyst holds
        store.set_judged_by(urls, "old-model")
        stale = {}
        for url in (clean, held):
            stale[url] = store.raise_flag(url=url, category="vulgar", score=0.4, priority=0.4,
                                          verdict="review", evidence={}, model_version="old-model",
                                          content_hash=store.get_item(url)["content_hash"],
                                          source="recrawl_news", kind="news").flag_id
        store.claim(stale[held], "ana")
        lure_flags = {f["category"]: f for f in store.list_flags(url=lure)[0]}

    second = _crawl(site, tmp_path, store_url)
    assert second["patrol/dedupe/rejudge"] == 8
    assert second["patrol/classify/rejudged"] == 8 == second["patrol/classify/classified"]
    assert second["patrol/store/rejudged"] == 8
    assert second["patrol/store/flags/retired"] == 1
    assert second["patrol/store/items_touched"] == len(DETAILS) + 1
    with open_store(store_url) as store:
        assert {j for _, j in store.item_states(source="recrawl_news").values()} == {version}
        retired = store.get_flag(stale[clean])
        assert retired["status"] == "dismissed"
        assert retired["history"][-1]["reason"] == f"model {version} no longer flags it"
        assert store.get_flag(stale[held])["status"] == "in_review"  # the analyst's to decide
        for category, old in lure_flags.items():  # judged again from the stored text: refreshed
            now = store.get_flag(old["id"])
            assert now["status"] == "pending" and now["updated_at"] > old["updated_at"]
            assert now["model_version"] == version

    third = _crawl(site, tmp_path, store_url)  # judged by the current model: nothing to do
    assert not third.get("patrol/dedupe/rejudge") and "patrol/classify/model_loaded" not in third


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_a_304_for_a_page_the_store_lost_is_parsed_after_all(local_site, store_url, tmp_path):
    site = local_site(site_spec())
    _crawl(site, tmp_path, store_url)
    fresh = f"sqlite:///{tmp_path / 'fresh.db'}"  # the same HTTP cache, an empty store
    second = _crawl(site, tmp_path, fresh)
    assert second["patrol/unparsed_unchanged"] == len(DETAILS) + 1
    assert second["patrol/dedupe/expanded"] == len(DETAILS) + 1
    assert second["patrol/dedupe/new"] == 8
    with open_store(fresh) as store:
        items = store.list_items(limit=100)
        assert len(items) == 8 and all(i["text"] for i in items)
        assert store.list_flags(url=site.url + "/lure.html")[1] >= 1
