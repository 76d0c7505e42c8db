"""Real crawls of the bundled demo web through the full pipeline chain."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from patrol.demo import DemoWeb

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def demo_web():
    with DemoWeb() as web:
        yield web


def crawl(source: str, *, web: DemoWeb, store_url: str, data_dir: Path,
          settings: dict | None = None, env: dict | None = None, wait: bool = True):
    """Run ``scrapy crawl profile -a source=...`` as the CLI and scheduler do.
    Returns (completed process, stats) or, with wait=False, (Popen, stats path)."""
    stats_file = data_dir / f"stats-{source}-{os.urandom(4).hex()}.json"
    cmd = [sys.executable, "-m", "scrapy", "crawl", "profile", "-a", f"source={source}",
           "-s", f"PATROL_STATS_FILE={stats_file}", "-s", "LOG_LEVEL=INFO"]
    for key, value in (settings or {}).items():
        cmd += ["-s", f"{key}={value}"]
    full_env = dict(os.environ, **web.env(), PATROL_STORE=store_url, PATROL_DATA_DIR=str(data_dir),
                    SCRAPY_SETTINGS_MODULE="patrol.settings", **(env or {}))
    if not wait:
        proc = subprocess.Popen(cmd, env=full_env, cwd=ROOT, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)
        return proc, stats_file
    proc = subprocess.run(cmd, env=full_env, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert stats_file.exists(), f"crawl of {source} wrote no stats:\n{proc.stderr[-3000:]}"
    return proc, json.loads(stats_file.read_text(encoding="utf-8"))
