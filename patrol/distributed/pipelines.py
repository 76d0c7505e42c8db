"""The project's dedupe and store pipelines, for a worker that serves many
sources and runs at once.

``DedupePipeline`` reads one source's previous content hashes when its crawl
opens; a worker has no single source, so ``RunDedupePipeline`` reads them
when a run's first item arrives (off the reactor thread) and keeps "seen in
this run" per run. ``StorePipeline`` records the run of its crawl; a
worker's runs are recorded by the frontier (``patrol.distributed.runs``), so
``WorkerStorePipeline`` only writes items (with each source's own review
weight) and offers ``flush()``: the worker finishes its leases only after the
items they produced are written or spooled.
"""

from __future__ import annotations

import asyncio
import logging

from itemadapter import ItemAdapter

from patrol.store import StoreError, open_store
from pipelines.dedupe import DedupePipeline
from pipelines.store import StorePipeline

logger = logging.getLogger(__name__)

RUN_KEY = "_patrol_run"


class RunDedupePipeline(DedupePipeline):
    def open_spider(self):
        self.known_by_run: dict[str, dict[str, tuple[str, str]]] = {}
        self.seen_by_run: dict[str, set[str]] = {}
        self._loading: dict[str, asyncio.Future] = {}
        self._read_model_version()

    def _hashes(self, source: str) -> dict[str, tuple[str, str]]:
        try:
            with open_store(self.store_url, timeout=self.timeout) as store:
                return store.item_states(source=source)
        except StoreError as exc:
            logger.warning("cannot read previous content hashes of %s (%s); its pages count as new",
                           source, exc)
            self.stats.inc_value("patrol/dedupe/hashes_unavailable")
            return {}

    async def process_item(self, item):
        adapter = ItemAdapter(item)
        run = adapter.get(RUN_KEY) or "local"
        if run not in self.known_by_run:
            if run not in self._loading:
                self._loading[run] = asyncio.ensure_future(
                    asyncio.to_thread(self._hashes, adapter.get("source") or ""))
            known = await self._loading[run]
            self.known_by_run.setdefault(run, known)
            self._loading.pop(run, None)
        # The parent's check reads self.known / self.seen: point them at this run
        # (no await between here and its return).
        self.known = self.known_by_run[run]
        self.seen = self.seen_by_run.setdefault(run, set())
        out = super().process_item(item)
        if asyncio.iscoroutine(out):  # re-judging a page: its stored content is read first
            out = await out
        return out

    def forget_run(self, run: str) -> None:
        self.known_by_run.pop(run, None)
        self.seen_by_run.pop(run, None)


class WorkerStorePipeline(StorePipeline):
    async def open_spider(self):
        self.source = "worker"
        self.source_weight = 1.0
        self.loop = asyncio.get_running_loop()
        self.timer = asyncio.ensure_future(self._tick())

    def process_item(self, item):
        spider = self.crawler.spider
        self.source_weight = spider.weight(ItemAdapter(item).get("source") or "")
        return super().process_item(item)

    async def flush(self) -> bool:
        """Write (or spool) every item handed to this pipeline so far; False
        when some could go neither to the store nor to the spool (they are
        held in memory and the worker stops: their leases must not finish)."""
        self._submit_flush()
        for fut in list(self.pending):
            await asyncio.wrap_future(fut)
        return not self.unsaved

    def _finish_run(self, stats: dict) -> None:
        """Runs are the frontier's; only save what is held and replay the spool."""
        try:
            self._save_unsaved()
            self._replay()
        except StoreError as exc:
            logger.error("spooled records not replayed (%s); %d wait in the spool",
                         exc, self.spool.pending())
        finally:
            self._drop_store()
