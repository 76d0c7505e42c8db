"""How ``MongoStore`` makes one document's read-modify-write atomic (a mixin).

Every document carries a revision counter ``_rev``. A writer reads revision
``r``, applies a rule from ``logic`` and writes revision ``r+1`` only if
nobody else wrote ``r+1`` first. How that "only if" is enforced depends on the
server, and is detected when the store opens (``detect_atomic``), not assumed:

**Servers whose updates are atomic (MongoDB).** The write is one
``update_one({_id, _rev: r}, {$set.., $push.., $inc: {_rev: 1}})``: the
server matches and writes in one step, so ``matched_count == 0`` means "lost
the race: re-read". History is ``$push``-ed, never rewritten. No tickets.

**FerretDB 1.x.** It answers ``update``/``findAndModify`` by a query and a
separate write by ``_id`` (``internal/handler/msg_update.go``: ``Query``, then
``UpdateAll``), so a conditional update is not a compare-and-swap: two
writers that read ``r`` may both match. The one thing it enforces atomically
is a unique ``_id`` on insert. So revision ``r+1`` is *decided* by inserting
its change into ``revisions`` under ``_id = "<table>:<id>:<r+1>"``: the change
(``logic.delta`` from ``r``) is the revision, and of two writers exactly one
inserts it. Writing the document itself is only materialising that log:

- a writer whose insert fails re-reads, rolls the document forward through the
  logged revisions (``_roll_forward``) and plans again on the newest one;
- a writer killed between its insert and its write blocks nobody: the next
  reader finds revision ``r+1`` logged and materialises it;
- a writer paused for any time (SIGSTOP, a swapped-out VM) that resumes and
  writes an old revision over a newer one is repaired by its own check
  after every write (is ``r+2`` logged? then roll forward), so the document
  converges to the newest logged revision; nothing decided is lost.

No ticket ever goes "stale" and no client's clock decides anything here; the
``at`` of a logged revision only lets old ones be swept (``REVISION_TTL``,
by a TTL index where the server has them). The one bound: a writer paused
longer than ``REVISION_TTL`` between its insert and its write would write a
revision whose successors were swept; it refuses to write one older than
half the TTL by its own monotonic clock.
"""

from __future__ import annotations

import datetime as _dt
import logging
import time

from pymongo.errors import DuplicateKeyError, OperationFailure

from patrol.store import common as c
from patrol.store import logic
from patrol.store.mongo_read import strip

log = logging.getLogger(__name__)

REVISION_TTL = _dt.timedelta(days=1)
REPLACE_BULK = 10           # replacements per update command on FerretDB (see _swap_many)
SWEEP_EVERY = 2000          # writes between sweeps where the server has no TTL index


def detect_atomic(db) -> bool:
    """True when the server applies a filtered update atomically.

    FerretDB names itself in ``buildInfo`` (``ferretdbVersion``); 1.x runs
    every update as a query and a separate write (see the module docstring),
    so it gets the revision log (it also ignores ``$push``'s ``$slice``).
    Any other server is taken to be MongoDB, whose single-document updates
    are atomic."""
    info = db.command("buildInfo")
    version = str(info.get("ferretdbVersion") or "")
    if version:
        return False
    return True


def ticket_id(table: str, ident: str, rev: int) -> str:
    return f"{table}:{ident}:{rev}"


def _encode(change: dict) -> dict:
    return {"set": change["set"], "unset": change["unset"], "push": change["push"]}


class Revisions:
    """Expects ``db``, ``atomic``, ``now()`` and ``_writes`` from MongoStore."""

    def _ensure_revision_index(self) -> None:
        """A TTL index on ``revisions.at`` where the server has one; else a sweep."""
        self._ttl = False
        if self.atomic:
            return  # no revisions are written
        try:
            self.db.revisions.create_index([("at", 1)], name="at_ttl",
                                           expireAfterSeconds=int(REVISION_TTL.total_seconds()))
            self._ttl = True
        except OperationFailure:
            self.db.revisions.create_index([("at", 1)])
            self._sweep()

    def _sweep(self) -> None:
        if not self._ttl:
            self.db.revisions.delete_many({"at": {"$lt": self.now() - REVISION_TTL}})

    # -- reading the newest revision ------------------------------------------
    def _read(self, table: str, ident: str) -> dict | None:
        """The stored document (with ``_id``, ``_rev``) at its newest revision."""
        doc = self.db[table].find_one({"_id": ident})
        if doc is None or self.atomic:
            return doc
        return self._roll_forward(table, doc)

    def _logged_after(self, table: str, doc: dict) -> dict:
        """``doc`` with every revision logged after its own applied."""
        while True:
            rev = doc.get("_rev", 0)
            t = self.db.revisions.find_one({"_id": ticket_id(table, doc["_id"], rev + 1)})
            if t is None:
                return doc
            doc = {**logic.apply_delta(strip(doc), t), "_id": doc["_id"], "_rev": rev + 1}

    def _roll_forward(self, table: str, doc: dict) -> dict:
        """Bring the stored document up to its newest logged revision (writing
        it when it was behind); returns that revision."""
        for _ in range(100):
            newest = self._logged_after(table, doc)
            if newest.get("_rev", 0) == doc.get("_rev", 0):
                return newest
            self.db[table].replace_one({"_id": doc["_id"]}, newest)
            doc = newest  # and check again: a writer may have logged more meanwhile
        return doc

    # -- writing the next revision --------------------------------------------
    def _swap(self, table: str, old: dict, new: dict) -> bool:
        """Write ``new`` as the revision after ``old`` (a stored document with
        ``_id``/``_rev``); False when another writer wrote that revision first."""
        ident, rev = old["_id"], old.get("_rev", 0)
        change = logic.delta(strip(old), new)
        if self.atomic:
            res = self.db[table].update_one({"_id": ident, "_rev": rev}, logic.mongo_update(change))
            return res.matched_count == 1
        started = time.monotonic()
        try:
            self.db.revisions.insert_one({"_id": ticket_id(table, ident, rev + 1),
                                          "at": self.now(), **_encode(change)})
        except DuplicateKeyError:
            return False
        self._materialise(table, {**new, "_id": ident, "_rev": rev + 1}, started)
        return True

    def _materialise(self, table: str, doc: dict, logged_at: float) -> None:
        """Write a logged revision into the document, then make sure no newer
        one was logged meanwhile (if one was, this write may have put an older
        revision over it: roll forward)."""
        if time.monotonic() - logged_at < REVISION_TTL.total_seconds() / 2:
            self.db[table].replace_one({"_id": doc["_id"]}, doc)
        # If revision r+2 is logged, this write may have landed over it: bring
        # the document forward again (one lookup by _id when nothing is newer).
        self._roll_forward(table, doc)
        self._writes += 1
        if self._writes % SWEEP_EVERY == 0:
            self._sweep()

    def _swap_many(self, table: str, pairs: list[tuple[dict, dict]]) -> list[bool]:
        """``_swap`` for many documents in two bulk writes; per pair, whether it won.

        Used for items only. Unlike ``_swap`` it does not look for a newer
        logged revision after writing (that would be a lookup per item): an
        item has one writer at a time (a crawl holds its source's lock), and
        the next write or ``_read`` of an item rolls it forward anyway."""
        from pymongo import ReplaceOne, UpdateOne
        from pymongo.errors import BulkWriteError
        if not pairs:
            return []
        changes = [logic.delta(strip(old), new) for old, new in pairs]
        won = [True] * len(pairs)
        if self.atomic:
            # One bulk of conditional updates; which ones matched is not reported
            # per operation, so when some did not, the caller re-does all of them
            # one by one (an update of an unchanged item is idempotent).
            ops = [UpdateOne({"_id": old["_id"], "_rev": old.get("_rev", 0)},
                             logic.mongo_update(ch)) for (old, _), ch in zip(pairs, changes)]
            res = self.db[table].bulk_write(ops, ordered=False)
            return won if res.matched_count == len(ops) else [False] * len(pairs)
        now = self.now()
        tickets = [{"_id": ticket_id(table, old["_id"], old.get("_rev", 0) + 1), "at": now,
                    **_encode(ch)} for (old, _), ch in zip(pairs, changes)]
        try:
            self.db.revisions.insert_many(tickets, ordered=False)
        except BulkWriteError as exc:
            for err in exc.details.get("writeErrors", []):
                if err.get("code") != 11000:
                    raise
                won[err["index"]] = False
        ops = [ReplaceOne({"_id": old["_id"]}, {**new, "_id": old["_id"],
                                                "_rev": old.get("_rev", 0) + 1})
               for (old, new), w in zip(pairs, won) if w]
        # FerretDB 1.24 answers one update command of many replacements in time
        # that grows faster than their number. Measured on a collection of 1,000
        # documents, 500 replacements: in bulks of 10, 9.5 s on its PostgreSQL
        # backend and 33 s on SQLite; in bulks of 100, neither finished within
        # 60 s, and the SQLite one was left stuck (the hang issue 18 saw in
        # upsert_items). So: small bulks.
        for start in range(0, len(ops), REPLACE_BULK):
            self.db[table].bulk_write(ops[start:start + REPLACE_BULK], ordered=False)
        self._writes += len(ops)
        return won
