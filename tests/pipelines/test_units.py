"""Pipeline building blocks without a crawl: minor relevance, records,
the spool, and the run judgement."""

import datetime as dt
import os

from pipelines.minors import minor_relevance
from pipelines.outcome import judge
from pipelines.spool import Spool
from pipelines.store import build_record, write_records


def test_learning_app_for_pupils_is_minor_relevant():
    relevant, score, reasons = minor_relevance({
        "category": "教育学习", "age_rating": "4+", "name": "口算小达人",
        "description": "小学一到六年级口算练习，家长可查看孩子作业完成情况"})
    assert relevant and score >= 0.8
    assert any("education" in r for r in reasons)
    assert any("小学" in r for r in reasons)


def test_adult_tool_app_is_not_minor_relevant():
    relevant, score, reasons = minor_relevance({
        "category": "工具", "age_rating": "18+", "name": "企业报税助手",
        "description": "为中小企业财务人员提供增值税申报和发票管理"})
    assert not relevant and score < 0.5


def test_ads_in_a_kids_app_are_a_reason():
    _, _, reasons = minor_relevance({"category": "儿童", "description": "宝宝识字，最近弹窗广告太多"})
    assert any("pop-ups" in r for r in reasons)


def _result(vulgar_verdict="review"):
    return {"scores": {"vulgar": 0.8, "unlicensed_publication": 0.1, "fake_media": 0.05},
            "verdicts": {"vulgar": vulgar_verdict, "unlicensed_publication": "pass", "fake_media": "pass"},
            "evidence": {"vulgar": {"terms": [{"term": "福利", "start": 0, "end": 2}], "snippet": "福利"},
                         "unlicensed_publication": {}, "fake_media": {}},
            "model_version": "test-1"}


def _app_item():
    return {"url": "http://127.0.0.1:1/app/9", "source": "demo-store", "kind": "app",
            "title": "夜读漫画", "text": "福利漫画", "content_hash": "h1", "store": "demo-store",
            "app_id": "9", "name": "夜读漫画", "category": "漫画小说", "age_rating": "12+",
            "downloads": 350000, "description": "中学生都在看", "_change": "new",
            "_classification": _result()}


def test_record_raises_only_review_and_block_categories_and_builds_the_app():
    record = build_record(_app_item(), source_weight=2.0)
    assert [f["category"] for f in record["flags"]] == ["vulgar"]
    flag = record["flags"][0]
    assert flag["evidence"]["terms"][0]["term"] == "福利"
    assert flag["priority"] > 0.8 * 2.0  # weighted by source and by minor relevance
    assert record["app"]["app_id"] == "9" and record["app"]["minor_relevant"]
    assert record["app"]["flag_categories"] == ["vulgar"]
    assert not any(k.startswith("_") for k in record["item"])


def test_block_outranks_review():
    review = build_record(_app_item())["flags"][0]["priority"]
    blocked = _app_item()
    blocked["_classification"] = _result("block")
    assert build_record(blocked)["flags"][0]["priority"] > review


def test_spool_round_trip_keeps_datetimes_and_order(tmp_path):
    spool = Spool(tmp_path / "spool")
    when = dt.datetime(2026, 11, 27, 1, 2, 3, tzinfo=dt.timezone.utc)
    records = [{"item": {"url": f"http://x/{i}", "fetched_at": when}} for i in range(5)]
    assert spool.append(records[:3]) == 3
    assert spool.append(records[3:]) == 2
    assert spool.pending() == 5
    claimed = spool.claim()
    assert spool.pending() == 0 and len(claimed) == 1
    back = list(spool.read(claimed[0]))
    assert [r["item"]["url"] for r in back] == [r["item"]["url"] for r in records]
    assert back[0]["item"]["fetched_at"] == when
    spool.give_back(claimed[0])
    assert spool.pending() == 5


def test_spool_skips_a_torn_line_but_keeps_the_rest(tmp_path):
    spool = Spool(tmp_path)
    spool.append([{"a": 1}, {"a": 2}])
    path = next(tmp_path.glob("spool-*.jsonl"))
    with open(path, "a", encoding="utf-8") as fh:
        fh.write('{"a": 3')  # a crash mid-write
    assert [r["a"] for r in Spool.read(path)] == [1, 2]


def test_records_reach_the_store(store):
    record = build_record(_app_item())
    counts = write_records(store, [record])
    assert counts["patrol/store/items_written"] == 1
    assert counts["patrol/store/flags/new"] == 1
    assert store.get_item("http://127.0.0.1:1/app/9")["title"] == "夜读漫画"
    flags, total = store.list_flags(category="vulgar")
    assert total == 1 and flags[0]["model_version"] == "test-1"
    app = store.get_app("demo-store", "9")
    assert app["minor_relevant"] and app["downloads"] == 350000
    # the same record again: the open flag is refreshed, not duplicated
    counts = write_records(store, [record])
    assert counts["patrol/store/flags/updated"] == 1
    assert store.list_flags(category="vulgar")[1] == 1


def test_judge_reads_stats_not_exit_codes():
    ok = {"response_received_count": 10, "item_scraped_count": 8, "finish_reason": "finished"}
    assert judge(ok, 0)[0] == "ok"
    browser_failed = {"response_received_count": 0, "log_count/ERROR": 3, "finish_reason": "finished"}
    outcome, reason = judge(browser_failed, 0)
    assert outcome == "failed" and "no response" in reason
    some_errors = dict(ok, **{"downloader/exception_type_count/twisted.internet.error.TimeoutError": 2})
    assert judge(some_errors, 0)[0] == "partial"
    assert judge(ok, 1)[0] == "failed"
    site_errors = dict(ok, **{"log_count/ERROR": 1, "retry/max_reached": 1,
                              "downloader/exception_type_count/scrapy.exceptions.IgnoreRequest": 3})
    outcome, reason = judge(site_errors, 0)
    assert outcome == "ok" and "1 pages failed after retries" in reason
    assert judge(dict(site_errors, **{"log_count/ERROR": 2}), 0)[0] == "partial"


def test_a_failed_replay_gives_back_every_file_it_claimed(tmp_path):
    spool = Spool(tmp_path)
    spool.append([{"n": 1}, {"n": 2}])
    spool.give_back(spool.claim()[0])  # a second spool file, as after an earlier failed replay
    spool.append([{"n": 3}])
    claimed = spool.claim()
    assert len(claimed) == 2 and spool.pending() == 0
    records = list(spool.read(claimed[0]))
    spool.give_back(claimed[0], records[1:])  # failed after the first record
    spool.give_back(claimed[1])
    assert spool.pending() == 2 and not list(tmp_path.glob("replay-*"))


def test_replay_files_of_a_dead_process_are_claimed_again(tmp_path):
    import subprocess
    import sys
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()
    (tmp_path / f"replay-{dead}-abc.jsonl").write_text('{"n": 1}\n', encoding="utf-8")
    (tmp_path / f"replay-{os.getppid()}-def.jsonl").write_text('{"n": 2}\n', encoding="utf-8")
    assert spool_pending(tmp_path) == 1  # the live process's replay is its own business
    claimed = Spool(tmp_path).claim()
    assert [list(Spool.read(p)) for p in claimed] == [[{"n": 1}]]


def spool_pending(path) -> int:
    return Spool(path).pending()


def test_judge_sees_pages_the_run_could_not_keep():
    ok = {"response_received_count": 10, "item_scraped_count": 8, "finish_reason": "finished"}
    for key in ("patrol/store/rejected", "patrol/page_bomb", "patrol/redirect/max_reached",
                "patrol/encoding/mismatch"):
        outcome, reason = judge(dict(ok, **{key: 1}), 0)
        assert outcome == "partial" and reason.startswith("1 "), (key, reason)
    outcome, reason = judge(dict(ok, **{"patrol/store/lost": 3}), 0)
    assert outcome == "failed" and reason.startswith("3 records lost")


def test_a_record_the_store_refuses_costs_that_record_only(store):
    good, bad = build_record(_app_item()), build_record(_app_item())
    deep = value = {}
    for _ in range(200):
        value["x"] = {}
        value = value["x"]
    bad["item"] = dict(bad["item"], url="http://127.0.0.1:1/app/bad", description=deep)
    counts = write_records(store, [bad, good])
    assert counts["patrol/store/rejected"] == 1 and counts["patrol/store/items_written"] == 1
    assert store.get_item("http://127.0.0.1:1/app/bad") is None
    assert store.get_item("http://127.0.0.1:1/app/9") is not None
