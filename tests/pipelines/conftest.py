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


# Runs a command as its only child and writes that child's peak RSS (KiB) to a file.
PEAK_RSS = ("import resource, subprocess, sys; rc = subprocess.call(sys.argv[2:]); "
            "open(sys.argv[1], 'w').write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)); "
            "sys.exit(rc)")


def profile_crawl(profile_text: str, *, tmp_path: Path, store_url: str, env: dict | None = None,
                  settings: dict | None = None, wait: bool = True, peak_rss: Path | None = None):
    """A real ``scrapy crawl profile`` of a profile written here, through the
    whole pipeline chain into ``store_url``. Returns (completed process, stats)
    or, with wait=False, (Popen, stats path); ``peak_rss``: a file that gets the
    crawl process's peak RSS in KiB."""
    profile = tmp_path / f"profile-{os.urandom(3).hex()}.yaml"
    profile.write_text(profile_text, encoding="utf-8")
    stats_file = tmp_path / f"stats-{profile.stem}.json"
    base = {"PATROL_STATS_FILE": str(stats_file), "PATROL_DATA_DIR": str(tmp_path / "data"),
            "DOWNLOAD_DELAY": "0.05", "AUTOTHROTTLE_START_DELAY": "0.05", "RETRY_TIMES": "0",
            "LOG_LEVEL": "INFO"}
    base.update(settings or {})
    cmd = [sys.executable, "-m", "scrapy", "crawl", "profile", "-a", f"source={profile}"]
    for key, value in base.items():
        cmd += ["-s", f"{key}={value}"]
    if peak_rss is not None:
        cmd = [sys.executable, "-c", PEAK_RSS, str(peak_rss)] + cmd
    full_env = dict(os.environ, PATROL_STORE=store_url, PATROL_DATA_DIR=str(tmp_path / "data"),
                    SCRAPY_SETTINGS_MODULE="patrol.settings", **(env or {}))
    if not wait:
        return subprocess.Popen(cmd, env=full_env, cwd=ROOT, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, start_new_session=True), stats_file
    proc = subprocess.run(cmd, env=full_env, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert stats_file.exists(), f"crawl wrote no stats:\n{proc.stderr[-3000:]}"
    return proc, json.loads(stats_file.read_text(encoding="utf-8"))


from tests.spiders.conftest import local_site  # noqa: E402,F401  (the local Twisted site fixture)
