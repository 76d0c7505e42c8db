"""The demo sites' content: every link is accounted for, the documented
selectors find their fields, the shipped files match the generator, and the
JavaScript-only section appears only in a real browser."""

from __future__ import annotations

import json
import urllib.robotparser
from urllib.parse import urljoin, urlsplit

import pytest
from parsel import Selector
from scrapy.http import HtmlResponse

from patrol.demo.sitegen.__main__ import render_all
from patrol.demo.sitegen.appstore import CAT_NAMES
from patrol.demo.sitegen.appstore_data import APPS
from patrol.demo.sites import SITES_DIR

EXPECTED_ODD = {  # path -> status, per site; every other linked page answers 200
    "appstore": {"/app/huanle-dati.html": 404, "/app/yingyu-huiben-old.html": 301},
    "bookshop": {},
    "ziliaopu": {"/goods/1099.html": 404},
    "chengnan-daily": {"/news/live.html": 500, "/news/old/1001.html": 301},
    "fake-news": {"/article/9999.html": 500},
}


def crawl(get, base: str):
    """Follow every same-site link from the home page, as a robots-obeying crawler would."""
    robots = urllib.robotparser.RobotFileParser()
    robots.parse(get(base + "robots.txt")[2].decode().splitlines())
    seen, disallowed, statuses, queue = set(), set(), {}, [base]
    while queue:
        url = queue.pop()
        if url in seen:
            continue
        seen.add(url)
        path = urlsplit(url).path + (("?" + urlsplit(url).query) if urlsplit(url).query else "")
        if not robots.can_fetch("ContentPatrol", url):
            disallowed.add(path)
            continue
        status, headers, body = get(url)
        statuses[path] = status
        if status == 301:
            queue.append(urljoin(url, headers["Location"]))
        if status != 200 or not headers["Content-Type"].startswith("text/html"):
            continue
        page = HtmlResponse(url, body=body, headers={"Content-Type": headers["Content-Type"]})
        for href in page.css("a::attr(href)").getall():
            target = urljoin(url, href).split("#")[0]
            if target.startswith(base):
                queue.append(target)
    return statuses, disallowed


@pytest.mark.parametrize("site", list(EXPECTED_ODD))
def test_every_link_is_accounted_for(web, get, site):
    statuses, disallowed = crawl(get, web.urls[site])
    odd = {p: s for p, s in statuses.items() if s != 200}
    assert odd == EXPECTED_ODD[site]
    assert disallowed, "some page links to the robots-disallowed path"
    pages = sum(1 for s in statuses.values() if s == 200)
    assert pages >= {"appstore": 30, "bookshop": 12, "ziliaopu": 10, "chengnan-daily": 11, "fake-news": 8}[site]
    if site == "appstore":
        reached = {p for p in statuses if p.startswith("/app/")}
        assert "/app/kousuan-daren.html" not in reached, "linked only from the JavaScript ranking"
        assert "/app/biancheng-senlin.html" not in reached
        assert len(reached & {f"/app/{a}.html" for a in APPS}) == 20


def test_shipped_files_match_the_generator():
    for name, writer in render_all().items():
        for rel, data in writer.files.items():
            shipped = SITES_DIR / name / rel
            assert shipped.is_file() and shipped.read_bytes() == data, \
                f"{shipped} differs: run python -m patrol.demo.sitegen"


def _sel(site: str, rel: str, encoding: str = "utf-8") -> Selector:
    return Selector(text=(SITES_DIR / site / rel).read_bytes().decode(encoding))


def test_app_detail_selectors_find_every_field():
    with_jsonld = 0
    for app_id, app in APPS.items():
        s = _sel("appstore", f"app/{app_id}.html")
        got = {f: (s.css(q).get() or "").strip() for f, q in {
            "name": "h1.app-name::text", "developer": "p.developer::text", "rating": "span.rating::text",
            "category": "td.category::text", "age_rating": "td.age-rating::text",
            "downloads": "td.downloads::text", "version": "td.version::text", "updated": "td.updated::text",
        }.items()}
        assert got == {"name": app["name"], "developer": app["developer"], "rating": app["rating"],
                       "category": CAT_NAMES[app["cat"]], "age_rating": app["age"],
                       "downloads": app["downloads"], "version": app["version"], "updated": app["updated"]}, app_id
        assert "".join(s.css("section.description p::text").getall()).strip() == "".join(app["desc"])
        assert s.css("article.app-detail::attr(data-app-id)").get() == app_id
        ld = s.css('script[type="application/ld+json"]::text').get()
        if ld:
            with_jsonld += 1
            data = json.loads(ld)
            assert data["@type"] == "SoftwareApplication" and data["name"] == app["name"]
    assert 0 < with_jsonld < len(APPS), "JSON-LD on some detail pages only"


def test_category_pagination_follows_next():
    for slug, pages in {"edu": 3, "kids": 2, "games": 2, "comics": 2, "tools": 2}.items():
        rel, seen = f"category/{slug}/index.html", 0
        while rel:
            seen += 1
            nxt = _sel("appstore", rel).css("a.next::attr(href)").get()
            rel = nxt.lstrip("/") if nxt else None
        assert seen == pages, slug


def test_home_ranking_is_empty_without_javascript():
    s = _sel("appstore", "index.html")
    assert s.css("#hot-rank .hot-list").get() is not None
    assert s.css("#hot-rank a") == []
    assert "kousuan-daren" not in (SITES_DIR / "appstore" / "index.html").read_text()


def test_licences_where_they_belong():
    assert "新出发京零字第东150042号" in _sel("bookshop", "zizhi.html").css("p.licence::text").get()
    assert "出版物经营许可证" in _sel("bookshop", "book/9787020114832.html").css("p.footer-licence::text").get()
    assert "许可证" not in (SITES_DIR / "ziliaopu" / "index.html").read_text()
    assert "11120180003" in _sel("chengnan-daily", "news/2025/1103-metro.html").css("footer p.licence::text").get()
    fake = _sel("fake-news", "about.html")
    assert "国家级新闻门户" in fake.css("p.licence-claim::text").get()
    assert "许可证" not in (SITES_DIR / "fake-news" / "about.html").read_text()


@pytest.mark.browser
def test_ranking_links_appear_in_chromium(web):
    from playwright.sync_api import sync_playwright

    from patrol import config
    args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=config.get("PATROL_CHROMIUM") or None,
                                    headless=True, args=args)
        try:
            page = browser.new_page()
            page.goto(web.urls["appstore"])
            page.wait_for_selector("#hot-rank .hot-list[data-loaded]", timeout=20000)
            hrefs = page.eval_on_selector_all("#hot-rank a.app-link", "els => els.map(e => e.getAttribute('href'))")
        finally:
            browser.close()
    assert hrefs[:3] == ["/app/kousuan-daren.html", "/app/zuoye-bangshou.html", "/app/biancheng-senlin.html"]
    assert len(hrefs) == 6
