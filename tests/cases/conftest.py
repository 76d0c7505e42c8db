"""Helpers for the case tests: flagged pages written the way a crawl writes them
(``pipelines.store.write_records``, which links their cases)."""

from __future__ import annotations

import pytest

from patrol.items import make_item
from pipelines.store import write_records


def flagged(url: str, source: str, text: str, category: str = "unlicensed_publication",
            kind: str = "shop", evidence: dict | None = None) -> dict:
    item = make_item(url=url, source=source, kind=kind, title=f"{source} page", text=text)
    return {"item": item, "change": "new", "app": None,
            "flags": [{"category": category, "score": 0.9, "verdict": "review", "priority": 0.9,
                       "evidence": evidence or {"snippet": text[:40]}, "model_version": "test"}]}


@pytest.fixture
def crawl(store):
    """``crawl(*records)`` writes them as a crawl would; returns the counters."""
    def write(*records):
        return write_records(store, list(records))
    return write
