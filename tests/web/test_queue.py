"""The queue page, its filters, "next", and two analysts claiming at once."""

from __future__ import annotations

import datetime as _dt
import re
import threading

from tests.web.conftest import User

ROW_RE = re.compile(r'class="flag-row" data-flag-id="([0-9a-f]+)"')


def rows(html: str) -> list[str]:
    return ROW_RE.findall(html)


def test_queue_lists_flags_by_priority(ann, seeded):
    r = ann.get("/")
    assert r.status_code == 200
    assert rows(r.text) == [seeded["shop"], seeded["app"], seeded["news"]]


def test_queue_filters(ann, seeded, store):
    assert rows(ann.get("/?category=vulgar").text) == [seeded["app"]]
    assert rows(ann.get("/?source=news-x").text) == [seeded["news"]]
    assert rows(ann.get("/?kind=shop").text) == [seeded["shop"]]
    assert rows(ann.get("/?min_score=0.6&max_score=0.8").text) == [seeded["app"]]
    assert rows(ann.get("/?sort=-created_at").text)  # accepted
    store.decide(seeded["news"], "ann", "dismissed", "licensed_outlet")
    assert rows(ann.get("/?status=dismissed").text) == [seeded["news"]]
    assert rows(ann.get("/?status=pending").text) == [seeded["shop"], seeded["app"]]
    today = _dt.datetime.now(_dt.timezone.utc).date()
    assert len(rows(ann.get(f"/?since={today - _dt.timedelta(days=1)}&until={today + _dt.timedelta(days=1)}").text)) == 3
    assert rows(ann.get(f"/?since={today + _dt.timedelta(days=2)}").text) == []


def test_bad_filters_answer_400_naming_the_field(ann):
    r = ann.get("/?min_score=lots")
    assert r.status_code == 400 and "分值自" in r.text
    r = ann.get("/?category=%3Cscript%3E")
    assert r.status_code == 400 and "类别" in r.text and "<script>" not in r.text
    r = ann.get("/?since=2026-05-02&until=2026-05-01")
    assert r.status_code == 400 and "不能早于开始日期" in r.text


def test_next_claims_the_top_flag_and_opens_it(ann, seeded, store):
    r = ann.post("/next")
    assert r.status_code == 302 and r.headers["Location"] == f"/flags/{seeded['shop']}"
    flag = store.get_flag(seeded["shop"])
    assert flag["status"] == "in_review" and flag["claim"]["analyst"] == "ann"
    r = ann.post("/next", data={"category": "fake_media"})
    assert r.headers["Location"] == f"/flags/{seeded['news']}"


def test_next_with_nothing_left_says_so(ann, seeded):
    for _ in range(3):
        assert ann.post("/next").headers["Location"].startswith("/flags/")
    r = ann.post("/next", follow_redirects=True)
    assert r.status_code == 200 and "已无待审核线索。" in r.text


def test_two_analysts_claiming_at_once_never_get_the_same_flag(app, seeded, store):
    users = [User(app, "ann"), User(app, "bob")]
    got: dict[str, list[str]] = {"ann": [], "bob": []}
    barrier = threading.Barrier(2)

    def work(user: User):
        barrier.wait()
        while True:
            r = user.post("/next")
            location = r.headers["Location"]
            if not location.startswith("/flags/"):
                return
            got[user.name].append(location.rsplit("/", 1)[1])

    threads = [threading.Thread(target=work, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    claimed = got["ann"] + got["bob"]
    assert sorted(claimed) == sorted(seeded.values())  # every flag once, none twice
    for name, ids in got.items():
        for flag_id in ids:
            assert store.get_flag(flag_id)["claim"]["analyst"] == name
