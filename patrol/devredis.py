"""A throwaway Redis server for tests, benchmarks and demos of the shared frontier.

``RedisServer`` starts Debian's ``redis-server`` (or Valkey's, whichever is on
``PATH``) on a free 127.0.0.1 port with an append-only file in its own
directory, so a ``restart()`` brings the same data back, as a production
Redis with ``appendonly yes`` would::

    with RedisServer(tmp_path) as server:   # server.url == "redis://127.0.0.1:41234/0"
        ...
        server.restart()                      # SIGTERM (Redis writes its AOF), then start again

A port is picked by binding port 0 and closing the socket; when another
process takes it in between, the start is retried on a new port (the restart
keeps its port, which clients reconnect to).
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

log = logging.getLogger(__name__)

BINARIES = ("redis-server", "valkey-server")


class DevRedisError(RuntimeError):
    """The Redis server could not be found or started."""


def redis_binary() -> str:
    for name in BINARIES:
        found = shutil.which(name) or (f"/usr/bin/{name}" if Path(f"/usr/bin/{name}").exists() else None)
        if found:
            return found
    raise DevRedisError("redis-server is not installed: run scripts/setup.sh --test "
                        "(Debian's redis-server) or apt-get install redis-server")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _die_with_parent() -> None:
    """In the child: SIGTERM when the parent dies (Linux prctl PR_SET_PDEATHSIG)."""
    try:
        import ctypes
        import signal
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


class RedisServer:
    def __init__(self, data_dir: str | Path | None = None, *, port: int = 0,
                 start_timeout: float = 20.0):
        self._tmp = None if data_dir else tempfile.TemporaryDirectory(prefix="patrol-redis-")
        self.dir = Path(data_dir or self._tmp.name)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.port = port
        self.start_timeout = start_timeout
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def _command(self) -> list[str]:
        return [redis_binary(), "--bind", "127.0.0.1", "--port", str(self.port),
                "--dir", str(self.dir), "--appendonly", "yes", "--appendfsync", "everysec",
                "--save", "", "--daemonize", "no", "--protected-mode", "yes",
                "--logfile", str(self.dir / "redis.log"), "--loglevel", "notice"]

    def start(self) -> "RedisServer":
        if self.proc is not None and self.proc.poll() is None:
            return self
        fixed = self.port != 0
        for _ in range(1 if fixed else 5):
            if not fixed:
                self.port = _free_port()
            # Started from the thread that keeps the server: the death signal follows it.
            self.proc = subprocess.Popen(self._command(), stdout=subprocess.DEVNULL,
                                         stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                         preexec_fn=_die_with_parent)
            if self._wait_ready():
                log.info("redis on %s (data in %s)", self.url, self.dir)
                return self
        tail = (self.dir / "redis.log").read_text(errors="replace")[-800:] \
            if (self.dir / "redis.log").exists() else ""
        raise DevRedisError(f"redis-server did not start on 127.0.0.1:{self.port}: {tail.strip()}")

    def _wait_ready(self) -> bool:
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False  # e.g. the port was taken meanwhile
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(64).startswith(b"+PONG"):
                        return True
            except OSError:
                pass
            time.sleep(0.05)
        self.proc.kill()
        self.proc.wait()
        return False

    def stop(self) -> None:
        """SIGTERM: Redis flushes its append-only file and exits."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def close(self) -> None:
        self.stop()
        if self._tmp is not None:
            with contextlib.suppress(OSError):
                self._tmp.cleanup()

    def __enter__(self) -> "RedisServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()
