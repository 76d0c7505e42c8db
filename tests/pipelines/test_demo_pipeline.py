"""End to end: the demo sites crawled through normalise -> dedupe -> classify
-> store, into the embedded store and the MongoDB-compatible server."""

from __future__ import annotations

import csv

import openpyxl
import pytest

from patrol.export import APP_COLUMNS, app_survey_rows, write_table
from patrol.store import open_store
from tests.pipelines.conftest import crawl

FLAGGABLE = {"appstore": {"vulgar", "unlicensed_publication"},
             "ziliaopu": {"unlicensed_publication"},
             "fake-news": {"fake_media"}}


def _open_flags(store, source):
    flags, _ = store.list_flags(source=source, limit=500)
    return flags


@pytest.mark.parametrize("source", ["ziliaopu", "fake-news", "appstore"])
def test_flaggable_site_raises_its_category(source, demo_web, store_url, tmp_path):
    proc, stats = crawl(source, web=demo_web, store_url=store_url, data_dir=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert stats["patrol/store/items_written"] == stats["item_scraped_count"] > 0
    with open_store(store_url) as store:
        flags = _open_flags(store, source)
        categories = {f["category"] for f in flags}
        assert FLAGGABLE[source] <= categories, (source, categories)
        for flag in flags:
            assert flag["status"] == "pending" and flag["model_version"]
            assert 0.0 <= flag["score"] <= 1.0 and flag["priority"] > 0
            assert flag["evidence"], flag["url"]
        run = store.list_runs(source=source, limit=1)[0]
        assert run["stats"]["patrol/store/items_written"] == stats["item_scraped_count"]
        if source == "appstore":
            minors = store.list_apps(minor_only=True)
            names = {a["name"] for a in minors}
            assert "口算小达人" in names  # a learning app for pupils, reached only through JavaScript
            assert all(a["minor_reasons"] for a in minors)


@pytest.mark.parametrize("source", ["bookshop", "chengnan-daily"])
def test_clean_sites_raise_nothing(source, demo_web, tmp_path):
    store_url = f"sqlite:///{tmp_path / 'patrol.db'}"
    proc, stats = crawl(source, web=demo_web, store_url=store_url, data_dir=tmp_path)
    assert stats["item_scraped_count"] > 5
    with open_store(store_url) as store:
        flags = _open_flags(store, source)
        assert flags == [], [(f["url"], f["category"], f["score"]) for f in flags]


def test_recrawl_of_unchanged_site_raises_nothing_new(demo_web, store_url, tmp_path):
    _, first = crawl("fake-news", web=demo_web, store_url=store_url, data_dir=tmp_path)
    with open_store(store_url) as store:
        flags = _open_flags(store, "fake-news")
        assert flags
        dismissed = flags[-1]
        store.decide(dismissed["id"], "analyst-a", "dismissed", "not_a_violation", "checked by hand")
        before = store.flag_counts()
    _, second = crawl("fake-news", web=demo_web, store_url=store_url, data_dir=tmp_path)
    assert second.get("patrol/dedupe/unchanged", 0) == second["item_scraped_count"]
    assert second.get("patrol/classify/classified", 0) == 0
    assert not any(k.startswith("patrol/store/flags/") for k in second)
    with open_store(store_url) as store:
        assert store.flag_counts()["by_status"] == before["by_status"]
        assert store.get_flag(dismissed["id"])["status"] == "dismissed"


def test_survey_export_reads_back(demo_web, tmp_path):
    store_url = f"sqlite:///{tmp_path / 'patrol.db'}"
    crawl("appstore", web=demo_web, store_url=store_url, data_dir=tmp_path)
    with open_store(store_url) as store:
        rows = app_survey_rows(store)
        flagged = [r for r in rows if r["open_flags"]]
    assert rows and flagged
    titles = [t for _, t in APP_COLUMNS]
    n = write_table(rows, APP_COLUMNS, "csv", tmp_path / "apps.csv")
    with open(tmp_path / "apps.csv", encoding="utf-8-sig", newline="") as fh:
        table = list(csv.reader(fh))
    assert table[0] == titles and len(table) == n + 1 == len(rows) + 1
    by_name = {r[0]: dict(zip(titles, r)) for r in table[1:]}
    sample = flagged[0]
    assert int(by_name[sample["name"]]["待审线索"]) == sample["open_flags"]
    write_table(rows, APP_COLUMNS, "xlsx", tmp_path / "apps.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "apps.xlsx").active
    sheet = list(ws.iter_rows(values_only=True))
    assert list(sheet[0]) == titles and len(sheet) == len(rows) + 1
    assert {r[0] for r in sheet[1:]} == {r["name"] for r in rows}
