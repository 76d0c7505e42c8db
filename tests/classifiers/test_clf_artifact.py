"""The model artifact: round trip, and refusal of what cannot be trusted or read."""

import json
import shutil
import zipfile

import pytest
import skops.io as sio
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

from classifiers import ArtifactError, DEFAULT_MODEL, load_model, save_model
from classifiers.artifact import FORMAT_VERSION, _sha256, sidecar_path

DOCS = [
    {"text": "网 盘 链 接 自动发货，全本TXT打包，拍下秒发", "title": "小说合集", "source_kind": "shop"},
    {"text": "诚招各地记者站站长，统一办理记者证、采访证，加盟费详询", "source_kind": "news"},
    {"text": "深夜福利准时开播，私密直播间等你解锁", "source_kind": "app"},
    {"text": "房间干净，服务热情，早餐种类多，下次还来", "source_kind": "page"},
]


@pytest.fixture()
def copy(tmp_path):
    dst = tmp_path / "m.skops"
    shutil.copy(DEFAULT_MODEL, dst)
    shutil.copy(sidecar_path(DEFAULT_MODEL), sidecar_path(dst))
    return dst


def test_shipped_model_is_small_and_has_its_sidecar():
    assert DEFAULT_MODEL.stat().st_size < 5 * 1024 * 1024
    side = json.loads(sidecar_path(DEFAULT_MODEL).read_text(encoding="utf-8"))
    assert side["format"] == FORMAT_VERSION
    for key in ("version", "corpus_hash", "libraries", "thresholds", "metrics", "artifact_sha256"):
        assert key in side


def test_round_trip_gives_identical_scores(skops_model, tmp_path):
    before = skops_model.classify_many(DOCS)
    path = tmp_path / "again.skops"
    save_model(skops_model, path, skops_model.meta.get("metrics"))
    assert path.with_suffix(".npz").is_file()
    for compiled in (True, False):
        again = load_model(path, cached=False, compiled=compiled)
        assert again.compiled is compiled
        assert again.classify_many(DOCS) == before
        assert again.version == skops_model.version


def test_tampered_artifact_is_refused(copy):
    data = bytearray(copy.read_bytes())
    data[len(data) // 2] ^= 0xFF
    copy.write_bytes(bytes(data))
    with pytest.raises(ArtifactError, match="does not match the sha256"):
        load_model(copy, cached=False)


def test_corrupt_file_with_matching_hash_is_refused(copy):
    copy.write_bytes(b"not a zip file at all")
    side = json.loads(sidecar_path(copy).read_text(encoding="utf-8"))
    side["artifact_sha256"] = _sha256(copy)
    sidecar_path(copy).write_text(json.dumps(side), encoding="utf-8")
    with pytest.raises(ArtifactError, match="not a readable skops file"):
        load_model(copy, cached=False)


def test_unknown_format_version_is_refused(copy):
    side = json.loads(sidecar_path(copy).read_text(encoding="utf-8"))
    side["format"] = 99
    sidecar_path(copy).write_text(json.dumps(side), encoding="utf-8")
    with pytest.raises(ArtifactError, match="format 99 is not one this version can read"):
        load_model(copy, cached=False)


def test_missing_sidecar_is_refused(copy):
    sidecar_path(copy).unlink()
    with pytest.raises(ArtifactError, match="sidecar JSON is missing"):
        load_model(copy, cached=False)


def test_untrusted_types_are_refused(tmp_path):
    """A file that would call os.system on load: refused before skops loads anything."""
    import os
    evil = Pipeline([("f", FunctionTransformer(os.system))])
    path = tmp_path / "evil.skops"
    sio.dump(evil, path)
    side = {"format": FORMAT_VERSION, "version": "x", "thresholds": {}, "artifact_sha256": _sha256(path)}
    sidecar_path(path).write_text(json.dumps(side), encoding="utf-8")
    with pytest.raises(ArtifactError, match="untrusted types: .*system"):
        load_model(path, cached=False)
    assert zipfile.is_zipfile(path)


def test_missing_artifact_names_the_path(tmp_path):
    with pytest.raises(ArtifactError, match="not found"):
        load_model(tmp_path / "none.skops", cached=False)
