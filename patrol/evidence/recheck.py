"""Re-checks after a takedown request (整改复查), docs/evidence.md.

A confirmed case marked "takedown requested" (``request``) is re-fetched
after ``PATROL_RECHECK_AFTER`` days (7) and again at 30 days, through the
crawl machinery: ``scrapy crawl recheck`` (``spiders/recheck_spider.py``) with
the case's source profile, so its user agent, robots.txt, delay and browser
rendering apply, one process per source. The spider captures each response
(a WARC, and for a rendered page its DOM and screenshot) and classifies its
text; ``judge`` then decides the outcome:

- ``unreachable``: no answer (connection refused, DNS, timeout) or a status
  other than 200 and the removals (5xx, 403, 429, ...);
- ``removed``: 404/410/451, or the offending passage is gone and the
  classifier no longer flags the page in the case's category;
- ``still_online``: the classifier still flags the page, with every term
  that matched when it was flagged and the same title: with its new
  capture; the case goes back to the queue with priority;
- ``changed``: the page changed but is still flagged (or no longer flagged
  with every term still on it): for an analyst to look at (see ``judge``).

Each re-check is an entry of the case's chain (with its capture) and a line
of the flag's re-check history. The clock is the real one plus
``PATROL_CLOCK_OFFSET`` seconds (drills and tests move it; nothing sleeps).
"""

from __future__ import annotations

import datetime as _dt
import json
import logging
import os
import subprocess
import sys
import tempfile
import unicodedata
from pathlib import Path

from patrol import config
from patrol.errors import PatrolError
from patrol.evidence import chain
from patrol.store import Conflict
from patrol.store.rechecks import OUTCOMES

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
SECOND_ROUND_DAYS = 30.0
FLAG_VERDICTS = ("review", "block")


def now() -> _dt.datetime:
    return _dt.datetime.now(_dt.timezone.utc) + _dt.timedelta(seconds=config.get("PATROL_CLOCK_OFFSET"))


def _parse_date(date: str | None, tz: str) -> tuple[str, _dt.datetime]:
    """The takedown date as given (YYYY-MM-DD in office time, or ISO) and its instant."""
    from zoneinfo import ZoneInfo
    if not date:
        at = now()
        return at.astimezone(ZoneInfo(tz)).date().isoformat(), at
    try:
        if len(date) == 10:
            day = _dt.date.fromisoformat(date)
            at = _dt.datetime.combine(day, _dt.time(0, 0), ZoneInfo(tz))
        else:
            at = _dt.datetime.fromisoformat(date.replace("Z", "+00:00"))
            if at.tzinfo is None:
                at = at.replace(tzinfo=ZoneInfo(tz))
    except ValueError:
        raise PatrolError(f"takedown date {date!r}: give YYYY-MM-DD (office time) or an ISO time") from None
    return date, at.astimezone(_dt.timezone.utc)


def request(store, flag_id: str, *, to: str, by: str, date: str | None = None, note: str = "") -> dict:
    """Mark a confirmed case "takedown requested" (to whom, when); schedules its
    re-checks and records the request in the case's chain."""
    to = (to or "").strip()
    if not to:
        raise PatrolError("takedown: say to whom it was requested (--to, e.g. the platform or office)")
    date_text, at = _parse_date(date, config.get("PATROL_TIMEZONE"))
    after = float(config.get("PATROL_RECHECK_AFTER"))
    due = [at + _dt.timedelta(days=after)]
    if SECOND_ROUND_DAYS > after:
        due.append(at + _dt.timedelta(days=SECOND_ROUND_DAYS))
    flag = store.request_takedown(flag_id, by, to=to, date=date_text, due=due, note=note)
    from patrol.evidence.package import sync_decisions
    sync_decisions(store, flag)  # the decision comes before the takedown in the chain
    chain.append(store, flag_id, "takedown", {"to": to, "date": date_text, "by": by, "note": note,
                                              "due": flag["recheck"]["due"]})
    return flag


def due_flags(store, at: _dt.datetime | None = None) -> list[dict]:
    """Cases whose next re-check is due at ``at`` (default: ``now()``)."""
    at_text = chain.iso(at or now())
    ids = sorted({e["flag_id"] for e in store.list_evidence(kind="takedown")})
    out = []
    for flag_id in ids:
        flag = store.get_flag(flag_id)
        nxt = (flag.get("recheck") or {}).get("next_due")
        if nxt and nxt <= at_text:
            out.append(flag)
    return out


# -- judging ------------------------------------------------------------------

def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "")
    return "".join(ch for ch in text if not ch.isspace()).lower()


def passages(flag: dict) -> list[str]:
    """What was offending, as stored with the flag: the distinct matched terms."""
    ev = flag.get("evidence") or {}
    out: list[str] = []
    for t in ev.get("terms") or []:
        if isinstance(t, dict) and isinstance(t.get("matched"), str) and _norm(t["matched"]):
            if t["matched"] not in out:
                out.append(t["matched"])
    return out


def judge(flag: dict, result: dict) -> tuple[str, str]:
    """(outcome, detail) of one re-check result from the spider.

    The offending passage counts as still there when the classifier still
    flags the page in the case's category, every distinct term that matched
    is still on it and its title is the flagged one; the classifier flagging
    a page whose passage or title changed is ``changed`` (an analyst looks);
    a page the classifier no longer flags is ``removed``, unless every
    matched term is still there (then ``changed``: a wording the model now
    reads differently is not a takedown)."""
    if result.get("error"):
        return "unreachable", result["error"]
    status = int(result.get("http_status") or 0)
    if status in (404, 410, 451):
        return "removed", f"HTTP {status}: the page is gone"
    if status != 200:
        return "unreachable", f"HTTP {status}"
    title = _norm(result.get("title") or "")
    # A matched term may stand in the page chrome (a footer's 仅供学习交流), which
    # the classifier judges apart from the main text: look for it there too.
    text = title + "\n" + _norm(result.get("text") or "") + "\n" + _norm(result.get("chrome") or "")
    terms = passages(flag)
    present = [p for p in terms if _norm(p) in text]
    missing = [p for p in terms if p not in present]
    verdict = (result.get("verdicts") or {}).get(flag["category"])
    score = (result.get("scores") or {}).get(flag["category"])
    same_title = not flag.get("title") or _norm(flag["title"]) == title
    if verdict in FLAG_VERDICTS:
        if not missing and same_title:
            shown = "、".join(f"「{p.strip()[:20]}」" for p in present[:5])
            return "still_online", (f"the offending passage is still on the page ({flag['category']} "
                                    f"{verdict}, score {score}; {shown})" if shown else
                                    f"the page is still flagged ({flag['category']} {verdict}, score {score})")
        what = []
        if missing:
            what.append("gone: " + "、".join(f"「{p.strip()[:20]}」" for p in missing[:5]))
        if not same_title:
            what.append(f"title now 「{(result.get('title') or '').strip()[:60]}」")
        return "changed", (f"the page changed ({'; '.join(what)}) but the classifier still flags it "
                           f"({flag['category']} {verdict}, score {score})")
    if terms and not missing:
        return "changed", ("every matched term is still on the page although the classifier no longer "
                           f"flags it ({flag['category']} score {score})")
    if not text.strip():
        return "removed", "the page has no text any more"
    return "removed", (f"the offending passage is gone and the classifier no longer flags the page "
                       f"({flag['category']} score {score})")


# -- running ------------------------------------------------------------------

def _spider_env(store_url: str | None, sources_dir: str | None) -> dict:
    env = dict(os.environ, SCRAPY_SETTINGS_MODULE="patrol.settings")
    if store_url:
        env["PATROL_STORE"] = store_url  # captures go beside this store
    if sources_dir:
        env["PATROL_SOURCES"] = str(sources_dir)
    return env


def fetch(flags: list[dict], *, time_limit: float = 600.0, store_url: str | None = None,
          sources_dir: str | None = None) -> dict[str, dict]:
    """Re-fetch the flags' URLs with ``scrapy crawl recheck`` (one process per
    source); returns ``{flag_id: result}`` (a missing flag: the crawl failed)."""
    results: dict[str, dict] = {}
    by_source: dict[str, list[dict]] = {}
    for f in flags:
        by_source.setdefault(f.get("source") or "", []).append(f)
    for source, group in sorted(by_source.items()):
        with tempfile.TemporaryDirectory(prefix="patrol-recheck-") as tmp:
            plan = Path(tmp) / "plan.json"
            out = Path(tmp) / "results.jsonl"
            plan.write_text(json.dumps([{"flag_id": f["id"], "url": f["url"]} for f in group]),
                            encoding="utf-8")
            cmd = [sys.executable, "-m", "scrapy", "crawl", "recheck", "-a", f"source={source}",
                   "-a", f"plan={plan}", "-a", f"out={out}", "-s", "LOG_LEVEL=INFO"]
            try:
                proc = subprocess.run(cmd, cwd=ROOT, env=_spider_env(store_url, sources_dir),
                                      capture_output=True, text=True, timeout=time_limit)
            except subprocess.TimeoutExpired:
                logger.error("recheck of %s: the crawl took longer than %s s", source, time_limit)
                continue
            if proc.returncode != 0:
                logger.error("recheck of %s failed (exit %s): %s", source, proc.returncode,
                             proc.stderr[-1500:])
            if out.exists():
                for line in out.read_text(encoding="utf-8").splitlines():
                    if line.strip():
                        r = json.loads(line)
                        results[r["flag_id"]] = r
            for f in group:
                if f["id"] not in results:
                    tail = proc.stderr.strip().splitlines()[-1:] if proc.stderr else []
                    # The crawl itself failed (no such profile, the store down): not
                    # an outcome of the page; the case stays due and is tried again.
                    results[f["id"]] = {"flag_id": f["id"], "url": f["url"], "not_run": True,
                                        "error": f"the re-check crawl of source {source!r} failed"
                                                 + (f": {tail[0][:300]}" if tail else "")}
    return results


def run(store, flags: list[dict], *, scheduled: bool, sources_dir: str | None = None,
        time_limit: float | None = None) -> list[dict]:
    """Re-check ``flags`` now; records each outcome (flag and chain) and
    returns ``[{"flag_id", "url", "outcome", "detail"}]``."""
    if not flags:
        return []
    results = fetch(flags, store_url=getattr(store, "url", None), sources_dir=sources_dir,
                    time_limit=time_limit or config.get("PATROL_CRAWL_TIME_LIMIT"))
    done = []
    for flag in flags:
        result = results[flag["id"]]
        if result.get("not_run"):
            logger.error("recheck of %s not run: %s", flag["id"], result["error"])
            done.append({"flag_id": flag["id"], "url": flag["url"], "outcome": "not_run",
                         "detail": result["error"]})
            continue
        outcome, detail = judge(flag, result)
        assert outcome in OUTCOMES
        capture = result.get("capture")
        try:
            store.record_recheck(flag["id"], outcome, detail, scheduled=scheduled,
                                 http_status=result.get("http_status"))
        except Conflict as exc:
            logger.warning("recheck of %s not recorded: %s", flag["id"], exc)
            continue
        chain.append(store, flag["id"], "recheck",
                     {"outcome": outcome, "detail": detail, "url": flag["url"], "scheduled": scheduled,
                      "http_status": result.get("http_status"), "capture": capture,
                      "checked_at": chain.iso(now())})
        done.append({"flag_id": flag["id"], "url": flag["url"], "outcome": outcome, "detail": detail})
    return done


def run_due(store, at: _dt.datetime | None = None, **kwargs) -> list[dict]:
    return run(store, due_flags(store, at), scheduled=True, **kwargs)


def counts(store) -> dict[str, int]:
    """Cases by re-check status (rectified = removed), for the campaign summary."""
    return store.recheck_figures()
