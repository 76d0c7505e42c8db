"""An on-disk spool for writes the store could not take.

When the store is unreachable, a batch of records is appended to a JSON Lines
file under ``<data dir>/spool/``; when a later flush succeeds (in this crawl or
the next one) the spooled records are written first. A spool file is claimed
for replay by renaming it, so two crawls never replay the same file.
"""

from __future__ import annotations

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


class Spool:
    def __init__(self, directory: str | os.PathLike):
        self.dir = Path(directory)

    def append(self, records: list[dict]) -> int:
        """Write records durably; returns how many."""
        self.dir.mkdir(parents=True, exist_ok=True)
        path = self.dir / f"spool-{os.getpid()}.jsonl"
        with open(path, "a", encoding="utf-8") as fh:
            for record in records:
                fh.write(json.dumps(record, ensure_ascii=False, default=_encode) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        return len(records)

    def pending(self) -> int:
        """Records waiting in the spool."""
        if not self.dir.is_dir():
            return 0
        n = 0
        for path in self.dir.glob("spool-*.jsonl"):
            with open(path, encoding="utf-8") as fh:
                n += sum(1 for line in fh if line.strip())
        return n

    def claim(self) -> list[Path]:
        """Take every spool file for replay (renamed so nobody else takes it)."""
        if not self.dir.is_dir():
            return []
        claimed = []
        for path in sorted(self.dir.glob("spool-*.jsonl")):
            target = path.with_name(f"replay-{uuid.uuid4().hex}.jsonl")
            try:
                path.rename(target)
            except FileNotFoundError:
                continue  # another process took it
            claimed.append(target)
        return claimed

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

    def give_back(self, path: Path) -> None:
        """A replay failed: return the file to the spool."""
        path.rename(path.with_name(f"spool-{uuid.uuid4().hex}.jsonl"))

    @staticmethod
    def done(path: Path) -> None:
        path.unlink(missing_ok=True)
