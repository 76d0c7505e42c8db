"""The labelled corpus, its held-out split, and the real clean reviews.

Corpus files: ``data/corpus/*.jsonl``, one object per line::

    {"id": str, "text": str, "title": str, "source_kind": "app"|"shop"|"news",
     "labels": [zero or more categories], "hard_negative": bool}

The split is by a hash of the id, so an example keeps its side when the corpus
grows and training never sees the test side: ``sha256(id)`` mapped to [0, 1),
below ``TEST_SHARE`` is test. Each stratum (category / hard negative / clean
negative) gets close to the same share; ``split_summary`` reports it.

The real reviews (``../shared/datasets/real-reviews/*.csv`` beside the repository, ``label,review``)
are read at training and test time, never copied: the same hash sends half to
calibration (extra negatives when training) and half to the false-positive test.
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from classifiers.errors import DataError
from classifiers.lexicon import CATEGORIES

log = logging.getLogger(__name__)

CORPUS_DIR = Path(__file__).resolve().parent / "data" / "corpus"


def _datasets_dir() -> Path:
    """The shared datasets: PATROL_DATASETS, else ``shared/datasets`` beside the
    repository or beside one of its parents (a git worktree or a clone kept in
    a subfolder), found from this file and never from a fixed path; when none
    is there, the place beside the repository (for the error message)."""
    if os.environ.get("PATROL_DATASETS"):
        return Path(os.environ["PATROL_DATASETS"])
    repo = Path(__file__).resolve().parents[1]
    for parent in repo.parents:
        if (parent / "shared" / "datasets").is_dir():
            return parent / "shared" / "datasets"
    return repo.parent / "shared" / "datasets"


DATASETS_DIR = _datasets_dir()
REVIEWS_DIR = DATASETS_DIR / "real-reviews"
TEST_SHARE = 0.2
KINDS = ("app", "shop", "news", "page")


@dataclass(frozen=True)
class Example:
    id: str
    text: str
    title: str
    source_kind: str
    labels: tuple[str, ...]
    hard_negative: bool = False
    origin: str = "corpus"     # corpus | evasion | review | extra

    @property
    def stratum(self) -> str:
        if self.labels:
            return self.labels[0]
        return "hard_negative" if self.hard_negative else "negative"


def bucket(key: str) -> float:
    """A stable number in [0, 1) from a string (sha256)."""
    return int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()[:8], "big") / 2 ** 64


def is_test(example_id: str) -> bool:
    return bucket(example_id) < TEST_SHARE


def parse_example(obj, where: str, origin: str = "corpus") -> Example:
    """One corpus record, validated; ``where`` names the file and line in errors."""
    if not isinstance(obj, dict):
        raise DataError(f"{where}: expected a JSON object")
    for field, kind in (("id", str), ("text", str)):
        if not isinstance(obj.get(field), kind) or not obj[field].strip():
            raise DataError(f"{where}: field '{field}' must be a non-empty string")
    title = obj.get("title", "")
    if title is None:
        title = ""
    if not isinstance(title, str):
        raise DataError(f"{where}: field 'title' must be a string")
    kind = obj.get("source_kind", "page")
    if kind not in KINDS:
        raise DataError(f"{where}: field 'source_kind' must be one of {', '.join(KINDS)}, got {kind!r}")
    labels = obj.get("labels", [])
    if not isinstance(labels, list) or any(label not in CATEGORIES for label in labels):
        raise DataError(f"{where}: field 'labels' must be a list of {', '.join(CATEGORIES)}, got {labels!r}")
    hard = obj.get("hard_negative", False)
    if not isinstance(hard, bool):
        raise DataError(f"{where}: field 'hard_negative' must be true or false")
    return Example(obj["id"], obj["text"], title, kind, tuple(dict.fromkeys(labels)), hard, origin)


def load_corpus(directory: Path | str | None = None) -> list[Example]:
    """All examples of ``directory/*.jsonl`` (sorted by file name), ids unique."""
    directory = Path(directory or CORPUS_DIR)
    files = sorted(directory.glob("*.jsonl"))
    if not files:
        raise DataError(f"{directory}: no corpus files (*.jsonl)")
    examples: list[Example] = []
    seen: dict[str, str] = {}
    for path in files:
        with open(path, encoding="utf-8") as fh:
            for n, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                where = f"{path}: line {n}"
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise DataError(f"{where}: not valid JSON ({exc.msg})") from exc
                ex = parse_example(obj, where)
                if ex.id in seen:
                    raise DataError(f"{where}: field 'id' {ex.id!r} repeats {seen[ex.id]}")
                seen[ex.id] = where
                examples.append(ex)
    return examples


def corpus_hash(directory: Path | str | None = None) -> str:
    """sha256 over the corpus files' names and bytes."""
    h = hashlib.sha256()
    for path in sorted(Path(directory or CORPUS_DIR).glob("*.jsonl")):
        h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def split(examples: list[Example]) -> tuple[list[Example], list[Example]]:
    train = [e for e in examples if not is_test(e.id)]
    test = [e for e in examples if is_test(e.id)]
    return train, test


def split_summary(examples: list[Example]) -> dict[str, dict[str, int]]:
    total = Counter(e.stratum for e in examples)
    test = Counter(e.stratum for e in examples if is_test(e.id))
    return {s: {"total": total[s], "test": test[s]} for s in sorted(total)}


def load_reviews(directory: Path | str | None = None, part: str = "all") -> list[str]:
    """Texts of the real reviews; ``part``: "calibration", "test" or "all"."""
    directory = Path(directory or REVIEWS_DIR)
    files = sorted(directory.glob("*.csv"))
    if not files:
        raise DataError(f"{directory}: no review files (*.csv); the real-reviews dataset is "
                        "expected in ../shared/datasets beside the repository (or set PATROL_DATASETS)")
    texts: list[str] = []
    for path in files:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            if not reader.fieldnames or "review" not in reader.fieldnames:
                raise DataError(f"{path}: the header must name a 'review' column")
            for row in reader:
                text = (row.get("review") or "").strip()
                if not text:
                    continue
                side = "test" if bucket("review:" + text) >= 0.5 else "calibration"
                if part in ("all", side):
                    texts.append(text)
    return texts
