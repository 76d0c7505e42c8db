"""Text classification for the three patrol categories. A library over plain
text and dicts: it imports nothing from Scrapy, the store or the CLI.

Public API::

    from classifiers import load_model
    model = load_model(path)              # once per process; thread-safe for reading
    model.classify({"text": ..., "title": ..., "source_kind": "shop", ...item fields})
    model.classify_many(docs)
    # -> {"scores": {cat: float}, "verdicts": {cat: "pass"|"review"|"block"},
    #     "evidence": {cat: {...}}, "model_version": str}
"""

from __future__ import annotations

import threading
from pathlib import Path

from classifiers.errors import ArtifactError, ClassifierError, DataError
from classifiers.lexicon import CATEGORIES

DEFAULT_MODEL = Path(__file__).resolve().parent / "model" / "patrol-model.skops"

__all__ = ["load_model", "save_model", "CATEGORIES", "DEFAULT_MODEL",
           "ClassifierError", "ArtifactError", "DataError"]

_cache: dict[tuple[str, float], object] = {}
_lock = threading.Lock()


def load_model(path: Path | str | None = None, cached: bool = True):
    """The ``Model`` saved at ``path`` (default: the shipped one); refuses an
    untrusted, tampered or unknown-version artifact with ``ArtifactError``.
    With ``cached`` the same file (same mtime) is loaded once per process."""
    from classifiers import artifact
    from classifiers.model import Model

    path = Path(path or DEFAULT_MODEL)
    key = (str(path.resolve()), path.stat().st_mtime if path.exists() else 0.0)
    if cached and key in _cache:
        return _cache[key]
    with _lock:
        if cached and key in _cache:
            return _cache[key]
        pipeline, sidecar = artifact.load(path)
        try:
            model = Model(pipeline, sidecar["thresholds"], str(sidecar["version"]), sidecar)
        except (KeyError, TypeError, AttributeError, IndexError) as exc:
            raise ArtifactError(f"{path}: the model does not have the expected structure: {exc}") from exc
        for cat in CATEGORIES:
            th = sidecar["thresholds"].get(cat) if isinstance(sidecar["thresholds"], dict) else None
            if not isinstance(th, dict) or not all(isinstance(th.get(k), (int, float)) for k in ("review", "block")):
                raise ArtifactError(f"{path}: sidecar field 'thresholds.{cat}' needs numbers 'review' and 'block'")
        if cached:
            _cache[key] = model
        return model


def save_model(model, path: Path | str, metrics: dict | None = None) -> dict:
    """Write ``model`` to ``path`` (.skops + .json sidecar); returns the sidecar."""
    from classifiers import artifact

    meta = dict(model.meta)
    if metrics is not None:
        meta["metrics"] = metrics
    return artifact.save(model.pipeline, path, meta)
