"""The users operations of the Store contract, on both backends."""

from __future__ import annotations

import datetime as _dt

import pytest

from patrol.store import Conflict, NotFound, StoreError, open_store

HASH = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2g"


@pytest.fixture
def users_store(store_url):
    s = open_store(store_url, timeout=10)
    yield s
    s.close()


def test_create_get_list_and_set_password(users_store):
    s = users_store
    assert s.list_users() == [] and s.get_user("ann") is None
    made = s.create_user("ann", HASH, "analyst")
    s.create_user("lee", HASH + "x", "lead")
    got = s.get_user("ann")
    assert got == made
    assert set(got) == {"username", "role", "password_hash", "disabled", "session_version",
                        "token_version", "locale", "created_at", "updated_at"}
    assert got["disabled"] is False and got["session_version"] == got["token_version"] == 0
    assert got["created_at"].tzinfo is not None
    assert abs(got["created_at"] - _dt.datetime.now(_dt.timezone.utc)) < _dt.timedelta(minutes=5)
    assert [u["username"] for u in s.list_users()] == ["ann", "lee"]
    changed = s.set_password("ann", HASH + "new")
    assert changed["password_hash"] == HASH + "new" and changed["updated_at"] >= got["updated_at"]
    assert s.get_user("ann")["password_hash"] == HASH + "new"


def test_end_sessions_and_disable_raise_the_versions(users_store):
    s = users_store
    s.create_user("ann", HASH, "analyst")
    assert (s.end_sessions("ann")["session_version"], s.get_user("ann")["token_version"]) == (1, 0)
    after = s.end_sessions("ann", tokens=True)
    assert (after["session_version"], after["token_version"]) == (2, 1)
    off = s.set_disabled("ann", True)
    assert off["disabled"] is True and (off["session_version"], off["token_version"]) == (3, 2)
    on = s.set_disabled("ann", False)
    assert on["disabled"] is False and on["token_version"] == 3
    assert s.set_password("ann", HASH + "new")["token_version"] == 4
    with pytest.raises(NotFound):
        s.end_sessions("ghost")
    with pytest.raises(NotFound):
        s.set_disabled("ghost", True)
    with pytest.raises(StoreError, match="disabled"):
        s.set_disabled("ann", "yes")


def test_an_older_sqlite_users_table_gets_the_new_columns(tmp_path):
    import sqlite3
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE users (username TEXT PRIMARY KEY, role TEXT NOT NULL, password_hash TEXT "
                 "NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL)")
    conn.execute("INSERT INTO users VALUES ('ann', 'lead', ?, '2026-01-01T00:00:00.000000Z', "
                 "'2026-01-01T00:00:00.000000Z')", (HASH,))
    conn.commit()
    conn.close()
    with open_store(f"sqlite:///{path}") as s:
        assert s.get_user("ann")["disabled"] is False
        assert s.set_disabled("ann", True)["disabled"] is True
        assert s.get_user("ann")["locale"] == "zh_Hans"


def test_locale_is_kept_per_account(users_store):
    s = users_store
    s.create_user("ann", HASH, "analyst")
    s.create_user("lee", HASH + "x", "lead")
    assert s.get_user("ann")["locale"] == "zh_Hans"  # Chinese unless chosen otherwise
    assert s.set_locale("ann", "en")["locale"] == "en"
    assert s.get_user("ann")["locale"] == "en" and s.get_user("lee")["locale"] == "zh_Hans"
    with pytest.raises(StoreError, match="locale"):
        s.set_locale("ann", "fr")
    with pytest.raises(NotFound):
        s.set_locale("ghost", "en")


def test_users_errors(users_store):
    s = users_store
    s.create_user("ann", HASH, "analyst")
    with pytest.raises(Conflict):
        s.create_user("ann", HASH, "lead")
    with pytest.raises(NotFound):
        s.set_password("ghost", HASH)
    with pytest.raises(StoreError, match="role"):
        s.create_user("bob", HASH, "admin")
    with pytest.raises(StoreError, match="password_hash"):
        s.create_user("bob", "plain-password", "analyst")
    with pytest.raises(StoreError, match="username"):
        s.create_user("$where", HASH, "analyst")
    assert s.get_user("bob") is None
    with pytest.raises(StoreError):
        s.get_user({"$ne": None})
    assert [u["username"] for u in s.list_users()] == ["ann"]


def test_users_survive_reopening(store_url):
    with open_store(store_url) as s:
        s.create_user("ann", HASH, "lead")
    with open_store(store_url) as s:
        assert s.get_user("ann")["role"] == "lead"
