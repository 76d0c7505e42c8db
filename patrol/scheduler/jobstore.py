"""APScheduler job stores in the store's own database.

A MongoDB store keeps jobs in APScheduler's MongoDB job store (collection
``scheduler_jobs`` of the same database); the embedded SQLite store keeps them
in APScheduler's SQLAlchemy job store, in the same SQLite file (its own table).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from apscheduler.jobstores.base import BaseJobStore
from apscheduler.jobstores.mongodb import MongoDBJobStore

from patrol.store import StoreConfigError

from pymongo.errors import PyMongoError
from sqlalchemy.exc import SQLAlchemyError

JOBS_COLLECTION = "scheduler_jobs"
# What a job store raises when its database is down or unusable.
JOB_STORE_ERRORS = (PyMongoError, SQLAlchemyError)


class PlainIndexMongoDBJobStore(MongoDBJobStore):
    """APScheduler's MongoDB job store with a plain (not sparse) index on
    ``next_run_time``: MongoDB-compatible servers such as FerretDB 1.24 refuse
    sparse indexes, and paused jobs (null next_run_time) are few."""

    def start(self, scheduler, alias):
        BaseJobStore.start(self, scheduler, alias)  # skip the parent's sparse index
        self.collection.create_index("next_run_time")


def jobstore_for(store_url: str, timeout: float = 5.0) -> BaseJobStore:
    """The job store that lives beside the store at ``store_url``."""
    if store_url.startswith(("mongodb://", "mongodb+srv://")):
        from pymongo import MongoClient
        database = urlsplit(store_url).path.lstrip("/").split("?")[0] or "patrol"
        client = MongoClient(store_url, tz_aware=True, serverSelectionTimeoutMS=int(timeout * 1000),
                             w=1)
        return PlainIndexMongoDBJobStore(database=database, collection=JOBS_COLLECTION,
                                         client=client)
    if store_url.startswith("sqlite:"):
        from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore

        from patrol.store.sqlite import sqlite_path
        path = sqlite_path(store_url).resolve()  # same parsing, same errors as the store
        path.parent.mkdir(parents=True, exist_ok=True)
        return SQLAlchemyJobStore(url=f"sqlite:///{path}", tablename=JOBS_COLLECTION,
                                  engine_options={"connect_args": {"timeout": max(timeout, 30.0)}})
    raise StoreConfigError(f"PATROL_STORE: no scheduler job store for {store_url!r}")
