"""Capture at crawl time (issue 14, part 1): real crawls of local sites into
both stores; WARC 1.1 request/response of every flagged page, nothing for
clean pages, capture failures still raise the flag, an unwritable capture
directory fails the crawl at its start."""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path
from urllib.request import urlopen

from warcio.archiveiterator import ArchiveIterator

from patrol.evidence import chain
from patrol.evidence.blobs import Blobs, evidence_dir
from patrol.store import open_store
from tests.evidence.site import MutableSite, profile_yaml
from tests.pipelines.conftest import crawl, profile_crawl

ROOT = Path(__file__).resolve().parents[2]
GOODS = (ROOT / "patrol/demo/sites/ziliaopu/goods/1006.html").read_text(encoding="utf-8")
CLEAN = "<html><head><title>天气</title></head><body><p>今天天气很好，我们去公园散步，看看花草。</p></body></html>"


def _captures(store):
    return [e for e in store.list_evidence() if e["kind"] == "capture"]


def test_flagged_pages_are_captured_as_warc(demo_web, store_url, tmp_path):
    proc, stats = crawl("ziliaopu", web=demo_web, store_url=store_url, data_dir=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    blobs = Blobs(evidence_dir(store_url, "", str(tmp_path)))
    with open_store(store_url) as store:
        flags, total = store.list_flags(limit=100)
        entries = _captures(store)
    assert total > 0 and stats["patrol/evidence/captured"] == total == len(entries)
    assert stats["patrol/store/evidence_recorded"] == total and stats["patrol/evidence/bytes"] > 0
    assert {e["flag_id"] for e in entries} == {f["id"] for f in flags}
    for e in entries:
        data = json.loads(e["body"])["data"]
        assert data["status"] == "captured" and data["ip"] == "127.0.0.1"
        raw = blobs.get(data["warc"]["sha256"])  # checks the name is the digest
        assert blobs.path(data["warc"]["sha256"]).parent.parent == blobs.root
        records = {r.rec_type: r for r in _records(raw)}
        assert set(records) >= {"warcinfo", "request", "response"}
    # The body in the WARC is the body the server sends.
    data = json.loads(entries[0]["body"])["data"]
    resp = [r for r in _records(blobs.get(data["warc"]["sha256"])) if r.rec_type == "response"][0]
    with urlopen(data["url"]) as live:
        assert resp.payload == live.read()
    assert resp.rec_headers.get_header("WARC-IP-Address") == "127.0.0.1"
    assert resp.rec_headers.protocol == "WARC/1.1"
    req = [r for r in _records(blobs.get(data["warc"]["sha256"])) if r.rec_type == "request"][0]
    assert "ContentPatrol" in req.http_headers.get_header("User-Agent")


class _Rec:
    def __init__(self, r):
        self.rec_type, self.rec_headers, self.http_headers = r.rec_type, r.rec_headers, r.http_headers
        self.payload = r.content_stream().read()


def _records(raw: bytes):
    import io
    return [_Rec(r) for r in ArchiveIterator(io.BytesIO(raw))]


def test_clean_pages_write_no_capture(tmp_path):
    site = MutableSite({"/": (200, '<html><body><a href="/a.html">a</a></body></html>'),
                        "/a.html": (200, CLEAN)})
    try:
        store_url = f"sqlite:///{tmp_path / 'patrol.db'}"
        proc, stats = profile_crawl(profile_yaml(site), tmp_path=tmp_path, store_url=store_url)
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert stats["item_scraped_count"] >= 2
        assert not any(k.startswith("patrol/evidence/") for k in stats)
        root = evidence_dir(store_url)
        assert not root.exists() or not [p for p in root.rglob("*") if p.is_file()]
    finally:
        site.close()


def test_oversize_page_still_raises_its_flag_with_capture_missing(store_url, tmp_path):
    big = GOODS.replace("</body>", "<!--" + "x" * 40_000 + "--></body>")
    site = MutableSite({"/": (200, '<html><body><a href="/big.html">b</a></body></html>'),
                        "/big.html": (200, big)})
    try:
        proc, stats = profile_crawl(profile_yaml(site), tmp_path=tmp_path, store_url=store_url,
                                    settings={"PATROL_MAX_PAGE_BYTES": "20000"})
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert stats["patrol/evidence/missing"] == 1 and "patrol/evidence/captured" not in stats
        with open_store(store_url) as store:
            flags, total = store.list_flags(limit=10)
            assert total == 1 and flags[0]["url"].endswith("/big.html")
            (entry,) = chain.entries(store, flags[0]["id"])
        assert entry["data"]["status"] == "missing"
        assert "PATROL_MAX_PAGE_BYTES" in entry["data"]["reason"] and entry["data"]["warc"] is None
    finally:
        site.close()


def test_unwritable_capture_dir_fails_the_crawl_at_start(tmp_path):
    site = MutableSite({"/": (200, GOODS)})
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the capture directory should be")
    try:
        proc, stats = profile_crawl(profile_yaml(site), tmp_path=tmp_path,
                                    store_url=f"sqlite:///{tmp_path / 'patrol.db'}",
                                    env={"PATROL_EVIDENCE_DIR": str(blocker / "evidence")})
        assert proc.returncode != 0
        assert "evidence capture directory" in proc.stderr and "not writable" in proc.stderr
        assert site.hits.get("/", 0) == 0  # not mid-run: nothing was fetched
    finally:
        site.close()


def test_capture_is_recorded_once_when_a_batch_is_written_again(store):
    # A spooled batch is replayed whole: the capture entry is keyed by its fetch time.
    data = {"status": "missing", "reason": "test", "fetched_at": "2026-01-01T00:00:00.000000Z"}
    assert chain.append_once(store, "f" * 32, "capture", data, "fetched_at") is not None
    assert chain.append_once(store, "f" * 32, "capture", data, "fetched_at") is None
    assert len(store.list_evidence("f" * 32)) == 1
