"""``DemoWeb``: run the demo server in a subprocess for tests, the CLI and benchmarks.

    with DemoWeb() as web:
        web.urls          # {"appstore": "http://127.0.0.1:PORT/", ...}
        web.env()         # {"DEMO_APPSTORE_URL": "http://127.0.0.1:PORT/", ...}
        web.stats()       # the server's /__stats counters
        web.reset_stats()

A subprocess rather than a reactor thread: Twisted's reactor cannot be
restarted, and a test process that runs Scrapy in process needs its own.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import subprocess
import sys
import tempfile
import threading
import urllib.request
from pathlib import Path
from typing import Iterable
from urllib.parse import urlsplit

from patrol.demo.sites import ENV_VARS, SITE_NAMES
from patrol.errors import PatrolError

log = logging.getLogger(__name__)

# Demo sites that are licensed news outlets: site -> the outlet's registered name.
DEMO_OUTLETS = {"chengnan-daily": "城南日报"}


class DemoWeb:
    """The demo sites served on free ports of 127.0.0.1 by a child process.

    ``ports_file``: a JSON file that keeps each site's port. A site's URL is
    its identity in the store, so a second demo on the same store must serve
    the sites where the first did: then it is a re-crawl (unchanged pages
    cost nothing, decisions stand), not a second copy of every page. The
    first run picks free ports and writes them; later runs reuse them."""

    def __init__(self, sites: Iterable[str] = SITE_NAMES, delay: float = 0.0,
                 start_timeout: float = 30.0, ports_file: str | os.PathLike | None = None) -> None:
        self.ports_file = Path(ports_file) if ports_file else None
        self.sites = list(sites)
        self.delay = delay
        self.start_timeout = start_timeout
        self.urls: dict[str, str] = {}
        self._proc: subprocess.Popen | None = None
        self._tmp: tempfile.TemporaryDirectory | None = None
        self.registry: Path | None = None

    def start(self) -> "DemoWeb":
        cmd = [sys.executable, "-m", "patrol.demo.server", "--json", "--watch-stdin",
               "--sites", ",".join(self.sites), "--delay", str(self.delay),
               "--ports", json.dumps(self._saved_ports())]
        self._proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True, encoding="utf-8")
        line: list[str] = []
        reader = threading.Thread(target=lambda: line.append(self._proc.stdout.readline()), daemon=True)
        reader.start()
        reader.join(self.start_timeout)
        if not line or not line[0].strip():
            self.stop()
            err = self._proc.stderr.read().strip().splitlines() if self._proc.stderr else []
            raise PatrolError("demo web did not start: " + (err[-1] if err else "no URL map printed"))
        self.urls = json.loads(line[0])
        self._save_ports()
        self._write_registry()
        log.info("demo web serving %s", ", ".join(f"{k}={v}" for k, v in self.urls.items()))
        return self

    def _saved_ports(self) -> dict[str, int]:
        if self.ports_file is None or not self.ports_file.is_file():
            return {}
        try:
            saved = json.loads(self.ports_file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            log.warning("%s unreadable (%s): the demo sites get new ports", self.ports_file, exc)
            return {}
        return {k: v for k, v in saved.items() if k in self.sites and isinstance(v, int)}

    def _save_ports(self) -> None:
        if self.ports_file is None:
            return
        saved = {}
        if self.ports_file.is_file():
            with contextlib.suppress(OSError, ValueError):
                saved = json.loads(self.ports_file.read_text(encoding="utf-8"))
        saved.update({name: urlsplit(url).port for name, url in self.urls.items()})
        self.ports_file.parent.mkdir(parents=True, exist_ok=True)
        self.ports_file.write_text(json.dumps(saved, indent=1, sort_keys=True) + "\n",
                                   encoding="utf-8")

    def _write_registry(self) -> None:
        """The outlet registry with the demo's licensed outlet at its local
        address: the bundled registry names it by its production-like domain,
        which 127.0.0.1 is not, and the fake-media check compares sites."""
        from patrol import config
        self._tmp = tempfile.TemporaryDirectory(prefix="patrol-demo-")
        self.registry = Path(self._tmp.name) / "outlets.csv"
        bundled = Path(config.SETTINGS["PATROL_OUTLET_REGISTRY"].default_value())
        rows = bundled.read_text(encoding="utf-8").rstrip("\n").splitlines()
        for site, outlet in DEMO_OUTLETS.items():
            if site in self.urls:
                rows.append(f"{outlet},{urlsplit(self.urls[site]).netloc}")
        self.registry.write_text("\n".join(rows) + "\n", encoding="utf-8")

    def stop(self) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            try:
                proc.stdin.close()  # --watch-stdin: the server stops on EOF
                proc.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                proc.terminate()
                try:
                    proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        for stream in (proc.stdout, proc.stderr, proc.stdin):
            if stream and not stream.closed:
                stream.close()

    def __enter__(self) -> "DemoWeb":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- helpers -----------------------------------------------------------------

    def env(self) -> dict[str, str]:
        """Environment variables profiles use for the base URLs (DEMO_APPSTORE_URL, ...),
        and PATROL_OUTLET_REGISTRY naming the demo's registry of licensed outlets."""
        env = {ENV_VARS[name]: url for name, url in self.urls.items()}
        if self.registry is not None:
            env["PATROL_OUTLET_REGISTRY"] = str(self.registry)
        return env

    def apply_env(self, environ: dict | None = None) -> dict:
        """Copy of ``environ`` (default: ``os.environ``) with the DEMO_*_URL variables set."""
        merged = dict(os.environ if environ is None else environ)
        merged.update(self.env())
        return merged

    def url(self, site: str, path: str = "") -> str:
        return self.urls[site] + path.lstrip("/")

    def stats(self, reset: bool = False) -> dict:
        """Counters of every site: ``stats()["sites"]["appstore"]["max_inflight"]``."""
        any_url = next(iter(self.urls.values()))
        with urllib.request.urlopen(any_url + "__stats" + ("?reset=1" if reset else ""), timeout=10) as r:
            return json.loads(r.read())

    def remove(self, site: str, path: str) -> None:
        """Take a page down on a demo site (it answers 410 Gone from now on): a
        takedown drill for re-checks (docs/evidence.md)."""
        from urllib.parse import quote
        with urllib.request.urlopen(self.urls[site] + "__remove?path=" + quote(path), timeout=10) as r:
            r.read()

    def reset_stats(self) -> None:
        self.stats(reset=True)
