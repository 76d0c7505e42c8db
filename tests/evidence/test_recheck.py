"""Re-checks after takedown (issue 14, part 5), on both stores: a real crawl of
a local site, confirmed cases marked "takedown requested" from the CLI, the
site then removes, edits or leaves pages alone, and ``patrol recheck --due``
(the clock moved by PATROL_CLOCK_OFFSET, nothing sleeps) re-fetches them
through ``scrapy crawl recheck`` and records removed / still_online / changed /
unreachable in the flag, its chain and the queue."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from patrol.evidence import recheck
from patrol.store import open_store
from tests.evidence.site import MutableSite, profile_yaml
from tests.pipelines.conftest import profile_crawl

ROOT = Path(__file__).resolve().parents[2]
GOODS = ROOT / "patrol/demo/sites/ziliaopu/goods"
CLEAN = ("<html><head><title>本店公告</title></head><body><p>本店已停止营业，感谢大家多年来的支持。"
         "今天天气很好，我们去公园散步，看看花草。</p></body></html>")
DAY = 86400


def _page(n: int) -> str:
    return (GOODS / f"{n}.html").read_text(encoding="utf-8")


class Env:
    def __init__(self, tmp: Path, store_url: str):
        self.tmp, self.store_url = tmp, store_url
        pages = {"/keep.html": _page(1006), "/gone.html": _page(1002), "/edit.html": _page(1001),
                 "/clean.html": _page(1005)}
        index = "".join(f'<a href="{p}">{p}</a>' for p in pages)
        self.site = MutableSite({"/": (200, f"<html><body>{index}</body></html>"),
                                 **{p: (200, html) for p, html in pages.items()}})
        sources = tmp / "sources"
        sources.mkdir()
        text = profile_yaml(self.site)
        (sources / "evsite.yaml").write_text(text, encoding="utf-8")
        self.vars = {"PATROL_STORE": store_url, "PATROL_DATA_DIR": str(tmp / "data"),
                     "PATROL_SOURCES": str(sources), "PATROL_CONFIG": str(tmp / "none.toml"),
                     "PATROL_CLOCK_OFFSET": "0"}
        proc, stats = profile_crawl(text, tmp_path=tmp, store_url=store_url)
        assert proc.returncode == 0, proc.stderr[-2000:]
        with open_store(store_url) as store:
            flags, total = store.list_flags(limit=50)
            assert total == 4, [f["url"] for f in flags]
            self.ids = {f["url"].rsplit("/", 1)[1].split(".")[0]: f["id"] for f in flags}
            for flag_id in self.ids.values():
                store.decide(flag_id, "lead1", "confirmed", "no_publication_licence")

    def cli(self, *args: str, days: float = 0) -> subprocess.CompletedProcess:
        env = {**os.environ, **self.vars, "PATROL_CLOCK_OFFSET": str(days * DAY)}
        return subprocess.run([sys.executable, "-m", "patrol", *args], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=600)

    def recheck_due(self, days: float) -> dict[str, dict]:
        done = self.cli("recheck", "--due", "--json", days=days)
        assert done.returncode == 0, done.stderr[-3000:]
        assert "Traceback" not in done.stderr
        rows = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
        by_id = {v: k for k, v in self.ids.items()}
        return {by_id[r["flag_id"]]: r for r in rows}


@pytest.fixture
def env(store_url, tmp_path):
    e = Env(tmp_path, store_url)
    yield e
    e.site.close()


def test_recheck_after_takedown_on_a_site_that_removes_changes_or_keeps(env, monkeypatch):
    for name, flag_id in env.ids.items():
        done = env.cli("evidence", "takedown", flag_id, "--to", "某电商平台 <script>", "--by", "lead1")
        assert done.returncode == 0, done.stderr
    again = env.cli("evidence", "takedown", env.ids["keep"], "--to", "x")
    assert again.returncode != 0 and "already" in again.stderr and "Traceback" not in again.stderr
    hits = dict(env.site.hits)
    # Not yet due: nothing is fetched.
    assert env.recheck_due(days=6.5) == {}
    assert env.site.hits == hits
    # The site acts on the takedown requests.
    env.site.pages["/gone.html"] = (404, "<html><body>商品不存在</body></html>")
    env.site.pages["/edit.html"] = (200, _page(1007))
    env.site.pages["/clean.html"] = (200, CLEAN)
    rows = env.recheck_due(days=8)
    outcomes = {name: r["outcome"] for name, r in rows.items()}
    assert outcomes == {"keep": "still_online", "gone": "removed", "edit": "changed",
                        "clean": "removed"}, rows
    with open_store(env.store_url) as store:
        keep = store.get_flag(env.ids["keep"])
        # Still online: back in the queue, first.
        assert keep["status"] == "pending" and keep["recheck"]["status"] == "still_online"
        assert keep["priority"] > max(store.get_flag(i)["priority"] for n, i in env.ids.items() if n != "keep")
        assert store.claim_next("ann")["id"] == env.ids["keep"]
        gone = store.get_flag(env.ids["gone"])
        assert gone["status"] == "confirmed" and gone["recheck"]["status"] == "removed"
        assert gone["recheck"]["history"][-1]["http_status"] == 404 and gone["recheck"]["done"] == 1
        assert gone["recheck"]["next_due"] == gone["recheck"]["due"][1]
        # The queue filters by re-check status.
        page = store.page_flags(recheck="removed", limit=10)
        assert {f["id"] for f in page.flags} == {env.ids["gone"], env.ids["clean"]} and page.total == 2
        assert recheck.counts(store) == {"pending": 0, "removed": 2, "still_online": 1,
                                         "changed": 1, "unreachable": 0}
        # The campaign summary counts rectified / still online.
        from zoneinfo import ZoneInfo

        from patrol.reports.period import parse_period
        from patrol.reports.summary import build
        summary = build(store, parse_period(None, ZoneInfo("Asia/Shanghai")))
        assert summary.figure("rectified") == 2 and summary.figure("still_online") == 1
        assert "已整改（页面已下线）2条，仍在线1条" in summary.text
        # The chain: capture → decision → takedown → recheck; the still-online one has a new capture.
        kinds = [e["kind"] for e in store.list_evidence(env.ids["keep"])]
        assert kinds == ["capture", "decision", "takedown", "recheck"]
        entry = json.loads(store.list_evidence(env.ids["keep"])[-1]["body"])["data"]
        assert entry["outcome"] == "still_online" and entry["capture"]["status"] == "captured"
        first = json.loads(store.list_evidence(env.ids["keep"])[0]["body"])["data"]
        assert entry["capture"]["fetched_at"] > first["fetched_at"]
    # Round 1 is done: nothing due until day 30; then all four again, and the site is gone.
    assert env.recheck_due(days=20) == {}
    env.site.close()
    rows = env.recheck_due(days=31)
    assert {n: r["outcome"] for n, r in rows.items()} == dict.fromkeys(env.ids, "unreachable"), rows
    assert env.recheck_due(days=60) == {}  # both rounds done
    with open_store(env.store_url) as store:
        gone = store.get_flag(env.ids["gone"])
        assert gone["recheck"]["done"] == 2 and gone["recheck"]["next_due"] is None
        assert [h["outcome"] for h in gone["recheck"]["history"]] == ["removed", "unreachable"]


def test_takedown_needs_a_confirmed_case_and_a_recipient(env):
    with open_store(env.store_url) as store:
        store.reopen(env.ids["keep"], "lead1", "look again")
    done = env.cli("evidence", "takedown", env.ids["keep"], "--to", "平台")
    assert done.returncode != 0 and "confirmed" in done.stderr and "Traceback" not in done.stderr
    done = env.cli("evidence", "takedown", env.ids["gone"], "--to", "  ")
    assert done.returncode != 0 and "to whom" in done.stderr
    done = env.cli("evidence", "takedown", env.ids["gone"], "--to", "平台", "--date", "yesterday")
    assert done.returncode != 0 and "YYYY-MM-DD" in done.stderr
    done = env.cli("recheck", env.ids["gone"])
    assert done.returncode != 0 and "no takedown was requested" in done.stderr
    done = env.cli("recheck")
    assert done.returncode != 0 and "--due" in done.stderr


def test_the_scheduler_runs_due_rechecks(tmp_path, monkeypatch):
    """The scheduler's re-check round is ``patrol recheck --due`` (with its sources directory)."""
    from patrol.scheduler import PatrolScheduler
    e = Env(tmp_path, f"sqlite:///{tmp_path / 'patrol.db'}")
    try:
        for key, value in e.vars.items():
            monkeypatch.setenv(key, value)
        monkeypatch.delenv("PATROL_SOURCES")  # the scheduler hands its own directory on
        with open_store(e.store_url) as store:
            recheck.request(store, e.ids["gone"], to="平台", by="lead1")  # today
        e.site.pages["/gone.html"] = (410, "")
        service = PatrolScheduler(store_url=e.store_url, sources_dir=e.vars["PATROL_SOURCES"],
                                  reload_seconds=3600)
        assert service.run_due_rechecks() == []  # due in 7 days
        monkeypatch.setenv("PATROL_CLOCK_OFFSET", str(8 * DAY))
        done = service.run_due_rechecks()
        assert [(d["flag_id"], d["outcome"]) for d in done] == [(e.ids["gone"], "removed")]
        assert service.run_due_rechecks() == []
        with open_store(e.store_url) as store:
            assert store.get_flag(e.ids["gone"])["recheck"]["history"][-1]["http_status"] == 410
    finally:
        e.site.close()


def test_a_recheck_crawl_that_cannot_run_leaves_the_case_due(env):
    """A source profile gone from the sources directory: no outcome is made up."""
    assert env.cli("evidence", "takedown", env.ids["gone"], "--to", "平台").returncode == 0
    (Path(env.vars["PATROL_SOURCES"]) / "evsite.yaml").unlink()
    done = env.cli("recheck", "--due", days=8)
    assert done.returncode == 1 and "not_run" in done.stdout and "evsite" in done.stdout
    assert "Traceback" not in done.stdout
    with open_store(env.store_url) as store:
        flag = store.get_flag(env.ids["gone"])
        assert flag["recheck"]["status"] == "pending" and flag["recheck"]["done"] == 0
        assert [e["kind"] for e in store.list_evidence(env.ids["gone"])][-1] == "takedown"


def test_recheck_of_a_rendered_page_keeps_its_screenshot(tmp_path):
    """A source rendered in Chromium is re-checked in Chromium: the still-online
    capture has the DOM and a full-page screenshot, and joins the next package."""
    import zipfile
    page = _page(1006)
    site = MutableSite({"/": (200, '<html><body><a href="/r.html">r</a></body></html>'), "/r.html": (200, page)})
    store_url = f"sqlite:///{tmp_path / 'patrol.db'}"
    try:
        sources = tmp_path / "sources"
        sources.mkdir()
        text = profile_yaml(site).replace("kind: shop\n", "kind: shop\nrender: browser\n")
        (sources / "evsite.yaml").write_text(text, encoding="utf-8")
        proc, _ = profile_crawl(text, tmp_path=tmp_path, store_url=store_url)
        assert proc.returncode == 0, proc.stderr[-2000:]
        env = {**os.environ, "PATROL_STORE": store_url, "PATROL_DATA_DIR": str(tmp_path / "data"),
               "PATROL_SOURCES": str(sources), "PATROL_CONFIG": str(tmp_path / "none.toml"),
               "PATROL_TSA_URL": ""}

        def cli(*args, days=0):
            return subprocess.run([sys.executable, "-m", "patrol", *args], cwd=ROOT,
                                  env={**env, "PATROL_CLOCK_OFFSET": str(days * DAY)},
                                  capture_output=True, text=True, timeout=600)
        with open_store(store_url) as store:
            (flag,), _ = store.list_flags(limit=5)
            store.decide(flag["id"], "lead1", "confirmed", "no_publication_licence")
        assert cli("evidence", "takedown", flag["id"], "--to", "平台").returncode == 0
        done = cli("recheck", "--due", "--json", days=8)
        assert done.returncode == 0, done.stderr[-3000:]
        (row,) = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
        assert row["outcome"] == "still_online", row
        with open_store(store_url) as store:
            last = json.loads(store.list_evidence(flag["id"])[-1]["body"])["data"]
        assert last["capture"]["rendered"] and last["capture"]["screenshot"] and last["capture"]["dom"]
        assert cli("evidence", "keygen").returncode == 0
        out = tmp_path / "r.wacz"
        assert cli("evidence", "export", flag["id"], "-o", str(out)).returncode == 0
        assert cli("evidence", "verify", str(out)).returncode == 0
        with zipfile.ZipFile(out) as z:
            warcs = [n for n in z.namelist() if n.startswith("archive/")]
            shot = z.read("evidence/screenshot.png")
        assert len(warcs) == 2  # the first capture and the re-check's
        from patrol.evidence.blobs import Blobs, evidence_dir
        assert shot == Blobs(evidence_dir(store_url)).get(last["capture"]["screenshot"]["sha256"])
    finally:
        site.close()
