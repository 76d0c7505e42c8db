"""Saving and loading the model artifact: skops with explicit trusted types, the compiled
.npz, and a sidecar JSON.

``<name>.skops`` holds the scikit-learn pipeline; ``<name>.npz`` beside it the
same pipeline compiled to numpy arrays (``classifiers.compiled``: what a crawl
process loads, without importing scikit-learn or skops); ``<name>.json`` holds
the format version, the model version, the corpus hash, library versions,
thresholds, metrics, the sha256 of the .skops file (``artifact_sha256``) and
of the .npz (``compiled_sha256``). ``save`` writes all three; ``compile_artifact``
adds the .npz to an existing .skops.

``load`` reads the .npz when it is there, else (with a log line) the .skops.
A .npz is refused, never skipped, when its sha256 differs from the sidecar's,
the sidecar vouches for none, it was compiled from another .skops, or an array
is missing or of the wrong kind or shape.

A saved model is untrusted input. The loader refuses, with one clear line:
a missing or unreadable sidecar; a format version it cannot read; a .skops
file whose sha256 differs from the sidecar's (corrupted or swapped); any type
in the file outside ``TRUSTED_TYPES`` (``skops.io.get_untrusted_types``);
a file skops cannot load. Nothing is unpickled.
"""

from __future__ import annotations

import hashlib
import zipfile
import json
import logging
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from classifiers.errors import ArtifactError

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
SUPPORTED_FORMATS = {1}

# Every type the pipeline of classifiers.model.build_pipeline may contain that
# skops does not trust by default. Anything else in a file is refused.
TRUSTED_TYPES = frozenset({
    "classifiers.tokenise.ChineseTokenizer",
    "classifiers.features.CompactTfidfVectorizer",
    "classifiers.features.LexiconFeatures",
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
    "sklearn.calibration.CalibratedClassifierCV",
    "sklearn.feature_extraction.text.TfidfTransformer",
    "sklearn.feature_extraction.text.TfidfVectorizer",
    "sklearn.linear_model._logistic.LogisticRegression",
    "sklearn.multioutput.MultiOutputClassifier",
    "sklearn.pipeline.FeatureUnion",
    "sklearn.pipeline.Pipeline",
    "sklearn.frozen._frozen.FrozenEstimator",
    "builtins.tuple",
    "builtins.list",
    "builtins.dict",
    "builtins.str",
    "builtins.int",
    "builtins.float",
    "builtins.bool",
    "builtins.NoneType",
    "builtins.slice",
    "numpy.float32",
    "numpy.float64",
    "numpy.int64",
    "numpy.int32",
    "numpy.dtype",
    "numpy.ndarray",
    "numpy.random.mtrand.RandomState",
    "scipy.sparse._csr.csr_matrix",
    "sklearn.utils._metadata_requests.MetadataRequest",
})

LIBRARIES = ("scikit-learn", "numpy", "scipy", "skops", "jieba", "rjieba", "opencc", "pyahocorasick")


def sidecar_path(path: Path | str) -> Path:
    return Path(path).with_suffix(".json")


def compiled_path(path: Path | str) -> Path:
    return Path(path).with_suffix(".npz")


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def library_versions() -> dict[str, str]:
    out = {}
    for lib in LIBRARIES:
        try:
            out[lib] = version(lib)
        except PackageNotFoundError:
            out[lib] = "not installed"
    return out


def save(pipeline, path: Path | str, meta: dict) -> dict:
    """Write ``path`` (.skops) and its sidecar; returns the sidecar dict."""
    import skops.io as sio

    from classifiers import compiled

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".skops.tmp")
    sio.dump(pipeline, tmp, compression=zipfile.ZIP_DEFLATED, compresslevel=9)
    untrusted = set(sio.get_untrusted_types(file=tmp))
    unexpected = untrusted - TRUSTED_TYPES
    if unexpected:
        tmp.unlink()
        raise ArtifactError(f"{path}: the model contains types outside the trusted list: "
                            f"{', '.join(sorted(unexpected))}")
    npz = compiled_path(path)
    try:
        arrays = compiled.from_pipeline(pipeline, _sha256(tmp))
    except ArtifactError as exc:  # a pipeline of another shape: the .skops alone, and no stale .npz
        log.warning("%s: %s; writing the .skops only", path, exc)
        arrays = None
    tmp.replace(path)
    meta = {k: v for k, v in meta.items() if k not in ("compiled_sha256", "compiled_format")}
    sidecar = {"format": FORMAT_VERSION, **meta, "libraries": library_versions(), "artifact_sha256": _sha256(path)}
    if arrays is None:
        npz.unlink(missing_ok=True)
    else:
        compiled.write(arrays, npz.with_suffix(".npz.tmp"))
        npz.with_suffix(".npz.tmp").replace(npz)
        sidecar.update({"compiled_format": compiled.FORMAT, "compiled_sha256": _sha256(npz)})
    _write_sidecar(path, sidecar)
    return sidecar


def _write_sidecar(path: Path, sidecar: dict) -> None:
    side = sidecar_path(path)
    tmp = side.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(sidecar, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    tmp.replace(side)


def compile_artifact(path: Path | str) -> dict:
    """Write the .npz of an existing .skops (checked as ``load`` checks it) and record its
    sha256 in the sidecar; returns the sidecar. The same .skops gives the same .npz."""
    from classifiers import compiled

    path = Path(path)
    pipeline, sidecar = load_skops(path)
    npz = compiled_path(path)
    tmp = npz.with_suffix(".npz.tmp")
    compiled.write(compiled.from_pipeline(pipeline, sidecar["artifact_sha256"]), tmp)
    tmp.replace(npz)
    sidecar = {**sidecar, "compiled_format": compiled.FORMAT, "compiled_sha256": _sha256(npz)}
    _write_sidecar(path, sidecar)
    return sidecar


def read_sidecar(path: Path | str) -> dict:
    path = Path(path)
    side = sidecar_path(path)
    if not path.is_file():
        raise ArtifactError(f"{path}: model artifact not found (train one with 'patrol train')")
    try:
        sidecar = json.loads(side.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ArtifactError(f"{side}: the model's sidecar JSON is missing; refusing to load {path.name}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ArtifactError(f"{side}: the model's sidecar JSON is unreadable: {exc}") from exc
    if not isinstance(sidecar, dict):
        raise ArtifactError(f"{side}: the model's sidecar must be a JSON object")
    fmt = sidecar.get("format")
    if fmt not in SUPPORTED_FORMATS:
        raise ArtifactError(f"{side}: model format {fmt!r} is not one this version can read "
                            f"(supported: {', '.join(map(str, sorted(SUPPORTED_FORMATS)))})")
    for key in ("version", "artifact_sha256", "thresholds"):
        if key not in sidecar:
            raise ArtifactError(f"{side}: field '{key}' is missing")
    return sidecar


def load(path: Path | str, compiled: bool = True):
    """(pipeline, sidecar) from a trusted artifact, or ArtifactError: the compiled
    pipeline from the .npz beside ``path`` when there is one (and ``compiled``), else the
    scikit-learn pipeline from the .skops."""
    path = Path(path)
    if compiled:
        sidecar = read_sidecar(path)
        npz = compiled_path(path)
        if npz.is_file():
            return load_compiled(npz, sidecar), sidecar
        log.warning("%s: no compiled model beside it (%s); loading the .skops with scikit-learn "
                    "(slower; 'patrol model-compile' writes the .npz)", path, npz.name)
    return load_skops(path)


def load_compiled(npz: Path, sidecar: dict):
    """The ``compiled.CompiledPipeline`` in ``npz``, checked against the sidecar."""
    from classifiers import compiled

    side = sidecar_path(npz)
    want = sidecar.get("compiled_sha256")
    if not want:
        raise ArtifactError(f"{side}: field 'compiled_sha256' is missing, so nothing vouches for {npz.name}; "
                            "refusing to load it (recompile with 'patrol model-compile', or remove it)")
    if sidecar.get("compiled_format", compiled.FORMAT) != compiled.FORMAT:
        raise ArtifactError(f"{side}: field 'compiled_format' is {sidecar.get('compiled_format')!r}, this version "
                            f"reads {compiled.FORMAT}; refusing to load {npz.name}")
    if _sha256(npz) != want:
        raise ArtifactError(f"{npz}: the file does not match 'compiled_sha256' in its sidecar "
                            "(corrupted or tampered with); refusing to load it")
    model = compiled.load(npz)
    source = str(model.arrays["source_sha256"])
    if source != sidecar["artifact_sha256"]:
        raise ArtifactError(f"{npz}: array 'source_sha256' names another .skops than the sidecar's "
                            "'artifact_sha256' (a stale compiled model); recompile with 'patrol model-compile'")
    return model


def load_skops(path: Path | str):
    """(scikit-learn pipeline, sidecar) from the .skops, or ArtifactError."""
    import skops.io as sio

    path = Path(path)
    sidecar = read_sidecar(path)
    if _sha256(path) != sidecar["artifact_sha256"]:
        raise ArtifactError(f"{path}: the file does not match the sha256 in its sidecar "
                            "(corrupted or tampered with); refusing to load it")
    try:
        untrusted = set(sio.get_untrusted_types(file=path))
    except Exception as exc:  # skops raises many kinds on a corrupt zip / schema
        raise ArtifactError(f"{path}: not a readable skops file: {exc}") from exc
    unexpected = untrusted - TRUSTED_TYPES
    if unexpected:
        raise ArtifactError(f"{path}: refusing to load a model with untrusted types: "
                            f"{', '.join(sorted(unexpected))}")
    trained_with = (sidecar.get("libraries") or {}).get("scikit-learn")
    running = library_versions()["scikit-learn"]
    if trained_with and trained_with.split(".")[:2] != running.split(".")[:2]:
        log.warning("%s was trained with scikit-learn %s, this is %s: retrain if results look wrong",
                    path, trained_with, running)
    try:
        pipeline = sio.load(path, trusted=sorted(untrusted))
    except Exception as exc:
        raise ArtifactError(f"{path}: skops could not load the model: {exc}") from exc
    return pipeline, sidecar
