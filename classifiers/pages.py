"""Pages of realistic length built from real clean text, for training, calibration and evaluation.

A corpus example is short (a listing, a post, a paragraph); a crawled page is
50 to 20,000 characters. ``embed`` puts an example at a random position among
consecutive real news sentences (``../shared/datasets/real-news``, read at
run time, never copied into the repository), so thresholds are chosen and
recall is measured on pages where the offending part is one paragraph among
many. The sentences are split by a hash of the line like the reviews: the
calibration half for training, the test half for ``patrol evaluate``.
"""

from __future__ import annotations

import math
import random
from functools import lru_cache
from pathlib import Path

from classifiers.corpus import DATASETS_DIR, bucket
from classifiers.errors import DataError

NEWS_DIR = DATASETS_DIR / "real-news"


@lru_cache(maxsize=4)
def _news(directory: str, part: str) -> tuple[str, ...]:
    files = sorted(Path(directory).glob("*.txt"))
    if not files:
        raise DataError(f"{directory}: no news sentence files (*.txt); the real-news dataset is "
                        "expected in ../shared/datasets beside the repository (or set PATROL_DATASETS)")
    out = []
    for path in files:
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                line = line.strip()
                if not line:
                    continue
                side = "test" if bucket("news:" + line) >= 0.5 else "calibration"
                if part in ("all", side):
                    out.append(line)
    return tuple(out)


def news_sentences(directory: Path | str | None = None, part: str = "all") -> tuple[str, ...]:
    """Real news sentences in file order; ``part``: "calibration", "test" or "all"."""
    return _news(str(directory or NEWS_DIR), part)


def clean_text(sentences: tuple[str, ...], length: int, rng: random.Random) -> str:
    """About ``length`` characters of consecutive sentences from a random place, as
    paragraphs of a few sentences each."""
    if length <= 0 or not sentences:
        return ""
    i = rng.randrange(len(sentences))
    out, n, para = [], 0, []
    while n < length:
        s = sentences[i % len(sentences)]
        para.append(s)
        n += len(s)
        i += 1
        if len(para) >= rng.randint(2, 5):
            out.append("".join(para))
            para = []
    if para:
        out.append("".join(para))
    return "\n".join(out)


def embed(text: str, sentences: tuple[str, ...], length: int, rng: random.Random) -> tuple[str, int]:
    """``text`` as a paragraph at a random position inside about ``length`` characters of
    clean text; returns (page, offset of ``text`` in it)."""
    before = rng.randint(0, max(0, length))
    head = clean_text(sentences, before, rng)
    tail = clean_text(sentences, length - before, rng)
    page = "\n".join(p for p in (head, text, tail) if p)
    return page, (len(head) + 1 if head else 0)


def page_length(rng: random.Random, lo: int = 200, hi: int = 8000) -> int:
    """A log-uniform page length: as many short pages as long ones."""
    return int(math.exp(rng.uniform(math.log(lo), math.log(hi))))


def window_context(text: str, sentences: tuple[str, ...], rng: random.Random, window: int = 100) -> str:
    """``text`` with clean text around it up to about one passage (``window`` chars):
    what a passage holding the example inside a long page looks like."""
    room = max(0, window - len(text))
    if not room:
        return text
    before = rng.randint(0, room)
    head = clean_text(sentences, before, rng)[-before:] if before else ""
    tail = clean_text(sentences, room - before, rng)[:room - before]
    return head + text + tail
