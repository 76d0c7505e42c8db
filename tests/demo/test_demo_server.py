"""The demo server over real sockets: content types, charsets, conditional GET,
special routes, /slow and the concurrency counters."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
import urllib.request

import pytest
from scrapy.http import HtmlResponse

from patrol.demo import ENV_VARS, SITE_NAMES

TITLES = {"appstore": "童趣应用市场", "bookshop": "新华书香网上书店", "ziliaopu": "学霸资料铺",
          "chengnan-daily": "城南日报", "fake-news": "华夏法治资讯网", "shuwu": "书屋电子书铺",
          "fazhi-guancha": "中华法治观察网"}


def test_every_site_serves_home_and_robots(web, get):
    assert set(web.urls) == set(SITE_NAMES)
    assert len(set(web.urls.values())) == len(SITE_NAMES), "each site has its own port"
    for name, url in web.urls.items():
        assert url.startswith("http://127.0.0.1:") and url.endswith("/")
        status, headers, body = get(url)
        assert status == 200
        assert headers["Content-Type"] == "text/html; charset=utf-8"
        assert TITLES[name] in body.decode("utf-8")
        status, headers, body = get(url + "robots.txt")
        assert status == 200 and headers["Content-Type"].startswith("text/plain")
        assert "Disallow: /" in body.decode()


def test_env_names_every_site(web):
    env = web.env()
    assert env["DEMO_APPSTORE_URL"] == web.urls["appstore"]
    assert env["DEMO_CHENGNAN_DAILY_URL"] == web.urls["chengnan-daily"]
    assert set(env) - {"PATROL_OUTLET_REGISTRY"} == set(ENV_VARS.values()) == {
        "DEMO_APPSTORE_URL", "DEMO_BOOKSHOP_URL", "DEMO_ZILIAOPU_URL",
        "DEMO_CHENGNAN_DAILY_URL", "DEMO_FAKE_NEWS_URL", "DEMO_SHUWU_URL", "DEMO_FAZHI_GUANCHA_URL"}
    # the demo's licensed outlet is registered at its local address
    registry = open(env["PATROL_OUTLET_REGISTRY"], encoding="utf-8").read()
    assert "城南日报," + web.urls["chengnan-daily"].split("/")[2] in registry
    assert web.apply_env({})["DEMO_FAKE_NEWS_URL"] == web.urls["fake-news"]


def test_gbk_page_in_header_and_meta(web, get):
    url = web.url("ziliaopu", "goods/1003.html")
    status, headers, body = get(url)
    assert status == 200 and headers["Content-Type"] == "text/html; charset=gbk"
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    text = body.decode("gbk")
    assert "五年高考三年模拟" in text and '<meta charset="gbk">' in text
    response = HtmlResponse(url, body=body, headers={"Content-Type": headers["Content-Type"]})
    assert response.css("h1.goods-title::text").get().startswith("2025 五年高考三年模拟")


def test_gbk_page_declared_only_in_meta(web, get):
    url = web.url("ziliaopu", "notice.html")
    status, headers, body = get(url)
    assert headers["Content-Type"] == "text/html"
    text = body.decode("gbk")
    assert 'content="text/html; charset=gbk"' in text and "网盘链接" in text
    response = HtmlResponse(url, body=body, headers={"Content-Type": "text/html"})
    assert "自动发送网盘链接" in " ".join(response.css(".shop-notice li::text").getall())


def test_page_without_any_charset(web, get):
    url = web.url("ziliaopu", "goods/1004.html")
    status, headers, body = get(url)
    assert status == 200 and headers["Content-Type"] == "text/html"
    assert b"charset" not in body.lower()
    assert "王后雄学案" in body.decode("utf-8")
    response = HtmlResponse(url, body=body, headers={"Content-Type": "text/html"})
    assert response.css("h1.goods-title::text").get().startswith("王后雄学案")


def test_etag_and_last_modified_give_304(web, get):
    url = web.url("bookshop", "zizhi.html")
    status, headers, body = get(url)
    etag, modified = headers["ETag"], headers["Last-Modified"]
    assert status == 200 and etag.startswith('"') and modified.endswith("GMT") and body
    status, headers304, body304 = get(url, {"If-None-Match": etag})
    assert (status, body304) == (304, b"")
    assert headers304["ETag"] == etag
    assert get(url, {"If-None-Match": '"other", ' + etag})[0] == 304
    assert get(url, {"If-None-Match": '"stale"'})[0] == 200
    assert get(url, {"If-Modified-Since": modified})[0] == 304
    assert get(url, {"If-Modified-Since": "Sat, 01 Jan 2000 00:00:00 GMT"})[0] == 200
    # If-None-Match wins over If-Modified-Since (RFC 9110 13.1.3)
    assert get(url, {"If-None-Match": '"stale"', "If-Modified-Since": modified})[0] == 200


def test_redirect_404_500_and_traversal(web, get):
    status, headers, _ = get(web.url("appstore", "app/yingyu-huiben-old.html"))
    assert status == 301 and headers["Location"] == "/app/yingyu-huiben.html"
    status, headers, _ = get(web.url("chengnan-daily", "news/old/1001.html"))
    assert status == 301 and headers["Location"] == "/news/2025/1103-metro.html"
    assert get(web.url("appstore", "app/huanle-dati.html"))[0] == 404
    assert get(web.url("ziliaopu", "goods/1099.html"))[0] == 404
    assert get(web.url("chengnan-daily", "news/live.html"))[0] == 500
    assert get(web.url("fake-news", "article/9999.html"))[0] == 500
    for path in ("../bookshop/index.html", "%2e%2e/%2e%2e/server.py", "..%2f..%2fsites.py", ".hidden"):
        assert get(web.url("appstore", path))[0] == 404, path


def test_json_endpoint_and_script(web, get):
    status, headers, body = get(web.url("appstore", "api/hot.json"))
    assert status == 200 and headers["Content-Type"] == "application/json; charset=utf-8"
    assert b'"/app/kousuan-daren.html"' in body
    status, headers, body = get(web.url("appstore", "static/hot.js"))
    assert headers["Content-Type"] == "text/javascript; charset=utf-8" and b"/api/hot.json" in body


def test_slow_holds_the_answer(web, get):
    with pytest.raises((TimeoutError, socket.timeout, OSError)):
        urllib.request.urlopen(web.url("bookshop", "slow?delay=3"), timeout=0.5).read()
    status, _, body = get(web.url("bookshop", "slow?delay=0"))
    assert status == 200 and b"answered after 0.0 s" in body
    assert get(web.url("bookshop", "slow?delay=abc"))[0] == 400
    assert get(web.url("bookshop", "slow?delay=99"))[0] == 400


def _wait_for(predicate, what: str, limit: float = 20.0):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def test_concurrency_counters(web, get):
    web.reset_stats()
    for _ in range(3):
        get(web.url("chengnan-daily"))
    site = web.stats()["sites"]["chengnan-daily"]
    assert site["requests"] == 3 and site["max_inflight"] == 1 and site["paths"] == {"/": 3}

    n = 6
    threads = [threading.Thread(target=get, args=(web.url("fake-news", "slow?delay=4"),)) for _ in range(n)]
    for t in threads:
        t.start()
    _wait_for(lambda: web.stats()["sites"]["fake-news"]["inflight"] == n, f"{n} requests in flight")
    for t in threads:
        t.join()
    site = web.stats()["sites"]["fake-news"]
    assert site["max_inflight"] == n and site["inflight"] == 0 and site["status"] == {"200": n}
    assert web.stats()["sites"]["appstore"]["max_inflight"] == 0, "sites are counted apart"
    web.reset_stats()
    assert web.stats()["sites"]["fake-news"]["requests"] == 0


def test_user_agent_is_recorded(web, get):
    web.reset_stats()
    get(web.url("bookshop"), {"User-Agent": "ContentPatrol/test"})
    assert web.stats()["sites"]["bookshop"]["user_agents"] == {"ContentPatrol/test": 1}


def test_server_cli_rejects_unknown_site():
    proc = subprocess.run([sys.executable, "-m", "patrol.demo.server", "--json", "--sites", "nope"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "--sites: unknown site(s) nope" in proc.stderr


def test_head_and_clean_stop():
    from patrol.demo import DemoWeb
    with DemoWeb(sites=["bookshop"]) as one:
        assert list(one.urls) == ["bookshop"]
        req = urllib.request.Request(one.urls["bookshop"], method="HEAD")
        with urllib.request.urlopen(req, timeout=10) as r:
            assert r.status == 200 and r.read() == b"" and r.headers["ETag"]
        proc = one._proc
        port = int(one.urls["bookshop"].rsplit(":", 1)[1].strip("/"))
    assert proc.returncode == 0, "stopped by closing its stdin, not killed"
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()


def test_delay_option_holds_every_page(get):
    from patrol.demo import DemoWeb
    with DemoWeb(sites=["appstore"], delay=3) as slow:
        paths = ["", "category/edu/", "app/gushici.html"]
        threads = [threading.Thread(target=get, args=(slow.url("appstore", p),)) for p in paths]
        for t in threads:
            t.start()
        _wait_for(lambda: slow.stats()["sites"]["appstore"]["inflight"] == 3, "3 held pages")
        for t in threads:
            t.join()
        site = slow.stats()["sites"]["appstore"]
        assert site["max_inflight"] == 3 and site["status"] == {"200": 3}
