"""Issue 13 (accounts and sessions) and issue 17 (disabling accounts), over HTTP
against the real app and store: sessions end on the server, one password
policy on every path, login limits per address and per user name across
/login and /api/token."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from patrol.errors import PatrolError
from patrol.web.auth import change_password, create_account
from patrol.web.passwords import MAX_PASSWORD
from tests.web.conftest import PASSWORDS, User, csrf_of


def _copy_session(app, user: User):
    """A second browser holding a copy of ``user``'s session cookie (a stolen or replayed cookie)."""
    thief = app.test_client()
    thief.set_cookie("session", user.client.get_cookie("session").value)
    return thief


def _token(app, name: str) -> str:
    r = app.test_client().post("/api/token", json={"username": name, "password": PASSWORDS[name]})
    assert r.status_code == 200, r.text
    return r.json["token"]


def _bearer(app, token: str, path: str = "/api/me"):
    return app.test_client().get(path, headers={"Authorization": f"Bearer {token}"})


def test_a_session_cookie_replayed_after_logout_is_refused(app, ann):
    thief = _copy_session(app, ann)
    assert thief.get("/").status_code == 200
    assert ann.post("/logout").status_code == 302
    r = thief.get("/")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    assert thief.get("/api/me").status_code == 401


def test_a_password_change_ends_sessions_and_tokens_on_the_server(app, ann, store):
    thief, token = _copy_session(app, ann), _token(app, "ann")
    change_password(store, "ann", "a-Brand-new-passphrase")
    assert thief.get("/").status_code == 302
    assert _bearer(app, token).status_code == 401


def test_a_lead_disables_an_account_its_sessions_and_tokens_end_at_once(app, ann, lee, store):
    token = _token(app, "ann")
    assert ann.get("/").status_code == 200 and _bearer(app, token).status_code == 200
    page = lee.get("/accounts")
    assert page.status_code == 200 and 'data-user="ann"' in page.text
    r = lee.post("/accounts/ann/disable", data={"csrf_token": csrf_of(page.text)})
    assert r.status_code == 302
    assert store.get_user("ann")["disabled"] is True
    assert 'data-state="disabled"' in lee.get("/accounts").text
    r = ann.get("/")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    assert _bearer(app, token).status_code == 401
    client = app.test_client()
    r = client.post("/login", data={"username": "ann", "password": PASSWORDS["ann"],
                                    "csrf_token": csrf_of(client.get("/login").text)})
    assert r.status_code == 401
    assert app.test_client().post("/api/token", json={"username": "ann", "password": PASSWORDS["ann"]}
                                  ).status_code == 401
    # Enabled again, the account logs in afresh; what it held before stays ended.
    r = lee.post("/accounts/ann/enable", data={"csrf_token": csrf_of(lee.get("/accounts").text)})
    assert r.status_code == 302
    assert _bearer(app, token).status_code == 401
    assert User(app, "ann").get("/").status_code == 200


def test_only_a_lead_disables_and_not_themself(app, ann, lee, store):
    assert ann.get("/accounts").status_code == 403
    assert ann.post("/accounts/bob/disable").status_code == 403
    assert lee.post("/accounts/lee/disable").status_code == 400
    assert lee.post("/accounts/ghost/disable").status_code == 404
    assert not store.get_user("bob")["disabled"] and not store.get_user("lee")["disabled"]


@pytest.mark.parametrize("password", ["12345678", "aaaaaaaa", "aaaaaaaaaaaa", "password123",
                                      "qwertyuiop", "short", "x" * 5000])
def test_weak_or_overlong_passwords_are_refused_for_every_role(store, password):
    for role in ("analyst", "lead"):
        with pytest.raises(PatrolError, match="password"):
            create_account(store, "zed", role, password)
    assert store.get_user("zed") is None


def _patrol_cli(*args, store_url, stdin):
    env = dict(os.environ, PATROL_STORE=store_url, PATROL_CONFIG=os.devnull + "-none.toml",
               PATROL_LOG_LEVEL="WARNING")
    return subprocess.run([sys.executable, "-m", "patrol", *args], input=stdin, env=env,
                          capture_output=True, text=True, timeout=120)


def test_the_cli_refuses_what_the_login_would_and_accepts_the_longest_password_every_path_takes(
        app, store, store_url):
    r = _patrol_cli("users", "add", "zed", "--role", "lead", "--password-stdin", store_url=store_url,
                    stdin="x" * 5000 + "\n")
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "at most 128" in r.stderr
    r = _patrol_cli("users", "add", "zed", "--password-stdin", store_url=store_url, stdin="12345678\n")
    assert r.returncode == 2 and "password" in r.stderr
    longest = ("Lin-Xi draws 7 quiet rivers " * 10)[:MAX_PASSWORD]
    r = _patrol_cli("users", "add", "zed", "--role", "lead", "--password-stdin", store_url=store_url,
                    stdin=longest + "\n")
    assert r.returncode == 0, r.stderr
    client = app.test_client()
    r = client.post("/login", data={"username": "zed", "password": longest,
                                    "csrf_token": csrf_of(client.get("/login").text)})
    assert r.status_code == 302
    assert app.test_client().post("/api/token", json={"username": "zed", "password": longest}
                                  ).status_code == 200
    r = _patrol_cli("users", "passwd", "zed", "--password-stdin", store_url=store_url, stdin="aaaaaaaaaa\n")
    assert r.returncode == 2 and "password" in r.stderr


def test_the_cli_disables_and_enables_an_account(app, ann, store, store_url):
    token = _token(app, "ann")
    r = _patrol_cli("users", "disable", "ann", store_url=store_url, stdin="")
    assert r.returncode == 0, r.stderr
    assert ann.get("/").status_code == 302 and _bearer(app, token).status_code == 401
    assert "disabled" in _patrol_cli("users", "list", store_url=store_url, stdin="").stdout
    assert _patrol_cli("users", "enable", "ann", store_url=store_url, stdin="").returncode == 0
    assert User(app, "ann").get("/").status_code == 200
    r = _patrol_cli("users", "disable", "ghost", store_url=store_url, stdin="")
    assert r.returncode == 2 and "ghost" in r.stderr


def _client_at(app, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def _login(client, name, password):
    return client.post("/login", data={"username": name, "password": password,
                                       "csrf_token": csrf_of(client.get("/login").text)})


def test_failed_logins_are_limited_per_address_across_user_names(app, accounts):
    guesser = _client_at(app, "10.0.0.7")
    api = _client_at(app, "10.0.0.7")
    statuses = []
    for n in range(75):  # 15 names, 5 tries each, half of them through the API
        name = f"user{n % 15}"
        if n % 2:
            statuses.append(api.post("/api/token", json={"username": name, "password": f"guess-{n}"}).status_code)
        else:
            statuses.append(_login(guesser, name, f"guess-{n}").status_code)
    assert statuses[:30] == [401] * 30 and set(statuses[30:]) == {429}
    r = _login(guesser, "ann", PASSWORDS["ann"])
    assert r.status_code == 429 and "您所在地址的登录因多次失败已被锁定" in r.text and "15分钟" in r.text
    r = api.post("/api/token", json={"username": "ann", "password": PASSWORDS["ann"]})
    assert r.status_code == 429 and "your address are locked" in r.json["message"] and "15 minutes" in r.json["message"]
    assert int(r.headers["Retry-After"]) > 0
    # Another address is not locked out by this one.
    other = _client_at(app, "10.0.0.8")
    assert _login(other, "ann", PASSWORDS["ann"]).status_code == 302


def test_failed_logins_are_limited_per_user_across_login_and_api_and_the_lock_says_so(app, accounts):
    for n in range(10):  # from ten addresses, alternating the two routes
        client = _client_at(app, f"10.0.1.{n}")
        r = (client.post("/api/token", json={"username": "ann", "password": f"guess-{n}"}) if n % 2
             else _login(client, "ann", f"guess-{n}"))
        assert r.status_code == 401, n
    fresh = _client_at(app, "10.0.2.1")
    r = _login(fresh, "ann", PASSWORDS["ann"])
    assert r.status_code == 429
    assert "账号“ann”因多次登录失败已被锁定" in r.text and "输入正确密码也会被拒绝" in r.text
    r = fresh.post("/api/token", json={"username": "ann", "password": PASSWORDS["ann"]})
    assert r.status_code == 429 and r.json["message"].startswith("The account 'ann' is locked")
    assert _login(fresh, "bob", PASSWORDS["bob"]).status_code == 302
