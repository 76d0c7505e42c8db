"""Backend-independent helpers: time, value normalisation and input checks.

Both backends pass every document through ``normalize`` before writing it, so
they return the same values: UTC datetimes cut to milliseconds (what BSON
keeps), tuples as lists, dates as ISO strings, and mapping keys made safe for
MongoDB (crawled pages may put ``$`` or ``.`` in keys, e.g. in ``meta``).

Every filter value that reaches a query goes through a ``check_*`` function
first: crawled content never becomes a query operator.
"""

from __future__ import annotations

import datetime as _dt
import functools
import hashlib
import math
import re
import uuid
from typing import Any

from patrol.store.base import CATEGORIES, DECISIONS, KINDS, STATUSES, Conflict, StoreError

FLAG_VERDICTS = ("review", "block")
RUN_OUTCOMES = ("running", "ok", "failed", "partial", "stopped")
FLAG_SORTS = ("priority", "score", "created_at", "updated_at")
APP_SORTS = ("downloads", "name", "minor_score", "first_seen", "last_seen", "rating")
MAX_PAGE = 10_000
MAX_SKIP = 2**31 - 1   # past any real queue; BSON and SQLite integers stop at 2**63
UTC = _dt.timezone.utc


class StoreInputError(StoreError, ValueError):
    """An argument to a store method is not acceptable (names the field)."""


def utcnow() -> _dt.datetime:
    """Now, UTC, cut to milliseconds like every stored time."""
    return to_utc(_dt.datetime.now(UTC))


def to_utc(value: _dt.datetime) -> _dt.datetime:
    """Aware UTC with millisecond precision; a naive datetime is taken as UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    value = value.astimezone(UTC)
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


def new_id() -> str:
    return uuid.uuid4().hex


def flag_id(url: str, category: str) -> str:
    """The id of the one flag per (url, category): derived, so that both backends
    find it by primary key (FerretDB only uses an index for ``_id`` lookups)."""
    return hashlib.sha256(f"{category}\n{url}".encode("utf-8")).hexdigest()[:32]


def app_key(store: str, app_id: str) -> str:
    return hashlib.sha256(f"{store}\n{app_id}".encode("utf-8")).hexdigest()[:32]


@functools.lru_cache(maxsize=8192)  # the same few field names in every document
def _safe_str_key(key: str) -> str:
    return _safe_key_uncached(key)


def _safe_key(key: Any) -> str:
    return _safe_str_key(key) if type(key) is str else _safe_key_uncached(key)


def _safe_key_uncached(key: Any) -> str:
    key = clean_text(str(key))
    # MongoDB refuses or misreads "$"-prefixed and dotted field names, and NUL
    # ends a BSON key; swap them for full-width look-alikes so both backends agree.
    if key.startswith("$"):
        key = "\uff04" + key[1:]
    return key.replace(".", "\uff0e").replace("\x00", "")


MAX_DEPTH = 64   # nesting of stored values (MongoDB refuses past 100; JSON-LD needs a few)
_SURROGATES = re.compile("[\ud800-\udfff]")


class TooDeep(StoreInputError):
    """A value nested deeper than MAX_DEPTH (a hostile page's JSON-LD, say)."""

    def __init__(self) -> None:
        super().__init__()
        self.path: list[str] = []

    def __str__(self) -> str:
        where = ".".join(self.path[:4]) + (".…" if len(self.path) > 4 else "")
        return f"field {where or 'value'} is nested more than {MAX_DEPTH} levels deep"


def clean_text(value: str) -> str:
    """``value`` without lone surrogates (U+FFFD instead): they cannot be
    encoded as UTF-8, so neither BSON nor SQLite can store them."""
    if value.isascii():
        return value
    return _SURROGATES.sub("\ufffd", value) if _SURROGATES.search(value) else value


def normalize(value: Any, _depth: int = 0) -> Any:
    """A copy of ``value`` both backends store and return unchanged.

    Raises ``TooDeep`` (naming the field) past ``MAX_DEPTH`` levels instead of
    recursing until Python gives up: one hostile page must not take its batch down."""
    t = type(value)  # exact types first: the common case, checked cheaply
    if t is str:
        return clean_text(value)
    if t is int:
        return str(value) if abs(value) >= 2**63 else value
    if t is float:
        return value if math.isfinite(value) else None
    if value is None or t is bool:
        return value
    if isinstance(value, dict):
        if _depth >= MAX_DEPTH:
            raise TooDeep()
        out = {}
        for k, v in value.items():
            key = _safe_key(k)
            try:
                out[key] = normalize(v, _depth + 1)
            except TooDeep as exc:
                exc.path.insert(0, key)
                raise
        return out
    if isinstance(value, (list, tuple, set, frozenset)):
        if _depth >= MAX_DEPTH:
            raise TooDeep()
        items = sorted(value, key=repr) if isinstance(value, (set, frozenset)) else value
        return [normalize(v, _depth + 1) for v in items]
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, _dt.datetime):
        return to_utc(value)
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, (bool, int, float)):
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 2**63:
            return str(value)  # BSON and SQLite integers are 64-bit
        return value
    if isinstance(value, bytes):
        raise StoreInputError("binary values are not stored; keep files on disk and store their path")
    return clean_text(str(value))


# -- checks ------------------------------------------------------------------

def check_str(field: str, value: Any, *, allow_empty: bool = False) -> str:
    if not isinstance(value, str):
        raise StoreInputError(f"{field} must be a string, got {type(value).__name__}")
    if not allow_empty and not value.strip():
        raise StoreInputError(f"{field} must not be empty")
    if _SURROGATES.search(value):
        raise StoreInputError(f"{field} holds a lone surrogate (not valid Unicode text)")
    return value


def check_opt_str(field: str, value: Any) -> str | None:
    return None if value is None else check_str(field, value)


def check_choice(field: str, value: Any, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise StoreInputError(f"{field} must be one of {', '.join(choices)}; got {value!r}")
    return value


def check_category(value: Any) -> str:
    return check_choice("category", value, CATEGORIES)


def check_kind(value: Any) -> str:
    return check_choice("kind", value, KINDS)


def check_status(value: Any) -> str:
    return check_choice("status", value, STATUSES)


def check_decision(value: Any) -> str:
    if value not in DECISIONS:
        raise Conflict(f"verdict must be one of {', '.join(DECISIONS)}; got {value!r}")
    return value


def check_number(field: str, value: Any, lo: float | None = None, hi: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise StoreInputError(f"{field} must be a finite number, got {value!r}")
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise StoreInputError(f"{field} must be within [{lo}, {hi}], got {value!r}")
    return float(value)


def check_time(field: str, value: Any) -> _dt.datetime | None:
    if value is None:
        return None
    if not isinstance(value, _dt.datetime):
        raise StoreInputError(f"{field} must be a datetime, got {type(value).__name__}")
    return to_utc(value)


def check_page(skip: Any, limit: Any) -> tuple[int, int]:
    for name, v in (("skip", skip), ("limit", limit)):
        if isinstance(v, bool) or not isinstance(v, int) or v < 0:
            raise StoreInputError(f"{name} must be a non-negative integer, got {v!r}")
    if limit > MAX_PAGE:
        raise StoreInputError(f"limit must be at most {MAX_PAGE}, got {limit}")
    if skip > MAX_SKIP:
        raise StoreInputError(f"skip must be at most {MAX_SKIP}, got {skip}")
    return skip, limit


def check_lease(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 7 * 86400:
        raise StoreInputError(f"lease_seconds must be within (0, 604800], got {value!r}")
    return value


def parse_sort(sort: Any, allowed: tuple[str, ...]) -> tuple[str, bool]:
    """``"-priority"`` -> ("priority", descending=True); only ``allowed`` fields."""
    if not isinstance(sort, str):
        raise StoreInputError(f"sort must be a string, got {type(sort).__name__}")
    descending = sort.startswith("-")
    field = sort.lstrip("+-")
    if field not in allowed:
        raise StoreInputError(f"sort must be one of {', '.join(allowed)} (prefix '-' for "
                              f"descending); got {sort!r}")
    return field, descending


def day_of(at: _dt.datetime) -> str:
    """The day bucket of ``flag_counts``: the day in the office's time zone
    (PATROL_TIMEZONE), so a flag raised at 23:30 UTC counts on the next day in
    Asia/Shanghai, on the dashboard and in ``patrol queue stats`` alike. The
    bucket is written with the flag; flags raised before this rule keep their
    UTC day."""
    return to_utc(at).astimezone(_office_zone()).strftime("%Y-%m-%d")


def _office_zone():
    from zoneinfo import ZoneInfo

    from patrol import config
    name = config.get("PATROL_TIMEZONE")
    zone = _ZONES.get(name)
    if zone is None:
        try:
            zone = _ZONES[name] = ZoneInfo(name)
        except (KeyError, ValueError) as exc:
            raise StoreInputError(f"PATROL_TIMEZONE: unknown time zone {name!r}") from exc
    return zone


_ZONES: dict = {}


def public(doc: dict | None) -> dict | None:
    """A stored document as the contract shows it: internal fields dropped."""
    if doc is None:
        return None
    out = {k: v for k, v in doc.items() if not k.startswith("_") and k != "created_day"}
    if "_id" in doc and isinstance(doc["_id"], str) and "id" not in out:
        out["id"] = doc["_id"]
    return out
