"""The MongoDB store's read-only queries (a mixin of ``MongoStore``).

Query documents are built only from values the ``check_*`` functions passed
(strings, numbers, datetimes), so crawled text never becomes an operator.
Counts use ``aggregate`` with ``$group`` only (no ``$facet``, no date
operators: the day bucket is stored as ``created_day``). Single documents are
fetched by ``_id``, the only lookup FerretDB answers from an index.
"""

from __future__ import annotations

from patrol.store import common as c
from patrol.store.base import NotFound


def strip(doc: dict | None) -> dict | None:
    """A stored document without MongoDB's bookkeeping (``_id``, ``_rev``)."""
    if doc is None:
        return None
    return {k: v for k, v in doc.items() if k not in ("_id", "_rev")}


class MongoReads:
    """Queries; expects ``db`` and ``_errors`` from MongoStore."""

    @staticmethod
    def _filter(filters: dict) -> dict:
        """A query for the checked filters of ``SharedStore._flag_filters``."""
        query: dict = {}
        for name in ("category", "status", "source", "kind", "url"):
            if filters.get(name) is not None:
                query[name] = filters[name]
        score = {op: filters[name] for name, op in (("min_score", "$gte"), ("max_score", "$lte"))
                 if filters.get(name) is not None}
        created = {op: filters[name] for name, op in (("since", "$gte"), ("until", "$lt"))
                   if filters.get(name) is not None}
        if filters.get("recheck") is not None:
            query["recheck.status"] = filters["recheck"]
        if score:
            query["score"] = score
        if created:
            query["created_at"] = created
        return query

    def _find(self, collection: str, query: dict, sort: list, skip: int = 0,
              limit: int = 0) -> list[dict]:
        with self._errors():
            cursor = self.db[collection].find(query, sort=sort, skip=skip, limit=limit)
            return [c.public(strip(d)) for d in cursor]

    def _count(self, collection: str, query: dict) -> int:
        with self._errors():
            return self.db[collection].count_documents(query)

    def _groups(self, collection: str, field: str) -> dict[str, int]:
        with self._errors():
            rows = self.db[collection].aggregate(
                [{"$group": {"_id": f"${field}", "n": {"$sum": 1}}}])
            return {("unknown" if r["_id"] is None else str(r["_id"])): r["n"] for r in rows}

    def _one(self, collection: str, query: dict) -> dict | None:
        with self._errors():
            return c.public(strip(self.db[collection].find_one(query)))

    # -- items ----------------------------------------------------------------
    def _newest(self, collection: str, ident: str) -> dict | None:
        """One document by ``_id`` at its newest revision (see mongo_revs)."""
        with self._errors():
            return c.public(strip(self._read(collection, ident)))

    def get_item(self, url: str) -> dict | None:
        return self._newest("items", c.check_str("url", url))

    @staticmethod
    def _item_query(kind, source) -> dict:
        query = {}
        if kind is not None:
            query["kind"] = c.check_kind(kind)
        if source is not None:
            query["source"] = c.check_str("source", source)
        return query

    def list_items(self, *, kind=None, source=None, skip=0, limit=50) -> list[dict]:
        skip, limit = c.check_page(skip, limit)
        if limit == 0:
            return []
        return self._find("items", self._item_query(kind, source),
                          [("last_seen", -1), ("url", 1)], skip, limit)

    def item_hashes(self, source: str | None = None) -> dict[str, str]:
        """One query projected to the hash (the item's ``_id`` is its url)."""
        with self._errors():
            return {d["_id"]: d.get("content_hash") or "" for d in
                    self.db.items.find(self._item_query(None, source), {"content_hash": 1})}

    def count_items(self, *, kind=None, source=None) -> int:
        return self._count("items", self._item_query(kind, source))

    def items_by_kind(self) -> dict[str, int]:
        return self._groups("items", "kind")

    # -- flags ----------------------------------------------------------------
    def get_flag(self, flag_id: str) -> dict:
        doc = self._newest("flags", c.check_str("flag_id", flag_id))
        if doc is None:
            raise NotFound(f"no flag {flag_id}")
        return doc

    def list_flags(self, *, category=None, status=None, source=None, kind=None, url=None,
                   min_score=None, max_score=None, since=None, until=None, recheck=None,
                   sort="-priority", skip=0, limit=50):
        field, desc = c.parse_sort(sort, c.FLAG_SORTS)
        skip, limit = c.check_page(skip, limit)
        query = self._filter(self._flag_filters(
            category=category, status=status, source=source, kind=kind, url=url,
            min_score=min_score, max_score=max_score, since=since, until=until, recheck=recheck))
        total = self._count("flags", query)
        if limit == 0:
            return [], total
        order = [(field, -1 if desc else 1)] + [(k, 1) for k in ("created_at", "_id") if k != field]
        return self._find("flags", query, order, skip, limit), total

    def flag_counts(self) -> dict:
        return {"total": self._count("flags", {}),
                "by_category": self._groups("flags", "category"),
                "by_status": self._groups("flags", "status"),
                "by_source": self._groups("flags", "source"),
                "by_day": self._groups("flags", "created_day")}

    # -- apps -----------------------------------------------------------------
    def get_app(self, store: str, app_id: str) -> dict | None:
        key = c.app_key(c.check_str("store", store), c.check_str("app_id", app_id))
        return self._newest("apps", key)

    def list_apps(self, *, minor_only=False, store=None, sort="-downloads", skip=0, limit=1000):
        field, desc = c.parse_sort(sort, c.APP_SORTS)
        skip, limit = c.check_page(skip, limit)
        if limit == 0:
            return []
        query: dict = {"minor_relevant": True} if minor_only else {}
        if store is not None:
            query["store"] = c.check_str("store", store)
        return self._find("apps", query, [(field, -1 if desc else 1), ("store", 1), ("app_id", 1)],
                          skip, limit)

    def count_apps(self, *, minor_only=False) -> int:
        return self._count("apps", {"minor_relevant": True} if minor_only else {})

    # -- runs -----------------------------------------------------------------
    def get_run(self, run_id: str) -> dict:
        doc = self._newest("runs", c.check_str("run_id", run_id))
        if doc is None:
            raise NotFound(f"no run {run_id}")
        return doc

    @staticmethod
    def _run_query(source, outcome) -> dict:
        query: dict = {}
        if source is not None:
            query["source"] = c.check_str("source", source)
        if outcome is not None:
            query["outcome"] = c.check_choice("outcome", outcome, c.RUN_OUTCOMES)
        return query

    def list_runs(self, *, source=None, outcome=None, skip=0, limit=50, oldest_first=False) -> list[dict]:
        skip, limit = c.check_page(skip, limit)
        if limit == 0:
            return []
        way = 1 if oldest_first else -1
        return self._find("runs", self._run_query(source, outcome), [("started_at", way), ("_id", way)],
                          skip, limit)

    def count_runs(self, *, source=None, outcome=None) -> int:
        return self._count("runs", self._run_query(source, outcome))
