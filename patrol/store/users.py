"""Console accounts in the store's database: the ``users`` operations of the
Store contract, one mixin per backend (``SQLiteUsers``, ``MongoUsers``).

A user document is ``{"username", "role", "password_hash", "disabled",
"session_version", "token_version", "locale", "created_at", "updated_at"}``
(``locale``: the console language the user chose, "zh_Hans" or "en"). The store
keeps the hash it is given; hashing (argon2) is the console's job
(``patrol.web.auth``), so the store never sees a password.

Every session cookie carries the account's ``session_version`` and every API
token its ``token_version``; ``end_sessions`` raises them, which ends, on the
server, every session (and with ``tokens=True`` every token) issued before
(logout, password change, disabling an account).
"""

from __future__ import annotations

import datetime as _dt
import re

from patrol.store import common as c
from patrol.store.base import Conflict, NotFound

ROLES = ("analyst", "lead")
USERNAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
USERNAME_RULE = "use 1-64 letters, digits, '.', '_' or '-'"

_COLUMNS = ("username", "role", "password_hash", "disabled", "session_version", "token_version",
            "locale", "created_at", "updated_at")
LOCALES = ("zh_Hans", "en")  # the console's languages (patrol.web.i18n)
SQLITE_SCHEMA = ("CREATE TABLE IF NOT EXISTS users (username TEXT PRIMARY KEY, role TEXT NOT NULL, "
                 "password_hash TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL, "
                 "disabled INTEGER NOT NULL DEFAULT 0, session_version INTEGER NOT NULL DEFAULT 0, "
                 "token_version INTEGER NOT NULL DEFAULT 0, locale TEXT NOT NULL DEFAULT 'zh_Hans')")
# Tables made before accounts could be disabled get the new columns on open.
_ADDED_COLUMNS = {"disabled": "INTEGER NOT NULL DEFAULT 0",
                  "session_version": "INTEGER NOT NULL DEFAULT 0",
                  "token_version": "INTEGER NOT NULL DEFAULT 0",
                  "locale": "TEXT NOT NULL DEFAULT 'zh_Hans'"}
_DEFAULTS = {"disabled": False, "session_version": 0, "token_version": 0, "locale": "zh_Hans"}


def check_username(value) -> str:
    c.check_str("username", value)
    if not USERNAME_RE.match(value):
        raise c.StoreInputError(f"username {value!r}: {USERNAME_RULE}")
    return value


def check_hash(value) -> str:
    c.check_str("password_hash", value)
    if not value.startswith("$"):
        raise c.StoreInputError("password_hash must be a PHC-format hash string, not a password")
    return value


def new_user(username: str, password_hash: str, role: str, now: _dt.datetime) -> dict:
    return {"username": check_username(username), "role": c.check_choice("role", role, ROLES),
            "password_hash": check_hash(password_hash), **_DEFAULTS,
            "created_at": now, "updated_at": now}


def _parse_ts(text: str) -> _dt.datetime:
    """The SQLite store's fixed-width UTC time string (``sqlite_read.ts``) back to a datetime."""
    return _dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=c.UTC)


class SQLiteUsers:
    """Users for ``SQLiteStore`` (uses its ``_tx``, ``_errors`` and ``_conn``)."""

    _users_ready = False
    _SELECT = f"SELECT {', '.join(_COLUMNS)} FROM users"

    def _users_conn(self):
        conn = self._conn()
        if not self._users_ready:
            with self._tx() as tx:
                tx.execute(SQLITE_SCHEMA)
                have = {row[1] for row in tx.execute("PRAGMA table_info(users)")}
                for name, decl in _ADDED_COLUMNS.items():
                    if name not in have:
                        tx.execute(f"ALTER TABLE users ADD COLUMN {name} {decl}")
            self._users_ready = True
        return conn

    @staticmethod
    def _user_row(row) -> dict:
        doc = dict(zip(_COLUMNS, row))
        doc["disabled"] = bool(doc["disabled"])
        doc["created_at"], doc["updated_at"] = _parse_ts(doc["created_at"]), _parse_ts(doc["updated_at"])
        return doc

    def create_user(self, username: str, password_hash: str, role: str) -> dict:
        from patrol.store.sqlite_read import ts
        doc = new_user(username, password_hash, role, c.utcnow())
        with self._errors():
            self._users_conn()
        with self._tx() as conn:
            if conn.execute("SELECT 1 FROM users WHERE username = ?", (username,)).fetchone():
                raise Conflict(f"user {username!r} already exists")
            conn.execute(f"INSERT INTO users ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})",
                         tuple(ts(doc[k]) if k.endswith("_at") else doc[k] for k in _COLUMNS))
        return doc

    def get_user(self, username: str) -> dict | None:
        c.check_str("username", username)
        with self._errors():
            row = self._users_conn().execute(f"{self._SELECT} WHERE username = ?", (username,)).fetchone()
        return self._user_row(row) if row else None

    def list_users(self) -> list[dict]:
        with self._errors():
            rows = self._users_conn().execute(f"{self._SELECT} ORDER BY username").fetchall()
        return [self._user_row(r) for r in rows]

    def _update_user(self, username: str, assignments: str, params: tuple) -> dict:
        from patrol.store.sqlite_read import ts
        c.check_str("username", username)
        with self._errors():
            self._users_conn()
        with self._tx() as conn:
            done = conn.execute(f"UPDATE users SET {assignments}, updated_at = ? WHERE username = ?",
                                (*params, ts(c.utcnow()), username)).rowcount
        if not done:
            raise NotFound(f"no user {username!r}")
        return self.get_user(username)

    def set_password(self, username: str, password_hash: str) -> dict:
        check_hash(password_hash)
        return self._update_user(username, "password_hash = ?, session_version = session_version + 1, "
                                           "token_version = token_version + 1", (password_hash,))

    def end_sessions(self, username: str, *, tokens: bool = False) -> dict:
        return self._update_user(username, "session_version = session_version + 1, "
                                           "token_version = token_version + ?", (int(tokens),))

    def set_disabled(self, username: str, disabled: bool) -> dict:
        if not isinstance(disabled, bool):
            raise c.StoreInputError("disabled must be true or false")
        return self._update_user(username, "disabled = ?, session_version = session_version + 1, "
                                           "token_version = token_version + 1", (int(disabled),))

    def set_locale(self, username: str, locale: str) -> dict:
        c.check_choice("locale", locale, LOCALES)
        return self._update_user(username, "locale = ?", (locale,))


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

    def _update_user(self, username: str, update: dict) -> dict:
        c.check_str("username", username)
        update.setdefault("$set", {})["updated_at"] = c.utcnow()
        with self._errors():
            # One update_one: $inc is atomic on MongoDB and on FerretDB's single-document write.
            result = self._users().update_one({"username": username}, update)
        if not result.matched_count:
            raise NotFound(f"no user {username!r}")
        return self.get_user(username)

    def set_password(self, username: str, password_hash: str) -> dict:
        check_hash(password_hash)
        return self._update_user(username, {"$set": {"password_hash": password_hash},
                                            "$inc": {"session_version": 1, "token_version": 1}})

    def end_sessions(self, username: str, *, tokens: bool = False) -> dict:
        return self._update_user(username, {"$inc": {"session_version": 1, "token_version": int(tokens)}})

    def set_disabled(self, username: str, disabled: bool) -> dict:
        if not isinstance(disabled, bool):
            raise c.StoreInputError("disabled must be true or false")
        return self._update_user(username, {"$set": {"disabled": disabled},
                                            "$inc": {"session_version": 1, "token_version": 1}})

    def set_locale(self, username: str, locale: str) -> dict:
        c.check_choice("locale", locale, LOCALES)
        return self._update_user(username, {"$set": {"locale": locale}})

    @staticmethod
    def _user_out(doc: dict | None) -> dict | None:
        if doc is None:
            return None
        out = {**_DEFAULTS, **{k: (c.to_utc(v) if isinstance(v, _dt.datetime) else v) for k, v in doc.items()}}
        out["disabled"] = bool(out["disabled"])
        return out
