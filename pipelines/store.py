"""Last stage: write items, flags and apps to the store, in batches, and
record the run.

Writes are batched (bulk upserts), flushed when a batch fills, on a timer and
at spider close (the first record alone, at once), on one writer thread so a slow or dead database never blocks
the reactor. When the store is unreachable a batch goes to the on-disk spool
(``pipelines.spool``) and is replayed before the next successful write: a
crawl never loses an item or a flag.
"""

from __future__ import annotations

import asyncio
import datetime as _dt
import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from itemadapter import ItemAdapter

from patrol.evidence import chain
from patrol.evidence.capture import CAPTURE_KEY
from patrol.store import StoreError, open_store
from patrol.store.base import OPEN_STATUSES
from patrol.store.common import StoreInputError, normalize
from pipelines import source_of
from pipelines.classify import RESULT_KEY
from patrol.items import SEEN_KEY
from pipelines.dedupe import CHANGE_KEY, REJUDGE_KEY
from pipelines.minors import minor_relevance
from pipelines.outcome import judge
from pipelines.spool import Spool, SpoolError

logger = logging.getLogger(__name__)

APP_FIELDS = ("store", "app_id", "name", "developer", "category", "age_rating", "downloads",
              "rating", "version", "updated", "description", "url", "source")
FLAG_VERDICTS = ("review", "block")


def build_record(item: dict, source_weight: float = 1.0) -> dict:
    """What one item writes: the item, its flags and (for apps) the app."""
    doc = {k: v for k, v in item.items() if not k.startswith("_")}
    result = item.get(RESULT_KEY)
    # seen: a page a 304 confirmed, recorded as seen only (``touch_items``);
    # rejudged: unchanged content judged again by another model (``retire_unraised``).
    record: dict = {"item": doc, "change": item.get(CHANGE_KEY, "new"), "flags": [], "app": None,
                    "capture": item.get(CAPTURE_KEY), "seen": bool(item.get(SEEN_KEY)),
                    "rejudged": bool(result) and item.get(CHANGE_KEY) == "unchanged"}
    minor_score = 0.0
    if doc.get("kind") == "app":
        relevant, minor_score, reasons = minor_relevance(doc)
        app = {k: doc.get(k) for k in APP_FIELDS}
        app["store"] = app["store"] or doc.get("source") or "unknown"
        app["app_id"] = str(app["app_id"] or doc["url"])
        app.update(minor_relevant=relevant, minor_score=minor_score, minor_reasons=reasons)
        if not record["seen"]:  # a seen page's app is touched with it
            record["app"] = app
    if result:
        evidence = result.get("evidence", {})
        for category, verdict in result.get("verdicts", {}).items():
            if verdict not in FLAG_VERDICTS:
                continue
            score = float(result["scores"][category])
            priority = score * source_weight * (1.0 + 0.5 * minor_score) + (1.0 if verdict == "block" else 0.0)
            record["flags"].append({
                "category": category, "score": score, "verdict": verdict,
                "priority": round(priority, 4),
                "evidence": evidence.get(category, evidence) if isinstance(evidence, dict) else {},
                "model_version": str(result.get("model_version", "")),
            })
        if record["app"] is not None:
            record["app"]["flag_categories"] = [f["category"] for f in record["flags"]]
    return record


def _check(record: dict) -> None:
    """Raise StoreInputError if the store would refuse this record (a value
    nested too deep, a binary value, ...), before any of the batch is written."""
    normalize(record["item"])
    for flag in record["flags"]:
        normalize(flag["evidence"])
    if record["app"] is not None:
        normalize(record["app"])


def link_cases(store, doc: dict, raised_flags: list[dict]) -> dict[str, int]:
    """The identifiers of a page that raised flags go to its case (``patrol.cases``).
    A store failure fails the batch like any write (it is spooled and replayed:
    linking is idempotent); a bug in linking costs the links of this page only."""
    from patrol.cases import on_raised
    try:
        return on_raised(store, doc, raised_flags)
    except StoreError:
        raise
    except Exception:
        logger.exception("linking the cases of %s failed", doc.get("url"))
        return {"patrol/cases/errors": 1}


def retire_unraised(store, url: str, raised: set[str], model_version: str) -> dict[str, int]:
    """After ``model_version`` judged the unchanged content of ``url`` again: its
    open flags of the categories it no longer raises are retired (dismissed by
    the classifier) unless an analyst holds them; decided flags are never touched.
    Counts ``retired`` and ``now_pass`` (open flags it no longer raises)."""
    from patrol.store import Conflict
    counts = {"retired": 0, "now_pass": 0}
    if not model_version:
        return counts
    flags, _ = store.list_flags(url=url, limit=50)
    for flag in flags:
        if flag["status"] not in OPEN_STATUSES or flag["category"] in raised:
            continue
        counts["now_pass"] += 1
        try:
            store.retire_flag(flag["id"], model_version)
            counts["retired"] += 1
        except Conflict:  # an analyst holds it: theirs to decide
            pass
    return counts


def write_records(store, records: list[dict]) -> dict[str, int]:
    """Write a batch; returns counters. Raises StoreError when the store fails
    (the caller spools the whole batch: every write below is idempotent).

    A record the store refuses costs that record only: it is counted
    (``patrol/store/rejected``) and logged with its URL, the rest are written.
    Each page's flags and app are written before its item (the batch's apps in one
    call after its flags): an item is stored
    with its new content hash only once its judgement is, so a crawl killed in
    between leaves the page looking new or changed to the next crawl, which
    classifies it again instead of skipping it as unchanged.

    Pages recorded as seen only (a 304) are touched, not upserted: one
    ``touch_items`` per batch. Unchanged content judged again gets its open flags
    the model no longer raises retired, then its ``judged_by`` set (last, so a
    crawl killed in between judges it again next time)."""
    counts: dict[str, int] = {}

    def inc(key: str, n: int = 1) -> None:
        counts[key] = counts.get(key, 0) + n

    good = []
    for record in records:
        try:
            _check(record)
        except StoreInputError as exc:
            inc("patrol/store/rejected")
            logger.error("store refused %s: %s", record["item"].get("url"), exc)
            continue
        good.append(record)
    for record in good:
        doc = record["item"]
        raised_flags = []
        for flag in record["flags"]:
            raised = store.raise_flag(url=doc["url"], category=flag["category"], score=flag["score"],
                                      priority=flag["priority"], verdict=flag["verdict"],
                                      evidence=flag["evidence"], model_version=flag["model_version"],
                                      content_hash=doc["content_hash"], source=doc.get("source", ""),
                                      kind=doc.get("kind", "page"), title=doc.get("title", ""))
            inc(f"patrol/store/flags/{raised.status}")
            if record.get("capture") and raised.status != "suppressed":
                # The case's chain starts with its capture; keyed by the fetch
                # time, so a replayed batch does not record it twice.
                if chain.append_once(store, raised.flag_id, "capture", record["capture"], "fetched_at"):
                    inc("patrol/store/evidence_recorded")
            raised_flags.append({"id": raised.flag_id, "status": raised.status,
                                 "category": flag["category"], "evidence": flag["evidence"]})
        if raised_flags:
            for key, n in link_cases(store, doc, raised_flags).items():
                inc(key, n)
        if record.get("rejudged"):
            version = doc.get("judged_by") or (record["flags"][0]["model_version"] if record["flags"] else "")
            retired = retire_unraised(store, doc["url"], {f["category"] for f in record["flags"]},
                                      str(version))
            inc("patrol/store/flags/retired", retired["retired"])
    apps = [r["app"] for r in good if r["app"] is not None]
    for status in store.upsert_apps(apps) if apps else []:
        inc(f"patrol/store/apps/{status}")
    full = [r["item"] for r in good if not r.get("seen")]
    if full:
        inc("patrol/store/items_written", len(store.upsert_items(full)))
    seen = [r["item"] for r in good if r.get("seen")]
    if seen:
        newest = max((d["fetched_at"] for d in seen if isinstance(d.get("fetched_at"), _dt.datetime)),
                     default=None)
        inc("patrol/store/items_touched",
            store.touch_items([d["url"] for d in seen], newest,
                              apps=any(d.get("kind") == "app" for d in seen)))
    judged: dict[str, list[str]] = {}
    for record in good:
        if record.get("rejudged") and record["item"].get("judged_by"):
            judged.setdefault(str(record["item"]["judged_by"]), []).append(record["item"]["url"])
    for version, urls in judged.items():
        inc("patrol/store/rejudged", store.set_judged_by(urls, version))
    return counts


class StorePipeline:
    def __init__(self, crawler, store_url: str, timeout: float, spool_dir: Path,
                 batch_size: int, flush_seconds: float):
        self.crawler = crawler
        self.stats = crawler.stats
        self.store_url = store_url
        self.timeout = timeout
        self.spool = Spool(spool_dir)
        self.batch_size = batch_size
        self.flush_seconds = flush_seconds
        self.buffer: list[dict] = []
        self.first_written = False
        self.writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="patrol-store")
        self.pending: list[Future] = []
        self.store = None  # opened and used on the writer thread only
        self.run_id: str | None = crawler.settings.get("PATROL_RUN_ID") or None
        # A run record made by a parent (patrol crawl, the scheduler) is
        # finished by that parent, with the final stats and the exit status.
        self.parent_run = self.run_id is not None
        # A run handed in by PATROL_RUN_ID belongs to its caller (patrol.runner),
        # which finishes it with the exit status; this pipeline only finishes its own.
        self.owns_run = self.run_id is None
        self.timer: asyncio.Task | None = None
        self.lock = threading.Lock()
        # Records neither the store nor the spool could take (disk full): held
        # here, retried first by every flush and at close; the crawl is stopped.
        self.unsaved: list[dict] = []
        self.loop: asyncio.AbstractEventLoop | None = None
        self.halted = False

    @classmethod
    def from_crawler(cls, crawler):
        s = crawler.settings
        return cls(crawler, s.get("PATROL_STORE"), s.getfloat("PATROL_STORE_TIMEOUT", 5.0),
                   Path(s.get("PATROL_DATA_DIR")) / "spool",
                   s.getint("PATROL_STORE_BATCH", 500), s.getfloat("PATROL_STORE_FLUSH_SECONDS", 5.0))

    # -- Scrapy hooks -----------------------------------------------------------
    async def open_spider(self):
        spider = self.crawler.spider
        self.source = source_of(spider)
        self.source_weight = float(getattr(getattr(spider, "profile", None), "weight", 1.0) or 1.0)
        trigger = self.crawler.settings.get("PATROL_RUN_TRIGGER", "manual")
        self.loop = asyncio.get_running_loop()
        await self._on_writer(self._start_run, trigger)
        self.timer = asyncio.ensure_future(self._tick())

    def process_item(self, item):
        self.buffer.append(build_record(dict(ItemAdapter(item)), self.source_weight))
        # The first record is written at once, alone: a crawl's first page is in the store
        # (and a console user sees the run working) within its start-up, not after the first
        # timer tick (benchmarks/crawl/startup.py); later ones go in batches.
        if len(self.buffer) >= self.batch_size or not self.first_written:
            self.first_written = True
            self._submit_flush()
        return item

    async def close_spider(self):
        if self.timer is not None:
            self.timer.cancel()
        self._submit_flush()
        for fut in list(self.pending):
            await asyncio.wrap_future(fut)
        stats = dict(self.crawler.stats.get_stats())
        await self._on_writer(self._finish_run, stats)
        self.writer.shutdown(wait=True)

    # -- writer thread ------------------------------------------------------------
    async def _on_writer(self, fn, *args):
        return await asyncio.wrap_future(self.writer.submit(fn, *args))

    async def _tick(self):
        while True:
            await asyncio.sleep(self.flush_seconds)
            self._submit_flush()

    def _submit_flush(self):
        if not self.buffer:
            return
        records, self.buffer = self.buffer, []
        fut = self.writer.submit(self._flush, records)
        self.pending = [f for f in self.pending if not f.done()] + [fut]

    def _open(self):
        if self.store is None:
            self.store = open_store(self.store_url, timeout=self.timeout)
        return self.store

    def _drop_store(self):
        try:
            if self.store is not None:
                self.store.close()
        except Exception:  # closing a dead connection may fail too; nothing to keep
            pass
        self.store = None

    def _write(self, records: list[dict]) -> None:
        counts = write_records(self._open(), records)
        for key, n in counts.items():
            self.stats.inc_value(key, n)

    def _flush(self, records: list[dict]) -> None:
        records, self.unsaved = self.unsaved + records, []
        try:
            self._replay()
            self._write(records)
        except StoreError as exc:
            self._drop_store()
            self._keep(records, exc)

    def _keep(self, records: list[dict], exc: Exception) -> None:
        """The store failed: spool the records, or (when the spool cannot be
        written either) hold them and stop the crawl rather than go on fetching
        pages nothing can keep."""
        try:
            n = self.spool.append(records)
        except SpoolError as err:
            self.unsaved.extend(records)
            self.stats.inc_value("patrol/store/spool_failed")
            logger.error("store unreachable (%s) and %s: %d records held in memory; "
                         "stopping the crawl", exc, err, len(self.unsaved))
            self._halt()
            return
        self.stats.inc_value("patrol/store/spooled", n)
        logger.error("store unreachable (%s): %d records spooled to %s", exc, n, self.spool.dir)

    def _halt(self) -> None:
        """Stop fetching (from the writer thread: the engine lives on the reactor's loop)."""
        if self.halted or self.loop is None:
            return
        self.halted = True
        engine = self.crawler.engine
        self.loop.call_soon_threadsafe(
            lambda: asyncio.ensure_future(engine.close_spider_async(reason="store_unavailable")))

    def _save_unsaved(self) -> None:
        """At close: the held records go to the store or the spool, or are lost (counted)."""
        if not self.unsaved:
            return
        records, self.unsaved = self.unsaved, []
        try:
            self._write(records)
            return
        except StoreError as exc:
            self._drop_store()
            try:
                self.stats.inc_value("patrol/store/spooled", self.spool.append(records))
                return
            except SpoolError as err:
                logger.critical("%d records lost: the store failed (%s) and %s; the pages will "
                                "be fetched again as new by the next crawl", len(records), exc, err)
                self.stats.inc_value("patrol/store/lost", len(records))

    def _replay(self) -> None:
        paths = self.spool.claim()
        for i, path in enumerate(paths):
            records = list(self.spool.read(path))
            done = 0
            try:
                for start in range(0, len(records), self.batch_size):
                    self._write(records[start:start + self.batch_size])
                    done = min(start + self.batch_size, len(records))
            except StoreError:
                self.spool.give_back(path, records[done:])
                for rest in paths[i + 1:]:  # every file claimed goes back, not only this one
                    self.spool.give_back(rest)
                self.stats.inc_value("patrol/store/replayed", done)
                raise
            self.spool.done(path)
            self.stats.inc_value("patrol/store/replayed", len(records))
            logger.info("replayed %d spooled records from %s", len(records), path.name)

    def _start_run(self, trigger: str) -> None:
        if self.run_id:
            return
        try:
            self.run_id = self._open().start_run(self.source, trigger=trigger)
        except StoreError as exc:
            self._drop_store()
            logger.error("cannot record the start of this run: %s", exc)

    def _finish_run(self, stats: dict) -> None:
        self._save_unsaved()
        stats = dict(self.crawler.stats.get_stats())
        outcome, reason = judge(stats)
        clean = {k: v for k, v in stats.items() if isinstance(v, (int, float, str))}
        try:
            self._replay()
            if self.parent_run:
                return
            store = self._open()
            if not self.run_id:
                self.run_id = store.start_run(self.source, trigger="manual")
            if not self.owns_run:
                return
            store.finish_run(self.run_id, outcome=outcome, stats=clean, reason=reason)
        except StoreError as exc:
            self._drop_store()
            logger.error("cannot record this run (%s); %d records wait in the spool",
                         exc, self.spool.pending())
        finally:
            self._drop_store()
