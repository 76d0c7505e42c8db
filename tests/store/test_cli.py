"""``patrol store check`` and ``patrol queue stats`` as a user runs them: a real
subprocess on each backend, and one-line errors for bad or unreachable stores."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

import pytest

from patrol.items import make_item
from patrol.store import open_store


def patrol(*args: str, store: str, timeout: str = "10", tmp_path=None) -> subprocess.CompletedProcess:
    env = dict(os.environ, PATROL_STORE=store, PATROL_STORE_TIMEOUT=timeout,
               PATROL_CONFIG=os.devnull + "-none.toml", PATROL_LOG_LEVEL="WARNING")
    return subprocess.run([sys.executable, "-m", "patrol", *args], env=env, capture_output=True,
                          text=True, timeout=120)


def fill(url: str) -> None:
    with open_store(url) as s:
        s.upsert_items([make_item(url="https://a.example/1", source="demo", kind="app", title="a"),
                        make_item(url="https://a.example/2", source="demo", kind="news", title="n"),
                        make_item(url="https://a.example/3", source="demo", kind="news", title="m")])
        for category in ("vulgar", "fake_media"):
            s.raise_flag(url="https://a.example/2", category=category, score=0.8, priority=1.0,
                         verdict="review", evidence={}, model_version="m", content_hash="h",
                         source="demo", kind="news")
        s.upsert_app({"store": "demo", "app_id": "a1", "downloads": 5, "minor_relevant": True})
        s.finish_run(s.start_run("demo"), outcome="ok")


def test_store_check_json(store_url):
    fill(store_url)
    out = patrol("store", "check", "--json", store=store_url)
    assert out.returncode == 0, out.stderr
    summary = json.loads(out.stdout)
    assert summary["backend"] == store_url.split(":", 1)[0]
    assert {k: summary[k] for k in ("items", "items_by_kind", "flags", "apps", "runs")} == {
        "items": 3, "items_by_kind": {"app": 1, "news": 2}, "flags": 2, "apps": 1, "runs": 1}
    text = patrol("store", "check", store=store_url)
    assert text.returncode == 0 and "items:   3" in text.stdout


def test_store_check_creates_an_empty_store(tmp_path):
    url = f"sqlite:///{tmp_path}/new/dir/patrol.db"
    out = patrol("store", "check", "--json", store=url)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["items"] == 0 and (tmp_path / "new/dir/patrol.db").is_file()


def test_queue_stats_json(store_url):
    fill(store_url)
    out = patrol("queue", "stats", "--json", store=store_url)
    assert out.returncode == 0, out.stderr
    stats = json.loads(out.stdout)
    assert stats["total"] == 2
    assert stats["by_category"] == {"vulgar": 1, "fake_media": 1}
    assert stats["by_status"] == {"pending": 2} and stats["by_source"] == {"demo": 2}


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("command", [("store", "check", "--json"), ("queue", "stats")])
@pytest.mark.parametrize("store, words", [
    ("postgres://db/patrol", "unknown store URL scheme"),
    ("mongodb://127.0.0.1:notaport/patrol", "store URL"),
    ("sqlite://host/patrol.db", "sqlite:///"),
    ("mongodb://127.0.0.1:{port}/patrol", "unreachable"),
    ("sqlite:////dev/null/sub/patrol.db", "cannot create directory"),
])
def test_errors_are_one_line(command, store, words):
    out = patrol(*command, store=store.format(port=closed_port()), timeout="2")
    assert out.returncode != 0
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in out.stderr, out.stderr
    assert lines[0].startswith("patrol: error:") and words in lines[0]
    assert out.stdout == ""
