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

Also missing in FerretDB 1.24.2 (checked against it, so not used here):
``$dateToString`` and other date operators (the day bucket is stored as
``created_day``), ``$facet``, ``$lookup``, transactions, and a faithful
``$setOnInsert`` (it drops null and empty-array fields from the new document).
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import logging
import random
import time
from typing import Iterator

import pymongo
from bson.errors import InvalidDocument
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
from patrol.store.users import MongoUsers

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


class MongoStore(MongoReads, MongoUsers, SharedStore):
    backend = "mongodb"

    def __init__(self, url: str, timeout: float = 5.0):
        self.url = url
        self.timeout = float(timeout)
        self._swaps = 0
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
                self._sweep()
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
        except InvalidDocument as exc:
            raise c.StoreInputError(f"{where}: cannot store this document: {exc}") from exc

    def _collection(self, name: str):
        return self.db[name]

    def close(self) -> None:
        self.client.close()

    def ping(self) -> None:
        with self._errors():
            self.db.command("ping")

    # -- atomic read-modify-write ------------------------------------------------
    def _attempts(self, what: str) -> Iterator[int]:
        """Retry loop for optimistic writes: back off a little, give up after
        ``max(timeout, 10)`` seconds of losing every race."""
        deadline = time.monotonic() + max(self.timeout, 10.0)
        attempt = 0
        while True:
            yield attempt
            attempt += 1
            if time.monotonic() > deadline:
                raise StoreUnavailable(f"{what}: gave up after {attempt} attempts lost to "
                                       "concurrent writers")
            time.sleep(random.uniform(0, min(0.05, 0.002 * attempt)))

    def _ticket(self, table: str, ident: str, rev: int) -> int | None:
        """Win the right to write the revision after ``rev``: the revision number
        to write, or None when another writer holds it."""
        target = rev + 1
        while True:
            now = c.utcnow()
            try:
                self.db.revisions.insert_one({"_id": f"{table}:{ident}:{target}", "at": now})
                return target
            except DuplicateKeyError:
                held = self.db.revisions.find_one({"_id": f"{table}:{ident}:{target}"})
                if held is None or now - held["at"] < STALE_TICKET:
                    return None
                target += 1  # its writer died between ticket and write: skip that revision

    def _swap(self, table: str, old: dict, new: dict) -> bool:
        """Write ``new`` over ``old`` unless another writer changed it since it was read."""
        target = self._ticket(table, old["_id"], old.get("_rev", 0))
        if target is None:
            return False
        self.db[table].replace_one({"_id": old["_id"]}, {**new, "_id": old["_id"], "_rev": target})
        self._swaps += 1
        if self._swaps % 2000 == 0:
            self._sweep()
        return True

    def _sweep(self) -> None:
        self.db.revisions.delete_many({"at": {"$lt": c.utcnow() - TICKET_TTL}})

    def _mutate(self, table: str, key: tuple, what: str, rule) -> dict:
        with self._errors():
            for _ in self._attempts(f"{what} {'/'.join(key)}"):
                old = self.db[table].find_one({"_id": doc_key(table, key)})
                if old is None:
                    raise NotFound(f"no {what} {'/'.join(key)}")
                new = rule(strip(old), c.utcnow())
                if self._swap(table, old, new):
                    return c.public(new)

    def _upsert(self, table: str, key: tuple, plan):
        """Insert or swap the document ``key``; ``plan(old or None) -> (result, doc or None)``."""
        ident = doc_key(table, key)
        with self._errors():
            for _ in self._attempts(f"{table} {'/'.join(key)}"):
                old = self.db[table].find_one({"_id": ident})
                result, doc = plan(strip(old) if old else None)
                if doc is None:
                    return result
                if old is None:
                    try:
                        self.db[table].insert_one({**doc, "_id": ident, "_rev": 0})
                        return result
                    except DuplicateKeyError:
                        continue  # another writer inserted it first: plan again
                if self._swap(table, old, doc):
                    return result

    # -- writes -------------------------------------------------------------------
    def upsert_item(self, item: dict):
        url = c.check_str("item url", item.get("url") if isinstance(item, dict) else None)
        return self._upsert("items", (url,), lambda old: logic.plan_item(old, item, c.utcnow()))

    def upsert_items(self, items):
        """One read and one bulk write for new and unchanged items; changed ones
        (and any that lost a race) go through ``upsert_item``."""
        items = list(items)
        urls = [c.check_str("item url", i.get("url") if isinstance(i, dict) else None)
                for i in items]
        first = {}
        for n, url in enumerate(urls):
            first.setdefault(url, n)
        results: list = [None] * len(items)
        ops, op_index = [], []
        with self._errors():
            olds = {d["_id"]: d for d in self.db.items.find({"_id": {"$in": list(first)}})}
            now = c.utcnow()
            for url, n in first.items():
                old = olds.get(url)
                result, doc = logic.plan_item(strip(old) if old else None, items[n], now)
                if old is None:
                    ops.append(InsertOne({**doc, "_id": url, "_rev": 0}))
                elif result.status == "unchanged":
                    ops.append(UpdateOne({"_id": url}, {"$set": {
                        k: doc[k] for k in ("last_seen", "fetched_at") if k in doc}}))
                else:
                    continue
                results[n] = result
                op_index.append(n)
            if ops:
                try:
                    self.db.items.bulk_write(ops, ordered=False)
                except BulkWriteError as exc:
                    for err in exc.details.get("writeErrors", []):
                        n = op_index[err["index"]]
                        if err.get("code") != 11000:
                            raise StoreError(f"upsert of {urls[n]} failed: {err.get('errmsg')}") from exc
                        results[n] = None  # inserted by someone else meanwhile
        for n in range(len(items)):
            if results[n] is None:
                results[n] = self.upsert_item(items[n])
        return results

    def raise_flag(self, *, url, category, score, priority, verdict, evidence, model_version,
                   content_hash, source="", kind="page", title="") -> RaiseResult:
        f = logic.check_raise(url=url, category=category, score=score, priority=priority,
                              verdict=verdict, evidence=evidence, model_version=model_version,
                              content_hash=content_hash, source=source, kind=kind, title=title)
        ident = c.flag_id(f["url"], f["category"])
        status = self._upsert("flags", (ident,),
                              lambda old: logic.plan_raise(old, f, c.utcnow()))
        return RaiseResult(ident, status)

    def claim_next(self, analyst, *, lease_seconds=DEFAULT_LEASE_SECONDS, category=None,
                   source=None, kind=None):
        c.check_str("analyst", analyst)
        c.check_lease(lease_seconds)
        filters = self._filter(self._flag_filters(category=category, source=source, kind=kind))
        with self._errors():
            for _ in self._attempts(f"claim for {analyst}"):
                now = c.utcnow()
                query = {"$or": [{"status": "pending"}, {"status": "in_review", "claim": None},
                                 {"status": "in_review", "claim.lease_until": {"$lte": now}}],
                         **filters}
                candidates = list(self.db.flags.find(
                    query, sort=[("priority", -1), ("created_at", 1), ("_id", 1)], limit=8))
                if not candidates:
                    return None
                for old in candidates:  # the best one another analyst did not just take
                    new = logic.do_claim(strip(old), analyst, lease_seconds, now)
                    if self._swap("flags", old, new):
                        return c.public(new)

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
