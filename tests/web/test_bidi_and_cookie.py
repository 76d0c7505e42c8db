"""Issue 13: bidirectional controls in crawled text are shown neutralised on
every page; the session cookie's Secure flag follows PATROL_COOKIE_SECURE."""

from __future__ import annotations

import pytest

from patrol.web import create_app
from tests.web.conftest import PASSWORDS, User, csrf_of, seed_flag, seed_item, term

RLO_TITLE = "免费小说\u202etxt.exe\u202c 下载"
TEXT = "在线阅读\u2067盗版书\u2069，点击\u200f下载。"


def test_bidi_controls_in_crawled_text_are_shown_neutralised(app, store, accounts):
    item = seed_item(store, url="https://shop.example/\u202eitem", kind="shop", source="shop-\u202eb",
                     title=RLO_TITLE, text=TEXT)
    flag_id = seed_flag(store, item, "unlicensed_publication", 0.9, terms=[term(TEXT, "盗版书")],
                        snippet=TEXT)
    lee = User(app, "lee")
    pages = {path: lee.get(path) for path in ("/", f"/flags/{flag_id}", "/dashboard", "/export/summary",
                                              "/?source=shop-%E2%80%AEb")}
    for path, page in pages.items():
        assert page.status_code == 200, path
        for ch in "\u202e\u202c\u2067\u2069\u200f":
            assert ch not in page.text, (path, hex(ord(ch)))
    flag_page = pages[f"/flags/{flag_id}"].text
    assert "免费小说[U+202E]txt.exe[U+202C] 下载" in flag_page
    assert "[U+2067]<mark" in flag_page  # the highlight still marks the term, after the control
    # The store keeps what was crawled: only the display changes.
    assert store.get_flag(flag_id)["title"] == RLO_TITLE


def _login_cookie(app, base_url: str):
    client = app.test_client()
    page = client.get("/login", base_url=base_url)
    r = client.post("/login", base_url=base_url, headers={"Referer": f"{base_url}/login"},
                    data={"username": "ann", "password": PASSWORDS["ann"], "csrf_token": csrf_of(page.text)})
    assert r.status_code == 302, r.text
    return next(v for v in r.headers.getlist("Set-Cookie") if v.startswith("session="))


@pytest.mark.parametrize("setting, http_secure, https_secure", [
    (None, False, True), ("auto", False, True), ("true", True, True), ("false", False, False)])
def test_session_cookie_secure_flag_follows_the_setting(store_url, tmp_path, monkeypatch, setting,
                                                         http_secure, https_secure):
    monkeypatch.setenv("PATROL_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PATROL_CONFIG", str(tmp_path / "none.toml"))
    if setting is None:
        monkeypatch.delenv("PATROL_COOKIE_SECURE", raising=False)
    else:
        monkeypatch.setenv("PATROL_COOKIE_SECURE", setting)
    app = create_app(store_url, secret_key="test-secret-key")
    try:
        from patrol.web.auth import create_account
        create_account(app.extensions["patrol_store"], "ann", "analyst", PASSWORDS["ann"])
        for base_url, expected in (("http://localhost", http_secure), ("https://localhost", https_secure)):
            cookie = _login_cookie(app, base_url)
            assert ("; Secure" in cookie) is expected, (base_url, cookie)
            assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    finally:
        app.extensions["patrol_store"].close()
