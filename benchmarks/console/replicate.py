"""Grow a fixture store built by ``fixture.py`` k-fold by copying its rows in SQL.

    python -m benchmarks.console.replicate SRC.db DST.db --times 100

Building 1,000,000 flags through the store API takes hours on this shared
2-core machine (about 30 flags/s with the decisions, under load), so the
1,000,000-flag SQLite store is the 10,000-flag API-built store copied 100
times: every copy gets its own flag id, url, app id and search row, and keeps
the columns, JSON documents, indexes and search index the store wrote. This
is stated wherever its figures are quoted (benchmarks/console/README.md).
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import time


def replicate(src: str, dst: str, times: int) -> dict:
    t0 = time.monotonic()
    shutil.copyfile(src, dst)
    conn = sqlite3.connect(dst, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    n_flags = conn.execute("SELECT max(rowid) FROM flags").fetchone()[0]
    n_items = conn.execute("SELECT max(rowid) FROM items").fetchone()[0]
    for k in range(1, times):
        s = f"~{k}"
        conn.execute("BEGIN")
        conn.execute(
            "INSERT INTO items (url, kind, source, last_seen, doc) SELECT url || ?, kind, source, "
            "last_seen, json_set(doc, '$.url', url || ?) FROM items WHERE rowid <= ?",
            (s, s, n_items))
        conn.execute(
            "INSERT INTO flags (id, url, category, source, kind, status, score, priority, "
            "created_at, updated_at, created_day, lease_until, doc) SELECT id || ?, url || ?, "
            "category, source, kind, status, score, priority, created_at, updated_at, created_day, "
            "lease_until, json_set(doc, '$.id', id || ?, '$.url', url || ?) FROM flags "
            "WHERE rowid <= ?", (s, s, s, s, n_flags))
        conn.execute(
            "INSERT INTO flags_fts (rowid, title, text, evidence) SELECT f2.rowid, x.title, x.text, "
            "x.evidence FROM flags_fts x JOIN flags f1 ON f1.rowid = x.rowid "
            "JOIN flags f2 ON f2.id = f1.id || ? WHERE x.rowid <= ?", (s, n_flags))
        conn.execute(
            "INSERT INTO apps (store, app_id, minor_relevant, downloads, name, minor_score, rating, "
            "first_seen, last_seen, doc) SELECT store, app_id || ?, minor_relevant, downloads, name, "
            "minor_score, rating, first_seen, last_seen, json_set(doc, '$.app_id', app_id || ?, "
            "'$.url', json_extract(doc, '$.url') || ?) FROM apps WHERE app_id NOT LIKE '%~%'",
            (s, s, s))
        conn.execute("COMMIT")
        if k % 10 == 0:
            print(f"copy {k}/{times - 1}: {time.monotonic() - t0:.0f} s", flush=True)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    out = {row: conn.execute(f"SELECT count(*) FROM {row}").fetchone()[0]
           for row in ("flags", "items", "apps")}
    conn.close()
    out["s"] = round(time.monotonic() - t0, 1)
    print(out)
    return out


def main(argv=None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("src")
    ap.add_argument("dst")
    ap.add_argument("--times", type=int, required=True)
    a = ap.parse_args(argv)
    replicate(a.src, a.dst, a.times)


if __name__ == "__main__":
    main()
