"""The item every spider yields (DESIGN.md, "Items"), as a plain dict.

Spiders build items with ``make_item``; pipelines and the store read them as
dicts. ``content_hash`` covers what an analyst would call the content (title,
text and the kind-specific fields), not fetch metadata, so an unchanged page
re-crawled tomorrow hashes the same.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
from typing import Any

COMMON_FIELDS = ("url", "source", "kind", "title", "text", "fetched_at", "http_status",
                 "content_hash", "rendered")
KIND_FIELDS = {
    "app": ("store", "app_id", "name", "developer", "category", "age_rating", "downloads",
            "rating", "version", "updated", "description"),
    "shop": ("shop_name", "seller", "licence", "products", "sells_publications"),
    "news": ("outlet", "byline", "published", "licence_claim", "contact"),
    "page": (),
}
# Optional extras any kind may carry (evidence and provenance, never personal data).
# ``chrome``: the page's text outside its main content (navigation, footers,
# sidebars…), judged apart; ``site``: site-level facts read from it (licence,
# ICP number, outlet or shop name); ``raw``: typed fields as displayed.
EXTRA_FIELDS = ("screenshot", "links", "lang", "encoding", "truncated", "meta", "chrome", "site", "raw")
# chrome changes with every sidebar refresh and raw/site follow the content
# fields: an unchanged article must hash the same tomorrow.
_NOT_CONTENT = {"url", "source", "fetched_at", "http_status", "content_hash", "rendered",
                "screenshot", "links", "encoding", "truncated", "meta", "updated_at",
                "chrome", "site", "raw"}


def content_hash(item: dict[str, Any]) -> str:
    """SHA-256 (hex, first 32 chars) of the item's content fields."""
    content = {k: v for k, v in item.items() if k not in _NOT_CONTENT and not k.startswith("_")}
    blob = json.dumps(content, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:32]


def make_item(*, url: str, source: str, kind: str, title: str = "", text: str = "",
              http_status: int = 200, rendered: bool = False, **fields: Any) -> dict[str, Any]:
    """A complete item dict with ``fetched_at`` (UTC) and ``content_hash`` set."""
    if kind not in KIND_FIELDS:
        raise ValueError(f"unknown item kind {kind!r}")
    item: dict[str, Any] = {
        "url": url, "source": source, "kind": kind, "title": title or "", "text": text or "",
        "fetched_at": _dt.datetime.now(_dt.timezone.utc), "http_status": http_status,
        "rendered": rendered,
    }
    for name in KIND_FIELDS[kind]:
        item[name] = fields.pop(name, None)
    for name in EXTRA_FIELDS:
        if name in fields:
            item[name] = fields.pop(name)
    if fields:
        raise ValueError(f"unknown fields for a {kind} item: {', '.join(sorted(fields))}")
    item["content_hash"] = content_hash(item)
    return item


# A page the HTTP cache confirmed unchanged (a ``304 Not Modified``) is not
# parsed: the spider yields a record of the visit instead of an item (url as
# fetched, source, kind, fetched_at) with ``SEEN_KEY`` holding a function that
# runs the page class after all, for the pipelines to call when the store does
# not know the page (``pipelines.dedupe``); from then on ``SEEN_KEY`` is True.
SEEN_KEY = "_seen"


def seen_record(*, url: str, source: str, kind: str, expand) -> dict[str, Any]:
    """The record of an unchanged page's visit (see ``SEEN_KEY``)."""
    if kind not in KIND_FIELDS:
        raise ValueError(f"unknown item kind {kind!r}")
    return {"url": url, "source": source, "kind": kind,
            "fetched_at": _dt.datetime.now(_dt.timezone.utc), SEEN_KEY: expand}
