"""The demo web crawled for real: the two storefronts of one pirate seller and
the fake outlet with its sister site end up as cases spanning two sites."""

from __future__ import annotations

import pytest

from patrol.cases.views import list_cases, load_case, summary_lines
from patrol.store import open_store
from tests.pipelines.conftest import crawl, demo_web  # noqa: F401  (fixture)


@pytest.fixture
def crawled(demo_web, store_url, tmp_path):  # noqa: F811
    for source in ("ziliaopu", "shuwu", "fake-news", "fazhi-guancha", "bookshop"):
        proc, stats = crawl(source, web=demo_web, store_url=store_url, data_dir=tmp_path)
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert not stats.get("patrol/cases/errors"), proc.stderr[-3000:]
    return store_url


def test_demo_groups_span_two_sites(crawled):
    with open_store(crawled) as store:
        rows, total = list_cases(store)
        by_sources = {tuple(r["sources"]): r for r in rows}
        shops = by_sources.get(("shuwu", "ziliaopu"))
        assert shops, rows
        case = load_case(store, shops["id"])
        assert {"wechat:xbzl2025", "payment:alipay:xbzl2025@163.com"} <= set(case["joining"])
        outlets = by_sources.get(("fake-news", "fazhi-guancha"))
        assert outlets, rows
        assert "phone:+8613800006666" in load_case(store, outlets["id"])["joining"]
        assert not [r for r in rows if "bookshop" in r["sources"]]
        text = "\n".join(summary_lines(store))
        assert "spanning two or more sites" in text and "shuwu, ziliaopu" in text
