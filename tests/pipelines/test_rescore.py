"""``patrol rescore`` on both stores: stored items judged again by the current model."""

import datetime as dt

from click.testing import CliRunner

from classifiers import load_model
from patrol.rescore import rescore
from pipelines.store import build_record, write_records

LURE = "深夜福利准时开播！私密直播间等你解锁，一对一私聊看更多不能公开的内容，首充6元送VIP"
CLEAN = "这家酒店早餐不错，房间干净，服务热情，下次出差还会再来。"


def item(url, text, source="s1", fetched="2026-11-20T10:00:00+00:00"):
    return {"url": url, "source": source, "kind": "page", "title": "", "text": text,
            "content_hash": "h-" + url[-1], "fetched_at": fetched, "http_status": 200, "rendered": False}


def stored(store, items):
    # as an older model that passed everything left them: items, no flags
    write_records(store, [build_record(i) for i in items])


def test_rescore_raises_refreshes_and_keeps_decisions(store):
    model = load_model()
    a, b, c = (item("http://x/a", LURE), item("http://x/b", LURE + "。"), item("http://x/c", CLEAN))
    d = item("http://y/d", LURE, source="s2")
    stored(store, [a, b, c, d])
    # b had a flag an analyst dismissed; the stored content is unchanged
    old = store.raise_flag(url=b["url"], category="vulgar", score=0.5, priority=0.5, verdict="review",
                           evidence={}, model_version="old", content_hash=b["content_hash"], source="s1")
    store.decide(old.flag_id, "ana", "dismissed", "not a lure")
    counts = rescore(store, model, source="s1")
    assert counts["items"] == 3 and counts["classified"] == 3 and counts["errors"] == 0
    flags, total = store.list_flags(url=a["url"])
    assert total >= 1 and {f["category"] for f in flags} >= {"vulgar"}
    assert all(f["model_version"] == model.version and f["status"] == "pending" for f in flags)
    kept = store.get_flag(old.flag_id)
    assert kept["status"] == "dismissed" and kept["decision"]["verdict"] == "dismissed"
    assert counts.get("flags_suppressed", 0) >= 1
    assert store.list_flags(url=c["url"])[1] == 0
    assert store.list_flags(url=d["url"])[1] == 0          # another source: untouched
    # a second run refreshes the open flags, raises nothing new
    again = rescore(store, model, source="s1")
    assert again.get("flags_new", 0) == 0 and again.get("flags_updated", 0) >= 1


def test_rescore_since_a_date(store):
    model = load_model()
    stored(store, [item("http://x/a", LURE, fetched="2026-10-01T00:00:00+00:00"),
                   item("http://x/b", LURE, fetched="2026-11-25T00:00:00+00:00")])
    counts = rescore(store, model, since=dt.datetime(2026, 11, 1))
    assert counts["items"] == 1
    assert store.list_flags(url="http://x/a")[1] == 0 and store.list_flags(url="http://x/b")[1] >= 1


def test_rescore_command(tmp_path, monkeypatch):
    from patrol.cli import cli
    from patrol.store import open_store

    url = f"sqlite:///{tmp_path / 'p.db'}"
    with open_store(url) as s:
        stored(s, [item("http://x/a", LURE), item("http://x/c", CLEAN)])
    monkeypatch.setenv("PATROL_STORE", url)
    result = CliRunner().invoke(cli, ["rescore", "--since", "2026-01-01"])
    assert result.exit_code == 0, result.output
    assert "2 of 2 items rescored" in result.output and "new" in result.output
    bad = CliRunner().invoke(cli, ["rescore", "--since", "last week"])
    assert bad.exit_code != 0 and "not a date" in bad.output


def test_rescore_records_the_model_and_retires_what_it_no_longer_flags(store):
    model = load_model()
    a, c, held, decided = (item("http://x/a", LURE), item("http://x/c", CLEAN),
                           item("http://x/h", CLEAN), item("http://x/d", CLEAN))
    stored(store, [a, c, held, decided])
    before = store.get_item(c["url"])
    # an older model flagged the clean pages; an analyst holds one and decided another
    old = {}
    for i in (c, held, decided):
        old[i["url"]] = store.raise_flag(url=i["url"], category="vulgar", score=0.5, priority=0.5,
                                         verdict="review", evidence={}, model_version="old",
                                         content_hash=i["content_hash"], source="s1").flag_id
    store.claim(old[held["url"]], "ana")
    store.claim(old[decided["url"]], "bob")
    store.decide(old[decided["url"]], "bob", "confirmed", "seen by hand")
    counts = rescore(store, model, source="s1")
    assert counts["retired"] == 1 and counts["now_pass"] == 2
    retired = store.get_flag(old[c["url"]])
    assert retired["status"] == "dismissed" and retired["decision"]["analyst"] == "classifier"
    assert retired["history"][-1]["reason"] == f"model {model.version} no longer flags it"
    assert store.get_flag(old[held["url"]])["status"] == "in_review"
    assert store.get_flag(old[decided["url"]])["decision"]["analyst"] == "bob"
    assert {j for _, j in store.item_states(source="s1").values()} == {model.version}
    after = store.get_item(c["url"])  # only judged_by changed: last_seen stays the crawl's
    assert {k: v for k, v in after.items() if k != "judged_by"} == before
    again = rescore(store, model, source="s1")
    assert again["retired"] == 0 and store.get_flag(old[c["url"]])["status"] == "dismissed"
