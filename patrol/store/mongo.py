"""The production store: MongoDB (or a compatible server such as FerretDB) via pymongo.

Only what compatible servers share is used: CRUD, unique indexes and
``aggregate`` with ``$group``; no transactions. Each document's
read-modify-write is made atomic by ``mongo_revs.Revisions``: a conditional
update on a server whose updates are atomic (MongoDB), a revision log under a
unique ``_id`` on FerretDB 1.x (detected when the store opens). New documents
are inserted under the unique ``_id``/key indexes and a DuplicateKeyError
means "someone was first: plan again". Keys are ``_id`` values (url, derived
flag id, app key) because FerretDB only uses an index for ``_id`` lookups.

Times (``now``) are the server's: the offset of the server's clock
(``hello.localTime``) from this client's is measured when the store opens and
every ``CLOCK_REFRESH`` seconds, so two clients whose clocks disagree still
agree on whose lease has run out.

Also missing in FerretDB 1.24.2 (checked against it, so not used here):
``$dateToString`` and other date operators (the day bucket is stored as
``created_day``), ``$facet``, ``$lookup``, transactions, TTL indexes, and a
faithful ``$setOnInsert`` (it drops null and empty-array fields from the new
document).
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import logging
import random
import time
from typing import Callable, Iterator

import pymongo
from bson.errors import InvalidDocument
from pymongo import ReturnDocument
from pymongo.errors import (BulkWriteError, ConfigurationError, ConnectionFailure,
                            DuplicateKeyError, InvalidName, InvalidURI, OperationFailure,
                            PyMongoError)

from patrol.store import common as c
from patrol.store import logic
from patrol.store.base import (DEFAULT_LEASE_SECONDS, Conflict, NotFound, RaiseResult,
                               StoreConfigError, StoreError, StoreUnavailable, redact_url)
from patrol.store.entities import MongoEntities
from patrol.store.mongo_queue import MongoQueue
from patrol.store.mongo_read import MongoReads, strip
from patrol.store.mongo_revs import Revisions, detect_atomic
from patrol.store.seen import MongoSeen
from patrol.store.shared import SharedStore
from patrol.store.evidence import MongoEvidence
from patrol.store.users import MongoUsers

log = logging.getLogger(__name__)

CLOCK_REFRESH = 300.0    # seconds between measurements of the server's clock
INDEXES = {
    "items": [([("url", 1)], True), ([("kind", 1)], False), ([("source", 1)], False),
              ([("last_seen", -1)], False)],
    "flags": [([("url", 1), ("category", 1)], True),
              ([("status", 1), ("priority", -1), ("created_at", 1)], False),
              ([("category", 1)], False), ([("source", 1)], False), ([("created_at", -1)], False),
              # the campaign summary's re-check figures (most flags have no recheck)
              ([("recheck.status", 1), ("created_at", 1)], False)],
    "apps": [([("store", 1), ("app_id", 1)], True), ([("minor_relevant", 1)], False),
             ([("url", 1)], False)],  # touch_items: the app of a page seen again
    "runs": [([("started_at", -1)], False), ([("source", 1)], False)],
}


def doc_key(table: str, key: tuple) -> str:
    """The ``_id`` of a document from its natural key."""
    return c.app_key(*key) if table == "apps" else key[0]


class MongoStore(Revisions, MongoSeen, MongoQueue, MongoReads, MongoUsers, MongoEntities, MongoEvidence,
                 SharedStore):
    backend = "mongodb"

    def __init__(self, url: str, timeout: float = 5.0, *,
                 clock: Callable[[], _dt.datetime] | None = None, atomic: bool | None = None):
        """``clock``: this client's wall clock (default: the system's); ``atomic``:
        None detects whether the server's updates are atomic (see mongo_revs)."""
        self.url = url
        self.timeout = float(timeout)
        self._clock = clock or (lambda: c.utcnow())
        self._offset = _dt.timedelta(0)
        self._offset_at = -1e18
        self._writes = 0
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
                self.atomic = detect_atomic(self.db) if atomic is None else bool(atomic)
                self._measure_clock()
                for name, indexes in INDEXES.items():
                    for keys, unique in indexes:
                        self.db[name].create_index(keys, unique=unique)
                self._ensure_revision_index()
        except StoreError:
            self.client.close()
            raise

    # -- connection and time -------------------------------------------------------
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
        except (InvalidDocument, UnicodeEncodeError) as exc:
            raise c.StoreInputError(f"{where}: cannot store this document: {exc}") from exc

    def _measure_clock(self) -> None:
        """Offset of the server's clock from ours (half the round trip assumed each way)."""
        before = self._clock()
        t0 = time.monotonic()
        server = self.db.command("hello").get("localTime")
        rtt = time.monotonic() - t0
        if isinstance(server, _dt.datetime):
            mid = before + _dt.timedelta(seconds=rtt / 2)
            self._offset = c.to_utc(server) - mid
        self._offset_at = time.monotonic()

    def now(self) -> _dt.datetime:
        """The server's time, to the millisecond."""
        if time.monotonic() - self._offset_at > CLOCK_REFRESH:
            with contextlib.suppress(PyMongoError):
                self._measure_clock()
        return c.to_utc(self._clock() + self._offset)

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

    def _mutate(self, table: str, key: tuple, what: str, rule) -> dict:
        ident = doc_key(table, key)
        with self._errors():
            for _ in self._attempts(f"{what} {'/'.join(key)}"):
                old = self._read(table, ident)
                if old is None:
                    raise NotFound(f"no {what} {'/'.join(key)}")
                new = rule(strip(old), self.now())
                if self._swap(table, old, new):
                    return c.public(new)

    def _upsert(self, table: str, key: tuple, plan):
        """Insert or swap the document ``key``; ``plan(old or None) -> (result, doc or None)``."""
        ident = doc_key(table, key)
        with self._errors():
            for _ in self._attempts(f"{table} {'/'.join(key)}"):
                old = self._read(table, ident)
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
        return self._upsert("items", (url,), lambda old: logic.plan_item(old, item, self.now()))

    def upsert_items(self, items):
        """Insert first, read back only what was already there.

        Every item of the batch is planned as new and sent in one unordered
        ``insert_many``: a new item costs one index probe of the unique ``_id``
        (the one index FerretDB 1.24 enforces on every write), so a batch of new
        items costs the same into an empty and a full collection. Only the
        items refused as duplicates are read back, in one ``$in`` over their
        ``_id``s (one collection pass on FerretDB, which answers ``_id``
        equality with a scan too: one pass is cheaper than one per duplicate,
        measured in benchmarks/store/README.md); unchanged ones (and on
        FerretDB, whose revision log says per item who won, changed ones too)
        are planned on what was read and written by ``_swap_many``; the rest,
        and any that lost a race, go through ``upsert_item``."""
        items = list(items)
        urls = [c.check_str("item url", i.get("url") if isinstance(i, dict) else None)
                for i in items]
        first: dict[str, int] = {}
        for n, url in enumerate(urls):
            first.setdefault(url, n)
        results: list = [None] * len(items)
        with self._errors():
            now = self.now()
            planned = {n: logic.plan_item(None, items[n], now) for n in first.values()}
            order = list(first.items())
            duplicates: list[tuple[str, int]] = []
            if order:
                docs = [{**planned[n][1], "_id": url, "_rev": 0} for url, n in order]
                refused: set[int] = set()
                try:
                    self.db.items.insert_many(docs, ordered=False)
                except BulkWriteError as exc:
                    for err in exc.details.get("writeErrors", []):
                        url, n = order[err["index"]]
                        if err.get("code") != 11000:
                            raise StoreError(f"upsert of {url} failed: {err.get('errmsg')}") from exc
                        refused.add(err["index"])
                for i, (url, n) in enumerate(order):
                    if i in refused:
                        duplicates.append((url, n))
                    else:
                        results[n] = planned[n][0]
            if duplicates:
                olds = {d["_id"]: d for d in
                        self.db.items.find({"_id": {"$in": [u for u, _ in duplicates]}})}
                swaps, swap_index = [], []
                for url, n in duplicates:
                    old = olds.get(url)
                    if old is None:
                        continue  # deleted meanwhile: upsert_item below
                    result, doc = logic.plan_item(strip(old), items[n], now)
                    if result.status == "changed" and self.atomic:
                        # MongoDB's bulk does not say which conditional update
                        # missed, and a miss re-does the whole bulk one by one:
                        # only idempotent (unchanged) writes go in it.
                        continue
                    swaps.append((old, doc))  # planned on what was read
                    swap_index.append(n)
                    results[n] = result
                for n, won in zip(swap_index, self._swap_many("items", swaps)):
                    if not won:
                        results[n] = None
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
                              lambda old: logic.plan_raise(old, f, self.now()))
        return RaiseResult(ident, status)

    def claim_next(self, analyst, *, lease_seconds=DEFAULT_LEASE_SECONDS, category=None,
                   source=None, kind=None):
        c.check_str("analyst", analyst)
        c.check_lease(lease_seconds)
        filters = self._filter(self._flag_filters(category=category, source=source, kind=kind))
        order = [("priority", -1), ("created_at", 1), ("_id", 1)]
        with self._errors():
            for _ in self._attempts(f"claim for {analyst}"):
                now = self.now()
                query = {"$or": [{"status": "pending"}, {"status": "in_review", "claim": None},
                                 {"status": "in_review", "claim.lease_until": {"$lte": now}}],
                         **filters}
                if self.atomic:  # one round trip: the server picks and claims
                    fields, entry = logic.claim_change(analyst, lease_seconds, now)
                    doc = self.db.flags.find_one_and_update(
                        query, {"$set": fields, "$push": {"history": entry}, "$inc": {"_rev": 1}},
                        sort=order, return_document=ReturnDocument.AFTER)
                    return c.public(strip(doc)) if doc else None
                candidates = list(self.db.flags.find(query, sort=order, limit=8))
                if not candidates:
                    return None
                for old in candidates:  # the best one another analyst did not just take
                    try:
                        new = logic.do_claim(strip(old), analyst, lease_seconds, now)
                    except Conflict:
                        continue
                    if self._swap("flags", old, new):
                        return c.public(new)
                    self._read("flags", old["_id"])  # lost it: bring it forward for the next look

    def upsert_app(self, app: dict) -> str:
        if not isinstance(app, dict):
            raise c.StoreInputError(f"app must be a dict, got {type(app).__name__}")
        key = (c.check_str("app store", app.get("store")), c.check_str("app_id", app.get("app_id")))
        return self._upsert("apps", key, lambda old: logic.plan_app(old, app, self.now()))

    def start_run(self, source: str, *, trigger: str = "manual", meta: dict | None = None) -> str:
        doc = logic.new_run(source, trigger, meta, self.now())
        with self._errors():
            self.db.runs.insert_one({**doc, "_id": doc["id"], "_rev": 0})
        return doc["id"]
