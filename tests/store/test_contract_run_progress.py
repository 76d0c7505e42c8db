"""Contract: a distributed run's progress (stats summed over workers, the
workers that served it) on both backends."""

from __future__ import annotations

import pytest

from patrol.store import Conflict
from patrol.store.common import StoreInputError


def test_progress_keeps_the_largest_counts_and_every_worker(store):
    run = store.start_run("bookshop", trigger="schedule", meta={"distributed": True})
    store.record_run_progress(run, stats={"pages": 10, "items": 8}, workers=["w1"])
    got = store.record_run_progress(run, stats={"pages": 7, "errors": 1}, workers=["w2", "w1"],
                                    failed=[{"url": "http://x.test/a", "reason": "TimeoutError"}])
    assert got["stats"] == {"pages": 10, "items": 8, "errors": 1}  # an older snapshot never lowers
    stored = store.get_run(run)
    assert stored["workers"] == ["w1", "w2"] and stored["outcome"] == "running"
    assert stored["failed"] == [{"url": "http://x.test/a", "reason": "TimeoutError"}]
    done = store.finish_run(run, outcome="ok", stats={"pages": 12}, reason="fine")
    assert done["workers"] == ["w1", "w2"] and done["stats"] == {"pages": 12}
    with pytest.raises(Conflict):
        store.record_run_progress(run, stats={"pages": 13}, workers=["w3"])
    assert [r for r in store.list_runs() if r["id"] == run][0]["workers"] == ["w1", "w2"]


@pytest.mark.parametrize("kwargs, message", [
    ({"stats": [], "workers": ["w"]}, "stats must be a dict"),
    ({"stats": {}, "workers": "w1"}, "workers must be a list"),
    ({"stats": {}, "workers": [""]}, "workers must be a list"),
    ({"stats": {"a": {"b": 1}}, "workers": ["w"]}, "must be a number or string"),
    ({"stats": {}, "workers": ["w"], "failed": ["x"]}, "failed must be a list"),
])
def test_bad_progress_is_refused_and_changes_nothing(store, kwargs, message):
    run = store.start_run("bookshop")
    with pytest.raises(StoreInputError, match=message):
        store.record_run_progress(run, **kwargs)
    assert store.get_run(run)["stats"] == {} and "workers" not in store.get_run(run)
