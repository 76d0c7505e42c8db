"""The embedded store: stdlib sqlite3, WAL, created on first use.

Each table keeps the whole document as JSON in ``doc`` (items carry open-ended,
kind-specific and nested fields) plus plain columns for what is filtered,
sorted or counted. Times are fixed-width ISO strings in the columns (so text
order is time order) and ``{"$date": iso}`` inside the JSON; ``normalize``
escapes user keys starting with ``$``, so the two cannot be confused.

Threads get a connection each; every read-modify-write runs in a
``BEGIN IMMEDIATE`` transaction, which holds SQLite's single write lock, so
claims are atomic across threads and processes.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import logging
import sqlite3
import threading
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import unquote

from patrol.store import common as c
from patrol.store import logic
from patrol.store.base import (NotFound, RaiseResult, StoreConfigError,
                               StoreError, StoreUnavailable)
from patrol.store import sqlite_queue
from patrol.store.entities import SQLiteEntities
from patrol.store.seen import SQLiteSeen
from patrol.store.shared import SharedStore
from patrol.store.sqlite_queue import SQLiteQueue
from patrol.store.sqlite_read import SQLiteReads, dumps, loads, ts
from patrol.store.evidence import SQLiteEvidence
from patrol.store.users import SQLiteUsers

log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS items (url TEXT PRIMARY KEY, kind TEXT, source TEXT,
    last_seen TEXT, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS items_kind ON items(kind);
CREATE INDEX IF NOT EXISTS items_source ON items(source);
CREATE TABLE IF NOT EXISTS flags (id TEXT PRIMARY KEY, url TEXT NOT NULL,
    category TEXT NOT NULL, source TEXT, kind TEXT, status TEXT NOT NULL, score REAL,
    priority REAL, created_at TEXT, updated_at TEXT, created_day TEXT, lease_until TEXT,
    doc TEXT NOT NULL, UNIQUE (url, category));
CREATE INDEX IF NOT EXISTS flags_queue ON flags(status, priority DESC, created_at);
CREATE INDEX IF NOT EXISTS flags_category ON flags(category);
CREATE INDEX IF NOT EXISTS flags_source ON flags(source);
CREATE INDEX IF NOT EXISTS flags_created ON flags(created_at);
CREATE TABLE IF NOT EXISTS apps (store TEXT NOT NULL, app_id TEXT NOT NULL,
    minor_relevant INTEGER, downloads, name, minor_score REAL, rating, first_seen TEXT,
    last_seen TEXT, doc TEXT NOT NULL, PRIMARY KEY (store, app_id));
CREATE INDEX IF NOT EXISTS apps_minor ON apps(minor_relevant);
CREATE TABLE IF NOT EXISTS runs (id TEXT PRIMARY KEY, source TEXT, started_at TEXT,
    doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS runs_started ON runs(started_at);
"""
CACHE_KIB = 65536        # page cache per connection, KiB
KEYS = {"items": ("url",), "flags": ("id",), "apps": ("store", "app_id"), "runs": ("id",)}
COLUMNS = {
    "items": ("url", "kind", "source", "last_seen"),
    "flags": ("id", "url", "category", "source", "kind", "status", "score", "priority",
              "created_at", "updated_at", "created_day", "lease_until"),
    "apps": ("store", "app_id", "minor_relevant", "downloads", "name", "minor_score", "rating",
             "first_seen", "last_seen"),
    "runs": ("id", "source", "started_at"),
}


def sqlite_path(url: str) -> Path:
    """``sqlite:///relative/x.db`` or ``sqlite:////abs/x.db`` -> a path."""
    if not url.startswith("sqlite:///"):
        raise StoreConfigError(f"store URL {url!r}: write sqlite:///relative/path.db or "
                               "sqlite:////absolute/path.db")
    rest = url[len("sqlite:///"):]
    if "?" in rest or "#" in rest:
        raise StoreConfigError(f"store URL {url!r}: sqlite URLs take no query or fragment")
    rest = unquote(rest)
    if not rest.strip("/") or rest in (":memory:", "/:memory:"):
        raise StoreConfigError(f"store URL {url!r}: give a database file path "
                               "(in-memory databases are not shared between threads)")
    return Path(rest).expanduser()


def column_value(doc: dict, column: str) -> Any:
    value = (doc.get("claim") or {}).get("lease_until") if column == "lease_until" else doc.get(column)
    if isinstance(value, _dt.datetime):
        return ts(value)
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (dict, list)):
        return dumps(value)
    return value


class SQLiteStore(SQLiteSeen, SQLiteQueue, SQLiteReads, SQLiteUsers, SQLiteEntities, SQLiteEvidence,
                  SharedStore):
    backend = "sqlite"

    def __init__(self, url: str, timeout: float = 5.0, *, clock=None):
        self.url = url
        # One machine, one clock: every client of the file reads the same
        # system clock (``clock`` is injected by tests only).
        self._clock = clock or (lambda: c.utcnow())
        self.path = sqlite_path(url)
        self.timeout = float(timeout)
        self._local = threading.local()
        self._conns: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._closed = False
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreUnavailable(f"sqlite store {self.path}: cannot create directory "
                                   f"{self.path.parent}: {exc.strerror or exc}") from exc
        try:
            with self._errors():
                self._conn().execute("PRAGMA journal_mode=WAL")
                with self._tx() as conn:
                    for statement in SCHEMA.split(";"):
                        if statement.strip():
                            conn.execute(statement)
                    sqlite_queue.create_schema(conn)
        except StoreError:
            self.close()
            raise
        log.debug("opened sqlite store %s", self.path)

    def now(self) -> _dt.datetime:
        return c.to_utc(self._clock())

    # -- connections and transactions ---------------------------------------
    def _conn(self) -> sqlite3.Connection:
        if self._closed:
            raise StoreError(f"sqlite store {self.path} is closed")
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None,
                                   check_same_thread=False)
            conn.execute(f"PRAGMA busy_timeout={int(self.timeout * 1000)}")
            conn.execute("PRAGMA synchronous=NORMAL")
            # A page cache that holds the upper levels of the items' and flags'
            # indexes at a million items (SQLite's default is 2 MiB per
            # connection): measured in benchmarks/store/README.md.
            conn.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
            self._local.conn = conn
            with self._lock:
                self._conns.append(conn)
        return conn

    @contextlib.contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.OperationalError as exc:
            msg = str(exc)
            if "locked" in msg or "busy" in msg:
                msg = f"database is locked by another writer for more than {self.timeout:g} s"
            raise StoreUnavailable(f"sqlite store {self.path}: {msg}") from exc
        except sqlite3.DatabaseError as exc:
            raise StoreUnavailable(f"sqlite store {self.path}: {exc}") from exc

    @contextlib.contextmanager
    def _tx(self, immediate: bool = True) -> Iterator[sqlite3.Connection]:
        """A transaction; ``BEGIN IMMEDIATE`` takes the write lock up front."""
        with self._errors():
            conn = self._conn()
            conn.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")
            try:
                yield conn
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            if conn.in_transaction:
                conn.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            conns, self._conns, self._closed = self._conns, [], True
        for conn in conns:
            with contextlib.suppress(sqlite3.Error):
                conn.close()

    def ping(self) -> None:
        with self._errors():
            self._conn().execute("SELECT count(*) FROM items").fetchone()

    # -- documents -----------------------------------------------------------
    @staticmethod
    def _get(conn: sqlite3.Connection, table: str, key: tuple) -> dict | None:
        where = " AND ".join(f"{k} = ?" for k in KEYS[table])
        row = conn.execute(f"SELECT doc FROM {table} WHERE {where}", key).fetchone()
        return loads(row[0]) if row else None

    @staticmethod
    def _put(conn: sqlite3.Connection, table: str, doc: dict, new: bool) -> None:
        # Table and column names come from the constants above, never from input.
        cols, keys = COLUMNS[table], KEYS[table]
        if new:
            conn.execute(f"INSERT INTO {table} ({', '.join(cols)}, doc) "
                         f"VALUES ({', '.join('?' * (len(cols) + 1))})",
                         [column_value(doc, col) for col in cols] + [dumps(doc)])
            return
        rest = [col for col in cols if col not in keys]
        conn.execute(f"UPDATE {table} SET {', '.join(f'{col} = ?' for col in rest)}, doc = ? "
                     f"WHERE {' AND '.join(f'{k} = ?' for k in keys)}",
                     [column_value(doc, col) for col in rest] + [dumps(doc)]
                     + [doc[k] for k in keys])

    def _mutate(self, table: str, key: tuple, what: str, rule) -> dict:
        with self._tx() as conn:
            doc = self._get(conn, table, key)
            if doc is None:
                raise NotFound(f"no {what} {'/'.join(key)}")
            new = rule(doc, self.now())
            self._put(conn, table, new, new=False)
        return c.public(new)

    # -- writes ----------------------------------------------------------------
    def upsert_item(self, item: dict):
        return self.upsert_items([item])[0]

    def upsert_items(self, items):
        """One transaction for the batch: one commit, not n.

        The stored hashes of the batch are read in one query; a new item is
        inserted, an unchanged one gets ``last_seen`` (and ``fetched_at``) set
        in place with ``json_set`` (no decoding, copying and re-encoding of its
        stored document in Python), and only a changed one is read whole and
        planned by ``logic.plan_item``. Every item is checked before anything
        is written, so a bad item leaves the whole batch unwritten."""
        items = list(items)
        results = []
        with self._tx() as conn:
            now = self.now()
            planned = [logic.plan_item(None, item, now) for item in items]
            hashes = self._item_hashes_of(conn, list({r.url for r, _ in planned}))
            stamp = dumps(now)
            for (result, doc), item in zip(planned, items):
                url, h = result.url, doc["content_hash"]
                if url not in hashes:
                    self._put(conn, "items", doc, new=True)
                    sqlite_queue.index_item_text(conn, url, doc.get("text"))
                elif hashes[url] == h:
                    result = logic.UpsertResult(url, "unchanged", h, h)
                    if "fetched_at" in doc:
                        conn.execute("UPDATE items SET last_seen = ?, doc = json_set(doc, "
                                     "'$.last_seen', json(?), '$.fetched_at', json(?)) "
                                     "WHERE url = ?",
                                     (ts(now), stamp, dumps(doc["fetched_at"]), url))
                    else:
                        conn.execute("UPDATE items SET last_seen = ?, doc = json_set(doc, "
                                     "'$.last_seen', json(?)) WHERE url = ?",
                                     (ts(now), stamp, url))
                else:
                    existing = self._get(conn, "items", (url,))
                    result, doc = logic.plan_item(existing, item, now)
                    self._put(conn, "items", doc, new=False)
                    sqlite_queue.index_item_text(conn, url, doc.get("text"))
                hashes[url] = h
                results.append(result)
        return results

    @staticmethod
    def _item_hashes_of(conn: sqlite3.Connection, urls: list[str]) -> dict[str, str | None]:
        """{url: stored content_hash} of those of ``urls`` that are stored."""
        out: dict[str, str | None] = {}
        for start in range(0, len(urls), 500):
            chunk = urls[start:start + 500]
            out.update(conn.execute(
                "SELECT url, json_extract(doc, '$.content_hash') FROM items "
                f"WHERE url IN ({', '.join('?' * len(chunk))})", chunk).fetchall())
        return out

    def item_hashes(self, source: str | None = None) -> dict[str, str]:
        """One query, the hash read from the stored JSON (no document decoded)."""
        sql = "SELECT url, json_extract(doc, '$.content_hash') FROM items"
        params: list = []
        if source is not None:
            sql += " WHERE source = ?"
            params.append(c.check_str("source", source))
        with self._errors():
            return {url: h or "" for url, h in self._conn().execute(sql, params)}

    def raise_flag(self, *, url, category, score, priority, verdict, evidence, model_version,
                   content_hash, source="", kind="page", title="") -> RaiseResult:
        f = logic.check_raise(url=url, category=category, score=score, priority=priority,
                              verdict=verdict, evidence=evidence, model_version=model_version,
                              content_hash=content_hash, source=source, kind=kind, title=title)
        with self._tx() as conn:
            row = conn.execute("SELECT doc FROM flags WHERE url = ? AND category = ?",
                               (f["url"], f["category"])).fetchone()
            existing = loads(row[0]) if row else None
            status, doc = logic.plan_raise(existing, f, self.now())
            if doc is not None:
                self._put(conn, "flags", doc, new=existing is None)
                rowid = conn.execute("SELECT rowid FROM flags WHERE id = ?",
                                     (doc["id"],)).fetchone()[0]
                sqlite_queue.index_flag(conn, rowid, doc)
        return RaiseResult((doc or existing)["id"], status)

    def upsert_app(self, app: dict) -> str:
        return self.upsert_apps([app])[0]

    def upsert_apps(self, apps) -> list[str]:
        """The apps of a batch in one transaction (one commit, not one per app)."""
        statuses = []
        with self._tx() as conn:
            now = self.now()
            for app in apps:
                key = ((app.get("store"), app.get("app_id")) if isinstance(app, dict)
                       else (None, None))
                existing = (self._get(conn, "apps", key)
                            if all(isinstance(k, str) for k in key) else None)
                status, doc = logic.plan_app(existing, app, now)
                self._put(conn, "apps", doc, new=existing is None)
                statuses.append(status)
        return statuses

    def start_run(self, source: str, *, trigger: str = "manual", meta: dict | None = None) -> str:
        doc = logic.new_run(source, trigger, meta, self.now())
        with self._tx() as conn:
            self._put(conn, "runs", doc, new=True)
        return doc["id"]
