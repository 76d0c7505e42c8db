"""One lock file per source, so two runs of one source never overlap, even
across processes (the scheduler and ``patrol schedule run``)."""

from __future__ import annotations

import fcntl
from pathlib import Path

from patrol import config


class SourceLock:
    """An exclusive, non-blocking lock on one source (a file lock: it dies
    with the process that holds it, so a crash never leaves a stale lock)."""

    def __init__(self, source: str):
        directory = Path(config.get("PATROL_DATA_DIR")) / "locks"
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / f"{source}.lock"
        self.fh = None

    def acquire(self) -> bool:
        self.fh = open(self.path, "a+")
        try:
            fcntl.flock(self.fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.fh.close()
            self.fh = None
            return False
        return True

    def release(self) -> None:
        if self.fh is not None:
            fcntl.flock(self.fh, fcntl.LOCK_UN)
            self.fh.close()
            self.fh = None
