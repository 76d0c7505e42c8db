"""``patrol sources check`` shows the truth: full values, where each came from,
the value as displayed beside the normalised one, the role of a --url page."""

from __future__ import annotations

from tests.spiders.test_cli import patrol, patrol_env  # noqa: F401  (fixture)

PROFILE = """
name: test_check_news
kind: news
start_urls: ["${SITE_URL}/"]
fields:
  byline: "span.byline::text"
"""
LONG = "区教育局今天发布通知，" + "全区中小学将在本学期开展校园周边环境专项整治，重点检查文具店和书店。" * 12
ARTICLE = f"""<html><head><meta charset="utf-8"><title>全区开展校园周边整治_城北新闻网</title>
<meta property="og:site_name" content="城北新闻网"></head><body>
<div class="main-nav"><a href="/">首页</a> <a href="/list.html">本地</a></div>
<h1>全区开展校园周边整治</h1><div class="info">发布时间：2025年3月10日 15:20 <span class="byline">本报记者 王敏</span></div>
<div class="article"><p>{LONG}</p><p>（完）</p></div>
<div class="footer">城北新闻网 版权所有 京ICP备12345678号</div></body></html>"""
LISTING = ("<html><head><meta charset='utf-8'><title>本地新闻_城北新闻网</title></head><body><ul>"
           + "".join(f'<li><a href="/a/{i}.html">第{i}条本地新闻</a></li>' for i in range(12)) + "</ul></body></html>")


def spec():
    return {"/": {"body": LISTING}, "/list.html": {"body": LISTING}, "/a/1.html": {"body": ARTICLE},
            "/robots.txt": {"headers": {"Content-Type": "text/plain"}, "body": "User-agent: *\nAllow: /\n"}}


def test_sources_check_shows_origins_raw_values_and_roles(local_site, tmp_path, patrol_env):  # noqa: F811
    site = local_site(spec())
    profile = tmp_path / "news.yaml"
    profile.write_text(PROFILE, encoding="utf-8")
    env = dict(patrol_env, SITE_URL=site.url)
    article = patrol("sources", "check", str(profile), "--url", site.url + "/a/1.html", env=env)
    assert article.returncode == 0, article.stderr
    out = article.stdout
    assert "detail page" in out
    assert "*byline" in out and "王敏   (shown: 本报记者 王敏)" in out and "← selector span.byline::text" in out
    assert "2025-03-10T15:20:00+08:00" in out and "(shown: 2025年3月10日 15:20)" in out
    assert "← meta og:site_name" in out                      # generic, never marked as from a selector
    assert " outlet" in out and "*outlet" not in out
    # the full main text, wrapped, never cut at 100 characters
    assert "".join(line.strip() for line in out.splitlines()).count("重点检查文具店和书店") >= 5
    listing = patrol("sources", "check", str(profile), "--url", site.url + "/list.html", env=env)
    assert listing.returncode == 0, listing.stderr
    assert "listing page" in listing.stdout and "detail links" in listing.stdout
