"""Fixtures for scheduler tests: the demo web as the crawled site, profiles
written into tmp_path, a real PatrolScheduler on a real store, and helpers
that poll the store for run records.

Crawls are real ``scrapy crawl profile`` subprocesses started by the
scheduler; they are kept tiny (max_pages 2, a 0.05 s politeness delay) and
run without the classifier (PATROL_CLASSIFY=false): these tests are about
scheduling, not flagging.
"""

from __future__ import annotations

import os
import socket
import sys
import threading
import time
from pathlib import Path

import pytest

from patrol.demo import DemoWeb
from patrol.store import open_store

ROOT = Path(__file__).resolve().parent.parent.parent
POLL_LIMIT = 180.0  # seconds: only a guard against a hang, never an assertion on speed


@pytest.fixture(scope="module")
def site():
    """The bookshop demo site (any demo site also answers ``/slow?delay=S``)."""
    with DemoWeb(sites=["bookshop"]) as web:
        yield web


@pytest.fixture
def dead_url():
    """An http URL on a 127.0.0.1 port nothing listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


class Env:
    """One test's data dir, sources dir and store, set in the environment."""

    def __init__(self, tmp_path: Path, store_url: str):
        self.tmp = tmp_path
        self.sources = tmp_path / "sources"
        self.data = tmp_path / "data"
        self.sources.mkdir()
        self.store_url = store_url
        self.vars = {
            "PATROL_SOURCES": str(self.sources), "PATROL_DATA_DIR": str(self.data),
            "PATROL_STORE": store_url, "PATROL_CLASSIFY": "false", "PATROL_HTTPCACHE": "false",
            "PATROL_CONFIG": str(tmp_path / "absent.toml"), "PATROL_LOG_LEVEL": "INFO",
            "PATROL_STORE_FLUSH_SECONDS": "0.5", "PATROL_TIMEZONE": "Asia/Shanghai",
        }

    def profile(self, name: str, url: str, *, enabled: bool = True, schedule: str = "0 2 * * *",
                max_pages: int = 2) -> Path:
        path = self.sources / f"{name}.yaml"
        path.write_text(
            f"name: {name}\nkind: shop\nstart_urls: [\"{url}\"]\nmax_pages: {max_pages}\n"
            f"politeness: {{delay: 0.05, concurrency: 1}}\n"
            f"schedule: \"{schedule}\"\nenabled: {'true' if enabled else 'false'}\n",
            encoding="utf-8")
        return path

    def runs(self, source: str | None = None) -> list[dict]:
        with open_store(self.store_url, timeout=10) as store:
            return store.list_runs(source=source, limit=100)

    def wait_runs(self, source: str, count: int, *, finished: bool = True) -> list[dict]:
        """Poll until ``source`` has ``count`` runs (finished ones if asked), oldest first."""
        def ready():
            runs = self.runs(source)
            if finished:
                runs = [r for r in runs if r["outcome"] != "running"]
            return runs if len(runs) >= count else None
        return list(reversed(wait_for(ready, f"{count} runs of {source}")))

    def cli(self, *args: str, extra_env: dict | None = None, timeout: float = 300):
        import subprocess
        return subprocess.run([sys.executable, "-m", "patrol", *args], cwd=ROOT,
                              env=dict(os.environ, **self.vars, **(extra_env or {})),
                              capture_output=True, text=True, timeout=timeout)


def wait_for(predicate, what: str, limit: float = POLL_LIMIT):
    """Poll ``predicate`` until it returns something truthy; fail after ``limit``."""
    end = time.monotonic() + limit
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"gave up waiting for {what}")


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'patrol.db'}"


def make_env(tmp_path: Path, store_url: str, monkeypatch) -> Env:
    env = Env(tmp_path, store_url)
    for key, value in env.vars.items():
        monkeypatch.setenv(key, value)
    return env


@pytest.fixture
def env(tmp_path, sqlite_url, monkeypatch) -> Env:
    """An environment on the embedded SQLite store."""
    return make_env(tmp_path, sqlite_url, monkeypatch)


@pytest.fixture
def scheduler_factory():
    """make(**kwargs) → a PatrolScheduler; every one made is shut down afterwards."""
    from patrol.scheduler import PatrolScheduler
    made = []

    def make(**kwargs) -> PatrolScheduler:
        kwargs.setdefault("reload_seconds", 3600)
        kwargs.setdefault("retry_backoff_seconds", 1)
        kwargs.setdefault("stop_grace_seconds", 10)
        service = PatrolScheduler(**kwargs)
        made.append(service)
        return service
    yield make
    for service in made:
        if service.scheduler.running:
            service.shutdown()


class Events:
    """APScheduler events of one scheduler, by (event code, job id)."""

    def __init__(self, scheduler):
        self.seen: list[tuple[int, str]] = []
        self.lock = threading.Lock()
        scheduler.add_listener(self._on)

    def _on(self, event):
        with self.lock:
            self.seen.append((event.code, getattr(event, "job_id", "")))

    def count(self, code: int, job_id: str) -> int:
        with self.lock:
            return sum(1 for c, j in self.seen if c == code and j == job_id)
