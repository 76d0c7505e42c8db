"""The store contract (DESIGN.md, "Store"): one interface, two backends.

Documents are plain dicts. Timestamps are timezone-aware UTC ``datetime``
objects on the way in and out, whatever the backend keeps internally. Ids are
strings. Every method is safe to call from several threads and processes.

Collections
-----------
items   one per canonical ``url``: the latest item fields (see DESIGN.md,
        "Items"), ``content_hash``, ``hashes`` (the last ``HASH_HISTORY``
        content hashes with their times, newest last: ``[{"hash", "at"}]``),
        ``first_seen``, ``last_seen``, ``changed_at``.
flags   the review queue, one per (``url``, ``category``)::

            id, url, category, source, kind, title, content_hash,
            score (0..1), priority (float, higher first), verdict
            ("review" | "block"), evidence (dict), model_version,
            status ("pending" | "in_review" | "confirmed" | "dismissed" | "escalated"),
            claim {"analyst", "lease_until"} or None,
            decision {"verdict", "reason", "note", "analyst", "at"} or None,
            history [{"at", "action", "actor", ...}]  (append-only),
            created_at, updated_at
apps    one per (``store``, ``app_id``): latest listing fields, ``minor_relevant``
        (bool), ``minor_score`` (float), ``minor_reasons`` (list of str),
        ``downloads_history`` ([{"at", "downloads"}], appended when the count
        changes), ``flag_counts`` ({category: n}), ``first_seen``, ``last_seen``.
users   one per console account: username, role, password_hash, disabled,
        session_version, token_version, created_at, updated_at (see
        ``patrol.store.users``).
entities, links
        identifiers of flagged items and the cases they join (``patrol.store.entities``,
        written by ``patrol.cases``): replace_entities, delete_entities, find_entities,
        entity_source_counts, iter_entity_keys, put_links, delete_links, find_links,
        list_cases.
evidence  each case's append-only chain (capture, decision, takedown, re-checks):
        flag_id, seq, kind, at, body (canonical JSON), digest; see
        ``patrol.store.evidence``. (flag_id, seq) is unique: a chain never forks.
runs    one per crawl run: id, source, trigger, started_at, finished_at,
        outcome ("running" | "ok" | "failed" | "partial" | "stopped"),
        exit_status, stats (dict), reason.

Details both backends share (``patrol/store/common.py`` and ``logic.py``):

- A flag's ``id`` is derived from (url, category), so a re-raised flag keeps it.
- Times are kept to the millisecond; a naive datetime given in is taken as UTC.
- In nested dicts a key starting with ``$`` or containing ``.`` (crawled meta
  names, say) is stored with the full-width look-alike (``＄``, ``．``).
- A bad argument raises ``StoreInputError`` (a StoreError naming the field);
  an unknown verdict raises Conflict. ``finish_run`` on a finished run raises
  Conflict. History actions: raised, updated, reopened, claimed, renewed,
  released, decided, reassigned.
"""

from __future__ import annotations

import abc
import datetime as _dt
from dataclasses import dataclass
from typing import Any, Iterable

CATEGORIES = ("vulgar", "unlicensed_publication", "fake_media")
KINDS = ("app", "shop", "news", "page")
STATUSES = ("pending", "in_review", "confirmed", "dismissed", "escalated")
DECISIONS = ("confirmed", "dismissed", "escalated")
OPEN_STATUSES = ("pending", "in_review")
HASH_HISTORY = 10
DEFAULT_LEASE_SECONDS = 15 * 60


class StoreError(RuntimeError):
    """Base class: every store failure an operator can read in one line."""


class StoreUnavailable(StoreError):
    """The database cannot be reached (server down, file not writable)."""


class StoreConfigError(StoreError):
    """The store URL is malformed or names an unknown backend."""


class NotFound(StoreError):
    """No document with that id."""


class Conflict(StoreError):
    """The operation does not apply in the document's current state
    (deciding a flag someone else holds, an unknown verdict, ...)."""


def utcnow() -> _dt.datetime:
    return _dt.datetime.now(_dt.timezone.utc)


@dataclass(frozen=True)
class UpsertResult:
    """What ``upsert_item`` did: ``status`` is "new", "changed" or "unchanged"."""
    url: str
    status: str
    content_hash: str
    previous_hash: str | None = None


@dataclass(frozen=True)
class FlagPage:
    """One keyset page of ``page_flags``: the flags, the number matching the
    filters (None when not asked for) and the cursor of the next page (None
    on the last)."""
    flags: list
    total: int | None
    next: str | None


@dataclass(frozen=True)
class RaiseResult:
    """What ``raise_flag`` did.

    ``status``: "new" (inserted pending), "updated" (an open flag refreshed
    with the new score/evidence), "suppressed" (decided before and the content
    is unchanged: nothing raised), "reopened" (decided before, content changed:
    back to pending, with a history entry).
    """
    flag_id: str
    status: str


class Store(abc.ABC):
    """Abstract store. Open one with ``patrol.store.open_store(url)``."""

    backend: str = "abstract"
    url: str = ""

    # -- lifecycle ---------------------------------------------------------
    @abc.abstractmethod
    def close(self) -> None: ...

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    @abc.abstractmethod
    def ping(self) -> None:
        """Raise StoreUnavailable if the database cannot be reached."""

    # -- items -------------------------------------------------------------
    @abc.abstractmethod
    def upsert_item(self, item: dict) -> UpsertResult:
        """Insert or update the item keyed by ``item["url"]``.

        ``item["content_hash"]`` decides new / changed / unchanged. An
        unchanged item only refreshes ``last_seen`` (and ``fetched_at``).
        """

    def upsert_items(self, items: Iterable[dict]) -> list[UpsertResult]:
        """Batched upsert; backends override with a bulk write."""
        return [self.upsert_item(i) for i in items]

    @abc.abstractmethod
    def get_item(self, url: str) -> dict | None: ...

    @abc.abstractmethod
    def list_items(self, *, kind: str | None = None, source: str | None = None,
                   skip: int = 0, limit: int = 50) -> list[dict]: ...

    @abc.abstractmethod
    def count_items(self, *, kind: str | None = None, source: str | None = None) -> int: ...

    @abc.abstractmethod
    def items_by_kind(self) -> dict[str, int]: ...

    def item_hashes(self, source: str | None = None) -> dict[str, str]:
        """{url: content_hash} of the stored items (of one source), so a crawl
        can tell new / changed / unchanged before classifying. Backends may
        override with a projection query."""
        out: dict[str, str] = {}
        skip, page = 0, 1000
        while True:
            batch = self.list_items(source=source, skip=skip, limit=page)
            out.update({d["url"]: d.get("content_hash", "") for d in batch})
            if len(batch) < page:
                return out
            skip += page

    @abc.abstractmethod
    def item_states(self, source: str | None = None) -> dict[str, tuple[str, str]]:
        """{url: (content_hash, judged_by)} of the stored items (of one source):
        ``judged_by`` is the version of the model that last judged the stored
        content ("" when none did), so a crawl can classify an unchanged page
        again when the model changed."""

    @abc.abstractmethod
    def touch_items(self, urls: Iterable[str], fetched_at: _dt.datetime | None = None, *,
                    apps: bool = True) -> int:
        """The pages ``urls`` were seen again, unchanged: set ``last_seen`` (the
        store's time) and ``fetched_at`` (when given) on the stored items, and
        ``last_seen`` on the apps whose listing is one of these pages (unless
        ``apps`` is false), in one statement per batch; nothing else is read or
        written. Urls not stored are ignored; returns the number of items touched."""

    @abc.abstractmethod
    def set_judged_by(self, urls: Iterable[str], model_version: str) -> int:
        """Record that ``model_version`` judged the stored content of ``urls``
        (only ``judged_by`` changes); returns the number of items found."""

    # -- flags (review queue) ------------------------------------------------
    @abc.abstractmethod
    def raise_flag(self, *, url: str, category: str, score: float, priority: float,
                   verdict: str, evidence: dict, model_version: str, content_hash: str,
                   source: str = "", kind: str = "page", title: str = "") -> RaiseResult:
        """Raise (or refresh) the one flag for (url, category); see RaiseResult."""

    @abc.abstractmethod
    def get_flag(self, flag_id: str) -> dict:
        """The flag, or NotFound."""

    @abc.abstractmethod
    def claim_next(self, analyst: str, *, lease_seconds: int = DEFAULT_LEASE_SECONDS,
                   category: str | None = None, source: str | None = None,
                   kind: str | None = None) -> dict | None:
        """Atomically take the highest-priority claimable flag (pending, or
        in_review with an expired lease) for ``analyst``: status becomes
        in_review, claim = {analyst, lease_until}, history gets "claimed".
        Ties break on the oldest ``created_at``. None when nothing is left."""

    @abc.abstractmethod
    def claim(self, flag_id: str, analyst: str, *,
              lease_seconds: int = DEFAULT_LEASE_SECONDS) -> dict:
        """Claim one named flag (Conflict if another analyst holds a live lease
        or it is already decided); renews the lease if ``analyst`` holds it."""

    @abc.abstractmethod
    def release(self, flag_id: str, analyst: str) -> dict:
        """Give a claimed flag back: status pending, claim None, history
        "released". Conflict if ``analyst`` does not hold it."""

    @abc.abstractmethod
    def decide(self, flag_id: str, analyst: str, verdict: str, reason: str,
               note: str = "", *, force: bool = False) -> dict:
        """Record a decision (verdict in DECISIONS). The analyst must hold the
        claim unless the flag is pending or ``force`` (a lead's re-decision)."""

    @abc.abstractmethod
    def reopen(self, flag_id: str, actor: str, note: str = "") -> dict:
        """A lead sends a decided flag back to pending (history "reopened")."""

    def retire_flag(self, flag_id: str, model_version: str) -> dict:
        """The model ``model_version`` judged the flag's content again and no
        longer raises it: an open flag nobody holds is dismissed by the system
        (decision and history "model <version> no longer flags it"); Conflict
        when it is decided or an analyst holds it (their work is never touched).
        A later model that flags the same content again reopens it."""
        raise NotImplementedError

    @abc.abstractmethod
    def reassign(self, flag_id: str, actor: str, analyst: str, *,
                 lease_seconds: int = DEFAULT_LEASE_SECONDS) -> dict:
        """A lead hands an open flag to ``analyst`` (in_review, new lease)."""

    @abc.abstractmethod
    def list_flags(self, *, category: str | None = None, status: str | None = None,
                   source: str | None = None, kind: str | None = None,
                   url: str | None = None,
                   min_score: float | None = None, max_score: float | None = None,
                   since: _dt.datetime | None = None, until: _dt.datetime | None = None,
                   recheck: str | None = None,
                   sort: str = "-priority", skip: int = 0, limit: int = 50
                   ) -> tuple[list[dict], int]:
        """Flags matching every given filter (``since``/``until`` bound
        ``created_at``; ``recheck`` the re-check status after a takedown
        request, patrol/store/rechecks.py), sorted by ``sort`` (a field name, "-" for descending:
        priority, score, created_at, updated_at), paged; returns (page, total)."""

    @abc.abstractmethod
    def flag_counts(self) -> dict:
        """{"total": n, "by_category": {..}, "by_status": {..},
        "by_source": {..}, "by_day": {"YYYY-MM-DD": n}} (day of created_at in PATROL_TIMEZONE)."""

    # -- the queue at campaign scale (patrol/store/search.py, sqlite_queue.py,
    #    mongo_queue.py) ---------------------------------------------------------
    @abc.abstractmethod
    def page_flags(self, *, q: str | None = None, source_like: str | None = None,
                   url_like: str | None = None, sort: str = "-priority", after: str | None = None,
                   limit: int = 50, with_total: bool = True, **filters) -> FlagPage:
        """A keyset page of flags: the filters of ``list_flags`` (``filters``),
        ``q`` (every word in the title, the page's text or the evidence),
        ``source_like``/``url_like`` (substrings), ``after`` (the ``next`` of
        the previous page, for the same ``sort``)."""

    def bulk_decide(self, flag_ids: Iterable[str], actor: str, verdict: str, reason: str,
                    note: str = "") -> dict[str, str]:
        """A lead's decision on a selection, flag by flag (each gets its own
        "decided" history entry, forced); {flag_id: "ok" or the refusal}."""
        return self._bulk(flag_ids, lambda fid: self.decide(fid, actor, verdict, reason, note,
                                                            force=True))

    def bulk_reassign(self, flag_ids: Iterable[str], actor: str, analyst: str, *,
                      lease_seconds: int = DEFAULT_LEASE_SECONDS) -> dict[str, str]:
        """A lead hands a selection of open flags to ``analyst``; as bulk_decide."""
        return self._bulk(flag_ids, lambda fid: self.reassign(fid, actor, analyst,
                                                              lease_seconds=lease_seconds))

    @staticmethod
    def _bulk(flag_ids, action) -> dict[str, str]:
        out: dict[str, str] = {}
        for fid in dict.fromkeys(flag_ids):
            try:
                action(fid)
                out[fid] = "ok"
            except (NotFound, Conflict) as exc:
                out[fid] = str(exc)
        return out

    @abc.abstractmethod
    def save_filter(self, username: str, name: str, query: str) -> None:
        """Keep a queue filter (its query string) under ``name`` for ``username``
        (replacing one of that name)."""

    @abc.abstractmethod
    def list_filters(self, username: str) -> list[dict]:
        """The user's saved filters [{"name", "query"}], by name."""

    @abc.abstractmethod
    def delete_filter(self, username: str, name: str) -> None: ...

    @abc.abstractmethod
    def flag_figures(self, *, since: _dt.datetime | None = None,
                     until: _dt.datetime | None = None) -> dict:
        """Flags raised in [since, until): {"total", "by_category_status":
        {category: {status: n}}, "by_source": {source: n}, "by_source_status":
        {source: {status: n}}} (one aggregation)."""

    @abc.abstractmethod
    def item_figures(self, *, since: _dt.datetime | None = None,
                     until: _dt.datetime | None = None) -> dict:
        """Pages last seen in [since, until): {"pages", "by_source": {source: n},
        "by_source_kind": {source: {kind: n}}}."""

    @abc.abstractmethod
    def app_figures(self, *, since: _dt.datetime | None = None,
                    until: _dt.datetime | None = None) -> dict:
        """Apps last seen in [since, until): {"apps", "minor", "by_category":
        {category: {"apps", "minor"}}}."""

    @abc.abstractmethod
    def flag_counts_for_urls(self, urls: Iterable[str]) -> dict:
        """{url: {"open", "confirmed", "dismissed", "escalated", "categories"}}
        for the given pages (one grouped query per few hundred urls)."""

    @abc.abstractmethod
    def iter_apps(self, *, minor_only: bool = False, since: _dt.datetime | None = None,
                  until: _dt.datetime | None = None, batch: int = 1000):
        """Every app (seen in the period) by its key, in keyset pages of ``batch``."""

    # -- apps ----------------------------------------------------------------
    @abc.abstractmethod
    def upsert_app(self, app: dict) -> str:
        """Insert or update the app keyed by (app["store"], app["app_id"]);
        appends to downloads_history when ``downloads`` changed. Returns
        "new", "changed" or "unchanged"."""

    def upsert_apps(self, apps: Iterable[dict]) -> list[str]:
        """Batched ``upsert_app``, one status per app; backends may override."""
        return [self.upsert_app(a) for a in apps]

    @abc.abstractmethod
    def get_app(self, store: str, app_id: str) -> dict | None: ...

    @abc.abstractmethod
    def list_apps(self, *, minor_only: bool = False, store: str | None = None,
                  sort: str = "-downloads", skip: int = 0, limit: int = 1000) -> list[dict]: ...

    @abc.abstractmethod
    def count_apps(self, *, minor_only: bool = False) -> int: ...

    # -- runs ----------------------------------------------------------------
    @abc.abstractmethod
    def start_run(self, source: str, *, trigger: str = "manual", meta: dict | None = None) -> str:
        """Record a run as "running"; returns its id."""

    @abc.abstractmethod
    def finish_run(self, run_id: str, *, outcome: str, stats: dict | None = None,
                   exit_status: int | None = None, reason: str = "") -> dict: ...

    @abc.abstractmethod
    def get_run(self, run_id: str) -> dict: ...

    @abc.abstractmethod
    def list_runs(self, *, source: str | None = None, outcome: str | None = None,
                  skip: int = 0, limit: int = 50, oldest_first: bool = False) -> list[dict]:
        """Newest first (``oldest_first``: oldest first); ``outcome`` one of
        ``RUN_OUTCOMES``; paged by ``skip``/``limit`` (runs are one per crawl:
        thousands in a campaign, so offset paging stays cheap)."""

    @abc.abstractmethod
    def count_runs(self, *, source: str | None = None, outcome: str | None = None) -> int: ...

    # -- users (review console accounts; patrol.store.users) -------------------
    @abc.abstractmethod
    def create_user(self, username: str, password_hash: str, role: str) -> dict:
        """Add an account {"username", "role", "password_hash", "created_at",
        "updated_at"}; role "analyst" or "lead"; ``password_hash`` is a PHC
        string (the store never sees a password). Conflict if the name exists."""

    @abc.abstractmethod
    def get_user(self, username: str) -> dict | None: ...

    @abc.abstractmethod
    def list_users(self) -> list[dict]:
        """Every account, by name."""

    @abc.abstractmethod
    def set_password(self, username: str, password_hash: str) -> dict:
        """Replace the hash (NotFound for an unknown name) and end the account's
        sessions and tokens; returns the account."""

    @abc.abstractmethod
    def end_sessions(self, username: str, *, tokens: bool = False) -> dict:
        """Raise the account's ``session_version`` (and ``token_version`` with
        ``tokens``), so that every session (token) issued before is refused."""

    @abc.abstractmethod
    def set_disabled(self, username: str, disabled: bool) -> dict:
        """Disable or enable an account; either way its sessions and tokens end."""

    @abc.abstractmethod
    def set_locale(self, username: str, locale: str) -> dict:
        """The console language of an account: "zh_Hans" or "en"."""

    # -- evidence chains (patrol.store.evidence; written by patrol.evidence.chain) --
    @abc.abstractmethod
    def append_evidence(self, flag_id: str, seq: int, kind: str, at: str, body: str,
                        digest: str) -> dict:
        """Add entry ``seq`` to the chain of ``flag_id``, kept byte for byte;
        Conflict if that entry exists (another writer was first)."""

    @abc.abstractmethod
    def list_evidence(self, flag_id: str | None = None, *, kind: str | None = None) -> list[dict]:
        """Chain entries of one flag (or all), by flag id then seq; ``kind`` filters."""

    # -- summaries -----------------------------------------------------------
    def summary(self) -> dict:
        """What ``patrol store check --json`` prints."""
        return {
            "backend": self.backend,
            "url": redact_url(self.url),
            "items": self.count_items(),
            "items_by_kind": self.items_by_kind(),
            "flags": self.flag_counts()["total"],
            "apps": self.count_apps(),
            "apps_minor": self.count_apps(minor_only=True),
            "runs": self.count_runs(),
        }


def redact_url(url: str) -> str:
    """Hide a password in a store URL before it is printed."""
    import re
    return re.sub(r"(//[^:/@]+:)[^@/]*@", r"\1***@", url)
