"""Render the demo app store "童趣应用市场" (site ``appstore``)."""

from __future__ import annotations

import json

from patrol.demo.sitegen.appstore_data import APPS, CATEGORIES, HOT
from patrol.demo.sitegen.common import Writer, downloads_int, esc, iso_date, paras

PER_PAGE = 2
CAT_NAMES = {slug: name for slug, name, _ in CATEGORIES}


def shell(title: str, body: str, head: str = "") -> str:
    nav = "".join(f'<a class="cat-link" href="/category/{s}/">{esc(n)}</a>\n' for s, n, _ in CATEGORIES)
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)} - 童趣应用市场</title>
<link rel="stylesheet" href="/static/style.css">
{head}</head>
<body>
<header class="site-header">
<a class="logo" href="/">童趣应用市场</a>
<form class="search" action="/search" method="get"><input name="q" placeholder="搜索应用"></form>
<nav class="cat-nav">
{nav}</nav>
</header>
<main>
{body}</main>
<footer class="site-footer">
<a href="/about.html">关于我们</a> | <a href="/admin/">开发者后台</a> | <span>客服邮箱：service@tongqu-apps.example</span>
<p>童趣应用市场 © 2025 京ICP备2023000123号-2 网络文化经营许可证 京网文〔2023〕1234-056号</p>
</footer>
</body>
</html>
"""


def card(app_id: str) -> str:
    a = APPS[app_id]
    return f"""<li class="app-card">
<a class="app-link" href="/app/{app_id}.html"><img class="app-icon" src="/static/icon.svg" alt=""><span class="app-name">{esc(a['name'])}</span></a>
<span class="developer">{esc(a['developer'])}</span>
<span class="downloads">{esc(a['downloads'])}</span>
<span class="rating">{esc(a['rating'])}</span>
</li>
"""


def home() -> str:
    featured = ["zuoye-bangshou", "yingyu-huiben", "baobao-pinyin", "fangkuai-jianzao", "shaonian-manhua", "huyan-jishi"]
    body = f"""<section class="banner"><h1>童趣应用市场</h1><p>为孩子和家长精选的安全应用，每一款都经过人工审核。</p></section>
<section class="featured">
<h2>编辑推荐</h2>
<ul class="app-list">
{''.join(card(a) for a in featured)}</ul>
</section>
<section id="hot-rank" class="hot-rank">
<h2>热门学习应用</h2>
<ol class="hot-list"></ol>
<noscript><p class="noscript">请开启 JavaScript 查看热门排行。</p></noscript>
</section>
<section class="notice">
<h2>公告</h2>
<ul>
<li>《欢乐答题王》因违反平台规范已下架：<a class="notice-link" href="/app/huanle-dati.html">查看原页面</a></li>
<li>平台已全面上线青少年模式，家长可在“家长守护”中统一管理。</li>
</ul>
</section>
<script src="/static/hot.js"></script>
"""
    return shell("首页", body)


def category_pages(w: Writer) -> None:
    for slug, name, apps in CATEGORIES:
        pages = [apps[i:i + PER_PAGE] for i in range(0, len(apps), PER_PAGE)]
        for n, chunk in enumerate(pages, start=1):
            path = f"/category/{slug}/" if n == 1 else f"/category/{slug}/page-{n}.html"
            prev = ""
            if n > 1:
                prev_path = f"/category/{slug}/" if n == 2 else f"/category/{slug}/page-{n - 1}.html"
                prev = f'<a class="prev" href="{prev_path}">上一页</a>\n'
            nxt = f'<a class="next" href="/category/{slug}/page-{n + 1}.html">下一页</a>\n' if n < len(pages) else ""
            body = f"""<h1 class="category-title">{esc(name)}</h1>
<ul class="app-list">
{''.join(card(a) for a in chunk)}</ul>
<div class="pager">
{prev}<span class="current">第 {n} 页 / 共 {len(pages)} 页</span>
{nxt}</div>
"""
            w.add(path, shell(f"{name} 第{n}页", body))


def jsonld(app_id: str) -> str:
    a = APPS[app_id]
    data = {
        "@context": "https://schema.org", "@type": "SoftwareApplication",
        "name": a["name"], "applicationCategory": CAT_NAMES[a["cat"]], "operatingSystem": "Android, iOS",
        "author": {"@type": "Organization", "name": a["developer"]},
        "softwareVersion": a["version"], "dateModified": iso_date(a["updated"]),
        "contentRating": a["age"], "description": "".join(a["desc"]),
        "aggregateRating": {"@type": "AggregateRating", "ratingValue": a["rating"], "bestRating": "5",
                            "ratingCount": len(a["reviews"])},
        "interactionStatistic": {"@type": "InteractionCounter", "interactionType": "https://schema.org/DownloadAction",
                                 "userInteractionCount": downloads_int(a["downloads"])},
    }
    text = json.dumps(data, ensure_ascii=False, indent=1).replace("</", "<\\/")
    return f'<script type="application/ld+json">\n{text}\n</script>\n'


def detail(app_id: str) -> str:
    a = APPS[app_id]
    cat = CAT_NAMES[a["cat"]]
    reviews = "".join(
        f'<li class="review"><span class="review-author">{esc(who)}</span> '
        f'<span class="review-stars" title="{stars}星">{"★" * stars}{"☆" * (5 - stars)}</span>'
        f'<p class="review-text">{esc(text)}</p></li>\n' for who, stars, text in a["reviews"])
    related = [x for s, _, apps in CATEGORIES if s == a["cat"] for x in apps if x != app_id][:3]
    links = "".join(f'<li><a class="app-link" href="/app/{x}.html">{esc(APPS[x]["name"])}</a></li>\n' for x in related)
    if app_id == "gushici":
        links += '<li><a class="app-link" href="/app/yingyu-huiben-old.html">英语绘本馆（旧版页面）</a></li>\n'
    body = f"""<nav class="breadcrumb"><a href="/">首页</a> &gt; <a class="crumb" href="/category/{a['cat']}/">{esc(cat)}</a> &gt; <span>{esc(a['name'])}</span></nav>
<article class="app-detail" data-app-id="{app_id}">
<div class="app-header">
<img class="app-icon" src="/static/icon.svg" alt="{esc(a['name'])}">
<h1 class="app-name">{esc(a['name'])}</h1>
<p class="developer">{esc(a['developer'])}</p>
<div class="score"><span class="rating">{esc(a['rating'])}</span><span class="rating-max">/5</span></div>
<a class="download-btn" href="#">立即下载</a>
</div>
<table class="app-info">
<tr><th>分类</th><td class="category">{esc(cat)}</td></tr>
<tr><th>适用年龄</th><td class="age-rating">{esc(a['age'])}</td></tr>
<tr><th>下载量</th><td class="downloads">{esc(a['downloads'])}</td></tr>
<tr><th>版本</th><td class="version">{esc(a['version'])}</td></tr>
<tr><th>更新时间</th><td class="updated">{esc(a['updated'])}</td></tr>
<tr><th>大小</th><td class="size">{esc(a['size'])}</td></tr>
</table>
<section class="description">
<h2>应用介绍</h2>
{paras(a['desc'])}</section>
<section class="reviews">
<h2>用户评价</h2>
<ul class="review-list">
{reviews}</ul>
</section>
<section class="related">
<h2>相关推荐</h2>
<ul>
{links}</ul>
</section>
</article>
"""
    page = shell(a["name"], body, jsonld(app_id) if a["jsonld"] else "")
    if app_id == "saiche-yingxiong":
        page = malform(page)
    return page


def malform(page: str) -> str:
    """A malformed page: </td> </tr> </p> </li> </ul> </article> dropped, a stray </span></div>."""
    for tag in ("</td>", "</tr>", "</p>", "</li>", "</article>", "</ul>"):
        page = page.replace(tag, "")
    return page.replace('<div class="score">', '</span></div><div class="score">', 1)


HOT_JS = """// Fills the hot ranking from /api/hot.json. Built with textContent, never innerHTML.
(function () {
  var list = document.querySelector('#hot-rank .hot-list');
  if (!list) { return; }
  fetch('/api/hot.json').then(function (r) { return r.json(); }).then(function (data) {
    data.apps.forEach(function (app) {
      var li = document.createElement('li');
      li.className = 'hot-item';
      var a = document.createElement('a');
      a.className = 'app-link hot-link';
      a.href = app.url;
      var no = document.createElement('span');
      no.className = 'hot-no';
      no.textContent = String(app.rank);
      var name = document.createElement('span');
      name.className = 'app-name';
      name.textContent = app.name;
      a.appendChild(no);
      a.appendChild(name);
      li.appendChild(a);
      var dl = document.createElement('span');
      dl.className = 'downloads';
      dl.textContent = app.downloads;
      li.appendChild(dl);
      list.appendChild(li);
    });
    list.setAttribute('data-loaded', 'true');
  });
})();
"""

STYLE = """body{font-family:"PingFang SC","Microsoft YaHei",sans-serif;margin:0;color:#333}
.site-header{background:#ffb400;padding:8px 16px}.logo{font-weight:bold;font-size:20px;color:#fff}
.cat-nav a{margin-right:12px;color:#fff}.app-list{list-style:none;padding:0}
.app-card{display:inline-block;width:180px;margin:8px;vertical-align:top}
.app-icon{width:48px;height:48px}.pager a{margin:0 8px}.site-footer{color:#999;font-size:12px;padding:16px}
"""

ICON = """<svg xmlns="http://www.w3.org/2000/svg" width="48" height="48"><rect width="48" height="48" rx="10" fill="#ffb400"/><circle cx="24" cy="24" r="12" fill="#fff"/></svg>
"""


def build(w: Writer) -> None:
    w.add("/", home())
    category_pages(w)
    for app_id in APPS:
        w.add(f"/app/{app_id}.html", detail(app_id))
    hot = {"title": "热门学习应用", "updated": "2025-11-26",
           "apps": [{"rank": i, "app_id": x, "name": APPS[x]["name"], "url": f"/app/{x}.html",
                     "downloads": APPS[x]["downloads"]} for i, x in enumerate(HOT, start=1)]}
    w.add("/api/hot.json", json.dumps(hot, ensure_ascii=False, indent=1) + "\n")
    w.add("/static/hot.js", HOT_JS)
    w.add("/static/style.css", STYLE)
    w.add("/static/icon.svg", ICON)
    w.add("/about.html", shell("关于我们", """<h1>关于童趣应用市场</h1>
<p>童趣应用市场是面向家庭的应用分发平台，所有上架应用均需提交适龄评级并经人工审核。</p>
<p class="contact">联系地址：北京市海淀区中关村大街1号 客服电话：010-6000-0000</p>
"""))
    w.add("/admin/", shell("开发者后台", """<h1>开发者后台登录</h1>
<form method="post" action="/admin/login"><input name="user"><input name="password" type="password"></form>
"""))
    w.add("/robots.txt", "User-agent: *\nDisallow: /admin/\nDisallow: /search\n")
