"""The ``evidence`` collection of the Store contract: each case's append-only
chain (capture → decision → takedown → re-checks), one mixin per backend.

An entry is ``{"flag_id", "seq", "kind", "at", "body", "digest"}``. ``body``
is the entry's canonical JSON text and ``digest`` its SHA-256, both computed
by ``patrol.evidence.chain`` (which also puts the digest of entry ``seq - 1``
inside the body). The store keeps them as opaque strings, so what comes back
is byte for byte what went in, whatever the backend.

A chain must never fork: ``(flag_id, seq)`` is unique (a primary key in
SQLite, the ``_id`` in MongoDB, the one index FerretDB keeps atomic), so of
two writers appending entry *n* one gets Conflict and must read the chain
again. Entries are never updated or deleted by the store.
"""

from __future__ import annotations

from patrol.store import common as c
from patrol.store.base import Conflict

EVIDENCE_KINDS = ("capture", "decision", "takedown", "recheck", "timestamp")

SQLITE_SCHEMA = ("CREATE TABLE IF NOT EXISTS evidence (flag_id TEXT NOT NULL, seq INTEGER NOT NULL, "
                 "kind TEXT NOT NULL, at TEXT NOT NULL, body TEXT NOT NULL, digest TEXT NOT NULL, "
                 "PRIMARY KEY (flag_id, seq))")
SQLITE_INDEX = "CREATE INDEX IF NOT EXISTS evidence_kind ON evidence(kind)"


def check_entry(flag_id, seq, kind, at, body, digest) -> tuple:
    c.check_str("flag_id", flag_id)
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
        raise c.StoreInputError(f"seq must be a positive integer, got {seq!r}")
    c.check_choice("kind", kind, EVIDENCE_KINDS)
    for name, value in (("at", at), ("body", body), ("digest", digest)):
        c.check_str(name, value)
    return flag_id, seq, kind, at, body, digest


def _entry(flag_id, seq, kind, at, body, digest) -> dict:
    return {"flag_id": flag_id, "seq": int(seq), "kind": kind, "at": at, "body": body,
            "digest": digest}


class SQLiteEvidence:
    """Evidence for ``SQLiteStore`` (uses its ``_tx``, ``_errors`` and ``_conn``)."""

    _evidence_ready = False

    def _evidence_conn(self):
        conn = self._conn()
        if not self._evidence_ready:
            conn.execute(SQLITE_SCHEMA)
            conn.execute(SQLITE_INDEX)
            self._evidence_ready = True
        return conn

    def append_evidence(self, flag_id: str, seq: int, kind: str, at: str, body: str,
                        digest: str) -> dict:
        """Add entry ``seq`` of the chain of ``flag_id``; Conflict if it exists."""
        import sqlite3
        row = check_entry(flag_id, seq, kind, at, body, digest)
        with self._errors():
            self._evidence_conn()
        try:
            with self._tx() as conn:
                conn.execute("INSERT INTO evidence VALUES (?, ?, ?, ?, ?, ?)", row)
        except sqlite3.IntegrityError as exc:
            raise Conflict(f"evidence entry {seq} of flag {flag_id} already exists") from exc
        return _entry(*row)

    def list_evidence(self, flag_id: str | None = None, *, kind: str | None = None) -> list[dict]:
        """Entries of one chain (or of every chain), by flag then seq; ``kind`` filters."""
        where, args = [], []
        if flag_id is not None:
            where.append("flag_id = ?")
            args.append(c.check_str("flag_id", flag_id))
        if kind is not None:
            where.append("kind = ?")
            args.append(c.check_choice("kind", kind, EVIDENCE_KINDS))
        sql = "SELECT flag_id, seq, kind, at, body, digest FROM evidence"
        if where:
            sql += " WHERE " + " AND ".join(where)
        with self._errors():
            rows = self._evidence_conn().execute(sql + " ORDER BY flag_id, seq", args).fetchall()
        return [_entry(*r) for r in rows]


class MongoEvidence:
    """Evidence for ``MongoStore``: collection ``evidence``, ``_id`` "<flag_id>:<seq>"."""

    def _evidence(self):
        return self._collection("evidence")

    def append_evidence(self, flag_id: str, seq: int, kind: str, at: str, body: str,
                        digest: str) -> dict:
        from pymongo.errors import DuplicateKeyError
        doc = _entry(*check_entry(flag_id, seq, kind, at, body, digest))
        with self._errors():
            try:
                self._evidence().insert_one({"_id": f"{flag_id}:{seq:08d}", **doc})
            except DuplicateKeyError as exc:
                raise Conflict(f"evidence entry {seq} of flag {flag_id} already exists") from exc
        return doc

    def list_evidence(self, flag_id: str | None = None, *, kind: str | None = None) -> list[dict]:
        query: dict = {}
        if flag_id is not None:
            query["flag_id"] = c.check_str("flag_id", flag_id)
        if kind is not None:
            query["kind"] = c.check_choice("kind", kind, EVIDENCE_KINDS)
        with self._errors():
            docs = list(self._evidence().find(query, {"_id": 0}).sort([("flag_id", 1), ("seq", 1)]))
        return [_entry(d["flag_id"], d["seq"], d["kind"], d["at"], d["body"], d["digest"])
                for d in docs]
