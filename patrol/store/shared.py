"""The part of ``Store`` both backends share: every state change of a flag or
run is "read the document, apply a rule from ``logic``, write it back
atomically". A backend supplies the atomic read-modify-write (``_mutate``) and
the queries; this class maps the contract's methods onto the rules.
"""

from __future__ import annotations

import abc
import datetime as _dt
from typing import Callable

from patrol.store import common as c
from patrol.store import logic
from patrol.store.base import DEFAULT_LEASE_SECONDS, Store

Rule = Callable[[dict, _dt.datetime], dict]


class SharedStore(Store):
    """Flag transitions and run bookkeeping on top of ``_mutate``."""

    @abc.abstractmethod
    def _mutate(self, table: str, key: tuple, what: str, rule: Rule) -> dict:
        """Atomically: read the document ``key`` of ``table`` (NotFound when
        absent), write ``rule(doc, now)``, return it (public form)."""

    def _mutate_flag(self, flag_id: str, rule: Rule) -> dict:
        return self._mutate("flags", (c.check_str("flag_id", flag_id),), "flag", rule)

    # -- flags ----------------------------------------------------------------
    def claim(self, flag_id: str, analyst: str, *,
              lease_seconds: int = DEFAULT_LEASE_SECONDS) -> dict:
        return self._mutate_flag(
            flag_id, lambda doc, now: logic.do_claim(doc, analyst, lease_seconds, now))

    def release(self, flag_id: str, analyst: str) -> dict:
        return self._mutate_flag(flag_id, lambda doc, now: logic.do_release(doc, analyst, now))

    def decide(self, flag_id: str, analyst: str, verdict: str, reason: str,
               note: str = "", *, force: bool = False) -> dict:
        c.check_decision(verdict)  # a bad verdict fails before touching the database
        return self._mutate_flag(
            flag_id,
            lambda doc, now: logic.do_decide(doc, analyst, verdict, reason, note, force, now))

    def reopen(self, flag_id: str, actor: str, note: str = "") -> dict:
        return self._mutate_flag(flag_id, lambda doc, now: logic.do_reopen(doc, actor, note, now))

    def retire_flag(self, flag_id: str, model_version: str) -> dict:
        c.check_str("model_version", model_version)
        return self._mutate_flag(flag_id, lambda doc, now: logic.do_retire(doc, model_version, now))

    def reassign(self, flag_id: str, actor: str, analyst: str, *,
                 lease_seconds: int = DEFAULT_LEASE_SECONDS) -> dict:
        return self._mutate_flag(
            flag_id, lambda doc, now: logic.do_reassign(doc, actor, analyst, lease_seconds, now))

    # -- re-checks after a takedown request (patrol/store/rechecks.py) ---------
    def request_takedown(self, flag_id: str, actor: str, *, to: str, date: str,
                         due: list[_dt.datetime], note: str = "") -> dict:
        """Mark a confirmed flag "takedown requested" (``date``, to whom) with its
        re-checks due at ``due``; Conflict if not confirmed or already requested."""
        from patrol.store import rechecks
        return self._mutate_flag(flag_id, lambda doc, now: rechecks.do_request_takedown(
            doc, actor, to, date, due, note, now))

    def record_recheck(self, flag_id: str, outcome: str, detail: str = "", *,
                       scheduled: bool = True, http_status: int | None = None) -> dict:
        """Record a re-check's outcome; ``scheduled``: it was a due round (the
        next one becomes due), else an extra check. A page still online goes
        back to the queue with a higher priority."""
        from patrol.store import rechecks
        return self._mutate_flag(flag_id, lambda doc, now: rechecks.do_record_recheck(
            doc, outcome, detail, scheduled, http_status, now))

    def recheck_figures(self, *, since: _dt.datetime | None = None,
                        until: _dt.datetime | None = None) -> dict:
        """Flags raised in the period by re-check status after a takedown
        request: {"pending", "removed", "still_online", "changed", "unreachable"}
        (removed = rectified), for the campaign summary."""
        from patrol.store.rechecks import RECHECK_STATUSES
        return {s: self.page_flags(recheck=s, since=since, until=until, limit=1, with_total=True).total
                for s in RECHECK_STATUSES}

    # -- runs -----------------------------------------------------------------
    def finish_run(self, run_id: str, *, outcome: str, stats: dict | None = None,
                   exit_status: int | None = None, reason: str = "") -> dict:
        c.check_str("run_id", run_id)
        return self._mutate(
            "runs", (run_id,), "run",
            lambda doc, now: logic.finish_run(doc, outcome, stats, exit_status, reason, now))

    def record_run_progress(self, run_id: str, *, stats: dict, workers: list[str],
                            failed: list[dict] | None = None) -> dict:
        """Stats summed so far and the workers serving a running run (the shared
        frontier's runs); see ``logic.run_progress``. Conflict once it finished."""
        c.check_str("run_id", run_id)
        return self._mutate(
            "runs", (run_id,), "run",
            lambda doc, now: logic.run_progress(doc, stats, workers, failed, now))

    # -- checks shared by the query methods -------------------------------------
    @staticmethod
    def _flag_filters(*, category=None, status=None, source=None, kind=None, url=None,
                      min_score=None, max_score=None, since=None, until=None, recheck=None) -> dict:
        """The checked filters of ``list_flags``/``claim_next`` (None = not given)."""
        return {
            "category": None if category is None else c.check_category(category),
            "status": None if status is None else c.check_status(status),
            "source": c.check_opt_str("source", source),
            "kind": None if kind is None else c.check_kind(kind),
            "url": c.check_opt_str("url", url),
            "min_score": None if min_score is None else c.check_number("min_score", min_score),
            "max_score": None if max_score is None else c.check_number("max_score", max_score),
            "since": c.check_time("since", since),
            "until": c.check_time("until", until),
            "recheck": None if recheck is None else _recheck_status(recheck),
        }


def _recheck_status(value) -> str:
    from patrol.store.rechecks import check_recheck_status
    return check_recheck_status(value)
