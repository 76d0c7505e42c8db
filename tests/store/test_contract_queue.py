"""The review queue contract (flags) on both backends."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import threading

import pytest

from patrol.store import Conflict, NotFound, StoreError
from patrol.store.base import DECISIONS


def raise_(store, url, category="vulgar", *, h="h1", score=0.5, priority=1.0, **kw):
    return store.raise_flag(url=url, category=category, score=score, priority=priority,
                            verdict=kw.pop("verdict", "review"),
                            evidence=kw.pop("evidence", {"terms": ["词"], "snippet": "…"}),
                            model_version="m-1", content_hash=h, **kw)


def actions(flag) -> list[str]:
    return [e["action"] for e in flag["history"]]


def test_raise_new_and_updated(store):
    r = raise_(store, "https://a.example/1", score=0.4, source="demo", kind="app", title="T")
    assert r.status == "new"
    flag = store.get_flag(r.flag_id)
    assert (flag["id"], flag["status"], flag["claim"], flag["decision"]) == (r.flag_id, "pending", None, None)
    assert (flag["source"], flag["kind"], flag["title"], flag["score"]) == ("demo", "app", "T", 0.4)
    assert flag["evidence"] == {"terms": ["词"], "snippet": "…"} and actions(flag) == ["raised"]
    assert flag["created_at"].utcoffset() == dt.timedelta(0)

    again = raise_(store, "https://a.example/1", score=0.7)
    assert (again.flag_id, again.status) == (r.flag_id, "updated")
    flag = store.get_flag(r.flag_id)
    assert flag["score"] == 0.7 and actions(flag) == ["raised"]  # same content: no new entry
    raise_(store, "https://a.example/1", h="h2")
    assert actions(store.get_flag(r.flag_id)) == ["raised", "updated"]
    other = raise_(store, "https://a.example/1", "fake_media")
    assert other.status == "new" and other.flag_id != r.flag_id
    assert store.list_flags(url="https://a.example/1")[1] == 2


def test_dismissed_unchanged_is_suppressed_and_change_reopens(store):
    r = raise_(store, "https://a.example/1", h="h1")
    store.claim(r.flag_id, "ann")
    store.decide(r.flag_id, "ann", "dismissed", "false positive")
    assert raise_(store, "https://a.example/1", h="h1").status == "suppressed"
    assert store.get_flag(r.flag_id)["status"] == "dismissed"

    reopened = raise_(store, "https://a.example/1", h="h2", score=0.9)
    assert (reopened.flag_id, reopened.status) == (r.flag_id, "reopened")
    flag = store.get_flag(r.flag_id)
    assert (flag["status"], flag["decision"], flag["content_hash"]) == ("pending", None, "h2")
    assert actions(flag) == ["raised", "claimed", "decided", "reopened"]
    assert flag["history"][-1]["previous_decision"]["verdict"] == "dismissed"


class ManualClock:
    """A wall clock that moves only when told: times in the tests are exact,
    whatever the load of the machine (a MongoDB client adds the server's
    offset, measured once, to it)."""

    def __init__(self):
        self.now = dt.datetime.now(dt.timezone.utc)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


@pytest.fixture
def clock():
    return ManualClock()


@pytest.fixture
def clocked_store(store_url, clock):
    from patrol.store import open_store
    s = open_store(store_url, timeout=10, clock=clock)
    yield s
    s.close()


def test_claim_next_by_priority_then_age(clocked_store, clock):
    store, ids = clocked_store, {}
    for name, priority in [("low", 1.0), ("high", 5.0), ("mid-old", 3.0), ("mid-new", 3.0)]:
        ids[name] = raise_(store, f"https://a.example/{name}", priority=priority).flag_id
        clock.advance(0.01)  # distinct created_at for the tie
    order = [store.claim_next("ann")["id"] for _ in range(4)]
    assert order == [ids["high"], ids["mid-old"], ids["mid-new"], ids["low"]]
    assert store.claim_next("ann") is None


def test_claim_next_filters(store):
    raise_(store, "https://a.example/1", "vulgar", source="s1", kind="app", priority=9)
    b = raise_(store, "https://a.example/2", "fake_media", source="s2", kind="news").flag_id
    assert store.claim_next("ann", category="fake_media")["id"] == b
    assert store.claim_next("ann", source="s2") is None
    assert store.claim_next("ann", kind="news") is None
    claimed = store.claim_next("bob", kind="app")
    assert claimed["claim"]["analyst"] == "bob" and claimed["status"] == "in_review"


def test_two_threads_claim_200_flags_each_once(store):
    for n in range(200):
        raise_(store, f"https://a.example/{n}", priority=n % 7)
    got: dict[str, list[str]] = {"ann": [], "bob": []}
    errors = []

    def work(analyst):
        try:
            while (flag := store.claim_next(analyst)) is not None:
                got[analyst].append(flag["id"])
        except Exception as exc:  # reported below, not swallowed
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(a,)) for a in got]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    claimed = got["ann"] + got["bob"]
    assert len(claimed) == 200 and len(set(claimed)) == 200
    for analyst, ids in got.items():
        for flag_id in ids[:5]:
            assert store.get_flag(flag_id)["claim"]["analyst"] == analyst


CLAIMER = """
import json, sys
from patrol.store import open_store
with open_store(sys.argv[1], timeout=30) as s:
    ids = []
    while (f := s.claim_next(sys.argv[2])) is not None:
        ids.append(f["id"])
print(json.dumps(ids))
"""


def test_two_processes_claim_each_flag_once(store, store_url):
    for n in range(60):
        raise_(store, f"https://a.example/{n}")
    procs = [subprocess.Popen([sys.executable, "-c", CLAIMER, store_url, name],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for name in ("ann", "bob")]
    outs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), [o[1][-500:] for o in outs]
    claimed = [i for out, _ in outs for i in json.loads(out)]
    assert sorted(claimed) == sorted(set(claimed)) and len(claimed) == 60


def test_lease_expires_and_flag_is_claimable_again(clocked_store, clock):
    store = clocked_store
    r = raise_(store, "https://a.example/1")
    assert store.claim_next("ann", lease_seconds=1)["id"] == r.flag_id
    assert store.claim_next("bob") is None
    with pytest.raises(Conflict, match="ann"):
        store.claim(r.flag_id, "bob")
    clock.advance(0.9)
    assert store.claim_next("bob") is None  # not yet: the lease holds to its second
    clock.advance(0.4)
    taken = store.claim_next("bob")
    assert taken["id"] == r.flag_id and taken["claim"]["analyst"] == "bob"
    with pytest.raises(Conflict):
        store.decide(r.flag_id, "ann", "confirmed", "too late")
    assert actions(store.get_flag(r.flag_id)) == ["raised", "claimed", "claimed"]


def test_claim_named_renew_and_release(store):
    r = raise_(store, "https://a.example/1")
    first = store.claim(r.flag_id, "ann", lease_seconds=60)
    renewed = store.claim(r.flag_id, "ann", lease_seconds=600)
    assert renewed["claim"]["lease_until"] > first["claim"]["lease_until"]
    with pytest.raises(Conflict):
        store.release(r.flag_id, "bob")
    released = store.release(r.flag_id, "ann")
    assert (released["status"], released["claim"]) == ("pending", None)
    assert actions(released) == ["raised", "claimed", "renewed", "released"]
    with pytest.raises(Conflict):
        store.release(r.flag_id, "ann")
    with pytest.raises(NotFound):
        store.claim("no-such-flag", "ann")


@pytest.mark.parametrize("verdict", DECISIONS)
def test_decide_each_verdict(store, verdict):
    r = raise_(store, "https://a.example/1")
    store.claim(r.flag_id, "ann")
    with pytest.raises(Conflict, match="held by ann"):
        store.decide(r.flag_id, "bob", verdict, "not mine")
    with pytest.raises(StoreError, match="verdict"):
        store.decide(r.flag_id, "ann", "maybe", "unsure")
    flag = store.decide(r.flag_id, "ann", verdict, "reason", "a note")
    assert flag["status"] == verdict and flag["claim"] is None
    d = flag["decision"]
    assert (d["verdict"], d["reason"], d["note"], d["analyst"]) == (verdict, "reason", "a note", "ann")
    assert d["at"].utcoffset() == dt.timedelta(0)
    with pytest.raises(Conflict, match="already decided"):
        store.decide(r.flag_id, "ann", "confirmed", "again")
    with pytest.raises(Conflict):
        store.claim(r.flag_id, "bob")
    forced = store.decide(r.flag_id, "lead", "confirmed", "lead's call", force=True)
    assert forced["decision"]["analyst"] == "lead" and forced["history"][-1]["forced"] is True


def test_decide_pending_reopen_reassign(store):
    r = raise_(store, "https://a.example/1")
    assert store.decide(r.flag_id, "ann", "escalated", "to the bureau")["status"] == "escalated"
    with pytest.raises(Conflict):
        store.reassign(r.flag_id, "lead", "bob")
    reopened = store.reopen(r.flag_id, "lead", "look again")
    assert (reopened["status"], reopened["decision"]) == ("pending", None)
    with pytest.raises(Conflict):
        store.reopen(r.flag_id, "lead")
    handed = store.reassign(r.flag_id, "lead", "bob")
    assert handed["status"] == "in_review" and handed["claim"]["analyst"] == "bob"
    assert actions(handed) == ["raised", "decided", "reopened", "reassigned"]
    assert handed["history"][-1]["actor"] == "lead"


def test_history_is_append_only(store):
    r = raise_(store, "https://a.example/1")
    steps = [lambda: store.claim(r.flag_id, "ann"), lambda: store.release(r.flag_id, "ann"),
             lambda: raise_(store, "https://a.example/1", h="h2"),
             lambda: store.claim_next("bob"),
             lambda: store.decide(r.flag_id, "bob", "confirmed", "yes"),
             lambda: raise_(store, "https://a.example/1", h="h2"),
             lambda: raise_(store, "https://a.example/1", h="h3"),
             lambda: store.reassign(r.flag_id, "lead", "cat")]
    before = store.get_flag(r.flag_id)["history"]
    for step in steps:
        step()
        after = store.get_flag(r.flag_id)["history"]
        assert after[:len(before)] == before
        before = after
    assert actions(store.get_flag(r.flag_id)) == [
        "raised", "claimed", "released", "updated", "claimed", "decided", "reopened", "reassigned"]
    assert all(e["at"].utcoffset() == dt.timedelta(0) for e in before)
