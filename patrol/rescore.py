"""``patrol rescore``: judge stored items again with the current model, without fetching them.

A retrained model changes nothing for pages a crawl sees as unchanged, so the
analysts' queue would keep the old model's view forever. Rescoring reads the
stored items (of one source, fetched since a date), classifies them with the
model, and raises or refreshes their flags through the store exactly as a
crawl's store stage does (``pipelines.store.build_record`` and
``Store.raise_flag``): a new flag is pending, an open one gets the new score,
evidence and model version, a decided flag on unchanged content keeps its
decision and history (``suppressed``). Items are not rewritten (their
``last_seen`` stays the last crawl's): only their ``judged_by`` becomes the
model's version. An open flag the new model no longer raises is retired
(dismissed by the classifier, history "model <version> no longer flags it")
unless an analyst holds it (counted ``now_pass``, retired ``retired``); a
decided flag is never touched (``pipelines.store.retire_unraised``).
"""

from __future__ import annotations

import datetime as _dt
import logging

from pipelines.classify import RESULT_KEY, classifier_doc, classify_batch
from pipelines.dedupe import CHANGE_KEY

log = logging.getLogger(__name__)

PAGE = 200


def _when(item: dict) -> _dt.datetime | None:
    value = item.get("fetched_at") or item.get("last_seen")
    if isinstance(value, _dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=_dt.timezone.utc)
    if isinstance(value, str) and value:
        try:
            parsed = _dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=_dt.timezone.utc)
    return None


def rescore(store, model, *, source: str | None = None, since: _dt.datetime | None = None,
            say=None) -> dict[str, int]:
    """Re-classify the stored items (filters: ``source``, fetched at or after ``since``);
    returns counts: items, classified, errors, flags by raise status, now_pass."""
    from pipelines.store import build_record, retire_unraised

    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=_dt.timezone.utc)
    counts: dict[str, int] = {"items": 0, "classified": 0, "errors": 0, "now_pass": 0, "retired": 0}
    skip = 0
    while True:
        items = store.list_items(source=source, skip=skip, limit=PAGE)
        skip += len(items)
        chosen = [i for i in items if since is None or ((_when(i) or since) >= since)]
        counts["items"] += len(chosen)
        results = classify_batch(model, [classifier_doc(i) for i in chosen]) if chosen else []
        judged: list[str] = []
        for item, result in zip(chosen, results):
            if isinstance(result, Exception):
                counts["errors"] += 1
                log.error("rescoring %s failed: %s", item.get("url"), result)
                continue
            counts["classified"] += 1
            doc = {k: v for k, v in item.items() if not k.startswith("_")}
            record = build_record({**doc, RESULT_KEY: result, CHANGE_KEY: "unchanged"})
            raised = {f["category"] for f in record["flags"]}
            for flag in record["flags"]:
                r = store.raise_flag(url=doc["url"], category=flag["category"], score=flag["score"],
                                     priority=flag["priority"], verdict=flag["verdict"],
                                     evidence=flag["evidence"], model_version=flag["model_version"],
                                     content_hash=doc.get("content_hash", ""), source=doc.get("source", ""),
                                     kind=doc.get("kind", "page"), title=doc.get("title", ""))
                counts[f"flags_{r.status}"] = counts.get(f"flags_{r.status}", 0) + 1
            for key, n in retire_unraised(store, doc["url"], raised, model.version).items():
                counts[key] += n
            judged.append(doc["url"])
        if judged:  # after the flags: a run killed in between judges them again
            store.set_judged_by(judged, model.version)
        if say:
            say(f"{counts['classified']} items rescored")
        if len(items) < PAGE:
            return counts
