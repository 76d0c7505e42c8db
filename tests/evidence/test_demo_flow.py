"""The issue's "done when", on the demo: a lead confirms a case in the console,
downloads its WACZ, ``patrol evidence verify`` passes on it and fails on a
tampered copy, ``wacz validate`` passes; the lead marks it "takedown
requested", the demo site takes the page down, and after ``patrol recheck
--due`` (the clock moved by PATROL_CLOCK_OFFSET) the flag page shows removed."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from patrol.store import open_store
from patrol.web.app import create_app
from patrol.web.auth import create_account
from tests.pipelines.conftest import crawl
from tests.web.conftest import PASSWORDS, User

ROOT = Path(__file__).resolve().parents[2]


def test_demo_confirm_download_verify_takedown_recheck(demo_web, tmp_path, monkeypatch):
    store_url = f"sqlite:///{tmp_path / 'patrol.db'}"
    proc, stats = crawl("ziliaopu", web=demo_web, store_url=store_url, data_dir=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    env = {**os.environ, **demo_web.env(), "PATROL_STORE": store_url, "PATROL_DATA_DIR": str(tmp_path),
           "PATROL_CONFIG": str(tmp_path / "none.toml"), "PATROL_TSA_URL": ""}

    def cli(*args, days=0.0):
        return subprocess.run([sys.executable, "-m", "patrol", *args], cwd=ROOT,
                              env={**env, "PATROL_CLOCK_OFFSET": str(days * 86400)},
                              capture_output=True, text=True, timeout=600)

    assert cli("evidence", "keygen").returncode == 0
    monkeypatch.setenv("PATROL_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("PATROL_CONFIG", str(tmp_path / "none.toml"))
    app = create_app(store_url, secret_key="test-secret-key")
    app.config["TESTING"] = True
    try:
        store = app.extensions["patrol_store"]
        create_account(store, "lee", "lead", PASSWORDS["lee"])
        flags, _ = store.list_flags(limit=100)
        flag = next(f for f in flags if f["url"].endswith("/goods/1006.html"))
        lee = User(app, "lee")
        r = lee.post(f"/flags/{flag['id']}/decide", data={"decide-verdict": "confirmed", "decide-reason": ""})
        assert r.status_code == 302
        page = lee.get(f"/flags/{flag['id']}").text
        href = re.search(r'id="download-evidence" href="([^"]+)"', page).group(1)
        pkg = tmp_path / "case.wacz"
        pkg.write_bytes(lee.get(href).data)
        done = cli("evidence", "verify", str(pkg))
        assert done.returncode == 0 and "verified" in done.stdout, done.stdout + done.stderr
        wacz = subprocess.run([str(Path(sys.executable).with_name("wacz")), "validate", "-f", str(pkg)],
                              capture_output=True, text=True, timeout=120)
        assert wacz.returncode == 0 and "Validation succeeded" in wacz.stdout, wacz.stdout + wacz.stderr
        raw = bytearray(pkg.read_bytes())
        at = raw.index(b"evidence/manifest.json") + 200  # inside the manifest's stored bytes
        raw[at] ^= 0x20
        bad = tmp_path / "tampered.wacz"
        bad.write_bytes(bytes(raw))
        done = cli("evidence", "verify", str(bad))
        assert done.returncode == 1 and "FAIL" in done.stdout and "Traceback" not in done.stderr
        # Takedown requested from the flag page; the demo site takes the page down.
        r = lee.post(f"/flags/{flag['id']}/takedown", data={"takedown-to": "某电商平台"})
        assert r.status_code == 302
        demo_web.remove("ziliaopu", "/goods/1006.html")
        done = cli("recheck", "--due", days=3)
        assert done.returncode == 0 and "no re-checks due" in done.stdout
        done = cli("recheck", "--due", days=8)
        assert done.returncode == 0, done.stderr[-2000:]
        assert "removed" in done.stdout and flag["id"] in done.stdout
        page = lee.get(f"/flags/{flag['id']}").text
        assert 'id="recheck-status">已删除<' in page and 'data-outcome="removed"' in page
        with open_store(store_url) as s:
            assert s.get_flag(flag["id"])["recheck"]["history"][-1]["http_status"] == 410
    finally:
        app.extensions["patrol_store"].close()
