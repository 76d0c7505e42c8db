"""The production store: MongoDB (or a compatible server such as FerretDB) via pymongo.

Only what compatible servers share is used: CRUD, unique indexes and
``aggregate`` with ``$group``; no transactions.

Atomic read-modify-write without trusting conditional updates: FerretDB 1.24
runs ``findAndModify`` and ``update`` as "query, then write by _id" with no
isolation (measured: two threads claimed 385 times from 200 flags with
``find_one_and_update``). The one thing every compatible server enforces
atomically is a unique index. So a writer that read revision ``r`` of a
document first inserts the ticket ``{_id: "<table>:<id>:<r+1>"}`` into
``revisions``; only the writer that got the ticket writes revision ``r+1``,
the others re-read and retry (``_swap``). New documents are inserted under
the unique ``_id``/key indexes and a DuplicateKeyError means "someone was
first: plan again". Keys are ``_id`` values (url, derived flag id, app key)
because FerretDB only uses an index for ``_id`` lookups.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import logging
import random
import time
from typing import Iterator

import pymongo
from pymongo import InsertOne, UpdateOne
from pymongo.errors import (BulkWriteError, ConfigurationError, ConnectionFailure,
                            DuplicateKeyError, InvalidName, InvalidURI, OperationFailure,
                            PyMongoError)

from patrol.store import common as c
from patrol.store import logic
from patrol.store.base import (DEFAULT_LEASE_SECONDS, NotFound, RaiseResult, StoreConfigError,
                               StoreError, StoreUnavailable, redact_url)
from patrol.store.mongo_read import MongoReads, strip
from patrol.store.shared import SharedStore

log = logging.getLogger(__name__)

STALE_TICKET = _dt.timedelta(seconds=60)   # a writer that held a ticket this long crashed
TICKET_TTL = _dt.timedelta(hours=1)        # tickets older than this are swept
INDEXES = {
    "items": [([("url", 1)], True), ([("kind", 1)], False), ([("source", 1)], False),
              ([("last_seen", -1)], False)],
    "flags": [([("url", 1), ("category", 1)], True),
              ([("status", 1), ("priority", -1), ("created_at", 1)], False),
              ([("category", 1)], False), ([("source", 1)], False), ([("created_at", -1)], False)],
    "apps": [([("store", 1), ("app_id", 1)], True), ([("minor_relevant", 1)], False)],
    "runs": [([("started_at", -1)], False), ([("source", 1)], False)],
    "revisions": [([("at", 1)], False)],
}


def doc_key(table: str, key: tuple) -> str:
    """The ``_id`` of a document from its natural key."""
    return c.app_key(*key) if table == "apps" else key[0]


class MongoStore(MongoReads, SharedStore):
    backend = "mongodb"

    def __init__(self, url: str, timeout: float = 5.0):
        self.url = url
        self.timeout = float(timeout)
        ms = max(1, int(self.timeout * 1000))
        try:
            self.client = pymongo.MongoClient(
                url, tz_aware=True, tzinfo=c.UTC, serverSelectionTimeoutMS=ms,
                connectTimeoutMS=ms, socketTimeoutMS=max(30_000, 6 * ms), appname="content-patrol")
        except (InvalidURI, ConfigurationError, ValueError, TypeError) as exc:
            raise StoreConfigError(f"store URL {redact_url(url)}: {exc}") from exc
        try:
            if not self.client.write_concern.acknowledged:
                raise StoreConfigError(f"store URL {redact_url(url)}: w=0 is not allowed; "
                                       "the store needs acknowledged writes")
            self.db = self.client.get_default_database("patrol")
        except (ConfigurationError, InvalidName) as exc:
            self.client.close()
            raise StoreConfigError(f"store URL {redact_url(url)}: bad database name: {exc}") from exc
        except StoreError:
            self.client.close()
            raise
        try:
            with self._errors():
                for name, indexes in INDEXES.items():
                    for keys, unique in indexes:
                        self.db[name].create_index(keys, unique=unique)
        except StoreError:
            self.client.close()
            raise

    # -- connection -------------------------------------------------------------
    @contextlib.contextmanager
    def _errors(self) -> Iterator[None]:
        where = f"mongodb store {redact_url(self.url)}"
        try:
            yield
        except ConnectionFailure as exc:
            reason = str(exc).split(", Timeout:")[0].split(" (configured timeouts")[0][:200]
            raise StoreUnavailable(f"{where}: server unreachable within {self.timeout:g} s "
                                   f"({reason})") from exc
        except OperationFailure as exc:
            msg = (exc.details or {}).get("errmsg") or str(exc)
            raise StoreError(f"{where}: {msg} (code {exc.code})") from exc
        except PyMongoError as exc:
            raise StoreError(f"{where}: {exc}") from exc

    def _collection(self, name: str):
        return self.db[name]

    def close(self) -> None:
        self.client.close()

    def ping(self) -> None:
        with self._errors():
            self.db.command("ping")

    # -- documents --------------------------------------------------------------
    @staticmethod
    def _key(table: str, key: tuple) -> dict:
        if table == "items":
            return {"url": key[0]}
        if table == "apps":
            return {"store": key[0], "app_id": key[1]}
        return {"_id": key[0]}

    def _swap(self, table: str, old: dict, new: dict) -> bool:
        """Replace ``old`` by ``new`` unless someone changed it since it was read."""
        rev = old.get("_rev", 0)
        res = self.db[table].replace_one({"_id": old["_id"], "_rev": rev},
                                         {**new, "_id": old["_id"], "_rev": rev + 1})
        return res.matched_count == 1

    def _mutate(self, table: str, key: tuple, what: str, rule) -> dict:
        with self._errors():
            for _ in range(RETRIES):
                old = self.db[table].find_one(self._key(table, key))
                if old is None:
                    raise NotFound(f"no {what} {'/'.join(key)}")
                new = rule(strip(old), c.utcnow())
                if self._swap(table, old, new):
                    return c.public(new)
        raise StoreUnavailable(f"{what} {'/'.join(key)}: gave up after {RETRIES} concurrent updates")

    def _upsert(self, table: str, key: tuple, plan) -> object:
        """Insert or compare-and-swap the document ``key``; ``plan(old) -> (result, doc)``."""
        with self._errors():
            for _ in range(RETRIES):
                old = self.db[table].find_one(self._key(table, key))
                result, doc = plan(strip(old) if old else None)
                if doc is None:
                    return result
                if old is None:
                    ident = doc.get("id")
                    try:
                        self.db[table].insert_one({**doc, **({"_id": ident} if ident else {}),
                                                   "_rev": 0})
                        return result
                    except DuplicateKeyError:
                        continue  # another writer inserted it first: plan again
                if self._swap(table, old, doc):
                    return result
        raise StoreUnavailable(f"{table} {'/'.join(key)}: gave up after {RETRIES} concurrent updates")

    # -- writes -------------------------------------------------------------------
    def upsert_item(self, item: dict):
        url = c.check_str("item url", item.get("url") if isinstance(item, dict) else None)
        return self._upsert("items", (url,),
                            lambda old: logic.plan_item(old, item, c.utcnow()))

    def upsert_items(self, items):
        items = list(items)
        urls = [c.check_str("item url", i.get("url") if isinstance(i, dict) else None)
                for i in items]
        results: list = [None] * len(items)
        first: dict[str, int] = {}
        for n, url in enumerate(urls):
            first.setdefault(url, n)
        with self._errors():
            olds = {d["url"]: d for d in self.db.items.find({"url": {"$in": list(first)}})}
            ops, op_index = [], []
            now = c.utcnow()
            for url, n in first.items():
                old = olds.get(url)
                results[n], doc = logic.plan_item(strip(old) if old else None, items[n], now)
                rev = old.get("_rev", 0) if old else -1
                # An upsert on (url, _rev): if another writer changed or inserted the
                # document meanwhile, it fails on the unique url index and is redone alone.
                ops.append(ReplaceOne({"url": url, "_rev": rev}, {**doc, "_rev": rev + 1},
                                      upsert=True))
                op_index.append(n)
            failed: set[int] = set()
            if ops:
                try:
                    self.db.items.bulk_write(ops, ordered=False)
                except BulkWriteError as exc:
                    for err in exc.details.get("writeErrors", []):
                        if err.get("code") != 11000:
                            raise StoreError(f"upsert of {urls[op_index[err['index']]]} failed: "
                                             f"{err.get('errmsg')}") from exc
                        failed.add(op_index[err["index"]])
        for n in range(len(items)):  # conflicts and repeated urls, one at a time
            if results[n] is None or n in failed:
                results[n] = self.upsert_item(items[n])
        return results

    def raise_flag(self, *, url, category, score, priority, verdict, evidence, model_version,
                   content_hash, source="", kind="page", title="") -> RaiseResult:
        f = logic.check_raise(url=url, category=category, score=score, priority=priority,
                              verdict=verdict, evidence=evidence, model_version=model_version,
                              content_hash=content_hash, source=source, kind=kind, title=title)
        with self._errors():
            for _ in range(RETRIES):
                old = self.db.flags.find_one({"url": f["url"], "category": f["category"]})
                status, doc = logic.plan_raise(strip(old) if old else None, f, c.utcnow())
                if doc is None:
                    return RaiseResult(old["_id"], status)
                if old is None:
                    # An upsert that can only insert (no stored flag has _rev -1): if another
                    # writer raised the flag meanwhile, the unique (url, category) index
                    # refuses it and we plan again. Not $setOnInsert: FerretDB 1.24 drops
                    # null and empty-array fields from a $setOnInsert document.
                    try:
                        self.db.flags.replace_one(
                            {"url": f["url"], "category": f["category"], "_rev": -1},
                            {**doc, "_id": doc["id"], "_rev": 0}, upsert=True)
                    except DuplicateKeyError:
                        continue
                    return RaiseResult(doc["id"], status)
                if self._swap("flags", old, doc):
                    return RaiseResult(old["_id"], status)
        raise StoreUnavailable(f"flag {url} {category}: gave up after {RETRIES} concurrent updates")

    def claim_next(self, analyst, *, lease_seconds=DEFAULT_LEASE_SECONDS, category=None,
                   source=None, kind=None):
        c.check_str("analyst", analyst)
        c.check_lease(lease_seconds)
        now = c.utcnow()
        fields = logic.claim_fields(analyst, lease_seconds, now)
        query = {"$or": [{"status": "pending"}, {"status": "in_review", "claim": None},
                         {"status": "in_review", "claim.lease_until": {"$lte": now}}],
                 **self._filter(self._flag_filters(category=category, source=source, kind=kind))}
        update = {"$set": fields, "$inc": {"_rev": 1},
                  "$push": {"history": logic.entry("claimed", analyst, now,
                                                   lease_until=fields["claim"]["lease_until"])}}
        with self._errors():
            doc = self.db.flags.find_one_and_update(
                query, update, sort=[("priority", -1), ("created_at", 1), ("_id", 1)],
                return_document=ReturnDocument.AFTER)
        return c.public(strip(doc)) if doc else None

    def upsert_app(self, app: dict) -> str:
        if not isinstance(app, dict):
            raise c.StoreInputError(f"app must be a dict, got {type(app).__name__}")
        key = (c.check_str("app store", app.get("store")), c.check_str("app_id", app.get("app_id")))
        return self._upsert("apps", key, lambda old: logic.plan_app(old, app, c.utcnow()))

    def start_run(self, source: str, *, trigger: str = "manual", meta: dict | None = None) -> str:
        doc = logic.new_run(source, trigger, meta, c.utcnow())
        with self._errors():
            self.db.runs.insert_one({**doc, "_id": doc["id"], "_rev": 0})
        return doc["id"]
