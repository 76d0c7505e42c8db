"""Third stage: classify new and changed items with the model of
``classifiers/``, loaded once per process, off the reactor thread.

Classification is CPU work (tokenising, TF-IDF, a linear model); run on the
reactor thread it stalls downloading. It runs in a small thread pool instead,
and the pipeline awaits the result, so the reactor keeps serving responses
while a text is being classified (benchmarks/pipeline/ measures it).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from concurrent.futures import ThreadPoolExecutor

from itemadapter import ItemAdapter
from scrapy.exceptions import NotConfigured

from pipelines.dedupe import CHANGE_KEY

logger = logging.getLogger(__name__)

RESULT_KEY = "_classification"  # the classifier's result; not stored on the item

_models: dict[str, object] = {}
_models_lock = threading.Lock()


def load_model_once(path: str):
    """The model at ``path``, loaded once per process."""
    with _models_lock:
        model = _models.get(path)
        if model is None:
            import classifiers
            model = classifiers.load_model(path)
            _models[path] = model
        return model


def classifier_doc(item: dict) -> dict:
    """What the classifier reads: text, title and the kind-specific fields."""
    doc = {k: v for k, v in item.items() if not k.startswith("_")}
    doc["source_kind"] = item.get("kind", "page")
    return doc


class ClassifyPipeline:
    def __init__(self, stats, model_path: str, workers: int):
        self.stats = stats
        self.model_path = model_path
        self.workers = workers
        self.model = None
        self.pool: ThreadPoolExecutor | None = None

    @classmethod
    def from_crawler(cls, crawler):
        s = crawler.settings
        if not s.getbool("PATROL_CLASSIFY", True):
            raise NotConfigured("PATROL_CLASSIFY is off")
        return cls(crawler.stats, s.get("PATROL_MODEL"), s.getint("PATROL_CLASSIFY_WORKERS", 1))

    def open_spider(self):
        # A missing or untrusted model stops the crawl at once with the
        # loader's message, rather than failing on every item.
        self.model = load_model_once(self.model_path)
        self.pool = ThreadPoolExecutor(max_workers=max(1, self.workers),
                                       thread_name_prefix="patrol-classify")

    def close_spider(self):
        if self.pool is not None:
            self.pool.shutdown(wait=True)

    async def process_item(self, item):
        adapter = ItemAdapter(item)
        if adapter.get(CHANGE_KEY) == "unchanged":
            self.stats.inc_value("patrol/classify/skipped_unchanged")
            return item
        doc = classifier_doc(dict(adapter))
        loop = asyncio.get_running_loop()
        try:
            result = await loop.run_in_executor(self.pool, self.model.classify, doc)
        except Exception:  # a bad text must not stop the crawl; the item is still stored
            logger.exception("classification failed for %s", adapter.get("url"))
            self.stats.inc_value("patrol/classify/errors")
            return item
        adapter[RESULT_KEY] = result
        self.stats.inc_value("patrol/classify/classified")
        for category, verdict in result.get("verdicts", {}).items():
            if verdict != "pass":
                self.stats.inc_value(f"patrol/classify/{verdict}/{category}")
        return item
