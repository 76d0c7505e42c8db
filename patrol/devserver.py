"""A throwaway MongoDB-compatible server for tests, benchmarks and demos.

``ferretdb_server()`` starts FerretDB 1.24.2 with its SQLite backend on a free
127.0.0.1 port (port 0, read back from its log), waits until it answers
``ping`` and stops it on exit::

    with ferretdb_server() as uri:          # "mongodb://127.0.0.1:41234/"
        store = open_store(uri + "patrol")

The binary is looked up in ``$PATROL_FERRETDB``, the cache
(``~/.cache/patrol/ferretdb/bin/ferretdb``) and ``PATH``; when none works it
is built once into the cache with the Go toolchain.

Why not plain ``go install github.com/FerretDB/FerretDB/cmd/ferretdb@v1.24.2``:
the module zip lacks ``build/version/version.txt``, and a binary built that way
panics at start ("Invalid build/version/version.txt file content"). So the
build copies the module source, writes that file and runs ``go build``.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Iterator

log = logging.getLogger(__name__)

FERRETDB_MODULE = "github.com/FerretDB/FerretDB"
FERRETDB_VERSION = "v1.24.2"
_LISTENING = re.compile(r"Listening on TCP (127\.0\.0\.1:\d+)")


class DevServerError(RuntimeError):
    """The development server could not be found, built or started."""


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "patrol" / "ferretdb"


def _works(binary: Path) -> bool:
    try:
        out = subprocess.run([str(binary), "--version"], capture_output=True, text=True,
                             timeout=30)
    except (OSError, subprocess.SubprocessError):
        return False
    return out.returncode == 0 and FERRETDB_VERSION in out.stdout


def build_ferretdb(dest: Path) -> Path:
    """Build FerretDB into ``dest`` (a file path) with the Go toolchain."""
    go = shutil.which("go") or ("/usr/local/go/bin/go" if Path("/usr/local/go/bin/go").exists() else None)
    if not go:
        raise DevServerError("FerretDB is not built and Go is not installed: install Go >= 1.22 "
                             "or set PATROL_FERRETDB to a ferretdb binary")
    env = dict(os.environ, GOFLAGS="-buildvcs=false", CGO_ENABLED=os.environ.get("CGO_ENABLED", "1"))
    started = time.monotonic()
    dl = subprocess.run([go, "mod", "download", "-json", f"{FERRETDB_MODULE}@{FERRETDB_VERSION}"],
                        capture_output=True, text=True, env=env, cwd=tempfile.gettempdir())
    if dl.returncode != 0:
        last = ((dl.stderr or dl.stdout).strip().splitlines() or ["no output"])[-1]
        raise DevServerError(f"go mod download {FERRETDB_MODULE}@{FERRETDB_VERSION} failed: {last}")
    module_dir = Path(json.loads(dl.stdout)["Dir"])
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="ferretdb-src-") as tmp:
        src = Path(tmp) / "src"
        shutil.copytree(module_dir, src)
        for path in src.rglob("*"):  # the module cache is read-only
            path.chmod(path.stat().st_mode | 0o200)
        (src / "build" / "version" / "version.txt").write_text(FERRETDB_VERSION + "\n")
        partial = dest.with_name(dest.name + ".partial")
        build = subprocess.run([go, "build", "-o", str(partial), "./cmd/ferretdb"],
                               cwd=src, capture_output=True, text=True, env=env)
        if build.returncode != 0:
            raise DevServerError("building FerretDB failed: " + build.stderr.strip()[-500:])
        os.replace(partial, dest)
    log.info("built FerretDB %s into %s in %.1f s", FERRETDB_VERSION, dest,
             time.monotonic() - started)
    return dest


def ferretdb_binary() -> Path:
    """A working ferretdb binary, building it into the cache if needed."""
    from patrol import config
    explicit = config.get("PATROL_FERRETDB")
    if explicit:
        if not _works(Path(explicit)):
            raise DevServerError(f"PATROL_FERRETDB={explicit} does not run as FerretDB {FERRETDB_VERSION}")
        return Path(explicit)
    cached = cache_dir() / "bin" / "ferretdb"
    if _works(cached):
        return cached
    on_path = shutil.which("ferretdb")
    if on_path and _works(Path(on_path)):
        return Path(on_path)
    cached.parent.mkdir(parents=True, exist_ok=True)
    # One build at a time across processes (several test sessions may start together).
    with open(cache_dir() / "build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not _works(cached):
            build_ferretdb(cached)
    if not _works(cached):
        raise DevServerError(f"{cached} was built but does not run")
    return cached


def _die_with_parent() -> None:
    """In the child: get SIGTERM when the parent dies, so a killed test run
    leaves no server behind (Linux prctl PR_SET_PDEATHSIG; elsewhere a no-op)."""
    try:
        import ctypes
        import signal
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


def _wait_ready(uri: str, proc: subprocess.Popen, deadline: float) -> None:
    import pymongo
    from pymongo.errors import PyMongoError
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise DevServerError(f"FerretDB exited with status {proc.returncode} at start")
        client = pymongo.MongoClient(uri, serverSelectionTimeoutMS=500)
        try:
            client.admin.command("ping")
            return
        except PyMongoError:
            time.sleep(0.1)
        finally:
            client.close()
    raise DevServerError("FerretDB did not answer ping in time")


@contextlib.contextmanager
def ferretdb_server(data_dir: str | Path | None = None, *, start_timeout: float = 60.0,
                    port: int = 0) -> Iterator[str]:
    """Run FerretDB (SQLite backend) on 127.0.0.1:<port> (0: a free port); yields
    its base URI ``mongodb://127.0.0.1:PORT/`` (append a database name). The
    same ``data_dir`` and ``port`` again bring back the same server's data."""
    binary = ferretdb_binary()
    with contextlib.ExitStack() as stack:
        if data_dir is None:
            data_dir = stack.enter_context(tempfile.TemporaryDirectory(prefix="patrol-ferretdb-"))
        data = Path(data_dir)
        data.mkdir(parents=True, exist_ok=True)
        logfile = stack.enter_context(open(data / "ferretdb.log", "w+b"))
        cmd = [str(binary), "--handler=sqlite", f"--sqlite-url=file:{data}/",
               f"--listen-addr=127.0.0.1:{port}", "--telemetry=disable", "--debug-addr=-",
               f"--state-dir={data}", "--log-level=info"]  # info: the listen address is logged
        # Started from the thread that stays alive for the server's life: the
        # death signal follows the thread that forked it.
        proc = subprocess.Popen(cmd, stdout=logfile, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent)
        try:
            deadline = time.monotonic() + start_timeout
            addr = None
            while addr is None and time.monotonic() < deadline:
                if proc.poll() is not None:
                    break
                text = (data / "ferretdb.log").read_text(errors="replace")
                match = _LISTENING.search(text)
                addr = match.group(1) if match else None
                if addr is None:
                    time.sleep(0.05)
            if addr is None:
                tail = (data / "ferretdb.log").read_text(errors="replace")[-800:]
                raise DevServerError(f"FerretDB did not start: {tail.strip()}")
            uri = f"mongodb://{addr}/"
            _wait_ready(uri, proc, deadline)
            log.info("FerretDB %s listening on %s (data in %s)", FERRETDB_VERSION, addr, data)
            yield uri
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
