"""A run served by several workers (the shared frontier) shows as one run
with its workers on the dashboard."""

from __future__ import annotations


def test_a_distributed_run_lists_its_workers(ann, store):
    run = store.start_run("bookshop", trigger="schedule", meta={"distributed": True})
    store.record_run_progress(run, stats={"patrol/pages/detail": 5, "patrol/items/shop": 5},
                              workers=["box-1:7", "<b>box-2</b>"])
    html = ann.get("/dashboard").text
    assert html.count('class="run"') == 1
    assert '采集节点： &lt;b&gt;box-2&lt;/b&gt;, box-1:7' in html  # escaped, sorted
    assert '<td class="num">5</td><td class="num">5</td>' in html
