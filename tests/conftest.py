"""Shared fixtures: a real MongoDB-compatible server and a fresh store per test.

``mongo_uri`` (session): ``PATROL_TEST_MONGO_URI`` when set (a real mongod, e.g.
``mongodb://127.0.0.1:27017/``), otherwise FerretDB 1.24.2 on SQLite started on
a free 127.0.0.1 port (see ``patrol.devserver``) and stopped at the end.

``store_url`` is parametrized over both backends, each test getting its own
database (a tmp_path file, or a uniquely named MongoDB database dropped
afterwards); ``store`` is that store opened and closed around the test.
"""

from __future__ import annotations

import os
import uuid
from urllib.parse import urlsplit, urlunsplit

import pytest

from patrol.devserver import ferretdb_server

BACKENDS = ["sqlite", pytest.param("mongodb", marks=pytest.mark.mongo)]


@pytest.fixture(scope="session")
def mongo_uri(tmp_path_factory) -> str:
    """Base URI of the test MongoDB server, ending in "/" (append a database name)."""
    external = os.environ.get("PATROL_TEST_MONGO_URI")
    if external:
        parts = urlsplit(external)
        yield urlunsplit((parts.scheme, parts.netloc, "/", parts.query, ""))
        return
    with ferretdb_server(tmp_path_factory.mktemp("ferretdb")) as uri:
        yield uri


def mongo_db_uri(base: str, name: str) -> str:
    parts = urlsplit(base)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, ""))


@pytest.fixture
def mongo_db_url(request, mongo_uri):
    """A fresh MongoDB database URL for one test, dropped afterwards."""
    import pymongo
    name = "t_" + uuid.uuid4().hex[:16]
    yield mongo_db_uri(mongo_uri, name)
    client = pymongo.MongoClient(mongo_uri, serverSelectionTimeoutMS=5000)
    try:
        client.drop_database(name)
    finally:
        client.close()


@pytest.fixture(params=BACKENDS)
def store_url(request, tmp_path):
    """A fresh, empty store URL on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'patrol.db'}"
    return request.getfixturevalue("mongo_db_url")


@pytest.fixture
def store(store_url):
    from patrol.store import open_store
    s = open_store(store_url, timeout=10)
    yield s
    s.close()
