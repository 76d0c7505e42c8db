"""list_flags (every filter, sort and paging), flag_counts and input checks, on both backends."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from patrol.store import NotFound, StoreError
from patrol.store.common import day_of

FLAGS = [  # url, category, source, kind, score, priority
    ("https://a.example/1", "vulgar", "apps", "app", 0.91, 9.0),
    ("https://a.example/2", "vulgar", "apps", "app", 0.55, 2.0),
    ("https://a.example/3", "unlicensed_publication", "shops", "shop", 0.72, 7.0),
    ("https://a.example/4", "unlicensed_publication", "shops", "shop", 0.30, 1.0),
    ("https://a.example/5", "fake_media", "news", "news", 0.88, 8.0),
    ("https://a.example/6", "fake_media", "news", "news", 0.61, 6.0),
    ("https://a.example/1", "fake_media", "apps", "app", 0.45, 4.0),
]


@pytest.fixture
def flags(store):
    ids = []
    for url, category, source, kind, score, priority in FLAGS:
        ids.append(store.raise_flag(url=url, category=category, score=score, priority=priority,
                                    verdict="review", evidence={}, model_version="m",
                                    content_hash="h", source=source, kind=kind).flag_id)
        time.sleep(0.005)  # distinct created_at
    store.claim(ids[1], "ann")
    time.sleep(0.005)
    store.decide(ids[3], "ann", "dismissed", "licence shown")
    return ids


def urls_cats(page):
    return [(f["url"], f["category"]) for f in page]


def test_filters(store, flags):
    def total(**kw):
        return store.list_flags(**kw)[1]
    assert total() == 7
    assert total(category="vulgar") == 2 and total(category="fake_media") == 3
    assert total(status="pending") == 5 and total(status="in_review") == 1
    assert total(status="dismissed") == 1 and total(status="confirmed") == 0
    assert total(source="shops") == 2 and total(kind="news") == 2
    assert total(url="https://a.example/1") == 2
    assert total(min_score=0.6) == 4 and total(max_score=0.5) == 2
    assert total(min_score=0.5, max_score=0.8, category="fake_media") == 1
    assert total(category="vulgar", source="apps", kind="app", status="pending") == 1
    created = sorted(f["created_at"] for f in store.list_flags(limit=100)[0])
    assert total(since=created[3]) == 4 and total(until=created[3]) == 3
    future = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=1)
    assert total(since=future) == 0
    page, n = store.list_flags(category="vulgar", status="in_review")
    assert n == 1 and page[0]["claim"]["analyst"] == "ann"


def test_sort_and_paging(store, flags):
    by_priority = [f["priority"] for f in store.list_flags()[0]]
    assert by_priority == sorted(by_priority, reverse=True)
    scores = [f["score"] for f in store.list_flags(sort="score")[0]]
    assert scores == sorted(scores)
    assert [f["score"] for f in store.list_flags(sort="-score")[0]] == sorted(scores, reverse=True)
    oldest = store.list_flags(sort="created_at")[0]
    assert urls_cats(oldest) == [(u, c) for u, c, *_ in FLAGS]
    newest = store.list_flags(sort="-updated_at", limit=1)[0]
    assert newest[0]["id"] == flags[3]  # decided last
    pages = [store.list_flags(sort="created_at", skip=s, limit=3) for s in (0, 3, 6)]
    assert [len(p) for p, _ in pages] == [3, 3, 1] and {n for _, n in pages} == {7}
    assert [f["id"] for p, _ in pages for f in p] == [f["id"] for f in oldest]
    assert store.list_flags(skip=50)[0] == []


def test_flag_counts(store, flags):
    counts = store.flag_counts()
    now = dt.datetime.now(dt.timezone.utc)
    # day buckets are office days (PATROL_TIMEZONE), as the store writes them
    today, yesterday = day_of(now), day_of(now - dt.timedelta(days=1))
    assert counts["total"] == 7
    assert counts["by_category"] == {"vulgar": 2, "unlicensed_publication": 2, "fake_media": 3}
    assert counts["by_status"] == {"pending": 5, "in_review": 1, "dismissed": 1}
    assert counts["by_source"] == {"apps": 3, "shops": 2, "news": 2}
    assert sum(counts["by_day"].values()) == 7 and set(counts["by_day"]) <= {today, yesterday}


def test_empty_counts(store):
    assert store.flag_counts() == {"total": 0, "by_category": {}, "by_status": {},
                                   "by_source": {}, "by_day": {}}
    assert store.list_flags() == ([], 0)


@pytest.mark.parametrize("kwargs, field", [
    ({"category": "spam"}, "category"), ({"status": "open"}, "status"),
    ({"kind": "video"}, "kind"), ({"sort": "-url"}, "sort"), ({"sort": "$where"}, "sort"),
    ({"limit": -1}, "limit"), ({"skip": "0"}, "skip"), ({"min_score": "0.5"}, "min_score"),
    ({"since": "2026-01-01"}, "since"), ({"source": {"$ne": ""}}, "source"),
    ({"url": {"$regex": ".*"}}, "url"),
])
def test_list_flags_rejects_bad_filters(store, kwargs, field):
    with pytest.raises(StoreError, match=field):
        store.list_flags(**kwargs)


@pytest.mark.parametrize("kwargs, field", [
    ({"category": "spam"}, "category"), ({"score": 1.5}, "score"), ({"score": "high"}, "score"),
    ({"priority": float("nan")}, "priority"), ({"verdict": "maybe"}, "verdict"),
    ({"evidence": "terms"}, "evidence"), ({"url": ""}, "url"), ({"kind": "video"}, "kind"),
    ({"content_hash": None}, "content_hash"),
])
def test_raise_flag_rejects_bad_input(store, kwargs, field):
    args = dict(url="https://a.example/1", category="vulgar", score=0.5, priority=1.0,
                verdict="review", evidence={}, model_version="m", content_hash="h")
    with pytest.raises(StoreError, match=field):
        store.raise_flag(**(args | kwargs))
    assert store.list_flags()[1] == 0


def test_unknown_flag(store):
    with pytest.raises(NotFound):
        store.get_flag("0" * 32)
    for call in (lambda: store.release("0" * 32, "ann"),
                 lambda: store.decide("0" * 32, "ann", "confirmed", "x"),
                 lambda: store.reopen("0" * 32, "lead"),
                 lambda: store.reassign("0" * 32, "lead", "ann")):
        with pytest.raises(NotFound):
            call()
