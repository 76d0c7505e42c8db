"""The store under faults, through real crawls (issue 12, part 3): a server
down for the rest of a crawl, a crawl SIGKILLed mid-write, a full disk.
Nothing is lost: what a crawl could not write is spooled and replayed, or
fetched again as new by the next crawl."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import pymongo
import pytest

from patrol.demo import DemoWeb
from patrol.devserver import ferretdb_server
from patrol.store import open_store
from tests.pipelines.conftest import crawl


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _count(uri: str, collection: str) -> int:
    client = pymongo.MongoClient(uri, serverSelectionTimeoutMS=500)
    try:
        return client.get_default_database()[collection].count_documents({})
    except pymongo.errors.PyMongoError:
        return -1
    finally:
        client.close()


def _spool_files(data_dir: Path) -> list[str]:
    spool = data_dir / "spool"
    return sorted(p.name for p in spool.glob("*.jsonl")) if spool.is_dir() else []


@pytest.fixture(scope="module")
def slow_web():
    """The demo news site, answering each page after 0.5 s: a crawl long enough to fault."""
    with DemoWeb(sites=["chengnan-daily"], delay=0.5) as web:
        yield web


FAST = {"PATROL_STORE_BATCH": 1, "PATROL_STORE_FLUSH_SECONDS": 0.2, "PATROL_STORE_TIMEOUT": 1,
        "PATROL_CLASSIFY": "False"}


@pytest.mark.mongo
def test_server_down_until_the_crawl_ends_strands_nothing(slow_web, tmp_path):
    demo_web = slow_web
    port, data = _free_port(), tmp_path / "ferret"
    store_url = f"mongodb://127.0.0.1:{port}/outage"
    server = ferretdb_server(data, port=port)
    server.__enter__()
    try:
        proc, stats_file = crawl("chengnan-daily", web=demo_web, store_url=store_url,
                                 data_dir=tmp_path, wait=False, settings=FAST)
        deadline = time.monotonic() + 120
        while _count(store_url, "items") < 1 and time.monotonic() < deadline:
            assert proc.poll() is None, proc.stdout.read()[-3000:]
            time.sleep(0.05)
        server.__exit__(None, None, None)  # down, and stays down until the crawl has ended
        output, _ = proc.communicate(timeout=300)
        first = json.loads(stats_file.read_text(encoding="utf-8"))
        # Several flushes failed, each after a failed replay of what was spooled before.
        assert first["patrol/store/spooled"] >= 3, output[-3000:]
        server = ferretdb_server(data, port=port)
        server.__enter__()
        with open_store(store_url) as store:
            assert store.count_items() < first["item_scraped_count"]
        _, second = crawl("chengnan-daily", web=demo_web, store_url=store_url, data_dir=tmp_path,
                          settings=FAST)
        assert second["patrol/store/replayed"] == first["patrol/store/spooled"] - first.get(
            "patrol/store/replayed", 0)
        assert _spool_files(tmp_path) == []
        with open_store(store_url) as store:
            assert store.count_items() == first["item_scraped_count"]
    finally:
        server.__exit__(None, None, None)


def _flag_keys(store) -> set:
    flags, _ = store.list_flags(limit=1000)
    return {(f["url"], f["category"]) for f in flags}


@pytest.mark.mongo
def test_crawl_killed_mid_write_leaves_no_page_judged_without_its_flags(demo_web, mongo_db_url,
                                                                        tmp_path):
    # One write at the close: the items, flags and apps of every page in one batch.
    slow_write = {"PATROL_STORE_BATCH": 100, "PATROL_STORE_FLUSH_SECONDS": 60}
    proc, _ = crawl("ziliaopu", web=demo_web, store_url=mongo_db_url, data_dir=tmp_path,
                    wait=False, settings=slow_write)
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and proc.poll() is None:
            if _count(mongo_db_url, "items") > 0 or _count(mongo_db_url, "flags") > 0:
                os.kill(proc.pid, signal.SIGKILL)  # mid-batch, like the runner kills a crawl
                break
            time.sleep(0.01)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL, "the crawl finished before it could be killed"
    crawl("ziliaopu", web=demo_web, store_url=mongo_db_url, data_dir=tmp_path)  # the next night
    reference = f"sqlite:///{tmp_path / 'reference.db'}"
    crawl("ziliaopu", web=demo_web, store_url=reference, data_dir=tmp_path / "ref")
    with open_store(mongo_db_url) as store, open_store(reference) as ref:
        assert _flag_keys(ref) and _flag_keys(store) == _flag_keys(ref)
        assert store.count_items() == ref.count_items()


@pytest.fixture
def small_disk(tmp_path):
    """A 32 MiB tmpfs: a real disk that fills up (mounting needs root, as in CI)."""
    if os.geteuid() != 0:
        if os.environ.get("CI"):
            pytest.fail("mounting a small tmpfs needs root; CI runs as root")
        pytest.skip("mounting a small tmpfs needs root")
    mount = tmp_path / "disk"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=32m", "tmpfs", str(mount)], check=True)
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


class _Filler(threading.Thread):
    """Keeps the disk full while the crawl runs, as another process writing
    to it would: SQLite gives back the pages of a failed transaction, and a
    one-off fill would leave them to the spool."""

    def __init__(self, disk: Path):
        super().__init__(daemon=True)
        self.path, self.stop = disk / "filler", threading.Event()
        self.fh = open(self.path, "wb", buffering=0)

    def run(self) -> None:
        while not self.stop.is_set():
            for size in (1 << 20, 65536, 4096, 512, 1):
                try:
                    while True:
                        self.fh.write(b"\0" * size)
                except OSError:
                    pass
            self.stop.wait(0.005)

    def release(self) -> None:
        self.stop.set()
        self.join()
        self.fh.close()
        self.path.unlink()


def test_full_disk_stops_the_crawl_and_the_next_crawl_keeps_everything(slow_web, small_disk,
                                                                       tmp_path):
    demo_web = slow_web
    store_url = f"sqlite:///{small_disk / 'patrol.db'}"
    data_dir = small_disk / "data"
    data_dir.mkdir()
    stats_file = tmp_path / "stats.json"
    proc, _ = crawl("chengnan-daily", web=demo_web, store_url=store_url, data_dir=data_dir,
                    wait=False, settings={**FAST, "PATROL_STATS_FILE": stats_file,
                                                 # on a full disk the HTTP cache fails the page
                                                 # before it is an item; here the store's part
                                                 "PATROL_HTTPCACHE": "False"})
    filler = None
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            with open_store(store_url) as store:
                if store.count_items() > 0:
                    break
            time.sleep(0.05)
        filler = _Filler(small_disk)
        filler.start()
        output, _ = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
        if filler is not None:
            filler.release()
    stats = json.loads(stats_file.read_text(encoding="utf-8"))
    assert stats.get("patrol/store/spool_failed", 0) >= 1, output[-3000:]
    assert stats["finish_reason"] == "store_unavailable"  # it stopped fetching
    assert "records held in memory; stopping the crawl" in output
    _, again = crawl("chengnan-daily", web=demo_web, store_url=store_url, data_dir=data_dir)
    assert again["item_scraped_count"] > stats["item_scraped_count"] - stats.get(
        "patrol/store/lost", 0)
    with open_store(store_url) as store:
        assert store.count_items() == again["item_scraped_count"]
