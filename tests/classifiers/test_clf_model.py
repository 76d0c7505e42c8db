"""The public API on the shipped model: result shape, evidence offsets, threads."""

from concurrent.futures import ThreadPoolExecutor

import pytest

from classifiers import CATEGORIES

DOCS = [
    {"text": "深夜福利准时开播！私 密 直 播 间等你解锁，加Ｖ信领取", "title": "夜语直播", "source_kind": "app"},
    {"text": "本店出售網盤鏈接，全本ＴＸＴ，拍下秒发", "source_kind": "shop"},
    {"text": "诚招各地记者站站长，统一办理记者证、采访证，审核费及工本费共计3800元", "source_kind": "news"},
    {"text": "这家酒店早餐不错，房间干净，服务热情", "source_kind": "page"},
    {"text": "", "title": ""},
    "只是一个字符串",
]


def test_result_shape_and_verdicts(model):
    results = model.classify_many(DOCS)
    assert len(results) == len(DOCS)
    for r in results:
        assert set(r) == {"scores", "verdicts", "evidence", "model_version"}
        assert set(r["scores"]) == set(r["verdicts"]) == set(r["evidence"]) == set(CATEGORIES)
        assert all(0.0 <= s <= 1.0 for s in r["scores"].values())
        assert all(v in ("pass", "review", "block") for v in r["verdicts"].values())
    assert results[0]["verdicts"]["vulgar"] != "pass"
    assert results[1]["verdicts"]["unlicensed_publication"] != "pass"
    assert results[2]["verdicts"]["fake_media"] != "pass"
    assert all(v == "pass" for r in results[3:] for v in r["verdicts"].values())


def test_evidence_points_into_the_original_text_and_title(model):
    r = model.classify(DOCS[0])
    ev = r["evidence"]["vulgar"]
    assert ev["features"] and ev["snippet"]
    for t in ev["terms"]:
        source = DOCS[0]["title"] if t["field"] == "title" else DOCS[0]["text"]
        assert source[t["start"]:t["end"]] == t["matched"]
    assert any(t["matched"] == "私 密 直 播" for t in ev["terms"])
    r = model.classify(DOCS[1])
    matched = {t["matched"] for t in r["evidence"]["unlicensed_publication"]["terms"]}
    assert {"網盤鏈接", "全本ＴＸＴ"} <= matched


def test_bad_input_is_a_type_error(model):
    with pytest.raises(TypeError, match="'text' and 'title' must be strings"):
        model.classify({"text": 12})
    with pytest.raises(TypeError, match="needs a str or a dict"):
        model.classify(["text"])


def test_same_results_from_many_threads(model):
    docs = DOCS * 20
    expected = model.classify_many(docs)
    with ThreadPoolExecutor(max_workers=4) as pool:
        got = list(pool.map(model.classify, docs))
    assert got == expected
