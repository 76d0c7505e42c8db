"""Capture files named by their SHA-256, in a directory beside the store.

``<dir>/<aa>/<sha256>`` (the first two hex digits fan the files out). A file
is written to a temporary name and renamed, so a crash never leaves a file
whose name is not its digest; writing the same bytes twice is a no-op.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from pathlib import Path

from patrol.errors import PatrolError


class EvidenceDirError(PatrolError):
    """The capture directory cannot be used (the message says why and which)."""


def evidence_dir(store_url: str, setting: str = "", data_dir: str = "") -> Path:
    """Where captures live: ``PATROL_EVIDENCE_DIR`` if set; beside an SQLite
    file (``<dir of patrol.db>/evidence``); else ``PATROL_DATA_DIR/evidence``."""
    if setting:
        return Path(setting).expanduser()
    if store_url.startswith("sqlite:///"):
        from patrol.store.sqlite import sqlite_path
        return sqlite_path(store_url).parent / "evidence"
    if not data_dir:
        from patrol import config
        data_dir = config.get("PATROL_DATA_DIR")
    return Path(data_dir) / "evidence"


class Blobs:
    def __init__(self, root: Path | str):
        self.root = Path(root)

    def check_writable(self) -> None:
        """Raise EvidenceDirError unless a file can be created in the directory
        (called when a crawl starts, so it fails then and not at page 900)."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            fd, probe = tempfile.mkstemp(prefix=".probe-", dir=self.root)
            os.close(fd)
            os.unlink(probe)
        except OSError as exc:
            raise EvidenceDirError(
                f"evidence capture directory {self.root} is not writable "
                f"({exc.strerror or exc}); fix its permissions or set PATROL_EVIDENCE_DIR "
                "(or PATROL_EVIDENCE=false to crawl without evidence capture)") from exc

    def path(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(ch not in "0123456789abcdef" for ch in sha256):
            raise ValueError(f"not a SHA-256 hex digest: {sha256!r}")
        return self.root / sha256[:2] / sha256

    def put(self, data: bytes) -> dict:
        """Write ``data``; returns ``{"sha256", "bytes"}``."""
        sha = hashlib.sha256(data).hexdigest()
        target = self.path(sha)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=target.parent)
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(data)
                    fh.flush()
                    os.fsync(fh.fileno())
                os.replace(tmp, target)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise
        return {"sha256": sha, "bytes": len(data)}

    def get(self, sha256: str) -> bytes:
        """The file's bytes, checked against its name (ValueError if changed)."""
        data = self.path(sha256).read_bytes()
        if hashlib.sha256(data).hexdigest() != sha256:
            raise ValueError(f"capture file {self.path(sha256)} no longer matches its SHA-256")
        return data

