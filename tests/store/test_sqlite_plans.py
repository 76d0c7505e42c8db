"""The campaign figures and the dashboard's counts read indexes, not documents.

At 100,000 flags a grouped count that fetched every flag's JSON document took
1.9 s (flag_figures) and 1.0 s (item_figures); read from a covering index, 30 ms
and 11 ms (benchmarks/console/README.md). This test captures the SQL each call
sends and asks SQLite's planner how it would run it: a plan that scans a table
row by row (``SCAN flags`` without an index) fails, naming the query."""

from __future__ import annotations

import datetime as dt

import pytest

from patrol.store import open_store

SINCE = dt.datetime(2026, 10, 1, tzinfo=dt.timezone.utc)
UNTIL = dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc)


@pytest.fixture
def sqlite_store(tmp_path):
    store = open_store(f"sqlite:///{tmp_path}/plans.db")
    yield store
    store.close()


CALLS = {
    "flag_figures": lambda s: s.flag_figures(),
    "flag_figures(period)": lambda s: s.flag_figures(since=SINCE, until=UNTIL),
    "item_figures": lambda s: s.item_figures(),
    "item_figures(period)": lambda s: s.item_figures(since=SINCE, until=UNTIL),
    "app_figures": lambda s: s.app_figures(),
    "app_figures(period)": lambda s: s.app_figures(since=SINCE, until=UNTIL),
    "flag_counts": lambda s: s.flag_counts(),
    "recheck_figures": lambda s: s.recheck_figures(since=SINCE, until=UNTIL),
    }


@pytest.mark.parametrize("name", list(CALLS))
def test_figures_never_read_every_document(sqlite_store, name):
    conn = sqlite_store._conn()
    sent: list[str] = []
    conn.set_trace_callback(sent.append)
    try:
        CALLS[name](sqlite_store)
    finally:
        conn.set_trace_callback(None)
    selects = [q for q in sent if q.lstrip().upper().startswith("SELECT")]
    assert selects, f"{name} sent no SELECT"
    for sql in selects:
        plan = [row[-1] for row in conn.execute("EXPLAIN QUERY PLAN " + sql)]
        for step in plan:
            # A scan must read an index that holds every column the query needs
            # (an expression index on the JSON category counts: SQLite reads the
            # expression's value from it without decoding the document).
            reads_documents = step.startswith("SCAN ") and not (
                "COVERING INDEX" in step or step.endswith("USING INDEX apps_figures"))
            assert not reads_documents, f"{name}: {sql!r} reads every document: {plan}"
