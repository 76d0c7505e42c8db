"""The SQLite store at campaign scale (a mixin of ``SQLiteStore``): the search
index, keyset pages of the queue, an indexed ``claim_next``, and the figures
of the reports as ``GROUP BY`` queries.

The search index ``flags_fts`` (FTS5, bigram tokens of ``patrol.store.search``)
has one row per flag under the flag's rowid: its title and evidence, written
when the flag is raised, and the text of its page, written when the page's
item is stored (flags are written before their item; see pipelines/store.py).
"""

from __future__ import annotations

import datetime as _dt
import logging
import sqlite3
from typing import Iterator

from patrol.store import common as c
from patrol.store import search
from patrol.store.base import DEFAULT_LEASE_SECONDS, FlagPage
from patrol.store.sqlite_read import loads, ts

log = logging.getLogger(__name__)

SCHEMA = """
CREATE INDEX IF NOT EXISTS flags_claim ON flags(status, priority DESC, created_at, id);
CREATE INDEX IF NOT EXISTS flags_claim_cat ON flags(status, category, priority DESC, created_at, id);
CREATE INDEX IF NOT EXISTS flags_by_priority ON flags(priority DESC, created_at, id);
CREATE INDEX IF NOT EXISTS flags_by_score ON flags(score DESC, created_at, id);
CREATE INDEX IF NOT EXISTS flags_status_score ON flags(status, score DESC, created_at, id);
CREATE INDEX IF NOT EXISTS flags_by_updated ON flags(updated_at, created_at, id);
CREATE INDEX IF NOT EXISTS flags_period ON flags(created_at, category, status, source);
CREATE INDEX IF NOT EXISTS flags_kind_url ON flags(kind, url, status, category);
CREATE INDEX IF NOT EXISTS items_seen ON items(last_seen, source, kind);
CREATE INDEX IF NOT EXISTS flags_recheck ON flags(json_extract(doc, '$.recheck.status'), created_at);
-- Covering indexes of the campaign figures (flag_figures, item_figures, app_figures): the
-- grouped counts read the index, not the documents (100,000 flags: 1.9 s -> 30 ms).
CREATE INDEX IF NOT EXISTS flags_figures ON flags(category, status, source, created_at);
CREATE INDEX IF NOT EXISTS items_figures ON items(source, kind, last_seen);
CREATE INDEX IF NOT EXISTS flags_day ON flags(created_day);  -- the dashboard's flags per office day
CREATE INDEX IF NOT EXISTS apps_figures ON apps(json_extract(doc, '$.category'), minor_relevant, last_seen);
CREATE TABLE IF NOT EXISTS saved_filters (username TEXT NOT NULL, name TEXT NOT NULL,
    query TEXT NOT NULL, created_at TEXT NOT NULL, PRIMARY KEY (username, name));
"""
FTS = ("CREATE VIRTUAL TABLE flags_fts USING fts5(title, text, evidence, "
       "tokenize='unicode61 remove_diacritics 0')")


def create_schema(conn: sqlite3.Connection) -> None:
    """The indexes and the search table (filled from the flags already stored
    the first time it is created)."""
    for statement in SCHEMA.split(";"):
        if statement.strip():
            conn.execute(statement)
    exists = conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'flags_fts'").fetchone()
    if exists:
        return
    conn.execute(FTS)
    n = 0
    for rowid, doc in conn.execute("SELECT rowid, doc FROM flags").fetchall():
        flag = loads(doc)
        index_flag(conn, rowid, flag)
        n += 1
    if n:
        log.info("search index built for %d stored flags", n)


def _item_text(conn: sqlite3.Connection, url: str) -> str:
    row = conn.execute("SELECT json_extract(doc, '$.text') FROM items WHERE url = ?",
                       (url,)).fetchone()
    return row[0] if row and isinstance(row[0], str) else ""


def index_flag(conn: sqlite3.Connection, rowid: int, flag: dict) -> None:
    """(Re)write the search row of one flag."""
    conn.execute("DELETE FROM flags_fts WHERE rowid = ?", (rowid,))
    conn.execute("INSERT INTO flags_fts (rowid, title, text, evidence) VALUES (?, ?, ?, ?)",
                 (rowid, search.tokens(flag.get("title") or ""),
                  search.tokens(_item_text(conn, flag["url"])),
                  search.tokens(search.evidence_text(flag.get("evidence")))))


def index_item_text(conn: sqlite3.Connection, url: str, text: str) -> None:
    """A page's new text into the search rows of its flags (if it has any)."""
    rows = conn.execute("SELECT rowid FROM flags WHERE url = ?", (url,)).fetchall()
    if not rows:
        return
    toks = search.tokens(text or "")
    for (rowid,) in rows:
        conn.execute("UPDATE flags_fts SET text = ? WHERE rowid = ?", (toks, rowid))


_ORDER = {"priority": "priority", "score": "score", "created_at": "created_at",
          "updated_at": "updated_at"}


class SQLiteQueue:
    """Expects ``_errors``, ``_conn``, ``_tx``, ``_where``, ``now`` from SQLiteStore."""

    def _page_where(self, filters: dict, q, source_like, url_like) -> tuple[list[str], list]:
        where, params = self._where(self._flag_filters(**filters))
        q = search.check_query(q)
        for name, value, col in (("source_like", source_like, "source"),
                                 ("url_like", url_like, "url")):
            value = c.check_opt_str(name, value)
            if value is not None:
                where.append(f"{col} LIKE ? ESCAPE '\\'")
                params.append(search.like_pattern(value))
        if q is not None:
            where.append("rowid IN (SELECT rowid FROM flags_fts WHERE flags_fts MATCH ?)")
            params.append(search.fts_match(q))
        return where, params

    def page_flags(self, *, q=None, source_like=None, url_like=None, sort="-priority",
                   after=None, limit=50, with_total=True, **filters) -> FlagPage:
        field, desc = c.parse_sort(sort, c.FLAG_SORTS)
        _, limit = c.check_page(0, limit)
        cursor = search.decode_cursor(after, sort)
        where, params = self._page_where(filters, q, source_like, url_like)
        count_where, count_params = list(where), list(params)
        col = _ORDER[field]
        if cursor is not None:
            value, created, ident = cursor
            if field == "created_at":
                op = "<" if desc else ">"
                where.append(f"(created_at {op} ? OR (created_at = ? AND id > ?))")
                params += [ts(created), ts(created), ident]
            else:
                if isinstance(value, _dt.datetime):
                    value = ts(value)
                op = "<" if desc else ">"
                # The first term lets SQLite walk its index from the cursor on.
                where.append(f"{col} {op}= ? AND ({col} {op} ? OR ({col} = ? AND "
                             "(created_at > ? OR (created_at = ? AND id > ?))))")
                params += [value, value, value, ts(created), ts(created), ident]
        direction = "DESC" if desc else "ASC"
        order = (f"created_at {direction}, id ASC" if field == "created_at"
                 else f"{col} {direction}, created_at ASC, id ASC")
        clause = (" WHERE " + " AND ".join(where)) if where else ""
        with self._errors():
            conn = self._conn()
            conn.execute("BEGIN")  # the page and the total from one snapshot
            try:
                rows = conn.execute(f"SELECT doc FROM flags{clause} ORDER BY {order} LIMIT ?",
                                    params + [limit + 1]).fetchall()
                total = None
                if with_total:
                    cw = (" WHERE " + " AND ".join(count_where)) if count_where else ""
                    total = conn.execute(f"SELECT count(*) FROM flags{cw}",
                                         count_params).fetchone()[0]
            finally:
                conn.execute("COMMIT")
        flags = [c.public(loads(r[0])) for r in rows[:limit]]
        nxt = search.encode_cursor(sort, flags[-1]) if len(rows) > limit and flags else None
        return FlagPage(flags, total, nxt)

    def claim_next(self, analyst, *, lease_seconds=DEFAULT_LEASE_SECONDS, category=None,
                   source=None, kind=None):
        """Two indexed look-ups (the best pending flag, the best expired claim)
        instead of one ``OR`` that SQLite can only answer by a scan."""
        from patrol.store import logic
        c.check_str("analyst", analyst)
        c.check_lease(lease_seconds)
        where, params = self._where(self._flag_filters(category=category, source=source,
                                                       kind=kind))
        extra = "".join(f" AND {w}" for w in where)
        order = " ORDER BY priority DESC, created_at ASC, id ASC LIMIT 1"
        with self._tx() as conn:
            now = self.now()
            best = None
            for cond, args in (("status = 'pending'", []),
                               ("status = 'in_review' AND (lease_until IS NULL OR lease_until <= ?)",
                                [ts(now)])):
                row = conn.execute(f"SELECT priority, created_at, id, doc FROM flags WHERE {cond}"
                                   f"{extra}{order}", args + params).fetchone()
                if row is not None and (best is None or (-row[0], row[1], row[2])
                                        < (-best[0], best[1], best[2])):
                    best = row
            if best is None:
                return None
            doc = logic.do_claim(loads(best[3]), analyst, lease_seconds, now)
            self._put(conn, "flags", doc, new=False)
        return c.public(doc)

    # -- saved filters -------------------------------------------------------------
    def save_filter(self, username, name, query) -> None:
        username, name, query = _check_filter(username, name, query)
        with self._tx() as conn:
            conn.execute("INSERT OR REPLACE INTO saved_filters VALUES (?, ?, ?, ?)",
                         (username, name, query, ts(self.now())))

    def list_filters(self, username) -> list[dict]:
        c.check_str("username", username)
        with self._errors():
            rows = self._conn().execute("SELECT name, query FROM saved_filters WHERE username = ? "
                                        "ORDER BY name", (username,)).fetchall()
        return [{"name": n, "query": q} for n, q in rows]

    def delete_filter(self, username, name) -> None:
        c.check_str("username", username)
        c.check_str("name", name)
        with self._tx() as conn:
            conn.execute("DELETE FROM saved_filters WHERE username = ? AND name = ?",
                         (username, name))

    # -- figures of the reports --------------------------------------------------
    def _period(self, since, until, col: str = "created_at") -> tuple[list[str], list]:
        since, until = c.check_time("since", since), c.check_time("until", until)
        where, params = [], []
        if since is not None:
            where.append(f"{col} >= ?")
            params.append(ts(since))
        if until is not None:
            where.append(f"{col} < ?")
            params.append(ts(until))
        return where, params

    def flag_figures(self, *, since=None, until=None) -> dict:
        where, params = self._period(since, until)
        clause = (" WHERE " + " AND ".join(where)) if where else ""
        with self._errors():
            conn = self._conn()
            rows = conn.execute(f"SELECT category, status, source, count(*) FROM flags{clause} "
                                "GROUP BY category, status, source", params).fetchall()
        return _figures(rows)

    def item_figures(self, *, since=None, until=None) -> dict:
        where, params = self._period(since, until, "last_seen")
        clause = (" WHERE " + " AND ".join(where)) if where else ""
        with self._errors():
            rows = self._conn().execute(f"SELECT source, kind, count(*) FROM items{clause} "
                                        "GROUP BY source, kind", params).fetchall()
        return _item_figures(rows)

    def app_figures(self, *, since=None, until=None) -> dict:
        where, params = self._period(since, until, "last_seen")
        clause = (" WHERE " + " AND ".join(where)) if where else ""
        with self._errors():
            rows = self._conn().execute(
                "SELECT json_extract(doc, '$.category'), minor_relevant, count(*) FROM apps"
                f"{clause} GROUP BY 1, 2", params).fetchall()
        return _app_figures(rows)

    def flag_counts_for_urls(self, urls) -> dict:
        urls = [c.check_str("url", u) for u in urls]
        out: dict = {}
        with self._errors():
            conn = self._conn()
            for i in range(0, len(urls), 500):
                chunk = urls[i:i + 500]
                rows = conn.execute(
                    f"SELECT url, status, category, count(*) FROM flags WHERE url IN "
                    f"({', '.join('?' * len(chunk))}) GROUP BY url, status, category",
                    chunk).fetchall()
                for url, status, category, n in rows:
                    _count_into(out, url, status, category, n)
        return out

    def iter_apps(self, *, minor_only=False, since=None, until=None,
                  batch: int = 1000) -> Iterator[dict]:
        where, params = self._period(since, None, "last_seen")
        if until is not None:
            where.append("first_seen < ?")
            params.append(ts(c.check_time("until", until)))
        if minor_only:
            where.append("minor_relevant = 1")
        after: tuple | None = None
        while True:
            w, p = list(where), list(params)
            if after is not None:
                w.append("(store, app_id) > (?, ?)")
                p += list(after)
            clause = (" WHERE " + " AND ".join(w)) if w else ""
            with self._errors():
                rows = self._conn().execute(
                    f"SELECT store, app_id, doc FROM apps{clause} ORDER BY store, app_id LIMIT ?",
                    p + [batch]).fetchall()
            for _, _, doc in rows:
                yield c.public(loads(doc))
            if len(rows) < batch:
                return
            after = (rows[-1][0], rows[-1][1])


MAX_FILTERS_QUERY = 2000


def _check_filter(username, name, query) -> tuple[str, str, str]:
    c.check_str("username", username)
    name = c.check_str("name", name).strip()
    if len(name) > 80:
        raise c.StoreInputError("name: at most 80 characters")
    query = c.check_str("query", query, allow_empty=True)
    if len(query) > MAX_FILTERS_QUERY:
        raise c.StoreInputError(f"query: at most {MAX_FILTERS_QUERY} characters")
    return username, name, query


def _figures(rows) -> dict:
    by_cs: dict = {}
    by_source: dict = {}
    by_ss: dict = {}
    total = 0
    for category, status, source, n in rows:
        by_cs.setdefault(category, {}).setdefault(status, 0)
        by_cs[category][status] += n
        key = source or "unknown"
        by_source[key] = by_source.get(key, 0) + n
        by_ss.setdefault(key, {}).setdefault(status, 0)
        by_ss[key][status] += n
        total += n
    return {"total": total, "by_category_status": by_cs, "by_source": by_source,
            "by_source_status": by_ss}


def _item_figures(rows) -> dict:
    by_source: dict = {}
    by_sk: dict = {}
    for source, kind, n in rows:
        source = source or "unknown"
        by_source[source] = by_source.get(source, 0) + n
        by_sk.setdefault(source, {})[kind or "page"] = n
    return {"pages": sum(by_source.values()), "by_source": by_source, "by_source_kind": by_sk}


def _app_figures(rows) -> dict:
    by_category: dict = {}
    total = minor = 0
    for category, minor_relevant, n in rows:
        cat = category if isinstance(category, str) and category else "未分类"
        d = by_category.setdefault(cat, {"apps": 0, "minor": 0})
        d["apps"] += n
        total += n
        if minor_relevant:
            d["minor"] += n
            minor += n
    return {"apps": total, "minor": minor, "by_category": by_category}


def _count_into(out: dict, url: str, status: str, category: str, n: int) -> None:
    d = out.setdefault(url, {"open": 0, "confirmed": 0, "dismissed": 0, "escalated": 0,
                             "categories": []})
    if status in ("pending", "in_review"):
        d["open"] += n
    elif status in d:
        d[status] += n
    if status != "dismissed" and category not in d["categories"]:
        d["categories"].append(category)
        d["categories"].sort()

