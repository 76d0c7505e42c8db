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
