"""Fixtures for the shared frontier: a real Redis (Debian's redis-server on a
free port, ``patrol.devredis``), a generated local site with its own request
log, and real ``patrol worker`` processes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.request import urlopen

import pytest

from patrol.devredis import RedisServer

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    with RedisServer(tmp_path_factory.mktemp("redis")) as server:
        yield server


@pytest.fixture
def prefix():
    return "t" + uuid.uuid4().hex[:12]


@pytest.fixture
def frontier(redis_server, prefix):
    from patrol.distributed.frontier import Frontier
    f = Frontier(redis_server.url, prefix)
    yield f
    keys = list(f.r.scan_iter(f"{prefix}:*"))
    if keys:
        f.r.delete(*keys)


class GenSite:
    def __init__(self, lists: int, per_list: int, delay: float = 0.0, broken: int = 0):
        self.proc = subprocess.Popen([sys.executable, str(HERE / "gensite.py"), str(lists),
                                      str(per_list), str(delay), str(broken)],
                                     stdout=subprocess.PIPE, text=True)
        self.port = int(self.proc.stdout.readline())
        self.url = f"http://127.0.0.1:{self.port}"
        self.pages = 2 + lists + lists * per_list  # start, about, listings, items (not broken ones)

    def stats(self) -> dict:
        with urlopen(self.url + "/__stats") as resp:
            return json.load(resp)

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


@pytest.fixture
def gensite():
    sites = []

    def start(lists: int, per_list: int, delay: float = 0.0, broken: int = 0) -> GenSite:
        sites.append(GenSite(lists, per_list, delay, broken))
        return sites[-1]
    yield start
    for site in sites:
        site.close()


def gen_profile(url: str, *, name: str = "gen", concurrency: int = 8, delay: float = 0.01) -> str:
    return (f"name: {name}\nkind: shop\nstart_urls: ['{url}/']\n"
            "links:\n  listing: ['nav.lists']\n  detail: ['ul.products']\n  about: ['footer']\n"
            "fields:\n  shop_name: '#shop-name::text'\n  licence: 'p.licence'\n"
            f"politeness: {{delay: {delay}, concurrency: {concurrency}}}\n")


class Workers:
    """``patrol worker`` subprocesses sharing one Redis prefix, store and sources."""

    def __init__(self, tmp: Path, redis_url: str, prefix: str, store_url: str, sources: Path,
                 extra_env: dict | None = None):
        self.tmp, self.procs, self.logs = tmp, {}, {}
        self.env = dict(os.environ, PATROL_REDIS_URL=redis_url, PATROL_REDIS_PREFIX=prefix,
                        PATROL_STORE=store_url, PATROL_SOURCES=str(sources), HOME=str(tmp),
                        PATROL_CLASSIFY="0", PATROL_HTTPCACHE="0", PATROL_LEASE_SECONDS="3",
                        PATROL_WORKER_HEARTBEAT="0.5", PATROL_STORE_FLUSH_SECONDS="0.5",
                        PATROL_LOG_LEVEL="INFO")
        self.env.update(extra_env or {})

    def start(self, name: str, concurrency: int = 8) -> subprocess.Popen:
        log = self.tmp / f"worker-{name}.log"
        env = dict(self.env, PATROL_DATA_DIR=str(self.tmp / f"data-{name}"))
        self.logs[name] = log
        self.procs[name] = subprocess.Popen(
            [sys.executable, "-m", "patrol", "worker", "--id", name, "-c", str(concurrency)],
            cwd=ROOT, env=env, stdout=open(log, "wb"), stderr=subprocess.STDOUT,
            start_new_session=True)
        return self.procs[name]

    def log(self, name: str) -> str:
        return self.logs[name].read_text(errors="replace")

    def kill(self, name: str) -> None:
        os.killpg(self.procs[name].pid, signal.SIGKILL)
        self.procs[name].wait()

    def stop_all(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for name, proc in self.procs.items():
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()

    def cli(self, *args: str):
        """The ``patrol`` command line in this process (click's runner), with this pool's settings."""
        from click.testing import CliRunner

        from patrol.cli import cli
        env = {k: v for k, v in self.env.items() if k.startswith("PATROL_") or k == "HOME"}
        env["PATROL_DATA_DIR"] = str(self.tmp / "data-cli")
        return CliRunner().invoke(cli, list(args), env=env)

    def patrol(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        env = dict(self.env, PATROL_DATA_DIR=str(self.tmp / "data-cli"))
        return subprocess.run([sys.executable, "-m", "patrol", *args], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def workers(tmp_path, redis_server, prefix):
    sources = tmp_path / "sources"
    sources.mkdir()
    made = []

    def make(store_url: str | None = None, extra_env: dict | None = None) -> Workers:
        w = Workers(tmp_path, redis_server.url, prefix, store_url or f"sqlite:///{tmp_path / 'patrol.db'}",
                    sources, extra_env)
        made.append(w)
        return w
    make.sources = sources
    yield make
    for w in made:
        w.stop_all()


def wait_for_run(store_url: str, run_id: str, timeout: float = 240, every: float = 0.5,
                 on_tick=None) -> dict:
    """The finished run record (polls the store; the workers are other processes)."""
    from patrol.store import open_store
    deadline = time.monotonic() + timeout
    with open_store(store_url) as store:
        while time.monotonic() < deadline:
            run = store.get_run(run_id)
            if run["outcome"] != "running":
                return run
            if on_tick is not None:
                on_tick(run)
            time.sleep(every)
    raise AssertionError(f"run {run_id} did not finish in {timeout:.0f} s")
