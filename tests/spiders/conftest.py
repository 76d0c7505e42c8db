"""Fixtures for crawl tests: a local Twisted site (subprocess, port 0) and a
real ``scrapy crawl profile`` subprocess whose items and final stats we read."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.request import urlopen

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent


class LocalSite:
    def __init__(self, spec: dict, workdir: Path):
        self.spec_file = workdir / f"site-{id(self)}.json"
        self.spec_file.write_text(json.dumps(spec), encoding="utf-8")
        self.proc = subprocess.Popen([sys.executable, str(HERE / "siteserver.py"), str(self.spec_file)],
                                     stdout=subprocess.PIPE, text=True)
        self.port = int(self.proc.stdout.readline())
        self.url = f"http://127.0.0.1:{self.port}"

    def stats(self) -> dict:
        with urlopen(self.url + "/__stats") as resp:
            return json.load(resp)

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


@pytest.fixture
def local_site(tmp_path):
    sites = []

    def start(spec: dict) -> LocalSite:
        site = LocalSite(spec, tmp_path)
        sites.append(site)
        return site
    yield start
    for s in sites:
        s.close()


class CrawlResult:
    def __init__(self, items: list[dict], stats: dict, log: str, returncode: int):
        self.items, self.stats, self.log, self.returncode = items, stats, log, returncode

    def by_url(self, suffix: str) -> dict:
        found = [i for i in self.items if i["url"].endswith(suffix)]
        assert found, f"no item for {suffix}; have {[i['url'] for i in self.items]}"
        return found[0]


@pytest.fixture
def crawl(tmp_path):
    """crawl(profile_yaml, env={...}, settings={...}) → CrawlResult."""
    def run(profile_text: str, *, env: dict | None = None, settings: dict | None = None,
            timeout: float = 300) -> CrawlResult:
        profile = tmp_path / "profile.yaml"
        profile.write_text(profile_text, encoding="utf-8")
        items_file, stats_file = tmp_path / "items.jsonl", tmp_path / "stats.json"
        for f in (items_file, stats_file):
            f.unlink(missing_ok=True)
        base = {"ITEM_PIPELINES": "{}", "PATROL_STATS_FILE": str(stats_file),
                "PATROL_DATA_DIR": str(tmp_path / "data"), "DOWNLOAD_DELAY": "0.05",
                "AUTOTHROTTLE_START_DELAY": "0.05", "RETRY_TIMES": "0", "LOG_LEVEL": "INFO"}
        base.update(settings or {})
        cmd = [sys.executable, "-m", "scrapy", "crawl", "profile", "-a", f"source={profile}",
               "-O", f"{items_file}:jsonlines"]
        for k, v in base.items():
            cmd += ["-s", f"{k}={v}"]
        full_env = dict(os.environ, SCRAPY_SETTINGS_MODULE="patrol.settings",
                        PATROL_DATA_DIR=str(tmp_path / "data"), **(env or {}))
        proc = subprocess.run(cmd, cwd=ROOT, env=full_env, capture_output=True, text=True, timeout=timeout)
        items = [json.loads(line) for line in items_file.read_text(encoding="utf-8").splitlines()] \
            if items_file.exists() else []
        stats = json.loads(stats_file.read_text(encoding="utf-8")) if stats_file.exists() else {}
        return CrawlResult(items, stats, proc.stderr, proc.returncode)
    return run
