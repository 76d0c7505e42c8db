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

_cache: dict[tuple, object] = {}
_lock = threading.Lock()


def load_model(path: Path | str | None = None, cached: bool = True, compiled: bool = True):
    """The ``Model`` saved at ``path`` (default: the shipped one); refuses an
    untrusted, tampered or unknown-version artifact with ``ArtifactError``.
    With ``compiled`` (the default) it scores with the .npz beside the .skops
    (numpy only: scikit-learn is not imported) when there is one; without, with
    the scikit-learn pipeline of the .skops. With ``cached`` the same files (same
    mtimes) are loaded once per process."""
    from classifiers import artifact
    from classifiers.model import Model

    path = Path(path or DEFAULT_MODEL)
    stamps = tuple(p.stat().st_mtime if p.exists() else 0.0
                   for p in (path, artifact.sidecar_path(path), artifact.compiled_path(path)))
    key = (str(path.resolve()), stamps, compiled)
    if cached and key in _cache:
        return _cache[key]
    with _lock:
        if cached and key in _cache:
            return _cache[key]
        pipeline, sidecar = artifact.load(path, compiled=compiled)
        for cat in CATEGORIES:
            th = sidecar["thresholds"].get(cat) if isinstance(sidecar["thresholds"], dict) else None
            if not isinstance(th, dict) or not all(isinstance(th.get(k), (int, float)) for k in ("review", "block")):
                raise ArtifactError(f"{path}: sidecar field 'thresholds.{cat}' needs numbers 'review' and 'block'")
        try:
            model = Model(pipeline, sidecar["thresholds"], str(sidecar["version"]), sidecar)
        except (KeyError, TypeError, AttributeError, IndexError) as exc:
            raise ArtifactError(f"{path}: the model does not have the expected structure: {exc}") from exc
        if cached:
            _cache[key] = model
        return model


def save_model(model, path: Path | str, metrics: dict | None = None) -> dict:
    """Write ``model`` to ``path`` (.skops, its compiled .npz and the .json sidecar);
    returns the sidecar. ``model`` must hold its scikit-learn pipeline (trained, or
    loaded with ``compiled=False``)."""
    from classifiers import artifact

    if getattr(model, "compiled", False):
        raise ArtifactError("save_model needs the model's scikit-learn pipeline: load it with "
                            "load_model(path, compiled=False), or copy the artifact's files")

    meta = dict(model.meta)
    if metrics is not None:
        meta["metrics"] = metrics
    return artifact.save(model.pipeline, path, meta)


def model_version(path: Path | str | None = None) -> str:
    """The version of the model saved at ``path`` (default: the shipped one),
    read from its sidecar alone: no model is loaded (a crawl that finds
    nothing to classify never pays for loading it). ArtifactError as
    ``load_model`` gives it for a missing or unreadable sidecar."""
    import json

    path = Path(path or DEFAULT_MODEL)
    side = path.with_suffix(".json")
    if not path.is_file():
        raise ArtifactError(f"{path}: model artifact not found (train one with 'patrol train')")
    try:
        version = json.loads(side.read_text(encoding="utf-8"))["version"]
    except FileNotFoundError:
        raise ArtifactError(f"{side}: the model's sidecar JSON is missing; refusing to load {path.name}") from None
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        raise ArtifactError(f"{side}: the model's sidecar JSON is unreadable or has no version: {exc}") from exc
    return str(version)
