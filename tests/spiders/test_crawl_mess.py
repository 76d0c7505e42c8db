"""The real web's mess: slow pages, a huge page, malformed HTML, HTTP cache
revalidation, a resumed crawl, and the per-domain concurrency cap."""

from __future__ import annotations

PROFILE = """
name: test_mess
kind: news
start_urls: ["${SITE_URL}/"]
links: {detail: ["#list"]}
"""


def listing(paths):
    links = "".join(f'<li><a href="{p}">{p}</a></li>' for p in paths)
    return f'<html><head><meta charset="utf-8"><title>列表</title></head><body><ul id="list">{links}</ul></body></html>'


ARTICLE = ('<html><head><meta charset="utf-8"><title>稿件 {path} - 测试网</title></head>'
           '<body><article><p>正文 {path} 城南区新闻。</p></article></body></html>')


def test_slow_huge_and_malformed_pages_do_not_stop_the_crawl(local_site, crawl):
    site = local_site({
        "/": {"body": listing(["/slow.html", "/huge.html", "/bad.html", "/ok.html"])},
        "/slow.html": {"body": ARTICLE, "delay": 4},
        "/huge.html": {"body": "<html><body><article><p>巨大页面开始</p>" + "<p>填充内容</p>" * 20, "repeat": 200},
        "/bad.html": {"body": '<html><body><article><p>未闭合段落<div><table><tr><td>表格内容</b></i>'
                              '<p>第二段 &nbsp &#xZZ; <<>> </article'},
        "/ok.html": {"body": ARTICLE},
    })
    result = crawl(PROFILE, env={"SITE_URL": site.url},
                   settings={"DOWNLOAD_TIMEOUT": "1", "PATROL_MAX_PAGE_BYTES": "20000"})
    assert result.returncode == 0, result.log[-3000:]
    stats = result.stats
    assert stats["patrol/timeout"] == 1
    assert stats["patrol/page_capped"] == 1
    assert "page capped at 20000 bytes" in result.log
    huge = result.by_url("/huge.html")
    assert huge["truncated"] is True and huge["text"].startswith("巨大页面开始")
    bad = result.by_url("/bad.html")
    assert "未闭合段落" in bad["text"] and "表格内容" in bad["text"] and "第二段" in bad["text"]
    assert "正文 /ok.html" in result.by_url("/ok.html")["text"]


def test_recrawl_revalidates_with_etag_and_marks_unchanged(local_site, crawl):
    cached = {"Content-Type": "text/html; charset=utf-8", "ETag": '"v1"', "Cache-Control": "no-cache"}
    site = local_site({"/": {"body": listing(["/a.html", "/b.html"]), "headers": cached},
                       "/a.html": {"body": ARTICLE, "headers": cached},
                       "/b.html": {"body": ARTICLE, "headers": cached}})
    first = crawl(PROFILE, env={"SITE_URL": site.url})
    assert all(not i["meta"].get("unchanged") for i in first.items) and len(first.items) == 3
    second = crawl(PROFILE, env={"SITE_URL": site.url})
    server = site.stats()
    assert server["headers"]["/a.html"].get("If-None-Match") == '"v1"'
    assert second.stats["httpcache/revalidate"] >= 3
    assert second.stats["patrol/unchanged"] == 3
    assert all(i["meta"]["unchanged"] is True for i in second.items)
    assert {i["content_hash"] for i in first.items} == {i["content_hash"] for i in second.items}
    # a 304 that confirms the entry leaves it as it is: nothing is written to the cache
    assert second.stats["patrol/httpcache/kept"] == 3
    assert second.stats.get("httpcache/store", 0) == 0
    third = crawl(PROFILE, env={"SITE_URL": site.url})  # the kept entries still revalidate
    assert third.stats["patrol/httpcache/kept"] == 3 and third.stats["patrol/unchanged"] == 3
    assert {i["content_hash"] for i in third.items} == {i["content_hash"] for i in first.items}


def test_resumed_crawl_goes_on_where_it_stopped(local_site, crawl, tmp_path):
    pages = [f"/n/{i}.html" for i in range(8)]
    site = local_site({"/": {"body": listing(pages)}, "*": {"body": ARTICLE}})
    job = {"JOBDIR": str(tmp_path / "job"), "CLOSESPIDER_PAGECOUNT": "3", "CONCURRENT_REQUESTS": "1",
           "PATROL_HTTPCACHE": "0"}
    first = crawl(PROFILE, env={"SITE_URL": site.url}, settings=job)
    assert first.stats["finish_reason"] == "closespider_pagecount"
    job["CLOSESPIDER_PAGECOUNT"] = "0"
    second = crawl(PROFILE, env={"SITE_URL": site.url}, settings=job)
    assert second.stats["finish_reason"] == "finished"
    seen = {i["url"].removeprefix(site.url) for i in first.items + second.items}
    assert set(pages) <= seen
    counts = site.stats()["paths"]
    assert all(counts[p] == 1 for p in pages), counts  # nothing fetched twice


def test_per_domain_concurrency_cap_holds_on_a_slow_server(local_site, crawl):
    pages = [f"/s/{i}.html" for i in range(12)]
    site = local_site({"/": {"body": listing(pages)}, "*": {"body": ARTICLE, "delay": 0.5}})
    profile = PROFILE + "politeness: {delay: 0.05, concurrency: 2}\n"
    # AutoThrottle off: the cap itself (with a non-zero delay) must hold.
    result = crawl(profile, env={"SITE_URL": site.url},
                   settings={"AUTOTHROTTLE_ENABLED": "0", "CONCURRENT_REQUESTS": "16", "PATROL_HTTPCACHE": "0"})
    assert result.stats["patrol/items/news"] == 12
    # The cap is what must hold; reaching it exactly depends on how the loaded
    # machine schedules the two slots, so only the bound is asserted.
    assert 1 <= site.stats()["max_inflight"] <= 2


def test_pages_without_main_content_or_a_readable_date_are_items_counted(local_site, crawl):
    """A page of widgets only is an item with empty text (patrol/extract/no_main_content);
    a date that does not read keeps its raw value and a null field (counted); a news
    site's home page gives its outlet to the articles that do not name one."""
    home = ('<html><head><meta charset="utf-8"><title>城西在线 - 城西人自己的新闻网</title></head><body>'
            '<ul id="list"><li><a href="/widgets.html">行情</a></li><li><a href="/undated.html">稿件</a></li></ul>'
            '<div class="footer">城西在线 版权所有 互联网新闻信息服务许可证编号：41120170099</div></body></html>')
    widgets = ('<html><head><meta charset="utf-8"><title>行情</title></head><body>'
               '<div class="stock-box"><table><tr><td>上证指数</td><td>3012.55</td></tr></table></div>'
               '<script>var quotes = {"sh": 3012.55};</script></body></html>')
    undated = ('<html><head><meta charset="utf-8"><title>城西区新建三所小学</title>'
               '<meta name="publishdate" content="待定"></head><body><article><h1>城西区新建三所小学</h1>'
               '<p>记者 王敏 报道 城西区今年将新建三所小学，新增学位四千个，缓解老城区入学压力。'
               '三所学校均按照省级标准化学校建设，计划于明年秋季学期投入使用。</p></article></body></html>')
    site = local_site({"/": {"body": home}, "/widgets.html": {"body": widgets}, "/undated.html": {"body": undated}})
    result = crawl(PROFILE, env={"SITE_URL": site.url})
    assert result.returncode == 0, result.log[-3000:]
    assert result.stats["patrol/extract/no_main_content"] == 1
    assert result.stats["patrol/extract/unparsed/published"] == 1
    assert result.by_url("/widgets.html")["text"] == ""
    article = result.by_url("/undated.html")
    assert article["published"] is None and article["raw"]["published"] == "待定"
    assert article["outlet"] == "城西在线" and article["byline"] == "王敏"
    home_item = result.by_url("/")
    assert home_item["kind"] == "page" and home_item["site"]["outlet"] == "城西在线"
    assert home_item["site"]["licence_claim"] == "互联网新闻信息服务许可证编号：41120170099"
