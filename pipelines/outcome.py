"""Judge a crawl run by its stats, not by its exit code.

A Scrapy crawl exits 0 even when its browser failed to launch or every
request failed, so ``patrol crawl``, the scheduler and the run record all use
this one judgement.
"""

from __future__ import annotations

from typing import Any

# Counters that make a run "partial" (pages the run could not keep as they
# were, each also named in the log), with how the reason reads.
PAGE_TROUBLE = {
    "patrol/store/rejected": "pages refused by the store",
    "patrol/page_bomb": "compressed pages over the size cap when decompressed",
    "patrol/redirect/loop": "pages lost in redirect loops",
    "patrol/redirect/max_reached": "pages lost after too many redirects",
    "patrol/encoding/mismatch": "pages whose declared encoding was wrong",
    "patrol/encoding/undecodable": "pages whose text could not be decoded",
}


KINDS = ("app", "shop", "news", "page")


def run_counts(stats: dict[str, Any]) -> dict[str, Any]:
    """The one definition of a run's numbers, used by the run's reason, the
    ``patrol crawl``/``patrol demo`` table and the console's dashboard:

    - ``pages``: pages the spider parsed (``patrol/pages/<role>``: listing,
      detail, next, about), not robots.txt, redirects or failed requests;
    - ``items``: items kept, i.e. through every pipeline (``item_scraped_count``;
      a page seen twice in one crawl is one item), and ``by_kind`` of them;
    - ``errors``: pages that failed (``patrol/errors``).
    """
    st = {k: v for k, v in (stats or {}).items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
    by_kind = {k: int(st.get(f"patrol/items/{k}", 0)) for k in KINDS}
    return {"pages": int(sum(v for k, v in st.items() if k.startswith("patrol/pages/"))),
            "items": int(st.get("item_scraped_count", 0)) or sum(by_kind.values()),
            "by_kind": by_kind, "errors": int(st.get("patrol/errors", 0))}


def judge(stats: dict[str, Any], exit_status: int | None = None) -> tuple[str, str]:
    """Return (outcome, reason): outcome is "ok", "partial" or "failed"."""
    # A page that still fails after its retries is the site's problem, not the
    # crawl's: Scrapy logs one ERROR line per such page ("Gave up retrying"),
    # and those are counted apart. A robots.txt refusal is obedience, not an
    # exception.
    gave_up = int(stats.get("retry/max_reached", 0) or 0)
    errors = max(0, int(stats.get("log_count/ERROR", 0) or 0) - gave_up)
    exceptions = sum(int(v or 0) for k, v in stats.items()
                     if k.startswith("downloader/exception_type_count/")
                     and not k.endswith(".IgnoreRequest"))
    responses = int(stats.get("response_received_count", 0) or 0)
    items = int(stats.get("item_scraped_count", 0) or 0)
    spooled = int(stats.get("patrol/store/spooled", 0) or 0)
    finish = stats.get("finish_reason", "")
    reasons = []
    if exit_status not in (None, 0):
        reasons.append(f"exit status {exit_status}")
    if finish and finish not in ("finished", "closespider_itemcount", "closespider_pagecount"):
        reasons.append(f"finish reason {finish}")
    if errors:
        reasons.append(f"{errors} error log lines")
    notes = [f"{gave_up} pages failed after retries"] if gave_up else []
    if exceptions:
        reasons.append(f"{exceptions} download exceptions")
    if spooled:
        reasons.append(f"{spooled} items spooled (store unreachable)")
    for key, text in PAGE_TROUBLE.items():
        if int(stats.get(key, 0) or 0):
            reasons.append(f"{int(stats[key])} {text}")
    lost = int(stats.get("patrol/store/lost", 0) or 0)
    if lost:
        reasons.insert(0, f"{lost} records lost (store and spool unavailable)")
        return "failed", "; ".join(reasons)
    if responses == 0 or (items == 0 and (errors or exceptions)) or exit_status not in (None, 0):
        if responses == 0:
            reasons.insert(0, "no response received")
        return "failed", "; ".join(reasons) or "no items"
    if reasons:
        return "partial", "; ".join(reasons)
    counts = run_counts(stats)
    return "ok", "; ".join([f"{counts['pages']} pages, {counts['items']} items"] + notes)
