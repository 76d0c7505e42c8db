"""Hostile pages through the whole pipeline (issue 12, part 4): one bad page
costs that page only, counted and named."""

from __future__ import annotations

import json

from patrol.store import open_store
from tests.pipelines.conftest import profile_crawl

PROFILE = """
name: hostile_apps
kind: app
store: 测试市场
start_urls: ["${SITE_URL}/"]
links: {detail: ["#list"]}
"""


def app_page(n: int, description) -> str:
    node = {"@context": "https://schema.org", "@type": "SoftwareApplication", "name": f"应用{n}",
            "identifier": f"app{n}", "description": description,
            "author": {"@type": "Organization", "name": "某公司"}}
    return (f'<html><head><meta charset="utf-8"><title>应用{n}</title>'
            f'<script type="application/ld+json">{json.dumps(node, ensure_ascii=False)}</script>'
            f'</head><body><article><h1>应用{n}</h1><p>一款学习应用，适合小学生。</p></article></body></html>')


def deep(levels: int):
    value: object = "底"
    for _ in range(levels):
        value = {"@type": "Thing", "about": value}
    return value


def test_deeply_nested_json_ld_costs_that_page_only(local_site, tmp_path):
    pages = {f"/app/{n}.html": {"body": app_page(n, "一款学习应用")} for n in range(4)}
    pages["/app/9.html"] = {"body": app_page(9, deep(700))}
    links = "".join(f'<li><a href="{p}">{p}</a></li>' for p in pages)
    site = local_site({"/": {"body": f'<html><body><ul id="list">{links}</ul></body></html>'},
                       **pages})
    store_url = f"sqlite:///{tmp_path / 'patrol.db'}"
    proc, stats = profile_crawl(PROFILE, tmp_path=tmp_path, store_url=store_url,
                                env={"SITE_URL": site.url}, settings={"PATROL_CLASSIFY": "False"})
    assert stats["patrol/store/rejected"] == 1, proc.stderr[-3000:]
    assert f"store refused {site.url}/app/9.html: field description" in proc.stderr
    with open_store(store_url) as store:
        urls = {i["url"] for i in store.list_items(limit=100)}
        assert {f"{site.url}/app/{n}.html" for n in range(4)} <= urls
        assert f"{site.url}/app/9.html" not in urls
        assert store.count_apps() == 4
        run = store.list_runs(limit=1)[0]
        assert run["outcome"] == "partial" and "1 pages refused by the store" in run["reason"]


NEWS = """
name: hostile_news
kind: news
start_urls: ["${SITE_URL}/"]
links: {detail: ["#list"]}
"""
ARTICLE = ('<html><head><meta charset="utf-8"><title>稿件 - 测试网</title></head>'
           '<body><article><p>城南区新闻正文，今天天气晴朗。</p></article></body></html>')


def gzip_bomb(mib: int) -> bytes:
    """``mib`` MiB of zeros after a little HTML, as concatenated gzip members
    (valid gzip: a reader decompresses them one after the other)."""
    import gzip
    member = gzip.compress(b"\0" * (8 << 20), compresslevel=9)
    return gzip.compress(b"<html><body><article><p>bomb</p>") + member * (mib // 8)


def listing(paths) -> str:
    links = "".join(f'<li><a href="{p}">{p}</a></li>' for p in paths)
    return f'<html><head><meta charset="utf-8"></head><body><ul id="list">{links}</ul></body></html>'


def test_gzip_bomb_is_capped_after_decompression(local_site, tmp_path):
    bomb = gzip_bomb(256)
    site = local_site({
        "/": {"body": listing(["/bomb.html", "/ok.html"])},
        "/bomb.html": {"body_hex": bomb.hex(), "headers": {
            "Content-Type": "text/html; charset=utf-8", "Content-Encoding": "gzip"}},
        "/ok.html": {"body": ARTICLE},
    })
    store_url = f"sqlite:///{tmp_path / 'patrol.db'}"
    rss = tmp_path / "rss.txt"
    proc, stats = profile_crawl(NEWS, tmp_path=tmp_path, store_url=store_url, peak_rss=rss,
                                env={"SITE_URL": site.url},
                                settings={"PATROL_CLASSIFY": "False",
                                          "PATROL_MAX_PAGE_BYTES": str(4 << 20)})
    assert len(bomb) < (4 << 20) < (256 << 20)  # small on the wire, huge inflated
    assert stats["patrol/page_bomb"] == 1, proc.stderr[-3000:]
    assert "/bomb.html" in proc.stderr and "during decompression" in proc.stderr
    assert int(rss.read_text()) < 400_000  # KiB: the 256 MiB body was never held
    with open_store(store_url) as store:
        assert {i["url"] for i in store.list_items()} >= {f"{site.url}/ok.html"}
        assert store.get_item(f"{site.url}/bomb.html") is None
        run = store.list_runs(limit=1)[0]
        assert run["outcome"] == "partial" and "over the size cap" in run["reason"]


def test_redirect_loop_and_a_gbk_page_declared_utf8_are_counted(local_site, tmp_path):
    gbk = ('<html><head><meta charset="utf-8"><title>通知</title></head><body><article>'
           '<p>城南区图书馆周末开放，欢迎市民前来借阅。</p></article></body></html>').encode("gbk")
    site = local_site({
        "/": {"body": listing(["/loop-a.html", "/gbk.html", "/ok.html"])},
        "/loop-a.html": {"status": 302, "headers": {"Location": "/loop-b.html"}},
        "/loop-b.html": {"status": 302, "headers": {"Location": "/loop-a.html"}},
        "/gbk.html": {"body_hex": gbk.hex(), "headers": {"Content-Type": "text/html; charset=utf-8"}},
        "/ok.html": {"body": ARTICLE},
    })
    store_url = f"sqlite:///{tmp_path / 'patrol.db'}"
    proc, stats = profile_crawl(NEWS, tmp_path=tmp_path, store_url=store_url,
                                env={"SITE_URL": site.url}, settings={"PATROL_CLASSIFY": "False"})
    assert stats["patrol/redirect/loop"] == 1, proc.stderr[-3000:]
    assert stats["patrol/encoding/mismatch"] == 1
    assert "redirect loop dropped" in proc.stderr and "/loop-a.html" in proc.stderr
    with open_store(store_url) as store:
        page = store.get_item(f"{site.url}/gbk.html")
        assert "城南区图书馆周末开放" in page["text"] and "\ufffd" not in page["text"]
        run = store.list_runs(limit=1)[0]
        assert run["outcome"] == "partial"
        assert "redirect loops" in run["reason"] and "declared encoding" in run["reason"]
