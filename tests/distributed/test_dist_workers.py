"""Real workers against a real Redis and a local site: every page once,
every item once, one run summed over the workers that served it."""

from __future__ import annotations

from patrol.distributed.runs import enqueue_run
from patrol.store import open_store
from tests.distributed.conftest import gen_profile, wait_for_run


def test_three_workers_fetch_every_page_exactly_once(gensite, workers, frontier, tmp_path):
    site = gensite(40, 50)  # 2,042 pages: start, about, 40 listings, 2,000 products
    (workers.sources / "gen.yaml").write_text(gen_profile(site.url), encoding="utf-8")
    pool = workers()
    for name in ("w1", "w2", "w3"):
        pool.start(name)
    run = enqueue_run("gen", trigger="test", store_url=pool.env["PATROL_STORE"],
                      sources_dir=str(workers.sources), frontier=frontier)
    seen_workers = set()
    done = wait_for_run(pool.env["PATROL_STORE"], run["id"],
                        on_tick=lambda r: seen_workers.update(r.get("workers") or []))

    log = site.stats()
    paths = log["paths"]
    assert len(paths) == site.pages + 1  # and robots.txt
    twice = {p: n for p, n in paths.items() if n != 1}
    assert not twice, f"fetched more than once: {sorted(twice.items())[:10]}"
    assert paths["/robots.txt"] == 1  # once per site per run, over three workers
    assert all(agent.startswith("ContentPatrol/") for agent in log["agents"])

    assert done["outcome"] == "ok", done["reason"]
    assert done["workers"] == ["w1", "w2", "w3"], "every worker served the run"
    stats = done["stats"]
    assert stats["item_scraped_count"] == site.pages
    assert stats["patrol/pages/detail"] == 2000 and stats["patrol/pages/about"] == 1
    assert stats["response_received_count"] >= site.pages
    with open_store(pool.env["PATROL_STORE"]) as store:
        assert store.count_items(source="gen") == site.pages
        items = store.list_items(source="gen", limit=5000)
        # Written once: a second write of the same content would move last_seen.
        assert all(i["first_seen"] == i["last_seen"] for i in items)
        products = [i for i in items if "/item/" in i["url"]]
        # The about page's licence and the start page's shop name, fetched by
        # one worker each, fill the items of all three.
        # (the licence is stored as its number; the line as shown stays in raw)
        assert all(i["licence"] == "新出发京零字第东150042号" for i in products)
        assert all(i["shop_name"] == "生成书店" for i in products)
    assert frontier.runs() == [] and not frontier.r.exists(frontier.key("source", "gen"))
