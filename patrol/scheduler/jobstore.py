"""APScheduler job stores in the store's own database.

A MongoDB store keeps jobs in APScheduler's MongoDB job store (collection
``scheduler_jobs`` of the same database); the embedded SQLite store keeps them
in APScheduler's SQLAlchemy job store, in the same SQLite file (its own table).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from apscheduler.jobstores.mongodb import MongoDBJobStore

from patrol.store import StoreConfigError


class PlainIndexMongoDBJobStore(MongoDBJobStore):
    """APScheduler's MongoDB job store with a plain (not sparse) index on
    ``next_run_time``: MongoDB-compatible servers such as FerretDB 1.24 refuse
    sparse indexes, and paused jobs (null next_run_time) are few."""

    def start(self, scheduler, alias):
        super(MongoDBJobStore, self).start(scheduler, alias)
        self.collection.create_index("next_run_time")


def jobstore_for(store_url: str, timeout: float = 5.0):
    if store_url.startswith(("mongodb://", "mongodb+srv://")):
        from pymongo import MongoClient
        database = urlsplit(store_url).path.lstrip("/").split("?")[0] or "patrol"
        client = MongoClient(store_url, tz_aware=True, serverSelectionTimeoutMS=int(timeout * 1000),
                             w=1)
        return PlainIndexMongoDBJobStore(database=database, collection="scheduler_jobs", client=client)
    if store_url.startswith("sqlite:"):
        from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
        path = store_url[len("sqlite:"):]
        if path.startswith("///"):
            path = path[3:] if not path.startswith("////") else path[3:]
        else:
            path = path.lstrip("/")
        from pathlib import Path
        Path(path).expanduser().parent.mkdir(parents=True, exist_ok=True)
        return SQLAlchemyJobStore(url=f"sqlite:///{Path(path).expanduser()}",
                                  tablename="scheduler_jobs",
                                  engine_options={"connect_args": {"timeout": 30}})
    raise StoreConfigError(f"PATROL_STORE: no scheduler job store for {store_url!r}")
