"""Analysts' decisions as training data (``patrol train --with-reviews``).

A confirmed flag makes its item a positive example of the flag's category; a
dismissed flag makes it a negative one (a hard negative: the classifier found
it suspicious and a person said no). Pending, in-review and escalated flags
teach nothing yet. One example per item, in the corpus record shape of
``classifiers/corpus.py``: ``{"id", "text", "title", "source_kind", "labels",
"hard_negative"}``. Only items whose stored content is still the content that
was decided are used: a page that changed since is not what the analyst saw.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Iterator

from patrol.store.base import Store

log = logging.getLogger(__name__)

PAGE = 500


def _decided(store: Store, status: str) -> Iterator[dict]:
    skip = 0
    while True:
        batch, _ = store.list_flags(status=status, sort="created_at", skip=skip, limit=PAGE)
        yield from batch
        if len(batch) < PAGE:
            return
        skip += PAGE


def review_examples(store: Store) -> tuple[list[dict], dict[str, int]]:
    """(examples, counts): corpus-shaped records from confirmed and dismissed
    flags, and how many were used, skipped as changed or missing."""
    by_url: dict[str, dict] = {}
    counts = {"confirmed": 0, "dismissed": 0, "changed": 0, "missing": 0}
    for status in ("confirmed", "dismissed"):
        for flag in _decided(store, status):
            entry = by_url.get(flag["url"])
            if entry is None:
                item = store.get_item(flag["url"])
                if item is None or not str(item.get("text") or "").strip():
                    counts["missing"] += 1
                    continue
                entry = by_url[flag["url"]] = {"item": item, "labels": [], "dismissed": False}
            if entry["item"].get("content_hash") != flag.get("content_hash"):
                counts["changed"] += 1
                continue
            counts[status] += 1
            if status == "confirmed":
                entry["labels"].append(flag["category"])
            else:
                entry["dismissed"] = True
    examples = []
    for url, entry in sorted(by_url.items()):
        if not entry["labels"] and not entry["dismissed"]:
            continue
        item = entry["item"]
        kind = item.get("kind") if item.get("kind") in ("app", "shop", "news", "page") else "page"
        examples.append({
            "id": "review-" + hashlib.sha256(url.encode("utf-8")).hexdigest()[:16],
            "text": str(item.get("text") or ""), "title": str(item.get("title") or ""),
            "source_kind": kind, "labels": sorted(set(entry["labels"])),
            "hard_negative": not entry["labels"],
        })
    log.info("reviews as training data: %d examples (%s)", len(examples),
             ", ".join(f"{k} {v}" for k, v in counts.items()))
    return examples, counts


def write_jsonl(examples: list[dict], path: Path | str) -> Path:
    """The examples as a corpus file (one JSON object a line)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        for ex in examples:
            fh.write(json.dumps(ex, ensure_ascii=False) + "\n")
    return path


def examples_from_store(url: str | None = None) -> tuple[list[dict], dict[str, int]]:
    """``review_examples`` of the store at ``url`` (default: PATROL_STORE)."""
    from patrol.store import open_store
    with open_store(url) as store:
        return review_examples(store)
