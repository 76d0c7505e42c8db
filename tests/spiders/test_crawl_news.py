"""A news crawl: article fields, the about page's licence claim and contact,
a Big5 article declared only in the HTTP header, a redirect and a 500."""

from __future__ import annotations

PROFILE = """
name: test_news
kind: news
start_urls: ["${SITE_URL}/"]
links:
  detail: ["ul.news"]
  about: ["footer"]
politeness: {delay: 0.05, concurrency: 2}
"""

FOOT = '<footer><a href="/about.html">关于我们</a></footer>'
HOME = f"""<html><head><meta charset="utf-8"><title>首页 - 城南新闻网</title></head><body>
<ul class="news"><li><a href="/a/1.html">城南区开展校园周边整治</a></li>
<li><a href="/a/old.html">旧链接</a></li><li><a href="/a/broken.html">坏页面</a></li>
<li><a href="/a/big5.html">繁體稿件</a></li></ul>{FOOT}</body></html>"""
ARTICLE = f"""<html><head><meta charset="utf-8"><title>城南区开展校园周边整治 - 城南新闻网</title>
<meta property="og:site_name" content="城南新闻网">
<script type="application/ld+json">{{"@type": "NewsArticle", "headline": "城南区开展校园周边整治",
"datePublished": "2026-11-20T09:30:00+08:00", "author": {{"@type": "Person", "name": "李明"}}}}</script>
</head><body><nav>首页 | 本地</nav><article><h1>城南区开展校园周边整治</h1>
<p>本报讯（记者 李明）近日，城南区对校园周边文具店、书店开展专项检查。</p></article>{FOOT}</body></html>"""
ABOUT = """<html><head><meta charset="utf-8"><title>关于我们 - 城南新闻网</title></head><body>
<article><p>城南新闻网是城南区融媒体中心主办的新闻网站。</p></article>
<footer>互联网新闻信息服务许可证编号：10120170001<br>联系电话：010-12345678 邮箱：news@example.org</footer>
</body></html>"""
BIG5 = """<html><head><title>繁體稿件 - 城南新聞網</title></head><body><article>
<p>記者 王小華 報導：本區圖書館延長開放時間。</p><p>2026年11月21日</p></article></body></html>"""


def spec():
    return {
        "/": {"body": HOME}, "/a/1.html": {"body": ARTICLE}, "/about.html": {"body": ABOUT},
        "/a/old.html": {"status": 301, "headers": {"Location": "/a/1.html?from=old"}, "body": ""},
        "/a/broken.html": {"status": 500, "body": "oops"},
        "/a/big5.html": {"headers": {"Content-Type": "text/html; charset=big5"},
                         "body_hex": BIG5.encode("big5").hex()},
        "/robots.txt": {"headers": {"Content-Type": "text/plain"}, "body": "User-agent: *\nAllow: /\n"},
    }


def test_news_crawl(local_site, crawl):
    site = local_site(spec())
    result = crawl(PROFILE, env={"SITE_URL": site.url})
    assert result.returncode == 0, result.log[-3000:]
    art = result.by_url("/a/1.html")
    assert art["kind"] == "news"
    assert (art["outlet"], art["byline"]) == ("城南新闻网", "李明")
    assert art["published"] == "2026-11-20T09:30:00+08:00"
    assert "专项检查" in art["text"] and "首页 | 本地" not in art["text"]
    assert "10120170001" in art["licence_claim"]   # from the about page
    assert "010-12345678" in art["contact"]
    big5 = result.by_url("/a/big5.html")
    assert "本區圖書館延長開放時間" in big5["text"]
    assert big5["byline"] == "王小華" and big5["published"] == "2026-11-21"
    assert big5["outlet"] == "城南新聞網"
    stats = result.stats
    assert stats["patrol/http_error/500"] == 1
    assert stats["patrol/redirected"] == 1
    assert any(i["url"].endswith("/a/1.html?from=old") for i in result.items)
