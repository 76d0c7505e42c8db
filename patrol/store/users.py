"""Console accounts in the store's database: the ``users`` operations of the
Store contract, one mixin per backend (``SQLiteUsers``, ``MongoUsers``).

A user document is ``{"username", "role", "password_hash", "created_at",
"updated_at"}``. The store keeps the hash it is given; hashing (argon2) is
the console's job (``patrol.web.auth``), so the store never sees a password.
"""

from __future__ import annotations

import datetime as _dt
import re

from patrol.store import common as c
from patrol.store.base import Conflict, NotFound

ROLES = ("analyst", "lead")
_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")

SQLITE_SCHEMA = ("CREATE TABLE IF NOT EXISTS users (username TEXT PRIMARY KEY, role TEXT NOT NULL, "
                 "password_hash TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL)")


def check_username(value) -> str:
    c.check_str("username", value)
    if not _USERNAME.match(value):
        raise c.StoreInputError(f"username {value!r}: use 1-64 letters, digits, '.', '_' or '-'")
    return value


def check_hash(value) -> str:
    c.check_str("password_hash", value)
    if not value.startswith("$"):
        raise c.StoreInputError("password_hash must be a PHC-format hash string, not a password")
    return value


def new_user(username: str, password_hash: str, role: str, now: _dt.datetime) -> dict:
    return {"username": check_username(username), "role": c.check_choice("role", role, ROLES),
            "password_hash": check_hash(password_hash), "created_at": now, "updated_at": now}


def _parse_ts(text: str) -> _dt.datetime:
    """The SQLite store's fixed-width UTC time string (``sqlite_read.ts``) back to a datetime."""
    return _dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=c.UTC)


class SQLiteUsers:
    """Users for ``SQLiteStore`` (uses its ``_tx``, ``_errors`` and ``_conn``)."""

    _users_ready = False

    def _users_conn(self):
        conn = self._conn()
        if not self._users_ready:
            conn.execute(SQLITE_SCHEMA)
            self._users_ready = True
        return conn

    @staticmethod
    def _user_row(row) -> dict:
        username, role, password_hash, created, updated = row
        return {"username": username, "role": role, "password_hash": password_hash,
                "created_at": _parse_ts(created), "updated_at": _parse_ts(updated)}

    def create_user(self, username: str, password_hash: str, role: str) -> dict:
        from patrol.store.sqlite_read import ts
        doc = new_user(username, password_hash, role, c.utcnow())
        with self._errors():
            self._users_conn()
        with self._tx() as conn:
            if conn.execute("SELECT 1 FROM users WHERE username = ?", (username,)).fetchone():
                raise Conflict(f"user {username!r} already exists")
            conn.execute("INSERT INTO users VALUES (?, ?, ?, ?, ?)",
                         (username, doc["role"], doc["password_hash"], ts(doc["created_at"]),
                          ts(doc["updated_at"])))
        return doc

    def get_user(self, username: str) -> dict | None:
        c.check_str("username", username)
        with self._errors():
            row = self._users_conn().execute(
                "SELECT username, role, password_hash, created_at, updated_at FROM users "
                "WHERE username = ?", (username,)).fetchone()
        return self._user_row(row) if row else None

    def list_users(self) -> list[dict]:
        with self._errors():
            rows = self._users_conn().execute(
                "SELECT username, role, password_hash, created_at, updated_at FROM users "
                "ORDER BY username").fetchall()
        return [self._user_row(r) for r in rows]

    def set_password(self, username: str, password_hash: str) -> dict:
        from patrol.store.sqlite_read import ts
        c.check_str("username", username)
        check_hash(password_hash)
        with self._errors():
            self._users_conn()
        with self._tx() as conn:
            done = conn.execute("UPDATE users SET password_hash = ?, updated_at = ? WHERE username = ?",
                                (password_hash, ts(c.utcnow()), username)).rowcount
        if not done:
            raise NotFound(f"no user {username!r}")
        return self.get_user(username)


class MongoUsers:
    """Users for ``MongoStore`` (uses its ``_collection`` and ``_errors``), a collection
    ``users`` with a unique index on ``username``."""

    def _users(self):
        return self._collection("users")

    def create_user(self, username: str, password_hash: str, role: str) -> dict:
        from pymongo.errors import DuplicateKeyError
        doc = new_user(username, password_hash, role, c.utcnow())
        coll = self._users()
        with self._errors():
            coll.create_index("username", unique=True)
            try:
                coll.insert_one(dict(doc))
            except DuplicateKeyError as exc:
                raise Conflict(f"user {username!r} already exists") from exc
        return doc

    def get_user(self, username: str) -> dict | None:
        c.check_str("username", username)
        with self._errors():
            doc = self._users().find_one({"username": username}, {"_id": 0})
        return self._user_out(doc)

    def list_users(self) -> list[dict]:
        with self._errors():
            docs = list(self._users().find({}, {"_id": 0}).sort("username", 1))
        return [self._user_out(d) for d in docs]

    def set_password(self, username: str, password_hash: str) -> dict:
        c.check_str("username", username)
        check_hash(password_hash)
        with self._errors():
            result = self._users().update_one({"username": username},
                                              {"$set": {"password_hash": password_hash,
                                                        "updated_at": c.utcnow()}})
        if not result.matched_count:
            raise NotFound(f"no user {username!r}")
        return self.get_user(username)

    @staticmethod
    def _user_out(doc: dict | None) -> dict | None:
        if doc is None:
            return None
        return {k: (c.to_utc(v) if isinstance(v, _dt.datetime) else v) for k, v in doc.items()}
