"""The evidence package and the takedown form in real Chromium: a lead logs in,
confirms a crawled flag, clicks "Download evidence package", and the file the
browser saved verifies; then marks the takedown and sees the re-check pending."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from patrol.evidence import office, signing
from patrol.evidence.verify import verify
from patrol.web.auth import create_account
from patrol.web.serve import make_server
from tests.evidence.site import MutableSite, profile_yaml
from tests.pipelines.conftest import profile_crawl
from tests.web.test_browser import page  # noqa: F401  (the Chromium page fixture)

ROOT = Path(__file__).resolve().parents[2]
GOODS = (ROOT / "patrol/demo/sites/ziliaopu/goods/1006.html").read_text(encoding="utf-8")

pytestmark = pytest.mark.browser


def test_lead_downloads_the_package_in_chromium_and_marks_takedown(tmp_path, monkeypatch, page):  # noqa: F811
    monkeypatch.setenv("PATROL_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PATROL_CONFIG", str(tmp_path / "none.toml"))
    store_url = f"sqlite:///{tmp_path / 'patrol.db'}"
    site = MutableSite({"/": (200, '<html><body><a href="/g.html">g</a></body></html>'), "/g.html": (200, GOODS)})
    try:
        proc, _ = profile_crawl(profile_yaml(site), tmp_path=tmp_path, store_url=store_url)
        assert proc.returncode == 0, proc.stderr[-2000:]
    finally:
        site.close()
    signing.keygen(office.key_file())
    app, server = make_server("127.0.0.1", 0, store_url=store_url, threads=4)
    store = app.extensions["patrol_store"]
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        create_account(store, "lee", "lead", "Ziliao-Lee-2026!x")
        (flag,), _ = store.list_flags(limit=5)
        base = f"http://127.0.0.1:{server.effective_port}/"
        page.goto(base + "login")
        page.fill("input[name=username]", "lee")
        page.fill("input[name=password]", "Ziliao-Lee-2026!x")
        with page.expect_navigation():
            page.click("button[type=submit]:has-text('登录')")
        page.goto(f"{base}flags/{flag['id']}")
        assert page.locator("#download-evidence").count() == 0
        with page.expect_navigation():
            page.click("button.confirm")
        assert page.locator("article.flag").get_attribute("data-status") == "confirmed"
        with page.expect_download() as info:
            page.click("#download-evidence")
        download = info.value
        assert download.suggested_filename == f"case-{flag['id']}.wacz"
        saved = tmp_path / download.suggested_filename
        download.save_as(saved)
        report = verify(saved)
        assert report.ok, [(c.name, c.detail) for c in report.failed()]
        page.fill("#takedown-to", "某电商平台")
        with page.expect_navigation():
            page.click("#takedown-form button[type=submit]")
        assert page.locator("#recheck-status").inner_text() == "待复查"  # re-check status in Chinese
        assert store.get_flag(flag["id"])["recheck"]["takedown"]["to"] == "某电商平台"
    finally:
        server.close()
        store.close()
