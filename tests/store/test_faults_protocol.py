"""Claims and decisions under faults (issue 12, parts 1 and 3), on the real
MongoDB-compatible server and on SQLite: a writer paused after its read, a
client whose clock is off, a writer SIGKILLed between its revision ticket and
its write, many writers at once, some of them stopped with SIGSTOP, and a note
that cannot be encoded."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from pymongo import monitoring

from patrol.store import Conflict, StoreError, open_store
from patrol.store import common as c
from patrol.store.common import StoreInputError

ROOT = Path(__file__).resolve().parents[2]
WRITES = ("insert", "update", "findAndModify", "delete")


def flag(store, n: int = 0, priority: float = 1.0) -> str:
    return store.raise_flag(url=f"https://a.example/{n}", category="vulgar", score=0.5,
                            priority=priority, verdict="review", evidence={}, model_version="m",
                            content_hash="h").flag_id


class HoldWrites(monitoring.CommandListener):
    """Holds the first write command sent from one named thread until released:
    the writer has read and planned, and its write reaches the server late."""

    def __init__(self, thread_name: str):
        self.thread_name = thread_name
        self.holding = threading.Event()
        self.release = threading.Event()
        self.done = False

    def started(self, event):
        if (not self.done and threading.current_thread().name == self.thread_name
                and event.command_name in WRITES):
            self.done = True
            self.holding.set()
            self.release.wait(60)

    def succeeded(self, event):
        pass

    def failed(self, event):
        pass


@pytest.mark.mongo
def test_paused_writer_resuming_after_the_stale_interval_loses_nothing(mongo_db_url, monkeypatch):
    hold = HoldWrites("paused-writer")
    monitoring.register(hold)  # applies to clients created from here on
    paused, live = open_store(mongo_db_url, timeout=5), open_store(mongo_db_url, timeout=5)
    try:
        fid = flag(live)
        outcome: list = []

        def claim():
            try:
                outcome.append(paused.claim(fid, "ann"))
            except Exception as exc:  # the assertion below reads it
                outcome.append(exc)

        writer = threading.Thread(target=claim, name="paused-writer")
        writer.start()
        assert hold.holding.wait(30), "the paused writer never reached its write"
        live.claim(fid, "bob")
        live.decide(fid, "bob", "confirmed", "seen")
        # 61 s pass (every client's clock moves on) while the writer is stopped.
        later = c.utcnow() + dt.timedelta(seconds=61)
        monkeypatch.setattr(c, "utcnow", lambda: later)
        hold.release.set()
        writer.join(60)
        assert isinstance(outcome[0], Conflict), outcome
        got = live.get_flag(fid)
        assert got["status"] == "confirmed" and got["decision"]["analyst"] == "bob"
        assert [(e["action"], e["actor"]) for e in got["history"]] == [
            ("raised", "classifier"), ("claimed", "bob"), ("decided", "bob")]
    finally:
        hold.release.set()
        hold.done = True
        paused.close()
        live.close()


SKEWED_CLAIM = """
import datetime as dt, json, sys
from patrol.store import common as c
real = c.utcnow
c.utcnow = lambda: real() + dt.timedelta(seconds=float(sys.argv[2]))
from patrol.store import open_store
with open_store(sys.argv[1], timeout=5) as s:
    got = s.claim_next("fast-clock")
    print(json.dumps(got and got["id"]))
"""


@pytest.mark.mongo
def test_a_client_whose_clock_is_ahead_does_not_take_a_live_claim(mongo_db_url):
    with open_store(mongo_db_url, timeout=5) as store:
        fid = flag(store)
        assert store.claim_next("bob", lease_seconds=600)["id"] == fid
        # Another machine whose clock runs 20 minutes fast asks for work.
        out = subprocess.run([sys.executable, "-c", SKEWED_CLAIM, mongo_db_url, "1200"],
                             capture_output=True, text=True, cwd=ROOT, timeout=120)
        assert out.returncode == 0, out.stderr[-2000:]
        assert json.loads(out.stdout) is None
        got = store.get_flag(fid)
        assert got["claim"]["analyst"] == "bob"
        assert [e["actor"] for e in got["history"] if e["action"] == "claimed"] == ["bob"]


KILLED_WRITER = """
import os, sys
from pymongo import monitoring
class Stop(monitoring.CommandListener):
    def started(self, e): pass
    def failed(self, e): pass
    def succeeded(self, e):
        if e.command_name == "insert" and e.request_id in self.revisions:
            print("TICKET", flush=True)
            sys.stdin.readline()  # killed here, between ticket and write
    revisions = set()
class Track(monitoring.CommandListener):
    def started(self, e):
        if e.command_name == "insert" and e.command.get("insert") == "revisions":
            Stop.revisions.add(e.request_id)
    def succeeded(self, e): pass
    def failed(self, e): pass
monitoring.register(Track())
monitoring.register(Stop())
from patrol.store import open_store
s = open_store(sys.argv[1], timeout=5)
s.decide(sys.argv[2], "ann", "confirmed", "seen")
print("WROTE", flush=True)
"""


@pytest.mark.mongo
def test_a_writer_killed_between_ticket_and_write_blocks_nobody(mongo_db_url):
    with open_store(mongo_db_url, timeout=1) as store:
        fid = flag(store)
        proc = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, mongo_db_url, fid],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, cwd=ROOT)
        try:
            line = proc.stdout.readline()
            assert line.strip() == "TICKET", proc.stderr.read()[-2000:]
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(30)
        finally:
            if proc.poll() is None:
                proc.kill()
        # The dead writer's decision was logged: it stands, and nobody waits for it.
        got = store.get_flag(fid)
        assert got["status"] == "confirmed" and got["decision"]["analyst"] == "ann"
        with pytest.raises(Conflict, match="already decided"):
            store.claim(fid, "bob")
        store.reopen(fid, "lead", "look again")
        assert store.claim(fid, "bob")["claim"]["analyst"] == "bob"
        assert [e["action"] for e in store.get_flag(fid)["history"]] == [
            "raised", "decided", "reopened", "claimed"]


def test_a_note_that_cannot_be_encoded_is_refused_and_blocks_nobody(store):
    fid = flag(store)
    store.claim(fid, "ann")
    with pytest.raises(StoreInputError, match="note"):
        store.decide(fid, "ann", "confirmed", "seen", "x\ud800y")
    assert store.get_flag(fid)["status"] == "in_review"
    got = store.decide(fid, "ann", "confirmed", "seen", "plain note")
    assert got["status"] == "confirmed"


CLAIMER = """
import datetime as dt, json, random, sys
from patrol.store import Conflict, open_store
from patrol.store import common as c
skew = dt.timedelta(seconds=float(sys.argv[3]))
store = open_store(sys.argv[1], timeout=30, clock=lambda: c.utcnow() + skew)
name = sys.argv[2]
done = []
while True:
    got = store.claim_next(name, lease_seconds=3600)
    if got is None:
        break
    try:
        store.decide(got["id"], name, random.choice(["confirmed", "dismissed"]), "r")
        done.append(got["id"])
    except Conflict as exc:
        print("CONFLICT", exc, file=sys.stderr)
print(json.dumps(done))
"""


def _assert_each_decided_once(store, ids, decided_by):
    decided = Counter(fid for done in decided_by.values() for fid in done)
    assert set(decided) == set(ids) and max(decided.values()) == 1
    for name, done in decided_by.items():
        for fid in done:
            got = store.get_flag(fid)
            assert got["decision"]["analyst"] == name, got
            actions = [(e["action"], e["actor"]) for e in got["history"]]
            assert actions == [("raised", "classifier"), ("claimed", name), ("decided", name)]


def test_processes_with_skewed_clocks_some_stopped_claim_each_flag_once(store, store_url):
    ids = [flag(store, n, priority=float(n % 7)) for n in range(40)]
    skews = ["0", "61", "-61", "0"]  # seconds off the true time, per process
    procs = [subprocess.Popen([sys.executable, "-c", CLAIMER, store_url, f"p{n}", skew],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
             for n, skew in enumerate(skews)]
    try:
        # Stop two of them now and then (mid-write, wherever they are) and let them go on.
        for _ in range(4):
            time.sleep(0.4)
            for p in procs[1:3]:
                if p.poll() is None:
                    os.kill(p.pid, signal.SIGSTOP)
            time.sleep(0.4)
            for p in procs[1:3]:
                if p.poll() is None:
                    os.kill(p.pid, signal.SIGCONT)
        outs = {f"p{n}": p.communicate(timeout=300) for n, p in enumerate(procs)}
    finally:
        for p in procs:
            if p.poll() is None:
                os.kill(p.pid, signal.SIGCONT)
                p.kill()
    for name, (out, err) in outs.items():
        assert out.strip(), f"{name} failed: {err[-2000:]}"
    _assert_each_decided_once(store, ids, {n: json.loads(o) for n, (o, _) in outs.items()})


def test_threads_claim_and_decide_each_flag_once(store_url):
    with open_store(store_url, timeout=30) as setup:
        ids = [flag(setup, n, priority=float(n % 5)) for n in range(40)]
    skews = [0, 61, -61, 0, 30, -30]
    stores = [open_store(store_url, timeout=30,
                         clock=lambda s=s: c.utcnow() + dt.timedelta(seconds=s)) for s in skews]
    decided_by: dict[str, list] = {}
    errors: list = []

    def work(n):
        name, done = f"t{n}", []
        try:
            while (got := stores[n].claim_next(name, lease_seconds=3600)) is not None:
                stores[n].decide(got["id"], name, "dismissed", "r")
                done.append(got["id"])
        except StoreError as exc:
            errors.append(exc)
        decided_by[name] = done

    threads = [threading.Thread(target=work, args=(n,)) for n in range(len(stores))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert errors == []
        _assert_each_decided_once(stores[0], ids, decided_by)
    finally:
        for s in stores:
            s.close()


def test_delta_applies_to_give_the_new_revision():
    from patrol.store import logic
    old = {"a": 1, "gone": 2, "history": [{"n": 0}], "hashes": [{"h": n} for n in range(10)]}
    new = {"a": 2, "history": [{"n": 0}, {"n": 1}], "hashes": [{"h": n} for n in range(1, 11)],
           "added": {"x": [1]}}
    change = logic.delta(old, new)
    assert change == {"set": {"a": 2, "added": {"x": [1]}}, "unset": ["gone"],
                      "push": {"history": [{"n": 1}], "hashes": [{"h": 10}]}}
    assert logic.apply_delta(old, change) == new
    rewritten = {**old, "history": [{"n": 9}]}  # not an append: written whole
    assert logic.delta(old, rewritten)["set"] == {"history": [{"n": 9}]}


@pytest.mark.mongo
def test_the_atomic_update_path_keeps_the_contract(mongo_db_url):
    """The path a real MongoDB gets (conditional update_one, $push, no tickets),
    run on the test server one writer at a time: same documents as the log path."""
    from patrol.items import make_item
    from patrol.store.mongo import MongoStore
    with MongoStore(mongo_db_url, timeout=5, atomic=True) as store:
        assert store.atomic
        fid = flag(store)
        assert store.claim_next("ann")["id"] == fid
        store.decide(fid, "ann", "confirmed", "seen", "note")
        store.reopen(fid, "lead")
        assert store.claim(fid, "bob")["claim"]["analyst"] == "bob"
        got = store.get_flag(fid)
        assert [e["action"] for e in got["history"]] == [
            "raised", "claimed", "decided", "reopened", "claimed"]
        items = [make_item(url=f"https://a.example/i{n}", source="s", kind="page", text="t")
                 for n in range(3)]
        assert [r.status for r in store.upsert_items(items)] == ["new"] * 3
        assert [r.status for r in store.upsert_items(items)] == ["unchanged"] * 3
        for n in range(12):
            store.upsert_item({**items[0], "text": f"v{n}", "content_hash": f"h{n}"})
        # (FerretDB 1.24 ignores $push's $slice, so the bound of 10 is MongoDB's to keep.)
        assert store.get_item(items[0]["url"])["hashes"][-1]["hash"] == "h11"
        assert store.db.revisions.count_documents({}) == 0
