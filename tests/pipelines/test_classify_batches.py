"""ClassifyPipeline's micro-batches, with the shipped model and Scrapy's own
stats collector, on a real asyncio loop (no crawl): every item gets the
result the model gives it alone, items that arrive together share a
``classify_many`` call, and one bad text does not cost the others theirs."""

from __future__ import annotations

import asyncio

from scrapy.utils.test import get_crawler

from patrol import config
import classifiers
from pipelines.classify import RESULT_KEY, ClassifyPipeline, classify_batch
from pipelines.dedupe import CHANGE_KEY

TEXTS = [
    "本书适合小学高年级学生阅读，内容涵盖古诗词赏析、成语故事和传统文化常识。",
    "夜色小说，专注成人向言情，尺度大到你脸红，充值书币解锁隐藏章节，未满18岁慎入。",
    "全网独家电子版教材教辅PDF，加微信秒发，无需出版许可，量大从优。",
    "城南日报讯：我市新建的三所公办幼儿园将于九月开园，共提供学位九百个。",
]


def _items(n: int) -> list[dict]:
    return [{"url": f"http://example.test/{i}", "kind": "shop", "title": f"图书 {i}",
             "text": TEXTS[i % len(TEXTS)], CHANGE_KEY: "new"} for i in range(n)]


def _pipeline(workers: int = 1, max_batch: int = 8) -> tuple[ClassifyPipeline, object]:
    crawler = get_crawler()
    stats = crawler.stats
    pipe = ClassifyPipeline(stats, config.get("PATROL_MODEL"), workers, max_batch=max_batch)
    pipe.open_spider()
    return pipe, stats


def test_batched_results_equal_one_by_one_results():
    model = classifiers.load_model(config.get("PATROL_MODEL"))
    pipe, stats = _pipeline(workers=1, max_batch=8)

    async def run(items):
        return await asyncio.gather(*(pipe.process_item(item) for item in items))

    try:
        items = asyncio.run(run(_items(20)))
    finally:
        pipe.close_spider()
    for item in items:
        alone = model.classify({k: v for k, v in item.items() if not k.startswith("_")} | {"source_kind": "shop"})
        assert item[RESULT_KEY]["scores"] == alone["scores"]
        assert item[RESULT_KEY]["verdicts"] == alone["verdicts"]
    assert stats.get_value("patrol/classify/classified") == 20
    # 20 items arriving together with one worker, batches of at most 8: the
    # first call takes what has arrived when the worker starts (one item, or
    # more on a loaded machine), the rest wait -> 1 + 8 + 8 + 3, or 3 calls.
    # Never one call per item, never a batch over 8.
    assert 3 <= stats.get_value("patrol/classify/batches") <= 4
    assert not stats.get_value("patrol/classify/errors")


def test_unchanged_items_are_not_classified():
    pipe, stats = _pipeline()
    item = _items(1)[0] | {CHANGE_KEY: "unchanged"}
    try:
        out = asyncio.run(pipe.process_item(item))
    finally:
        pipe.close_spider()
    assert RESULT_KEY not in out
    assert stats.get_value("patrol/classify/skipped_unchanged") == 1
    assert not stats.get_value("patrol/classify/batches")


def test_one_bad_text_does_not_cost_the_batch():
    model = classifiers.load_model(config.get("PATROL_MODEL"))
    docs = [{"text": TEXTS[0]}, {"text": 12345}, {"text": TEXTS[1]}]  # text must be a str
    results = classify_batch(model, docs)
    assert isinstance(results[1], TypeError)
    assert results[0]["verdicts"] == model.classify(docs[0])["verdicts"]
    assert results[2]["verdicts"] == model.classify(docs[2])["verdicts"]


def test_bad_item_is_counted_and_still_passed_on():
    pipe, stats = _pipeline(max_batch=8)
    items = _items(3)
    items[1]["text"] = 12345

    async def run():
        return await asyncio.gather(*(pipe.process_item(item) for item in items))

    try:
        out = asyncio.run(run())
    finally:
        pipe.close_spider()
    assert RESULT_KEY in out[0] and RESULT_KEY in out[2]
    assert RESULT_KEY not in out[1]
    assert stats.get_value("patrol/classify/errors") == 1
    assert stats.get_value("patrol/classify/classified") == 2
