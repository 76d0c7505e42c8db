"""The store's rules as pure functions on documents, shared by both backends.

Each function takes the stored document (or None) and the request, checks it,
and returns the document to write; the backend only makes the read-modify-write
atomic (a ``BEGIN IMMEDIATE`` transaction in SQLite, a compare-and-swap on the
``_rev`` counter in MongoDB). History entries are only ever appended here.
"""

from __future__ import annotations

import copy
import datetime as _dt
from typing import Any

from patrol.items import content_hash as compute_hash
from patrol.store.base import DECISIONS, HASH_HISTORY, OPEN_STATUSES, Conflict, UpsertResult
from patrol.store import common as c

DOWNLOADS_HISTORY = 400
# Lists that only ever grow at the end (kept to their last N entries when N is
# given): a change to them is written as a push, never by rewriting the list.
APPEND_ONLY = {"history": None, "hashes": HASH_HISTORY, "downloads_history": DOWNLOADS_HISTORY}
_APP_BOOKKEEPING = {"first_seen", "last_seen", "downloads_history", "flag_counts", "fetched_at"}


def entry(action: str, actor: str, at: _dt.datetime, **extra: Any) -> dict:
    return c.normalize({"at": at, "action": action, "actor": actor, **extra})


# -- changes between revisions ----------------------------------------------

def _appended(old: list, new: list, keep: int | None) -> list | None:
    """The entries appended to ``old`` (then cut to its last ``keep``) that give
    ``new``; None when ``new`` is not such an extension."""
    for extra in range(0, len(new) + 1):
        tail = new[len(new) - extra:] if extra else []
        grown = old + tail
        if (grown if keep is None else grown[-keep:]) == new:
            return tail
    return None


def delta(old: dict, new: dict) -> dict:
    """What turns revision ``old`` into ``new``: ``{"set": {field: value},
    "unset": [field], "push": {field: [entries]}}`` over top-level fields, with
    the lists of ``APPEND_ONLY`` pushed to. ``apply_delta(old, delta(old, new))
    == new``; a MongoDB update is built from it (``mongo_update``)."""
    out: dict = {"set": {}, "unset": [], "push": {}}
    for key, value in new.items():
        if key in old and old[key] == value:
            continue
        if key in APPEND_ONLY and isinstance(value, list) and isinstance(old.get(key), list):
            tail = _appended(old[key], value, APPEND_ONLY[key])
            if tail is not None:
                out["push"][key] = tail
                continue
        out["set"][key] = value
    out["unset"] = sorted(k for k in old if k not in new)
    return out


def apply_delta(doc: dict, change: dict) -> dict:
    """``doc`` with ``change`` (see ``delta``) applied, as MongoDB applies the
    update of ``mongo_update``; pure."""
    out = copy.deepcopy(doc)
    for key in change.get("unset", []):
        out.pop(key, None)
    out.update(copy.deepcopy(change.get("set", {})))
    for key, tail in change.get("push", {}).items():
        grown = list(out.get(key) or []) + copy.deepcopy(tail)
        keep = APPEND_ONLY.get(key)
        out[key] = grown if keep is None else grown[-keep:]
    return out


def mongo_update(change: dict) -> dict:
    """The MongoDB update document for a ``delta`` (``$set``, ``$unset``,
    ``$push`` with ``$each``/``$slice``), plus ``$inc`` of the revision."""
    update: dict = {"$inc": {"_rev": 1}}
    if change["set"]:
        update["$set"] = change["set"]
    if change["unset"]:
        update["$unset"] = {k: "" for k in change["unset"]}
    pushes = {}
    for key, tail in change["push"].items():
        if tail:
            each: dict = {"$each": tail}
            if APPEND_ONLY.get(key) is not None:
                each["$slice"] = -APPEND_ONLY[key]
            pushes[key] = each
    if pushes:
        update["$push"] = pushes
    return update


# -- items -------------------------------------------------------------------

def plan_item(existing: dict | None, item: dict, now: _dt.datetime) -> tuple[UpsertResult, dict]:
    if not isinstance(item, dict):
        raise c.StoreInputError(f"item must be a dict, got {type(item).__name__}")
    url = c.check_str("item url", item.get("url"))
    if item.get("kind") is not None:
        c.check_kind(item["kind"])
    h = item.get("content_hash") or compute_hash(item)
    c.check_str(f"content_hash of {url}", h)
    doc = c.normalize({k: v for k, v in item.items() if not str(k).startswith("_")})
    doc["content_hash"] = h
    if existing is None:
        doc.update(first_seen=now, last_seen=now, changed_at=now, hashes=[{"hash": h, "at": now}])
        return UpsertResult(url, "new", h), doc
    previous = existing.get("content_hash")
    if previous == h:
        new = copy.deepcopy(existing)
        new["last_seen"] = now
        if "fetched_at" in doc:
            new["fetched_at"] = doc["fetched_at"]
        return UpsertResult(url, "unchanged", h, previous), new
    hashes = list(existing.get("hashes") or []) + [{"hash": h, "at": now}]
    doc.update(first_seen=existing.get("first_seen", now), last_seen=now, changed_at=now,
               hashes=hashes[-HASH_HISTORY:])
    return UpsertResult(url, "changed", h, previous), doc


# -- flags -------------------------------------------------------------------

def check_raise(*, url, category, score, priority, verdict, evidence, model_version,
                content_hash, source, kind, title) -> dict:
    """The checked, normalised fields of a ``raise_flag`` call."""
    if not isinstance(evidence, dict):
        raise c.StoreInputError(f"evidence must be a dict, got {type(evidence).__name__}")
    return {
        "url": c.check_str("url", url),
        "category": c.check_category(category),
        "score": c.check_number("score", score, 0.0, 1.0),
        "priority": c.check_number("priority", priority),
        "verdict": c.check_choice("verdict", verdict, c.FLAG_VERDICTS),
        "evidence": c.normalize(evidence),
        "model_version": c.check_str("model_version", model_version, allow_empty=True),
        "content_hash": c.check_str("content_hash", content_hash),
        "source": c.check_str("source", source, allow_empty=True),
        "kind": c.check_kind(kind),
        "title": c.check_str("title", title, allow_empty=True),
    }


def plan_raise(existing: dict | None, f: dict, now: _dt.datetime) -> tuple[str, dict | None]:
    """("new" | "updated" | "suppressed" | "reopened", document to write or None)."""
    raised = entry("raised", "classifier", now, score=f["score"], content_hash=f["content_hash"],
                   model_version=f["model_version"])
    if existing is None:
        doc = {"id": c.flag_id(f["url"], f["category"]), **f, "status": "pending", "claim": None,
               "decision": None, "history": [raised], "created_at": now, "updated_at": now,
               "created_day": c.day_of(now)}
        return "new", doc
    doc = copy.deepcopy(existing)
    if existing["status"] in DECISIONS:
        retired = bool((existing.get("decision") or {}).get("retired_by_model"))
        if existing.get("content_hash") == f["content_hash"] and not retired:
            return "suppressed", None
        reason = ("content changed" if existing.get("content_hash") != f["content_hash"]
                  else f"model {f['model_version']} flags it again")
        doc.update(f, status="pending", claim=None, decision=None, updated_at=now)
        doc["history"].append(entry("reopened", "classifier", now, reason=reason,
                                    previous_decision=existing.get("decision"),
                                    content_hash=f["content_hash"], score=f["score"]))
        return "reopened", doc
    if existing.get("content_hash") != f["content_hash"]:
        doc["history"].append(entry("updated", "classifier", now, score=f["score"],
                                    content_hash=f["content_hash"]))
    doc.update(f, updated_at=now)
    return "updated", doc


def _lease_live(doc: dict, now: _dt.datetime) -> bool:
    claim = doc.get("claim")
    return bool(claim) and claim["lease_until"] > now


def claimable(doc: dict, now: _dt.datetime) -> bool:
    return doc["status"] == "pending" or (doc["status"] == "in_review" and not _lease_live(doc, now))


def _holder(doc: dict) -> str | None:
    return (doc.get("claim") or {}).get("analyst")


def claim_fields(analyst: str, lease_seconds: float, now: _dt.datetime) -> dict:
    until = c.to_utc(now + _dt.timedelta(seconds=lease_seconds))
    return {"status": "in_review", "claim": {"analyst": analyst, "lease_until": until},
            "updated_at": now}


def claim_change(analyst: str, lease_seconds: float, now: _dt.datetime,
                 renew: bool = False) -> tuple[dict, dict]:
    """The fields a claim sets and the history entry it appends."""
    fields = claim_fields(analyst, lease_seconds, now)
    return fields, entry("renewed" if renew else "claimed", analyst, now,
                         lease_until=fields["claim"]["lease_until"])


def do_claim(doc: dict, analyst: str, lease_seconds: float, now: _dt.datetime) -> dict:
    c.check_str("analyst", analyst)
    c.check_lease(lease_seconds)
    if doc["status"] in DECISIONS:
        raise Conflict(f"flag {doc['id']} is already decided ({doc['status']})")
    holder = _holder(doc)
    if doc["status"] == "in_review" and _lease_live(doc, now) and holder != analyst:
        raise Conflict(f"flag {doc['id']} is held by {holder} until "
                       f"{doc['claim']['lease_until'].isoformat()}")
    renew = doc["status"] == "in_review" and holder == analyst and _lease_live(doc, now)
    fields, claimed = claim_change(analyst, lease_seconds, now, renew)
    new = copy.deepcopy(doc)
    new.update(fields)
    new["history"].append(claimed)
    return new


def do_release(doc: dict, analyst: str, now: _dt.datetime) -> dict:
    c.check_str("analyst", analyst)
    if doc["status"] != "in_review" or _holder(doc) != analyst:
        raise Conflict(f"flag {doc['id']} is not held by {analyst} (status {doc['status']}, "
                       f"holder {_holder(doc) or 'nobody'})")
    new = copy.deepcopy(doc)
    new.update(status="pending", claim=None, updated_at=now)
    new["history"].append(entry("released", analyst, now))
    return new


def do_decide(doc: dict, analyst: str, verdict: str, reason: str, note: str, force: bool,
              now: _dt.datetime) -> dict:
    c.check_str("analyst", analyst)
    c.check_decision(verdict)
    c.check_str("reason", reason, allow_empty=True)
    c.check_str("note", note, allow_empty=True)
    if not force:
        if doc["status"] in DECISIONS:
            raise Conflict(f"flag {doc['id']} is already decided ({doc['status']}); "
                           "a lead may re-decide it with force")
        if doc["status"] == "in_review" and _holder(doc) != analyst:
            raise Conflict(f"flag {doc['id']} is held by {_holder(doc)}, not {analyst}")
    decision = {"verdict": verdict, "reason": reason, "note": note, "analyst": analyst, "at": now}
    new = copy.deepcopy(doc)
    new.update(status=verdict, claim=None, decision=decision, updated_at=now)
    new["history"].append(entry("decided", analyst, now, verdict=verdict, reason=reason,
                                note=note, forced=bool(force),
                                previous_status=doc["status"]))
    return new


def do_reopen(doc: dict, actor: str, note: str, now: _dt.datetime) -> dict:
    c.check_str("actor", actor)
    c.check_str("note", note, allow_empty=True)
    if doc["status"] not in DECISIONS:
        raise Conflict(f"flag {doc['id']} is not decided (status {doc['status']})")
    new = copy.deepcopy(doc)
    new.update(status="pending", claim=None, decision=None, updated_at=now)
    new["history"].append(entry("reopened", actor, now, note=note,
                                previous_decision=doc.get("decision")))
    return new


SYSTEM = "classifier"  # the actor of what no analyst did (raising, retiring a flag)


def do_retire(doc: dict, model_version: str, now: _dt.datetime) -> dict:
    """Dismiss an open, unheld flag that ``model_version`` no longer raises."""
    if not claimable(doc, now):
        what = (f"decided ({doc['status']})" if doc["status"] in DECISIONS
                else f"held by {_holder(doc)}")
        raise Conflict(f"flag {doc['id']} is {what}; only an open flag nobody holds is retired")
    reason = f"model {model_version} no longer flags it"
    decision = {"verdict": "dismissed", "reason": reason, "note": "", "analyst": SYSTEM, "at": now,
                "retired_by_model": model_version}
    new = copy.deepcopy(doc)
    new.update(status="dismissed", claim=None, decision=decision, updated_at=now)
    new["history"].append(entry("decided", SYSTEM, now, verdict="dismissed", reason=reason,
                                note="", forced=False, previous_status=doc["status"],
                                model_version=model_version))
    return new


def do_reassign(doc: dict, actor: str, analyst: str, lease_seconds: float,
                now: _dt.datetime) -> dict:
    c.check_str("actor", actor)
    c.check_str("analyst", analyst)
    c.check_lease(lease_seconds)
    if doc["status"] not in OPEN_STATUSES:
        raise Conflict(f"flag {doc['id']} is decided ({doc['status']}); reopen it first")
    new = copy.deepcopy(doc)
    new.update(claim_fields(analyst, lease_seconds, now))
    new["history"].append(entry("reassigned", actor, now, analyst=analyst,
                                previous_holder=_holder(doc),
                                lease_until=new["claim"]["lease_until"]))
    return new


# -- apps --------------------------------------------------------------------

def plan_app(existing: dict | None, app: dict, now: _dt.datetime) -> tuple[str, dict]:
    if not isinstance(app, dict):
        raise c.StoreInputError(f"app must be a dict, got {type(app).__name__}")
    store = c.check_str("app store", app.get("store"))
    app_id = c.check_str(f"app_id of an app in {store}", app.get("app_id"))
    listing = c.normalize({k: v for k, v in app.items()
                           if not str(k).startswith("_") and k not in _APP_BOOKKEEPING})
    listing.setdefault("minor_relevant", False)
    listing.setdefault("minor_score", 0.0)
    listing.setdefault("minor_reasons", [])
    listing["minor_relevant"] = bool(listing["minor_relevant"])
    listing["minor_score"] = c.check_number(f"minor_score of {store}/{app_id}",
                                            listing["minor_score"])
    downloads = listing.get("downloads")
    fetched = c.normalize(app.get("fetched_at"))
    if existing is None:
        doc = {**listing, "first_seen": now, "last_seen": now,
               "downloads_history": [] if downloads is None else [{"at": now, "downloads": downloads}],
               "flag_counts": c.normalize(app.get("flag_counts") or {})}
        if fetched is not None:
            doc["fetched_at"] = fetched
        return "new", doc
    doc = copy.deepcopy(existing)
    changed = any(existing.get(k) != v for k, v in listing.items())
    if downloads is not None and downloads != existing.get("downloads"):
        history = list(existing.get("downloads_history") or [])
        history.append({"at": now, "downloads": downloads})
        doc["downloads_history"] = history[-DOWNLOADS_HISTORY:]
    doc.update(listing, last_seen=now)
    if "flag_counts" in app:
        doc["flag_counts"] = c.normalize(app["flag_counts"] or {})
    if fetched is not None:
        doc["fetched_at"] = fetched
    return ("changed" if changed else "unchanged"), doc


# -- runs --------------------------------------------------------------------

def new_run(source: str, trigger: str, meta: dict | None, now: _dt.datetime) -> dict:
    c.check_str("source", source)
    c.check_str("trigger", trigger)
    if meta is not None and not isinstance(meta, dict):
        raise c.StoreInputError(f"meta must be a dict, got {type(meta).__name__}")
    # A readable id that sorts by start time (ties within a millisecond still differ).
    run_id = _dt.datetime.now(c.UTC).strftime("%Y%m%dT%H%M%S%f") + "-" + c.new_id()[:8]
    return {"id": run_id, "source": source, "trigger": trigger, "meta": c.normalize(meta or {}),
            "started_at": now, "finished_at": None, "outcome": "running", "exit_status": None,
            "stats": {}, "reason": ""}


def finish_run(doc: dict, outcome: str, stats: dict | None, exit_status: int | None,
               reason: str, now: _dt.datetime) -> dict:
    c.check_choice("outcome", outcome, c.RUN_OUTCOMES[1:])
    if stats is not None and not isinstance(stats, dict):
        raise c.StoreInputError(f"stats must be a dict, got {type(stats).__name__}")
    if exit_status is not None and (isinstance(exit_status, bool) or not isinstance(exit_status, int)):
        raise c.StoreInputError(f"exit_status must be an integer, got {exit_status!r}")
    c.check_str("reason", reason, allow_empty=True)
    if doc["outcome"] != "running":
        raise Conflict(f"run {doc['id']} already finished ({doc['outcome']})")
    new = copy.deepcopy(doc)
    new.update(outcome=outcome, stats=c.normalize(stats or {}), exit_status=exit_status,
               reason=reason, finished_at=now)
    return new


def run_progress(doc: dict, stats: dict, workers: list, failed: list | None,
                 now: _dt.datetime) -> dict:
    """A running run's stats as summed so far over its workers (a distributed
    run, ``patrol.distributed.runs``): each counter keeps the larger of the
    stored and the given value, so a late, older snapshot never lowers it;
    ``workers`` gains the given names; ``failed`` (URLs that failed after
    their retries) is replaced when given."""
    if not isinstance(stats, dict):
        raise c.StoreInputError(f"stats must be a dict, got {type(stats).__name__}")
    if not isinstance(workers, (list, tuple)) or not all(isinstance(w, str) and w for w in workers):
        raise c.StoreInputError("workers must be a list of non-empty worker names")
    if failed is not None and (not isinstance(failed, list)
                               or not all(isinstance(f, dict) for f in failed)):
        raise c.StoreInputError("failed must be a list of {url, reason} objects")
    if doc["outcome"] != "running":
        raise Conflict(f"run {doc['id']} already finished ({doc['outcome']})")
    new = copy.deepcopy(doc)
    merged = dict(new.get("stats") or {})
    for key, value in stats.items():
        c.check_str("stats key", key)
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise c.StoreInputError(f"stats value of {key!r} must be a number or string")
        old = merged.get(key)
        if isinstance(value, (int, float)) and isinstance(old, (int, float)):
            merged[key] = max(old, value)
        else:
            merged[key] = value
    new["stats"] = c.normalize(merged)
    new["workers"] = sorted(set(new.get("workers") or []) | set(workers))
    if failed is not None:
        new["failed"] = c.normalize(failed)
    new["updated_at"] = now
    return new
