"""Small helpers shared by the site generators."""

from __future__ import annotations

import html
import re
from pathlib import Path

esc = html.escape


def paras(texts: list[str], cls: str = "") -> str:
    attr = f' class="{cls}"' if cls else ""
    return "".join(f"<p{attr}>{esc(t)}</p>\n" for t in texts)


def downloads_int(text: str) -> int:
    """'1.2亿次' -> 120000000, '35万+' -> 350000, '10,000+' -> 10000 (for JSON-LD only)."""
    m = re.search(r"([\d,]+(?:\.\d+)?)\s*(亿|万)?", text)
    number = float(m.group(1).replace(",", ""))
    return int(round(number * {"亿": 10**8, "万": 10**4, None: 1}[m.group(2)]))


def iso_date(text: str) -> str:
    y, mo, d = (int(x) for x in re.findall(r"\d+", text)[:3])
    return f"{y:04d}-{mo:02d}-{d:02d}"


class Writer:
    """Collects files of one site: path (URL path) -> bytes."""

    def __init__(self, root: Path):
        self.root = root
        self.files: dict[str, bytes] = {}

    def add(self, url_path: str, text: str, encoding: str = "utf-8") -> None:
        if url_path.endswith("/"):
            url_path += "index.html"
        self.files[url_path.lstrip("/")] = text.encode(encoding)

    def write(self) -> None:
        for rel, data in self.files.items():
            target = self.root / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            if not target.exists() or target.read_bytes() != data:
                target.write_bytes(data)
