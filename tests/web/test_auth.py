"""Accounts, login, sessions, CSRF and roles over the app's HTTP interface."""

from __future__ import annotations

from patrol.web.auth import create_account, hash_password
from patrol.errors import PatrolError
from tests.web.conftest import PASSWORDS, User, csrf_of

import pytest


def test_first_run_login_page_says_how_to_create_an_account(app):
    page = app.test_client().get("/login")
    assert page.status_code == 200
    assert "patrol users add NAME --role lead" in page.text


def test_anonymous_pages_redirect_to_login_and_api_answers_401(app, seeded):
    client = app.test_client()
    for path in ("/", "/dashboard", "/flags/" + seeded["shop"], "/export/summary"):
        r = client.get(path)
        assert r.status_code == 302 and r.headers["Location"].startswith("/login?next=")
    r = client.get("/api/flags")
    assert r.status_code == 401 and r.json["message"].startswith("Log in first")


PUBLIC = {"auth.login", "static", "api.token", "openapi.spec"}


def test_every_route_but_login_needs_an_account(app, seeded):
    """Walks the app's URL map, so a route added later without a check fails here."""
    client = app.test_client()
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC:
            continue
        path = rule.build({k: seeded["shop"] for k in rule.arguments})[1]
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            r = client.open(path, method=method, json={} if path.startswith("/api/") else None)
            if path.startswith("/api/"):
                assert r.status_code == 401, (method, path)
            elif method == "GET":
                assert r.status_code == 302 and "/login" in r.headers["Location"], (method, path)
            else:
                assert r.status_code in (302, 400), (method, path)  # login or CSRF refusal
            checked += 1
    assert checked >= 20


def test_login_with_wrong_password_is_refused(app, accounts):
    client = app.test_client()
    token = csrf_of(client.get("/login").text)
    r = client.post("/login", data={"username": "ann", "password": "wrong-password", "csrf_token": token})
    assert r.status_code == 401 and "用户名或密码错误。" in r.text
    r = client.post("/login", data={"username": "nobody", "password": "x" * 10, "csrf_token": token})
    assert r.status_code == 401
    assert client.get("/").status_code == 302


def test_login_post_without_csrf_token_is_refused(app, accounts):
    r = app.test_client().post("/login", data={"username": "ann", "password": PASSWORDS["ann"]})
    assert r.status_code == 400
    assert "CSRF" in r.text


def test_state_changing_posts_without_csrf_token_are_refused(ann, seeded, store):
    for path in ("/next", f"/flags/{seeded['shop']}/claim", f"/flags/{seeded['shop']}/decide",
                 "/logout"):
        r = ann.client.post(path, data={"decide-verdict": "confirmed"})
        assert r.status_code == 400, path
    r = ann.client.post("/next", data={"csrf_token": "forged-token"})
    assert r.status_code == 400
    assert store.get_flag(seeded["shop"])["status"] == "pending"


def test_login_redirects_only_to_local_paths(app, accounts):
    for target, expected in (("https://evil.example/", "/"), ("//evil.example/x", "/"),
                             ("/\\evil.example", "/"), ("/dashboard", "/dashboard")):
        client = app.test_client()
        token = csrf_of(client.get("/login").text)
        data = {"username": "ann", "password": PASSWORDS["ann"], "csrf_token": token}
        r = client.post("/login", query_string={"next": target}, data=data)
        assert r.status_code == 302 and r.headers["Location"] == expected, target


def test_logout_ends_the_session(ann):
    assert ann.get("/").status_code == 200
    assert ann.post("/logout").status_code == 302
    assert ann.get("/").status_code == 302


def test_password_change_ends_existing_sessions(ann, store):
    assert ann.get("/").status_code == 200
    store.set_password("ann", hash_password("a-Brand-new-passphrase"))
    assert ann.get("/").status_code == 302


def test_passwords_are_stored_hashed_with_argon2(store, accounts):
    user = store.get_user("ann")
    assert user["role"] == "analyst"
    assert user["password_hash"].startswith("$argon2")
    assert PASSWORDS["ann"] not in user["password_hash"]


def test_account_input_is_checked(store):
    with pytest.raises(PatrolError, match="role"):
        create_account(store, "zed", "admin", "Lin-Xi draws rivers")
    with pytest.raises(PatrolError, match="password"):
        create_account(store, "zed", "analyst", "12345678")
    with pytest.raises(PatrolError, match="user name"):
        create_account(store, "<script>", "analyst", "Lin-Xi draws rivers")


def test_lead_only_pages_refuse_an_analyst(ann, seeded, store):
    for path in ("/export/confirmed.csv", "/export/confirmed.xlsx", "/export/summary"):
        assert ann.get(path).status_code == 403, path
    store.decide(seeded["app"], "ann", "confirmed", "explicit_content")
    r = ann.post(f"/flags/{seeded['app']}/reopen", data={"reopen-note": "try"})
    assert r.status_code == 403
    assert store.get_flag(seeded["app"])["status"] == "confirmed"
    r = ann.post(f"/flags/{seeded['shop']}/reassign", data={"reassign-analyst": "ann"})
    assert r.status_code == 403
    assert store.get_flag(seeded["shop"])["claim"] is None


def test_security_headers(ann):
    r = ann.get("/")
    assert "script-src 'self'" in r.headers["Content-Security-Policy"]
    assert r.headers["X-Frame-Options"] == "DENY"
    assert r.headers["Cache-Control"] == "no-store"


def test_a_second_user_sees_the_lead_menu_only_as_lead(app, seeded):
    assert "/export/summary" not in User(app, "ann").get("/").text
    assert "/export/summary" in User(app, "lee").get("/").text


def test_password_guessing_is_slowed_down(app, accounts):
    client = app.test_client()
    for n in range(10):
        token = csrf_of(client.get("/login").text)
        r = client.post("/login", data={"username": "ann", "password": f"guess-{n}", "csrf_token": token})
        assert r.status_code == 401, n
    token = csrf_of(client.get("/login").text)
    r = client.post("/login", data={"username": "ann", "password": PASSWORDS["ann"], "csrf_token": token})
    # The console answers in the reader's language (Chinese by default); the API in English.
    assert r.status_code == 429 and "账号“ann”因多次登录失败已被锁定" in r.text, r.text
    # Other accounts, and successful logins, are not counted against ann.
    token = csrf_of(client.get("/login").text)
    r = client.post("/login", data={"username": "bob", "password": PASSWORDS["bob"], "csrf_token": token})
    assert r.status_code == 302
    api = app.test_client()
    for n in range(10):
        assert api.post("/api/token", json={"username": "lee", "password": f"guess-{n}"}).status_code == 401
    r = api.post("/api/token", json={"username": "lee", "password": PASSWORDS["lee"]})
    assert r.status_code == 429 and r.json["message"].startswith("The account 'lee' is locked")
