"""An on-disk spool for writes the store could not take.

When the store is unreachable, a batch of records is appended to a JSON Lines
file under ``<data dir>/spool/``; when a later flush succeeds (in this crawl or
the next one) the spooled records are written first. A spool file is claimed
for replay by renaming it to ``replay-<pid>-<id>.jsonl``, so two crawls never
replay the same file; a replay file whose process died is claimed again, and
a replay that fails gives back every file it claimed (the one it failed in
with only the records it did not get to). Writing a record twice is harmless:
every store write is idempotent for the same content.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import uuid
from pathlib import Path
from typing import Any, Iterator

logger = logging.getLogger(__name__)


def _encode(obj: Any) -> Any:
    if isinstance(obj, dt.datetime):
        return {"$date": obj.isoformat()}
    if isinstance(obj, (set, tuple)):
        return list(obj)
    raise TypeError(f"cannot spool a {type(obj).__name__}")


def _decode(obj: dict) -> Any:
    if len(obj) == 1 and "$date" in obj:
        return dt.datetime.fromisoformat(obj["$date"])
    return obj


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class SpoolError(OSError):
    """The spool cannot be written (disk full, read-only, ...)."""


class Spool:
    def __init__(self, directory: str | os.PathLike):
        self.dir = Path(directory)

    def append(self, records: list[dict]) -> int:
        """Write records durably; returns how many. On failure (disk full) the
        file is cut back to what it held before and SpoolError is raised: a
        record is either wholly spooled or not at all."""
        lines = "".join(json.dumps(r, ensure_ascii=False, default=_encode) + "\n" for r in records)
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
            path = self.dir / f"spool-{os.getpid()}.jsonl"
            with open(path, "a", encoding="utf-8") as fh:
                start = fh.tell()
                try:
                    fh.write(lines)
                    fh.flush()
                    os.fsync(fh.fileno())
                except OSError:
                    with contextlib.suppress(OSError):
                        fh.truncate(start)
                    raise
        except OSError as exc:
            raise SpoolError(exc.errno, f"cannot spool to {self.dir}: {exc.strerror or exc}") from exc
        return len(records)

    def pending(self) -> int:
        """Records waiting in the spool (including replay files of dead processes)."""
        if not self.dir.is_dir():
            return 0
        n = 0
        for path in list(self.dir.glob("spool-*.jsonl")) + [
                p for p in self.dir.glob("replay-*.jsonl") if self._orphaned(p)]:
            with contextlib.suppress(FileNotFoundError), open(path, encoding="utf-8") as fh:
                n += sum(1 for line in fh if line.strip())
        return n

    def claim(self) -> list[Path]:
        """Take every spool file for replay (renamed so nobody else takes it),
        and the replay files of processes that died while replaying them."""
        if not self.dir.is_dir():
            return []
        claimed = []
        candidates = sorted(self.dir.glob("spool-*.jsonl")) + [
            p for p in sorted(self.dir.glob("replay-*.jsonl")) if self._orphaned(p)]
        for path in candidates:
            target = path.with_name(f"replay-{os.getpid()}-{uuid.uuid4().hex}.jsonl")
            try:
                path.rename(target)
            except FileNotFoundError:
                continue  # another process took it
            claimed.append(target)
        return claimed

    @staticmethod
    def _orphaned(path: Path) -> bool:
        """A replay file whose process is gone (``replay-<pid>-<id>.jsonl``; a
        name without a pid is from before pids were recorded: orphaned)."""
        parts = path.stem.split("-")
        if len(parts) == 3 and parts[1].isdigit():
            return int(parts[1]) != os.getpid() and not _alive(int(parts[1]))
        return True

    @staticmethod
    def read(path: Path) -> Iterator[dict]:
        with open(path, encoding="utf-8") as fh:
            for lineno, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    yield json.loads(line, object_hook=_decode)
                except json.JSONDecodeError as exc:
                    # A torn last line (a crash mid-write) is logged, not fatal.
                    logger.error("%s:%d: unreadable spool record skipped: %s", path, lineno, exc)

    def give_back(self, path: Path, remaining: list[dict] | None = None) -> None:
        """A replay failed: return the file to the spool, or (``remaining``)
        only the records it did not get to."""
        if remaining is not None:
            try:
                self.append(remaining)
            except SpoolError:
                pass  # keep the whole file instead (replaying a record twice is harmless)
            else:
                path.unlink(missing_ok=True)
                return
        path.rename(path.with_name(f"spool-{uuid.uuid4().hex}.jsonl"))

    @staticmethod
    def done(path: Path) -> None:
        path.unlink(missing_ok=True)
