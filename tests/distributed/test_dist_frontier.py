"""The frontier's Redis steps against a real Redis: per-run duplicate filter,
leases, shared site slots, run accounting. Lease expiry is simulated by
moving a deadline into the past (Redis's clock cannot be injected)."""

from __future__ import annotations

import pytest

from patrol.distributed.frontier import Taken, host_key


def _pop(frontier, worker):
    """One request (or the wait in ms), as a worker with room for one takes it."""
    got = frontier.pop(worker, 60, count=1)
    if isinstance(got, int):
        return got
    assert len(got) == 1
    return got[0]


def _run(frontier, run="r1", source="src", concurrency=2, delay_ms=0, max_pages=0):
    assert frontier.start_run(run, source, "tok-" + run, concurrency=concurrency, delay_ms=delay_ms,
                              max_pages=max_pages, trigger="test", seed_host=f"seed:{run}",
                              seed='{"seed": true}', started="2026-01-01T00:00:00+00:00") is None
    taken = _pop(frontier, "w")  # the seed first (priority 1000)
    assert isinstance(taken, Taken) and taken.body == '{"seed": true}'
    return taken


def _expire(frontier, lease):
    frontier.r.zadd(frontier.key("leases"), {lease: 1})


def test_duplicates_are_filtered_per_run_and_a_failure_is_forgotten(frontier):
    _run(frontier, "r1")
    _run(frontier, "r2", source="other")
    assert frontier.push("r1", "fp-a", 0, "h", "a") == 1
    assert frontier.push("r1", "fp-a", 0, "h", "a") == 0      # seen in this run
    assert frontier.push("r2", "fp-a", 0, "h", "a") == 1      # a new run crawls it again
    assert frontier.push("r1", "", 0, "h", "a") == 1          # dont_filter: a re-check
    frontier.forget("r1", "fp-a")                              # it failed after its retries
    assert frontier.push("r1", "fp-a", 0, "h", "a") == 1
    assert frontier.push("nope", "fp-b", 0, "h", "a") == -1   # no such run


def test_ack_counts_the_run_down_and_sums_its_stats(frontier):
    seed = _run(frontier)
    frontier.push("r1", "fp1", 0, "h", "one")
    frontier.push("r1", "fp2", 5, "h", "two")
    first, second = _pop(frontier, "w"), _pop(frontier, "w")
    assert (first.body, second.body) == ("two", "one")  # priority first
    assert frontier.ack([(seed.lease, {"pages": 1}), (first.lease, {"pages": 1, "items": 2})])[2] == []
    acked, gone, finished = frontier.ack([(second.lease, {"pages": 1})])
    assert (acked, gone, finished) == (1, 0, ["r1"])
    assert frontier.run_stats("r1") == {"pages": 3, "items": 2}
    assert frontier.run_workers("r1") == ["w"]
    assert frontier.ack([(second.lease, {"pages": 1})])[:2] == (0, 1)  # twice: once only


def test_an_expired_lease_returns_to_the_queue_without_its_stats(frontier):
    seed = _run(frontier)
    frontier.push("r1", "fp1", 0, "h", "one")
    taken = _pop(frontier, "w")
    assert _pop(frontier, "w") == -1  # nothing queued while it is leased
    _expire(frontier, taken.lease)
    assert frontier.reap() == 1
    again = _pop(frontier, "w2")
    assert again.body == "one" and again.lease != taken.lease
    assert frontier.ack([(taken.lease, {"pages": 1})])[:2] == (0, 1)  # the dead worker's, too late
    assert frontier.ack([(again.lease, {"pages": 1}), (seed.lease, {})])[2] == ["r1"]
    assert frontier.run_stats("r1") == {"pages": 1}
    assert int(frontier.run_info("r1")["requeued"]) == 1


def test_a_renewed_lease_is_not_taken_back(frontier):
    seed = _run(frontier)
    _expire(frontier, seed.lease)
    assert frontier.renew([seed.lease, "patrol:gone"], 60) == 1  # a live worker's heartbeat
    assert frontier.reap() == 0 and frontier.held_by("w") == {seed.lease: '{"seed": true}'}


def test_a_site_gets_at_most_its_concurrency_over_all_workers(frontier):
    _run(frontier, concurrency=2)
    for n in range(4):
        frontier.push("r1", f"fp{n}", 0, "shop.test", f"p{n}")
    a, b = _pop(frontier, "w1"), _pop(frontier, "w2")
    assert isinstance(a, Taken) and isinstance(b, Taken)
    assert _pop(frontier, "w3") == 50        # both slots taken: ask again in 50 ms
    frontier.release("shop.test", a.lease)     # a's download ended
    assert isinstance(_pop(frontier, "w3"), Taken)
    # A robots.txt fetch takes a slot the same way.
    assert frontier.acquire("shop.test", "robots", 2, 0) == 50
    frontier.ack([(b.lease, {})])              # finishing a lease frees its slot too
    assert frontier.acquire("shop.test", "robots", 2, 0) == 0


def test_one_pop_takes_what_the_slots_allow_and_gives_slots_back(frontier):
    _run(frontier, concurrency=3)
    for n in range(5):
        frontier.push("r1", f"fp{n}", 0, "shop.test", f"p{n}")
    got = frontier.pop("w1", 60, count=8)
    assert [t.body for t in got] == ["p0", "p1", "p2"]  # three slots, in queue order
    assert frontier.pop("w2", 60, count=8) == 50
    again = frontier.pop("w2", 60, count=8, release=[("shop.test", got[0].lease),
                                                      ("shop.test", got[1].lease)])
    assert [t.body for t in again] == ["p3", "p4"]


def test_a_site_delay_holds_between_any_two_workers(frontier):
    _run(frontier, concurrency=4, delay_ms=10_000)
    frontier.push("r1", "fp1", 0, "slow.test", "p1")
    frontier.push("r1", "fp2", 0, "slow.test", "p2")
    assert isinstance(_pop(frontier, "w1"), Taken)
    wait = _pop(frontier, "w2")
    assert 4_000 <= wait <= 15_000  # 10 s x the 0.5-1.5 jitter


def test_runs_take_turns(frontier):
    _run(frontier, "r1")
    _run(frontier, "r2", source="other")
    for n in range(3):
        frontier.push("r1", f"a{n}", 0, "a.test", f"a{n}")
        frontier.push("r2", f"b{n}", 0, "b.test", f"b{n}")
    order = [_pop(frontier, "w").run for _ in range(4)]
    assert order in (["r1", "r2", "r1", "r2"], ["r2", "r1", "r2", "r1"])


def test_max_pages_caps_a_run_and_stop_drops_its_queue(frontier):
    seed = _run(frontier, max_pages=3)  # the seed counts as one
    assert [frontier.push("r1", f"fp{n}", 0, "h", str(n)) for n in range(3)] == [1, 1, 2]
    assert frontier.stop_run("r1") == 2
    assert frontier.push("r1", "fp9", 0, "h", "9") == -1
    assert frontier.ack([(seed.lease, {})])[2] == ["r1"]
    assert frontier.run_stats("r1")["patrol/frontier/dropped_on_stop"] == 2


def test_one_run_per_source_and_cleanup(frontier):
    _run(frontier, "r1", source="src")
    assert frontier.reserve_source("src", "another") == "r1"
    frontier.cleanup_run("r1", "src")
    assert frontier.runs() == [] and frontier.reserve_source("src", "another") is None


def test_a_stopping_worker_gives_its_leases_back(frontier):
    seed = _run(frontier)
    assert frontier.held_by("w") == {seed.lease: '{"seed": true}'}
    assert frontier.requeue([seed.lease]) == 1
    assert frontier.held_by("w") == {}
    assert _pop(frontier, "w2").body == '{"seed": true}'


@pytest.mark.parametrize("url, key", [("http://Shop.Test/a", "shop.test"),
                                      ("https://127.0.0.1:8001/x", "127.0.0.1:8001"),
                                      ("http://shop.test:80/", "shop.test:80"),
                                      ("http://a|b.test/", "a%7cb.test")])
def test_sites_are_told_apart_by_host_and_port(url, key):
    assert host_key(url) == key
