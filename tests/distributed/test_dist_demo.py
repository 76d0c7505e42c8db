"""Done when: a distributed crawl of the demo sites with two workers ends
with the same items and flags as ``patrol demo``'s crawl of them."""

from __future__ import annotations

import pytest

from patrol.cli.crawl_cmds import BUNDLED_SOURCES, crawl_sources
from patrol.demo import DemoWeb
from patrol.store import open_store
from tests.distributed.conftest import wait_for_run

VOLATILE = {"fetched_at", "first_seen", "last_seen", "changed_at", "hashes", "screenshot", "_rev",
            "updated_at", "created_at", "history", "id", "created_day", "claim"}


def _items(store_url: str) -> dict[str, dict]:
    with open_store(store_url) as store:
        items = store.list_items(limit=5000)
    return {i["url"]: {k: v for k, v in i.items() if k not in VOLATILE} for i in items}


def _flags(store_url: str) -> dict[tuple, dict]:
    with open_store(store_url) as store:
        flags, _ = store.list_flags(limit=5000)
    return {(f["url"], f["category"]): {k: v for k, v in f.items() if k not in VOLATILE}
            for f in flags}


@pytest.mark.browser
def test_two_workers_end_with_the_demo_s_items_and_flags(workers, frontier, tmp_path, monkeypatch):
    names = sorted(p.stem for p in BUNDLED_SOURCES.glob("*.yaml"))
    with DemoWeb() as web:
        for key, value in web.env().items():
            monkeypatch.setenv(key, value)
        monkeypatch.setenv("PATROL_DATA_DIR", str(tmp_path / "demo-data"))
        shared = f"sqlite:///{tmp_path / 'shared.db'}"
        pool = workers(store_url=shared, extra_env={**web.env(), "PATROL_CLASSIFY": "1",
                                                    "PATROL_SOURCES": str(BUNDLED_SOURCES)})
        pool.start("a", concurrency=8)
        pool.start("b", concurrency=8)
        out = pool.cli("crawl", "--distributed", *names)
        assert out.exit_code == 0, out.output[-2000:]
        # Meanwhile (the two crawls do not share a store): what `patrol demo` runs.
        local = f"sqlite:///{tmp_path / 'demo.db'}"
        runs = crawl_sources(names, jobs=2, trigger="demo", store_url=local,
                             sources_dir=str(BUNDLED_SOURCES))
        assert all(r["outcome"] == "ok" for r in runs), [(r["source"], r["reason"]) for r in runs]
        with open_store(shared) as store:
            ids = [r["id"] for r in store.list_runs(limit=10)]
        done = [wait_for_run(shared, run_id, timeout=300) for run_id in ids]

    assert sorted(r["source"] for r in done) == names
    assert all(r["outcome"] == "ok" for r in done), [(r["source"], r["reason"]) for r in done]
    assert {w for r in done for w in r["workers"]} == {"a", "b"}
    expected, got = _items(local), _items(shared)
    assert sorted(got) == sorted(expected)
    differ = [u for u in expected if got[u] != expected[u]]
    assert not differ, (differ[:3], [(expected[u], got[u]) for u in differ[:1]])
    expected_flags, got_flags = _flags(local), _flags(shared)
    assert expected_flags and sorted(got_flags) == sorted(expected_flags)
    assert all(got_flags[k]["score"] == pytest.approx(v["score"]) and
               got_flags[k]["verdict"] == v["verdict"] and got_flags[k]["priority"] == pytest.approx(v["priority"])
               for k, v in expected_flags.items())
    with open_store(local) as a, open_store(shared) as b:
        assert {(x["store"], x["app_id"], x["minor_relevant"]) for x in a.list_apps(limit=500)} == \
            {(x["store"], x["app_id"], x["minor_relevant"]) for x in b.list_apps(limit=500)}
