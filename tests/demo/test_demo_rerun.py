"""A second demo on the same store is a re-crawl (issue 12, part 2): the demo
sites come back on the ports they had, so every page keeps its URL, nothing
is stored twice and decisions stand."""

from __future__ import annotations

from patrol.demo import DemoWeb
from patrol.store import open_store
from tests.pipelines.conftest import crawl


def test_the_sites_come_back_where_they_were(tmp_path):
    ports = tmp_path / "ports.json"
    with DemoWeb(sites=["bookshop", "ziliaopu"], ports_file=ports) as web:
        first = dict(web.urls)
    with DemoWeb(sites=["ziliaopu", "bookshop"], ports_file=ports) as web:
        assert web.urls == first
    with DemoWeb(sites=["bookshop"]) as web:  # without the file: any free port
        assert web.urls["bookshop"].startswith("http://127.0.0.1:")


def test_a_second_demo_run_recrawls_and_decisions_stand(tmp_path):
    ports, store_url = tmp_path / "ports.json", f"sqlite:///{tmp_path / 'patrol.db'}"
    with DemoWeb(sites=["ziliaopu"], ports_file=ports) as web:
        crawl("ziliaopu", web=web, store_url=store_url, data_dir=tmp_path)
    with open_store(store_url) as store:
        items, (flags, total) = store.count_items(), store.list_flags(limit=100)
        assert total > 0
        decided = flags[0]["id"]
        store.claim(decided, "ann")
        store.decide(decided, "ann", "confirmed", "seen")
    with DemoWeb(sites=["ziliaopu"], ports_file=ports) as web:  # the next `scripts/demo`
        _, stats = crawl("ziliaopu", web=web, store_url=store_url, data_dir=tmp_path)
    assert stats.get("patrol/dedupe/new", 0) == 0
    with open_store(store_url) as store:
        assert store.count_items() == items and store.list_flags(limit=100)[1] == total
        assert store.get_flag(decided)["status"] == "confirmed"
        assert store.list_flags(status="pending", limit=100)[1] == total - 1
