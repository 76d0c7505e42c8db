"""Re-checks after a takedown request (整改复查): the rules that change a
flag's ``recheck`` field, shared by both backends (``SharedStore``).

A flag's ``recheck`` (absent until a takedown is requested)::

    {"status": "pending" | "removed" | "still_online" | "changed" | "unreachable",
     "takedown": {"to", "date", "by", "at", "note"},
     "due": ["<ISO UTC>", ...],   # when each scheduled round falls due
     "done": n,                   # scheduled rounds run so far
     "next_due": "<ISO UTC>" | None,
     "history": [{"at", "round", "outcome", "detail", "http_status"}]}

Times are ISO strings in UTC (``YYYY-MM-DDTHH:MM:SS.ffffffZ``), which sort as
text on both backends. ``status`` is "pending" until the first re-check, then
the last outcome. A page still online goes back to the queue (status
pending, the decision kept in the history) with ``STILL_ONLINE_BOOST`` added
to its priority, above every flag the classifier raises (at most about 2.5).
"""

from __future__ import annotations

import copy
import datetime as _dt

from patrol.store import common as c
from patrol.store.base import Conflict
from patrol.store.logic import entry

OUTCOMES = ("removed", "still_online", "changed", "unreachable")
RECHECK_STATUSES = ("pending",) + OUTCOMES
STILL_ONLINE_BOOST = 10.0


def iso(value: _dt.datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=_dt.timezone.utc)
    return value.astimezone(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def check_recheck_status(value) -> str:
    if value not in RECHECK_STATUSES:
        raise c.StoreInputError(f"recheck: must be one of {', '.join(RECHECK_STATUSES)}; got {value!r}")
    return value


def do_request_takedown(doc: dict, actor: str, to: str, date: str, due: list[_dt.datetime],
                        note: str, now: _dt.datetime) -> dict:
    c.check_str("actor", actor)
    c.check_str("to", to)
    c.check_str("date", date)
    c.check_str("note", note, allow_empty=True)
    if doc["status"] != "confirmed":
        raise Conflict(f"flag {doc['id']} is {doc['status']}: only a confirmed case goes for takedown")
    if doc.get("recheck"):
        raise Conflict(f"flag {doc['id']}: a takedown was requested already "
                       f"({doc['recheck']['takedown']['date']}, to {doc['recheck']['takedown']['to']})")
    new = copy.deepcopy(doc)
    due_text = [iso(d) for d in sorted(due)]
    new["recheck"] = {"status": "pending",
                      "takedown": {"to": to, "date": date, "by": actor, "at": iso(now), "note": note},
                      "due": due_text, "done": 0, "next_due": due_text[0] if due_text else None,
                      "history": []}
    new["updated_at"] = now
    new["history"].append(entry("takedown_requested", actor, now, to=to, date=date, note=note))
    return new


def do_record_recheck(doc: dict, outcome: str, detail: str, scheduled: bool,
                      http_status: int | None, now: _dt.datetime) -> dict:
    if outcome not in OUTCOMES:
        raise c.StoreInputError(f"outcome: must be one of {', '.join(OUTCOMES)}; got {outcome!r}")
    state = doc.get("recheck")
    if not state:
        raise Conflict(f"flag {doc['id']}: no takedown was requested, nothing to re-check")
    new = copy.deepcopy(doc)
    state = new["recheck"]
    if scheduled:
        state["done"] = min(state["done"] + 1, len(state["due"]))
    state["next_due"] = state["due"][state["done"]] if state["done"] < len(state["due"]) else None
    state["status"] = outcome
    state["history"].append({"at": iso(now), "round": state["done"] if scheduled else None,
                             "outcome": outcome, "detail": detail, "http_status": http_status})
    new["updated_at"] = now
    new["history"].append(entry("rechecked", "recheck", now, outcome=outcome, detail=detail))
    if outcome == "still_online" and doc["status"] not in ("pending", "in_review"):
        # Back to the queue, first: the platform did not take it down.
        new.update(status="pending", claim=None, decision=None,
                   priority=float(doc.get("priority") or 0.0) + STILL_ONLINE_BOOST)
        new["history"].append(entry("reopened", "recheck", now, note="still online after the takedown request",
                                    previous_decision=doc.get("decision")))
    return new
