"""Judge a crawl run by its stats, not by its exit code.

A Scrapy crawl exits 0 even when its browser failed to launch or every
request failed, so ``patrol crawl``, the scheduler and the run record all use
this one judgement.
"""

from __future__ import annotations

from typing import Any


def judge(stats: dict[str, Any], exit_status: int | None = None) -> tuple[str, str]:
    """Return (outcome, reason): outcome is "ok", "partial" or "failed"."""
    errors = int(stats.get("log_count/ERROR", 0) or 0)
    exceptions = sum(int(v or 0) for k, v in stats.items()
                     if k.startswith("downloader/exception_type_count/"))
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
    if exceptions:
        reasons.append(f"{exceptions} download exceptions")
    if spooled:
        reasons.append(f"{spooled} items spooled (store unreachable)")
    if responses == 0 or (items == 0 and (errors or exceptions)) or exit_status not in (None, 0):
        if responses == 0:
            reasons.insert(0, "no response received")
        return "failed", "; ".join(reasons) or "no items"
    if reasons:
        return "partial", "; ".join(reasons)
    return "ok", f"{responses} responses, {items} items"
