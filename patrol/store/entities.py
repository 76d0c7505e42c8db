"""Identifiers of flagged items and the cases they link: the ``entities`` and
``links`` operations of the Store contract, one mixin per backend
(``SQLiteEntities``, ``MongoEntities``). The linking itself is
``patrol.cases``; the store only keeps and finds.

entities  one per (flag, identifier)::

              id, flag_id, url, source, category, type, value,
              key ("type:value", what links), raw, field, start, end, passage, at

links     one per flag that belongs to a case of two or more flags::

              flag_id, case_id, joined_by (keys it shares with the case), at

Entities are only inserted and deleted, links replaced whole, so each write
is a single-document write on both backends (no read-modify-write). Two
linkers racing on one case leave a membership that the next link of that case
or ``patrol cases rebuild`` recomputes from the entities, which are exact.
Keys come from ``classifiers.identifiers`` and reach queries as bound values
(SQLite ``?``, MongoDB ``$in`` lists of checked strings), never as operators.
"""

from __future__ import annotations

import hashlib
from typing import Iterable, Iterator

from patrol.store import common as c

SQLITE_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS entities (id TEXT PRIMARY KEY, flag_id TEXT NOT NULL, "
    "key TEXT NOT NULL, source TEXT, doc TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS entities_flag ON entities(flag_id)",
    "CREATE INDEX IF NOT EXISTS entities_key ON entities(key, source)",
    "CREATE TABLE IF NOT EXISTS links (flag_id TEXT PRIMARY KEY, case_id TEXT NOT NULL, "
    "doc TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS links_case ON links(case_id)",
)
CHUNK = 500   # values per IN (...) / $in list


def entity_id(flag_id: str, key: str) -> str:
    return hashlib.sha256(f"{flag_id}\n{key}".encode("utf-8")).hexdigest()[:32]


def _strs(field: str, values: Iterable) -> list[str]:
    return [c.check_str(field, v) for v in values]


def _chunks(values: list[str]) -> Iterator[list[str]]:
    for i in range(0, len(values), CHUNK):
        yield values[i:i + CHUNK]


def check_entity(doc: dict, flag_id: str) -> dict:
    if not isinstance(doc, dict):
        raise c.StoreInputError(f"entity must be a dict, got {type(doc).__name__}")
    out = c.normalize(doc)
    out["flag_id"] = flag_id
    out["key"] = c.check_str("entity key", out.get("key"))
    out["source"] = str(out.get("source") or "")
    out["id"] = entity_id(flag_id, out["key"])
    return out


class SQLiteEntities:
    """For ``SQLiteStore`` (uses its ``_tx``, ``_errors`` and ``_conn``)."""

    _entities_ready = False

    def _ent_conn(self):
        conn = self._conn()
        if not self._entities_ready:
            with self._errors():
                for statement in SQLITE_SCHEMA:
                    conn.execute(statement)
            self._entities_ready = True
        return conn

    def replace_entities(self, flag_id: str, entities: list[dict]) -> int:
        """The flag's identifiers become ``entities`` (the old ones go)."""
        from patrol.store.sqlite_read import dumps
        c.check_str("flag_id", flag_id)
        docs = {d["id"]: d for d in (check_entity(e, flag_id) for e in entities)}
        self._ent_conn()
        with self._tx() as conn:
            conn.execute("DELETE FROM entities WHERE flag_id = ?", (flag_id,))
            conn.executemany("INSERT INTO entities (id, flag_id, key, source, doc) VALUES (?, ?, ?, ?, ?)",
                             [(d["id"], flag_id, d["key"], d["source"], dumps(d)) for d in docs.values()])
        return len(docs)

    def delete_entities(self, flag_ids: Iterable[str]) -> int:
        ids = _strs("flag_id", flag_ids)
        self._ent_conn()
        n = 0
        with self._tx() as conn:
            for chunk in _chunks(ids):
                n += conn.execute(f"DELETE FROM entities WHERE flag_id IN ({','.join('?' * len(chunk))})",
                                  chunk).rowcount
        return n

    def find_entities(self, *, flag_ids: Iterable[str] | None = None,
                      keys: Iterable[str] | None = None) -> list[dict]:
        from patrol.store.sqlite_read import loads
        column, values = ("flag_id", _strs("flag_id", flag_ids)) if flag_ids is not None \
            else ("key", _strs("key", keys or []))
        conn = self._ent_conn()
        out = []
        with self._errors():
            for chunk in _chunks(values):
                out += [loads(r[0]) for r in conn.execute(
                    f"SELECT doc FROM entities WHERE {column} IN ({','.join('?' * len(chunk))})", chunk)]
        return out

    def entity_source_counts(self, keys: Iterable[str]) -> dict[str, int]:
        """{key: number of distinct sources whose flags show it}."""
        conn = self._ent_conn()
        out: dict[str, int] = {}
        with self._errors():
            for chunk in _chunks(_strs("key", keys)):
                out.update(conn.execute(
                    f"SELECT key, COUNT(DISTINCT source) FROM entities WHERE key IN "
                    f"({','.join('?' * len(chunk))}) GROUP BY key", chunk).fetchall())
        return out

    def iter_entity_keys(self) -> Iterator[tuple[str, str, str]]:
        """(flag_id, key, source) of every entity, for a rebuild."""
        conn = self._ent_conn()
        with self._errors():
            yield from conn.execute("SELECT flag_id, key, source FROM entities")

    def put_links(self, links: list[dict], *, fresh: bool = False) -> None:
        """Write memberships (replacing a flag's old one; ``fresh``: none exist,
        after ``delete_links(None)``, so they are plain inserts)."""
        from patrol.store.sqlite_read import dumps
        docs = [c.normalize(d) for d in links]
        self._ent_conn()
        with self._tx() as conn:
            conn.executemany("INSERT OR REPLACE INTO links (flag_id, case_id, doc) VALUES (?, ?, ?)",
                             [(c.check_str("flag_id", d.get("flag_id")),
                               c.check_str("case_id", d.get("case_id")), dumps(d)) for d in docs])

    def delete_links(self, flag_ids: Iterable[str] | None = None) -> int:
        """Drop the memberships of ``flag_ids`` (of every flag when None)."""
        self._ent_conn()
        with self._tx() as conn:
            if flag_ids is None:
                return conn.execute("DELETE FROM links").rowcount
            n = 0
            for chunk in _chunks(_strs("flag_id", flag_ids)):
                n += conn.execute(f"DELETE FROM links WHERE flag_id IN ({','.join('?' * len(chunk))})",
                                  chunk).rowcount
            return n

    def find_links(self, *, flag_ids: Iterable[str] | None = None,
                   case_ids: Iterable[str] | None = None) -> list[dict]:
        from patrol.store.sqlite_read import loads
        column, values = ("flag_id", _strs("flag_id", flag_ids)) if flag_ids is not None \
            else ("case_id", _strs("case_id", case_ids or []))
        conn = self._ent_conn()
        out = []
        with self._errors():
            for chunk in _chunks(values):
                out += [loads(r[0]) for r in conn.execute(
                    f"SELECT doc FROM links WHERE {column} IN ({','.join('?' * len(chunk))})", chunk)]
        return out

    def list_cases(self, *, skip: int = 0, limit: int = 50) -> tuple[list[dict], int]:
        """([{"case_id", "flags": n}], total), largest first."""
        skip, limit = c.check_page(skip, limit)
        conn = self._ent_conn()
        with self._errors():
            rows = conn.execute("SELECT case_id, COUNT(*) AS n FROM links GROUP BY case_id "
                                "ORDER BY n DESC, case_id LIMIT ? OFFSET ?", (limit, skip)).fetchall()
            total = conn.execute("SELECT COUNT(DISTINCT case_id) FROM links").fetchone()[0]
        return [{"case_id": cid, "flags": n} for cid, n in rows], total


class MongoEntities:
    """For ``MongoStore``: collections ``entities`` (``_id`` the entity id, indexes
    on flag_id and key) and ``links`` (``_id`` the flag id, index on case_id)."""

    _entities_ready = False

    def _ents(self, name: str = "entities"):
        if not self._entities_ready:
            with self._errors():
                self._collection("entities").create_index("flag_id")
                self._collection("entities").create_index([("key", 1), ("source", 1)])
                self._collection("links").create_index("case_id")
            self._entities_ready = True
        return self._collection(name)

    def replace_entities(self, flag_id: str, entities: list[dict]) -> int:
        c.check_str("flag_id", flag_id)
        docs = {d["id"]: d for d in (check_entity(e, flag_id) for e in entities)}
        coll = self._ents()
        with self._errors():
            coll.delete_many({"flag_id": flag_id})
            if docs:
                from pymongo.errors import BulkWriteError
                try:  # plain inserts (an upsert is a query and a write on FerretDB)
                    coll.insert_many([{**d, "_id": i} for i, d in docs.items()], ordered=False)
                except BulkWriteError as exc:  # the same flag relinked at once elsewhere: same rows
                    if any(e.get("code") != 11000 for e in exc.details.get("writeErrors", [])):
                        raise
        return len(docs)

    def delete_entities(self, flag_ids: Iterable[str]) -> int:
        coll, n = self._ents(), 0
        with self._errors():
            for chunk in _chunks(_strs("flag_id", flag_ids)):
                n += coll.delete_many({"flag_id": {"$in": chunk}}).deleted_count
        return n

    def find_entities(self, *, flag_ids: Iterable[str] | None = None,
                      keys: Iterable[str] | None = None) -> list[dict]:
        field, values = ("flag_id", _strs("flag_id", flag_ids)) if flag_ids is not None \
            else ("key", _strs("key", keys or []))
        coll, out = self._ents(), []
        with self._errors():
            for chunk in _chunks(values):
                out += [c.public(d) for d in coll.find({field: {"$in": chunk}}, {"_id": 0})]
        return out

    def entity_source_counts(self, keys: Iterable[str]) -> dict[str, int]:
        coll, out = self._ents(), {}
        with self._errors():
            for chunk in _chunks(_strs("key", keys)):
                rows = coll.aggregate([
                    {"$match": {"key": {"$in": chunk}}},
                    {"$group": {"_id": {"k": "$key", "s": "$source"}}},
                    {"$group": {"_id": "$_id.k", "n": {"$sum": 1}}}])
                out.update({r["_id"]: r["n"] for r in rows})
        return out

    def iter_entity_keys(self) -> Iterator[tuple[str, str, str]]:
        coll = self._ents()
        with self._errors():
            for d in coll.find({}, {"_id": 0, "flag_id": 1, "key": 1, "source": 1}, batch_size=5000):
                yield d["flag_id"], d["key"], d.get("source", "")

    def put_links(self, links: list[dict], *, fresh: bool = False) -> None:
        from pymongo import ReplaceOne
        docs = [c.normalize(d) for d in links]
        coll = self._ents("links")
        if fresh:
            with self._errors():
                for i in range(0, len(docs), 5000):
                    coll.insert_many([{**d, "_id": c.check_str("flag_id", d.get("flag_id")),
                                       "case_id": c.check_str("case_id", d.get("case_id"))}
                                      for d in docs[i:i + 5000]], ordered=False)
            return
        ops = [ReplaceOne({"_id": c.check_str("flag_id", d.get("flag_id"))},
                          {**d, "_id": d["flag_id"], "case_id": c.check_str("case_id", d.get("case_id"))},
                          upsert=True) for d in docs]
        coll = self._ents("links")
        with self._errors():
            for i in range(0, len(ops), 1000):
                coll.bulk_write(ops[i:i + 1000], ordered=False)

    def delete_links(self, flag_ids: Iterable[str] | None = None) -> int:
        coll = self._ents("links")
        with self._errors():
            if flag_ids is None:
                return coll.delete_many({}).deleted_count
            return sum(coll.delete_many({"_id": {"$in": chunk}}).deleted_count
                       for chunk in _chunks(_strs("flag_id", flag_ids)))

    def find_links(self, *, flag_ids: Iterable[str] | None = None,
                   case_ids: Iterable[str] | None = None) -> list[dict]:
        field, values = ("_id", _strs("flag_id", flag_ids)) if flag_ids is not None \
            else ("case_id", _strs("case_id", case_ids or []))
        coll, out = self._ents("links"), []
        with self._errors():
            for chunk in _chunks(values):
                out += [c.public({k: v for k, v in d.items() if k != "_id"})
                        for d in coll.find({field: {"$in": chunk}})]
        return out

    def list_cases(self, *, skip: int = 0, limit: int = 50) -> tuple[list[dict], int]:
        skip, limit = c.check_page(skip, limit)
        coll = self._ents("links")
        with self._errors():
            # No $skip in the shared subset: take skip + limit, cut here.
            rows = list(coll.aggregate([{"$group": {"_id": "$case_id", "n": {"$sum": 1}}},
                                        {"$sort": {"n": -1, "_id": 1}},
                                        {"$limit": skip + limit}])) if limit else []
            total = next(iter(coll.aggregate([{"$group": {"_id": "$case_id"}}, {"$count": "n"}])),
                         {"n": 0})["n"]
        return [{"case_id": r["_id"], "flags": r["n"]} for r in rows[skip:]], total
