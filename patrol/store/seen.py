"""Items seen again without being rewritten, one mixin per backend.

A re-crawl of an unchanged site learns nothing new about most pages: a ``304
Not Modified`` (or the same content hash) means only "still there at this
time". ``touch_items`` records exactly that for a whole batch in one
statement (``last_seen``, and ``fetched_at`` when given, on the items and on
the apps those pages list) instead of one read-plan-write per item through
``upsert_items``. ``item_states`` gives a crawl what it needs to decide
before parsing: each stored page's content hash and the model version that
judged it (``judged_by``), so an unchanged page judged by an older model is
classified again; ``set_judged_by`` records a re-judgement without rewriting
the item (``patrol rescore``, a re-crawl's re-judging).

None of these writes goes through the revision log of ``mongo_revs`` (on
FerretDB): they set fields no rule of ``logic`` reads to decide anything, and a
concurrent writer of the same item (a crawl holds its source's lock, so there
is none in practice) could at worst put back an older ``last_seen``.
"""

from __future__ import annotations

import datetime as _dt
from typing import Iterable

from patrol.store import common as c

CHUNK = 500  # urls per SQL statement (SQLite's host-parameter limit is far above)

SQLITE_INDEX = "CREATE INDEX IF NOT EXISTS apps_url ON apps(json_extract(doc, '$.url'))"


def check_urls(urls: Iterable[str]) -> list[str]:
    """The urls, checked, each once, in their first order."""
    if isinstance(urls, str):
        raise c.StoreInputError("urls must be a list of strings, not one string")
    return list(dict.fromkeys(c.check_str("url", u) for u in urls))


def _when(value) -> _dt.datetime | None:
    if value is None:
        return None
    if not isinstance(value, _dt.datetime):
        raise c.StoreInputError(f"fetched_at must be a datetime, got {type(value).__name__}")
    return c.to_utc(value)


class SQLiteSeen:
    """For ``SQLiteStore`` (uses its ``_tx``, ``_errors``, ``_conn`` and ``now``)."""

    _seen_ready = False

    def _seen_conn(self, conn):
        if not self._seen_ready:
            conn.execute(SQLITE_INDEX)
            self._seen_ready = True
        return conn

    def touch_items(self, urls, fetched_at=None, *, apps: bool = True) -> int:
        from patrol.store.sqlite_read import dumps, ts
        urls, fetched_at = check_urls(urls), _when(fetched_at)
        if not urls:
            return 0
        touched = 0
        with self._tx() as conn:
            self._seen_conn(conn)
            now = self.now()
            stamp, col = dumps(now), ts(now)
            for start in range(0, len(urls), CHUNK):
                chunk = urls[start:start + CHUNK]
                marks = ", ".join("?" * len(chunk))
                if fetched_at is None:
                    cur = conn.execute("UPDATE items SET last_seen = ?, doc = json_set(doc, "
                                       f"'$.last_seen', json(?)) WHERE url IN ({marks})",
                                       [col, stamp, *chunk])
                else:
                    cur = conn.execute("UPDATE items SET last_seen = ?, doc = json_set(doc, "
                                       "'$.last_seen', json(?), '$.fetched_at', json(?)) "
                                       f"WHERE url IN ({marks})",
                                       [col, stamp, dumps(fetched_at), *chunk])
                touched += cur.rowcount
                if apps:
                    conn.execute("UPDATE apps SET last_seen = ?, doc = json_set(doc, '$.last_seen', "
                                 f"json(?)) WHERE json_extract(doc, '$.url') IN ({marks})",
                                 [col, stamp, *chunk])
        return touched

    def item_states(self, source: str | None = None) -> dict[str, tuple[str, str]]:
        sql = ("SELECT url, json_extract(doc, '$.content_hash'), json_extract(doc, '$.judged_by') "
               "FROM items")
        params: list = []
        if source is not None:
            sql += " WHERE source = ?"
            params.append(c.check_str("source", source))
        with self._errors():
            return {url: (h or "", j or "") for url, h, j in self._conn().execute(sql, params)}

    def set_judged_by(self, urls, model_version: str) -> int:
        urls = check_urls(urls)
        version = c.check_str("model_version", model_version)
        n = 0
        with self._tx() as conn:
            for start in range(0, len(urls), CHUNK):
                chunk = urls[start:start + CHUNK]
                n += conn.execute("UPDATE items SET doc = json_set(doc, '$.judged_by', ?) "
                                  f"WHERE url IN ({', '.join('?' * len(chunk))})",
                                  [version, *chunk]).rowcount
        return n


class MongoSeen:
    """For ``MongoStore`` (uses its ``db``, ``_errors`` and ``now``).

    One ``update_many`` by ``$in`` over ``_id`` per call: FerretDB 1.24 answers
    it with one pass over the collection (benchmarks/store/README.md), where
    an unchanged item through ``upsert_items`` costs a pass each; MongoDB
    answers it from the ``_id`` index."""

    def touch_items(self, urls, fetched_at=None, *, apps: bool = True) -> int:
        urls, fetched_at = check_urls(urls), _when(fetched_at)
        if not urls:
            return 0
        with self._errors():
            now = self.now()
            fields = {"last_seen": now}
            if fetched_at is not None:
                fields["fetched_at"] = fetched_at
            res = self.db.items.update_many({"_id": {"$in": urls}}, {"$set": fields})
            if apps:
                self.db.apps.update_many({"url": {"$in": urls}}, {"$set": {"last_seen": now}})
        return res.matched_count

    def item_states(self, source: str | None = None) -> dict[str, tuple[str, str]]:
        query = {} if source is None else {"source": c.check_str("source", source)}
        with self._errors():
            return {d["_id"]: (d.get("content_hash") or "", d.get("judged_by") or "")
                    for d in self.db.items.find(query, {"content_hash": 1, "judged_by": 1})}

    def set_judged_by(self, urls, model_version: str) -> int:
        urls = check_urls(urls)
        version = c.check_str("model_version", model_version)
        if not urls:
            return 0
        with self._errors():
            return self.db.items.update_many({"_id": {"$in": urls}},
                                             {"$set": {"judged_by": version}}).matched_count
