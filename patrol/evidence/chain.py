"""Each case's append-only chain: capture → decision → takedown → re-checks.

An entry's body is canonical JSON (keys sorted, no spaces, UTF-8)::

    {"flag_id", "seq", "kind", "at", "prev", "data"}

``prev`` is the SHA-256 (hex) of the previous entry's body (None for the
first), and an entry's digest is the SHA-256 of its own body. So an entry
deleted or edited anywhere breaks the link after it, and the last digest,
written into the signed manifest of a package, pins the end of the chain.
In a package the chain is ``evidence/chain.jsonl``: one body per line, which
anyone can check with ``sha256sum`` and a JSON reader.

The store keeps the bodies byte for byte and refuses a second entry with the
same ``seq`` (Conflict), so two writers never fork a chain: the loser reads
the chain again and appends after the winner.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json

from patrol.store import Conflict

ATTEMPTS = 20


def canonical(doc) -> str:
    return json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      allow_nan=False)


def digest(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def iso(value: _dt.datetime) -> str:
    return value.astimezone(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entries(store, flag_id: str) -> list[dict]:
    """The chain of one flag: ``[{"seq", "kind", "at", "body", "digest", "data"}]``."""
    out = []
    for e in store.list_evidence(flag_id):
        out.append({**e, "data": json.loads(e["body"])["data"]})
    return out


def append(store, flag_id: str, kind: str, data: dict, *, at: _dt.datetime | None = None) -> dict:
    """Append one entry after the current end of the chain (retrying when
    another writer appended first); returns the stored entry."""
    at_text = iso(at or _dt.datetime.now(_dt.timezone.utc))
    for _ in range(ATTEMPTS):
        chain = store.list_evidence(flag_id)
        seq = len(chain) + 1
        prev = chain[-1]["digest"] if chain else None
        body = canonical({"flag_id": flag_id, "seq": seq, "kind": kind, "at": at_text,
                          "prev": prev, "data": data})
        try:
            return store.append_evidence(flag_id, seq, kind, at_text, body, digest(body))
        except Conflict:
            continue
    raise Conflict(f"evidence chain of flag {flag_id}: lost {ATTEMPTS} races to append")


def append_once(store, flag_id: str, kind: str, data: dict, key: str, *,
                at: _dt.datetime | None = None) -> dict | None:
    """Append unless an entry of ``kind`` whose ``data[key]`` equals ours is
    there already (a replayed write, a decision already recorded); None then."""
    for e in entries(store, flag_id):
        if e["kind"] == kind and e["data"].get(key) == data.get(key):
            return None
    return append(store, flag_id, kind, data, at=at)


def check_lines(lines: list[str], flag_id: str | None = None) -> list[str]:
    """Problems of a chain given as its body lines (empty list: it holds)."""
    problems = []
    prev = None
    for n, line in enumerate(lines, 1):
        try:
            doc = json.loads(line)
        except ValueError as exc:
            problems.append(f"entry {n}: not JSON ({exc})")
            prev = digest(line)
            continue
        if not isinstance(doc, dict):
            problems.append(f"entry {n}: not a JSON object")
            prev = digest(line)
            continue
        if canonical(doc) != line:
            problems.append(f"entry {n}: not in canonical form (edited?)")
        if doc.get("seq") != n:
            problems.append(f"entry {n}: seq is {doc.get('seq')!r}, expected {n}")
        if doc.get("prev") != prev:
            problems.append(f"entry {n}: does not hold the digest of entry {n - 1}"
                            if n > 1 else "entry 1: has a predecessor digest")
        if flag_id is not None and doc.get("flag_id") != flag_id:
            problems.append(f"entry {n}: belongs to flag {doc.get('flag_id')!r}")
        prev = digest(line)
    return problems
