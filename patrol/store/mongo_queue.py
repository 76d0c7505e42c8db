"""The MongoDB store at campaign scale (a mixin of ``MongoStore``): search,
keyset pages of the queue and the figures of the reports, within the subset
FerretDB 1.24 answers.

Search: FerretDB 1.x has no text indexes (``$text`` and ``createIndexes``
with ``"text"`` are refused), so each word of the query is matched as an
escaped, case-insensitive ``$regex`` against the flag's title, snippet,
matched terms and rule reasons, or the page's text (found in ``items`` first,
then by ``url``). MongoDB proper answers the same query; it is a scan on both.
Figures are ``aggregate`` with ``$match`` and ``$group`` on compound keys.
"""

from __future__ import annotations

import re
from typing import Iterator

from patrol.store import common as c
from patrol.store import search
from patrol.store.base import FlagPage
from patrol.store.mongo_read import strip

MAX_TEXT_URLS = 5000   # pages whose text matches one word, looked up by url


class MongoQueue:
    """Expects ``db``, ``_errors``, ``_filter``, ``_flag_filters`` from MongoStore."""

    def _word_query(self, word: str) -> dict:
        rx = {"$regex": word, "$options": "i"}
        with self._errors():
            urls = [d["_id"] for d in self.db.items.find({"text": rx}, {"_id": 1},
                                                         limit=MAX_TEXT_URLS)]
        ors: list[dict] = [{"title": rx}, {"evidence.snippet": rx}, {"evidence.terms.matched": rx},
                           {"evidence.terms.term": rx}, {"evidence.terms": rx},
                           {"evidence.rules.reason": rx}]
        if urls:
            ors.append({"url": {"$in": urls}})
        return {"$or": ors}

    def _page_query(self, filters: dict, q, source_like, url_like) -> dict:
        parts = [self._filter(self._flag_filters(**filters))]
        q = search.check_query(q)
        for name, value, field in (("source_like", source_like, "source"),
                                   ("url_like", url_like, "url")):
            value = c.check_opt_str(name, value)
            if value is not None:
                parts.append({field: {"$regex": re.escape(value), "$options": "i"}})
        if q is not None:
            parts += [self._word_query(w) for w in search.regex_words(q)]
        parts = [p for p in parts if p]
        return {} if not parts else parts[0] if len(parts) == 1 else {"$and": parts}

    def page_flags(self, *, q=None, source_like=None, url_like=None, sort="-priority",
                   after=None, limit=50, with_total=True, **filters) -> FlagPage:
        field, desc = c.parse_sort(sort, c.FLAG_SORTS)
        _, limit = c.check_page(0, limit)
        cursor = search.decode_cursor(after, sort)
        query = self._page_query(filters, q, source_like, url_like)
        page_query = query
        op = "$lt" if desc else "$gt"
        if cursor is not None:
            value, created, ident = cursor
            if field == "created_at":
                keyset = {"$or": [{"created_at": {op: created}},
                                  {"created_at": created, "_id": {"$gt": ident}}]}
            else:
                keyset = {"$or": [{field: {op: value}},
                                  {field: value, "created_at": {"$gt": created}},
                                  {field: value, "created_at": created, "_id": {"$gt": ident}}]}
            page_query = {"$and": [query, keyset]} if query else keyset
        order = [(field, -1 if desc else 1)] + [(k, 1) for k in ("created_at", "_id") if k != field]
        with self._errors():
            docs = list(self.db.flags.find(page_query, sort=order, limit=limit + 1))
            total = self.db.flags.count_documents(query) if with_total else None
        flags = [c.public(strip(d)) for d in docs[:limit]]
        nxt = search.encode_cursor(sort, flags[-1]) if len(docs) > limit and flags else None
        return FlagPage(flags, total, nxt)

    # -- saved filters -------------------------------------------------------------
    def save_filter(self, username, name, query) -> None:
        from patrol.store.sqlite_queue import _check_filter
        username, name, query = _check_filter(username, name, query)
        with self._errors():
            self.db.saved_filters.replace_one(
                {"_id": f"{username}\n{name}"},
                {"username": username, "name": name, "query": query, "created_at": self.now()},
                upsert=True)

    def list_filters(self, username) -> list[dict]:
        c.check_str("username", username)
        with self._errors():
            docs = self.db.saved_filters.find({"username": username}, sort=[("name", 1)])
            return [{"name": d["name"], "query": d["query"]} for d in docs]

    def delete_filter(self, username, name) -> None:
        c.check_str("username", username)
        c.check_str("name", name)
        with self._errors():
            self.db.saved_filters.delete_one({"_id": f"{username}\n{name}"})

    # -- figures of the reports --------------------------------------------------
    @staticmethod
    def _period(since, until, field: str = "created_at") -> dict:
        since, until = c.check_time("since", since), c.check_time("until", until)
        bound = {op: v for op, v in (("$gte", since), ("$lt", until)) if v is not None}
        return {field: bound} if bound else {}

    def _aggregate(self, collection: str, match: dict, keys: dict) -> list[dict]:
        pipeline = ([{"$match": match}] if match else []) + [
            {"$group": {"_id": keys, "n": {"$sum": 1}}}]
        with self._errors():
            return list(self.db[collection].aggregate(pipeline))

    def flag_figures(self, *, since=None, until=None) -> dict:
        from patrol.store.sqlite_queue import _figures
        rows = self._aggregate("flags", self._period(since, until),
                               {"category": "$category", "status": "$status", "source": "$source"})
        return _figures([(r["_id"].get("category"), r["_id"].get("status"),
                          r["_id"].get("source"), r["n"]) for r in rows])

    def item_figures(self, *, since=None, until=None) -> dict:
        from patrol.store.sqlite_queue import _item_figures
        rows = self._aggregate("items", self._period(since, until, "last_seen"),
                               {"source": "$source", "kind": "$kind"})
        return _item_figures([(r["_id"].get("source"), r["_id"].get("kind"), r["n"])
                              for r in rows])

    def app_figures(self, *, since=None, until=None) -> dict:
        from patrol.store.sqlite_queue import _app_figures
        rows = self._aggregate("apps", self._period(since, until, "last_seen"),
                               {"category": "$category", "minor": "$minor_relevant"})
        return _app_figures([(r["_id"].get("category"), r["_id"].get("minor"), r["n"])
                             for r in rows])

    def flag_counts_for_urls(self, urls) -> dict:
        from patrol.store.sqlite_queue import _count_into
        urls = [c.check_str("url", u) for u in urls]
        out: dict = {}
        for i in range(0, len(urls), 500):
            rows = self._aggregate("flags", {"url": {"$in": urls[i:i + 500]}},
                                   {"url": "$url", "status": "$status", "category": "$category"})
            for r in rows:
                k = r["_id"]
                _count_into(out, k.get("url"), k.get("status"), k.get("category"), r["n"])
        return out

    def iter_apps(self, *, minor_only=False, since=None, until=None,
                  batch: int = 1000) -> Iterator[dict]:
        query = self._period(since, None, "last_seen")
        if until is not None:
            query["first_seen"] = {"$lt": c.check_time("until", until)}
        if minor_only:
            query["minor_relevant"] = True
        last = None
        while True:
            page = dict(query)
            if last is not None:
                page["_id"] = {"$gt": last}
            with self._errors():
                docs = list(self.db.apps.find(page, sort=[("_id", 1)], limit=batch))
            for d in docs:
                yield c.public(strip(d))
            if len(docs) < batch:
                return
            last = docs[-1]["_id"]

