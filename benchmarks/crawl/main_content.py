"""Main-content extraction cost on pages of realistic size.

``python benchmarks/crawl/main_content.py [--pages N] [--rounds R]`` generates
N news article pages of 20–100 KB of HTML with 1–5 KB of article text (heavy
chrome: menus, account bars, stock widgets, lists of other articles with
dates, keyword blocks, inline scripts and styles; seeded, so every run sees
the same pages) and times, in one process on the same parsed responses:

- ``bare``: what a bare Scrapy spider does with a page (parse, ``<title>``,
  every link's href), the baseline;
- ``without``: the project's news page class with main-content extraction
  switched off (``Page.main_content_enabled = False``: text from the page's
  visible body, as before trafilatura);
- ``with``: the page class as crawls run it (trafilatura main content,
  chrome, site facts, normalisers).

Each figure is pages/s over all pages (parse included), the median of the
rounds; the JSON printed holds every round. Results are written up in
README.md by hand, with the machine and date.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent

PARAGRAPH_WORDS = ("记者从市有关部门获悉", "今年以来", "全市共完成", "同比增长", "相关负责人表示", "下一步",
                   "将继续加强", "统筹推进", "重点领域", "专项整治", "群众反映强烈的问题", "取得明显成效",
                   "据介绍", "截至目前", "累计投入资金", "覆盖全市", "各区县", "建立长效机制", "切实保障",
                   "社会各界", "广泛关注", "进一步完善", "服务水平", "稳步提升")
MENU = ("首页", "新闻", "国内", "国际", "财经", "股票", "基金", "科技", "手机", "汽车", "房产", "教育", "健康",
        "体育", "娱乐", "明星", "电影", "时尚", "旅游", "游戏", "动漫", "读书", "博客", "视频", "直播", "图片")


def paragraph(rng: random.Random) -> str:
    return "，".join(rng.choice(PARAGRAPH_WORDS) for _ in range(rng.randint(6, 14))) + "。"


def page(i: int, rng: random.Random) -> bytes:
    body_chars = rng.randint(1000, 5000)
    paras: list[str] = []
    while sum(len(p) for p in paras) < body_chars:
        paras.append(paragraph(rng))
    other = "".join(f'<li><a href="/a/{rng.randint(1, 10**6)}.html">{paragraph(rng)[:24]}</a>'
                    f'<span class="time">2025-0{rng.randint(1, 9)}-1{rng.randint(0, 9)} 1{rng.randint(0, 9)}:00</span></li>'
                    for _ in range(rng.randint(20, 60)))
    menu = "".join(f'<li><a href="/c/{k}/">{m}</a></li>' for k, m in enumerate(MENU))
    script = ("<script>(function(){var cfg={uid:0,ch:'news',ab:[1,2,3]};function t(e){new Image().src="
              "'//log.example/t?e='+e+'&r='+Math.random();}document.addEventListener('click',function(ev){"
              "t(ev.target.tagName)});window.__cfg=cfg;})();</script>") * rng.randint(5, 40)
    style = "<style>" + " ".join(f".c{j}{{margin:{j}px;padding:{j % 7}px}}" for j in range(rng.randint(50, 400))) + "</style>"
    title = paragraph(rng)[:28]
    html = f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}_新闻中心_基准资讯网</title>
<meta property="og:site_name" content="基准资讯网">{style}{script}</head><body>
<div class="top-bar"><a href="/login">登录</a> | <a href="/reg">注册</a> | 我的收藏 | 消息中心
<span class="today">今天是2025年3月12日 星期三</span></div><div class="main-nav"><ul>{menu}</ul></div>
<div class="stock-widget">上证指数 3245.12 +0.52% 深证成指 10432.88 -0.13%</div>
<div class="wrap"><div class="left"><h1>{title}</h1>
<div class="date-source"><span class="date">2025年03月10日 15:20</span> 来源：基准资讯网</div>
<div class="article">{"".join(f"<p>{p}</p>" for p in paras)}<p>（记者 张晓明）</p></div>
<div class="related"><h3>相关阅读</h3><ul>{other}</ul></div>
<div class="keywords">热门搜索：新能源 房价 油价 高考 考研 天气 股市 基金</div></div>
<div class="right"><div class="hot-rank"><h3>24小时热榜</h3><ul>{other}</ul></div></div></div>
<div class="footer">基准资讯网 版权所有 沪ICP备12345678号-3 互联网新闻信息服务许可证：31120170012</div>
{script}</body></html>"""
    return html.encode("utf-8")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pages", type=int, default=300)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("PATROL_CONFIG", os.devnull + "-none.toml")
    import scrapy
    import trafilatura
    from scrapy.http import HtmlResponse
    from spiders.pages import NewsPage
    from spiders.pages.base import Page
    from spiders.profiles import load_profile

    profile = load_profile(ROOT / "tests" / "fixtures" / "profiles" / "generic-news.yaml")
    rng = random.Random(20251202)
    bodies = [page(i, rng) for i in range(args.pages)]
    sizes = sorted(len(b) for b in bodies)
    texts = []

    def responses():
        return [HtmlResponse(url=f"https://bench.example/a/{i}.html", body=b, encoding="utf-8")
                for i, b in enumerate(bodies)]

    def bare(r):
        r.css("title::text").get()
        r.css("a::attr(href)").getall()

    def project(r):
        item = NewsPage(r, profile).to_item()
        texts.append(len(item["text"]))

    runs: dict[str, list[float]] = {"bare": [], "without": [], "with": []}
    NewsPage(responses()[0], profile).to_item()  # warm up (trafilatura's first call loads its tables)
    for _ in range(args.rounds):
        for name, fn in (("bare", bare), ("without", project), ("with", project)):
            Page.main_content_enabled = name != "without"
            batch = responses()  # parsing is part of each figure: a fresh response has no parsed tree yet
            begun = time.perf_counter()
            for r in batch:
                r.selector  # the parse
                fn(r)
            runs[name].append(round(len(batch) / (time.perf_counter() - begun), 1))
    Page.main_content_enabled = True
    med = {k: statistics.median(v) for k, v in runs.items()}
    print(json.dumps({
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.platform()}",
        "python": platform.python_version(), "scrapy": scrapy.__version__,
        "trafilatura": trafilatura.__version__,
        "pages": args.pages, "html_kb": {"min": round(sizes[0] / 1024, 1), "median": round(sizes[len(sizes) // 2] / 1024, 1),
                                         "max": round(sizes[-1] / 1024, 1)},
        "pages_per_s": med,
        "ms_per_page": {k: round(1000 / v, 2) for k, v in med.items()},
        "main_content_ms_per_page": round(1000 / med["with"] - 1000 / med["without"], 2),
        "ratio_with_to_bare": round(med["with"] / med["bare"], 3),
        "runs": runs}, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
