"""Third stage: classify new and changed items (and unchanged ones that another
model judged: ``REJUDGE_KEY``) with the model of ``classifiers/``, loaded once
per process, off the reactor thread, when the first item needs it: a re-crawl
of an unchanged site never loads it.

Classification is CPU work (tokenising, TF-IDF, a linear model); run on the
reactor thread it stalls downloading. It runs in a small thread pool instead,
and the pipeline awaits the result, so the reactor keeps serving responses
while a text is being classified (benchmarks/pipeline/ measures it).

Items are classified in micro-batches: whatever has arrived while the workers
were busy (up to ``MAX_BATCH``) goes to the model in one ``classify_many``
call. scikit-learn's fixed cost per call (input validation, joblib dispatch)
is several times the cost of one page's text, so one call per item made the
classifier, not the crawl, the bottleneck (benchmarks/pipeline/README.md).
An idle pool takes an item at once, so a slow crawl adds no latency.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from itemadapter import ItemAdapter

import classifiers
from scrapy.exceptions import NotConfigured

from pipelines.dedupe import CHANGE_KEY, REJUDGE_KEY

logger = logging.getLogger(__name__)

RESULT_KEY = "_classification"  # the classifier's result; not stored on the item
MAX_BATCH = 64  # items per classify_many call



def classifier_doc(item: dict) -> dict:
    """What the classifier reads: text, title and the kind-specific fields."""
    doc = {k: v for k, v in item.items() if not k.startswith("_")}
    doc["source_kind"] = item.get("kind", "page")
    return doc


def classify_batch(model, docs: list[dict]) -> list:
    """Results in order; a document the model fails on gets its exception
    instead of a result, and the others are still classified."""
    try:
        return list(model.classify_many(docs))
    except Exception as exc:
        if len(docs) == 1:
            return [exc]
    # One bad text fails the whole call: classify one by one to isolate it
    # (outside the except block, so each item's error is reported on its own).
    out: list = []
    for doc in docs:
        try:
            out.append(model.classify(doc))
        except Exception as exc:  # reported per item by the pipeline
            out.append(exc)
    return out


class ClassifyPipeline:
    def __init__(self, stats, model_path: str, workers: int, max_batch: int = MAX_BATCH,
                 registry: str = ""):
        self.stats = stats
        self.model_path = model_path
        self.registry = registry
        self.workers = max(1, workers)
        self.max_batch = max(1, max_batch)
        self.model = None
        self.loading = threading.Lock()
        self.pool: ThreadPoolExecutor | None = None
        self.waiting: list[tuple[dict, asyncio.Future]] = []  # reactor thread only
        self.busy = 0  # batches in the pool

    @classmethod
    def from_crawler(cls, crawler):
        s = crawler.settings
        if not s.getbool("PATROL_CLASSIFY", True):
            raise NotConfigured("PATROL_CLASSIFY is off")
        return cls(crawler.stats, s.get("PATROL_MODEL"), s.getint("PATROL_CLASSIFY_WORKERS", 1),
                   registry=s.get("PATROL_OUTLET_REGISTRY", ""))

    def open_spider(self):
        # A missing model or an unreadable sidecar stops the crawl at once with
        # the loader's message, rather than failing on every item; the model
        # itself is loaded by the first batch that needs it (``_model``).
        classifiers.model_version(self.model_path)
        self.pool = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="patrol-classify")

    def _model(self):
        """The model, loaded on first use (on a pool thread, not the reactor's)."""
        with self.loading:
            if self.model is None:
                model = classifiers.load_model(self.model_path)  # cached: once per process
                if self.registry:
                    model = dataclasses.replace(model, registry_path=Path(self.registry))
                self.model = model
                self.stats.set_value("patrol/classify/model_loaded", 1)
        return self.model

    def _classify(self, docs: list[dict]) -> list:
        try:
            model = self._model()
        except Exception as exc:  # ArtifactError: every item of the batch reports it
            return [exc] * len(docs)
        return classify_batch(model, docs)

    def close_spider(self):
        if self.pool is not None:
            self.pool.shutdown(wait=True)

    async def process_item(self, item):
        adapter = ItemAdapter(item)
        if adapter.get(CHANGE_KEY) == "unchanged" and not adapter.get(REJUDGE_KEY):
            self.stats.inc_value("patrol/classify/skipped_unchanged")
            return item
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self.waiting.append((classifier_doc(dict(adapter)), future))
        self._dispatch(loop)
        try:
            result = await future
            if isinstance(result, Exception):
                raise result
        except Exception:  # a bad text must not stop the crawl; the item is still stored
            logger.exception("classification failed for %s", adapter.get("url"))
            self.stats.inc_value("patrol/classify/errors")
            return item
        adapter[RESULT_KEY] = result
        try:  # which model judged the stored content (``patrol rescore`` judges it again)
            adapter["judged_by"] = result.get("model_version", "")
        except KeyError:  # an item class without the field: the flags still carry the version
            pass
        self.stats.inc_value("patrol/classify/classified")
        if adapter.get(REJUDGE_KEY):
            self.stats.inc_value("patrol/classify/rejudged")
        for category, verdict in result.get("verdicts", {}).items():
            if verdict != "pass":
                self.stats.inc_value(f"patrol/classify/{verdict}/{category}")
        return item

    def _dispatch(self, loop) -> None:
        """Give waiting items to free workers, up to ``max_batch`` per call."""
        while self.waiting and self.busy < self.workers:
            batch, self.waiting = self.waiting[:self.max_batch], self.waiting[self.max_batch:]
            self.busy += 1
            self.stats.inc_value("patrol/classify/batches")
            done = asyncio.wrap_future(self.pool.submit(self._classify, [d for d, _ in batch]),
                                       loop=loop)
            done.add_done_callback(lambda f, batch=batch: self._finished(loop, batch, f))

    def _finished(self, loop, batch: list[tuple[dict, asyncio.Future]], done: asyncio.Future) -> None:
        self.busy -= 1
        try:
            results = done.result()
        except asyncio.CancelledError:
            results = [RuntimeError("classification cancelled")] * len(batch)
        except Exception as exc:  # the pool itself failed: every item of the batch gets the error
            results = [exc] * len(batch)
        for (_, future), result in zip(batch, results):
            if not future.done():
                future.set_result(result)
        self._dispatch(loop)
