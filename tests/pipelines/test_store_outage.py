"""A MongoDB-compatible server stopped mid-crawl and restarted: nothing is
lost, the spool is counted and replayed."""

from __future__ import annotations

import json
import socket
import time

import pymongo

from patrol.demo import DemoWeb
from patrol.devserver import ferretdb_server
from patrol.store import open_store
from tests.pipelines.conftest import crawl


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _count_items(uri: str) -> int:
    client = pymongo.MongoClient(uri, serverSelectionTimeoutMS=500)
    try:
        return client.get_default_database().items.count_documents({})
    except pymongo.errors.PyMongoError:
        return -1
    finally:
        client.close()


def test_server_stopped_mid_crawl_loses_nothing(tmp_path):
    port = _free_port()
    data = tmp_path / "ferret"
    store_url = f"mongodb://127.0.0.1:{port}/outage"
    with DemoWeb(sites=["chengnan-daily"], delay=0.8) as web:
        server = ferretdb_server(data, port=port)
        server.__enter__()
        proc, stats_file = crawl(
            "chengnan-daily", web=web, store_url=store_url, data_dir=tmp_path, wait=False,
            settings={"PATROL_STORE_BATCH": 1, "PATROL_STORE_FLUSH_SECONDS": 0.2,
                      "PATROL_STORE_TIMEOUT": 1, "PATROL_CLASSIFY": "False"})
        try:
            deadline = time.monotonic() + 120
            while _count_items(store_url) < 1 and time.monotonic() < deadline:
                assert proc.poll() is None, proc.stdout.read()[-3000:]
                time.sleep(0.1)
            server.__exit__(None, None, None)  # the database goes away mid-crawl
            assert _count_items(store_url) == -1
            # Bring it back as soon as the crawl has spooled something, so the
            # rest of the crawl (and its close) finds it up again.
            spool = tmp_path / "spool"
            while not list(spool.glob("spool-*.jsonl")) and time.monotonic() < deadline:
                assert proc.poll() is None, "the crawl ended before it spooled anything"
                time.sleep(0.05)
            server = ferretdb_server(data, port=port)  # and comes back
            server.__enter__()
            output, _ = proc.communicate(timeout=300)
            stats = json.loads(stats_file.read_text(encoding="utf-8"))
            assert stats.get("patrol/store/spooled", 0) > 0, output[-3000:]
            assert stats.get("patrol/store/replayed", 0) == stats["patrol/store/spooled"]
            with open_store(store_url) as store:
                assert store.count_items() == stats["item_scraped_count"]
                run = store.list_runs(limit=1)[0]
                assert run["outcome"] in ("ok", "partial")
        finally:
            if proc.poll() is None:
                proc.kill()
            server.__exit__(None, None, None)
