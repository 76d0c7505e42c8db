"""The store: items, flags (the review queue), apps, runs.

``open_store(url)`` picks the backend from the URL scheme:
``mongodb://`` / ``mongodb+srv://`` (pymongo) or ``sqlite:///path`` (embedded).
"""

from __future__ import annotations

from patrol.store.base import (  # noqa: F401
    CATEGORIES, DECISIONS, KINDS, STATUSES, Conflict, NotFound, RaiseResult, Store,
    StoreConfigError, StoreError, StoreUnavailable, UpsertResult,
)


def open_store(url: str | None = None, *, timeout: float | None = None,
               clock=None) -> Store:
    """Open (and on first use create) the store at ``url``
    (default: the ``PATROL_STORE`` setting). ``clock`` (tests): a callable
    returning this client's wall-clock time as an aware datetime."""
    from patrol import config

    if url is None:
        url = config.get("PATROL_STORE")
    if timeout is None:
        timeout = config.get("PATROL_STORE_TIMEOUT")
    if not isinstance(url, str) or not url.strip():
        raise StoreConfigError("PATROL_STORE is empty: give mongodb://host/db or sqlite:///path")
    url = url.strip()
    if url.startswith(("mongodb://", "mongodb+srv://")):
        from patrol.store.mongo import MongoStore
        return MongoStore(url, timeout=timeout, clock=clock)
    if url.startswith("sqlite:"):
        from patrol.store.sqlite import SQLiteStore
        return SQLiteStore(url, timeout=timeout, clock=clock)
    scheme = url.split(":", 1)[0] if ":" in url else url
    raise StoreConfigError(
        f"PATROL_STORE: unknown store URL scheme {scheme!r} in {url!r}; "
        "use mongodb://host:port/db or sqlite:///path/patrol.db")
