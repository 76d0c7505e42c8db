"""App crawls: plain HTTP with JSON-LD, and a page built by JavaScript in real Chromium."""

from __future__ import annotations

from pathlib import Path

import pytest

LISTING = """<html><head><meta charset="utf-8"><title>儿童应用 - 测试应用市场</title></head><body>
<ul class="apps"><li><a href="/app/com.kids.abc.html">宝宝学拼音</a></li>
<li><a href="/app/com.game.run.html">跑酷大冒险</a></li></ul></body></html>"""

JSONLD_APP = """<html><head><meta charset="utf-8"><title>宝宝学拼音</title>
<script type="application/ld+json">{"@context": "https://schema.org", "@type": "MobileApplication",
 "name": "宝宝学拼音", "author": {"@type": "Organization", "name": "启蒙教育科技有限公司"},
 "applicationCategory": "教育", "contentRating": "3+", "softwareVersion": "2.3.1",
 "dateModified": "2026-10-01", "aggregateRating": {"@type": "AggregateRating", "ratingValue": "4.6"},
 "description": "适合3-6岁儿童的拼音启蒙应用。"}</script></head>
<body><h1>宝宝学拼音</h1><p class="dl">下载量：1.2亿次</p></body></html>"""

JS_APP = """<html><head><meta charset="utf-8"><title>跑酷大冒险</title></head>
<body><h1>跑酷大冒险</h1><div id="root">加载中…</div>
<script>
setTimeout(function () {
  var d = document.createElement('div'); d.id = 'app-info';
  d.innerHTML = '<span class="dev">星火游戏工作室</span><span class="dl">35万+</span>' +
                '<span class="age">12+</span><p class="desc">一款横版跑酷游戏。</p>';
  document.getElementById('root').replaceWith(d);
}, 50);
</script></body></html>"""

PROFILE = """
name: test_apps
kind: app
store: 测试应用市场
start_urls: ["${SITE_URL}/apps/"]
render: RENDER
links: {detail: ".apps"}
fields:
  developer: ".dev::text"
  downloads: ".dl::text"
  age_rating: ".age::text"
browser: {wait_for: "h1", screenshot: true}
"""


def spec():
    return {"/apps/": {"body": LISTING}, "/app/com.kids.abc.html": {"body": JSONLD_APP},
            "/app/com.game.run.html": {"body": JS_APP}, "/robots.txt": {"body": ""}}


def test_app_crawl_over_http(local_site, crawl):
    site = local_site(spec())
    result = crawl(PROFILE.replace("RENDER", "http"), env={"SITE_URL": site.url})
    assert result.returncode == 0, result.log[-3000:]
    app = result.by_url("/app/com.kids.abc.html")
    assert app["kind"] == "app" and app["rendered"] is False
    assert (app["store"], app["app_id"], app["name"]) == ("测试应用市场", "com.kids.abc", "宝宝学拼音")
    assert app["developer"] == "启蒙教育科技有限公司"
    assert (app["category"], app["age_rating"], app["version"]) == ("教育", "3+", "2.3.1")
    assert app["downloads"] == 120_000_000 and app["rating"] == 4.6
    assert app["updated"] == "2026-10-01"
    # Without a browser the JavaScript section is not there.
    js = result.by_url("/app/com.game.run.html")
    assert js["downloads"] is None and js["developer"] is None
    assert result.by_url("/apps/")["kind"] == "page"


@pytest.mark.browser
def test_javascript_page_in_chromium(local_site, crawl):
    site = local_site(spec())
    profile = PROFILE.replace("RENDER", "browser").replace('wait_for: "h1"', 'wait_for: "#app-info, .dl, .apps"')
    result = crawl(profile, env={"SITE_URL": site.url}, settings={"PATROL_SCREENSHOTS": "1"})
    stats = result.stats
    assert not stats.get("patrol/browser_error"), result.log[-3000:]
    js = result.by_url("/app/com.game.run.html")
    assert js["rendered"] is True
    assert js["developer"] == "星火游戏工作室"
    assert js["downloads"] == 350_000 and js["age_rating"] == "12+"
    shot = Path(js["screenshot"])
    assert shot.is_file() and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # The browser sent the project's honest user agent.
    ua = site.stats()["headers"]["/app/com.game.run.html"].get("User-Agent", "")
    assert ua.startswith("ContentPatrol/"), ua
