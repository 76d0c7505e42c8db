"""The compiled model (.npz): the scores of the .skops pipeline, without scikit-learn,
and refusal of a file that cannot be trusted or read."""

import json
import logging
import random
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from classifiers import ArtifactError, DEFAULT_MODEL, load_model
from classifiers import compiled
from classifiers.artifact import _sha256, compile_artifact, compiled_path, sidecar_path
from classifiers.corpus import load_corpus, load_reviews
from classifiers.pages import clean_text, embed, news_sentences

ROOT = Path(__file__).resolve().parents[2]


def real_docs() -> list[dict]:
    """Every corpus text, real reviews, and real-news pages (some with a positive inside,
    some with chrome), plus edge cases."""
    corpus = load_corpus()
    docs = [{"text": e.text, "title": e.title, "source_kind": e.source_kind} for e in corpus]
    rng = random.Random(11)
    docs += [{"text": t, "source_kind": "page"} for t in rng.sample(load_reviews(part="test"), 400)]
    news = news_sentences(part="test")
    positives = [e.text for e in corpus if e.labels]
    for i in range(60):
        if i % 2:
            text, _ = embed(rng.choice(positives), news, rng.randint(300, 5000), rng)
        else:
            text = clean_text(news, 2000, rng)
        docs.append({"text": text, "title": clean_text(news, 30, rng)[:30], "source_kind": "news",
                     "chrome": clean_text(news, 150, rng) if i % 3 == 0 else None})
    docs += [{"text": ""}, {"text": "x\x00y 𠀀𠀁𠀂 rare   planes\n\n\t", "title": "  "}, {"text": "深夜福利"}]
    return docs


def test_shipped_npz_is_the_compiled_shipped_skops(tmp_path):
    side = json.loads(sidecar_path(DEFAULT_MODEL).read_text(encoding="utf-8"))
    npz = compiled_path(DEFAULT_MODEL)
    assert _sha256(npz) == side["compiled_sha256"]
    with np.load(npz, allow_pickle=False) as arrays:
        assert str(arrays["source_sha256"]) == side["artifact_sha256"]
    # deterministic: compiling the shipped .skops again gives the same bytes
    copy = tmp_path / "m.skops"
    shutil.copy(DEFAULT_MODEL, copy)
    shutil.copy(sidecar_path(DEFAULT_MODEL), sidecar_path(copy))
    again = compile_artifact(copy)
    assert again["compiled_sha256"] == side["compiled_sha256"]
    assert compiled_path(copy).read_bytes() == npz.read_bytes()


def test_compiled_scores_equal_the_pipeline(model, skops_model):
    assert model.compiled and not skops_model.compiled
    docs = real_docs()
    a, b = model.page_proba(docs), skops_model.page_proba(docs)
    assert a.shape == (len(docs), 3)
    assert np.abs(a - b).max() < 1e-9
    # same verdicts, same evidence (features named and weighed the same)
    assert model.classify_many(docs, explain="all") == skops_model.classify_many(docs, explain="all")


def test_crawl_path_never_imports_scikit_learn():
    code = ("import sys, classifiers; m = classifiers.load_model(); assert m.compiled; "
            "r = m.classify_many([{'text': '网盘链接自动发货 全本txt', 'source_kind': 'shop'}, '深夜福利']); "
            "assert r[0]['verdicts']; "
            "print(sorted(n for n in sys.modules if n.split('.')[0] in ('sklearn', 'skops', 'joblib')"
            " or n == 'scipy.special'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                         env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


@pytest.fixture()
def copy(tmp_path):
    dst = tmp_path / "m.skops"
    for src, to in ((DEFAULT_MODEL, dst), (sidecar_path(DEFAULT_MODEL), sidecar_path(dst)),
                    (compiled_path(DEFAULT_MODEL), compiled_path(dst))):
        shutil.copy(src, to)
    return dst


def _rewrite(copy: Path, change) -> None:
    """Change the arrays of the copy's .npz and vouch for the result in its sidecar."""
    with np.load(compiled_path(copy), allow_pickle=False) as npz:
        arrays = {n: npz[n] for n in npz.files}
    change(arrays)
    compiled.write(arrays, compiled_path(copy))
    side = json.loads(sidecar_path(copy).read_text(encoding="utf-8"))
    side["compiled_sha256"] = _sha256(compiled_path(copy))
    sidecar_path(copy).write_text(json.dumps(side), encoding="utf-8")


def test_copy_loads_compiled(copy):
    assert load_model(copy, cached=False).compiled


def test_tampered_npz_is_refused(copy):
    npz = compiled_path(copy)
    data = bytearray(npz.read_bytes())
    data[len(data) // 2] ^= 0xFF
    npz.write_bytes(bytes(data))
    with pytest.raises(ArtifactError, match=r"m\.npz: the file does not match 'compiled_sha256'"):
        load_model(copy, cached=False)


def test_missing_array_is_refused(copy):
    _rewrite(copy, lambda a: a.pop("sigmoid_a"))
    with pytest.raises(ArtifactError, match=r"m\.npz: array 'sigmoid_a' is missing"):
        load_model(copy, cached=False)


def test_wrong_shape_is_refused(copy):
    def cut(a):
        a["coef"] = a["coef"][:, :, :-1]
    _rewrite(copy, cut)
    with pytest.raises(ArtifactError, match=r"m\.npz: array 'coef' has shape \(3, 1, 60010\)"):
        load_model(copy, cached=False)


def test_wrong_dtype_is_refused(copy):
    def text_idf(a):
        a["words_idf"] = a["words_idf"].astype(str)
    _rewrite(copy, text_idf)
    with pytest.raises(ArtifactError, match=r"array 'words_idf' has dtype <U"):
        load_model(copy, cached=False)


def test_indices_out_of_range_are_refused(copy):
    def bad_ids(a):
        a["chars_ids_2"] = a["chars_ids_2"] + 10 ** 6
    _rewrite(copy, bad_ids)
    with pytest.raises(ArtifactError, match=r"array 'chars_ids_2' holds indices outside"):
        load_model(copy, cached=False)


def test_pickled_object_array_is_refused(copy):
    def objects(a):
        a["words_terms"] = a["words_terms"].astype(object)
    with pytest.raises(ValueError):  # numpy itself will not write it without pickle
        _rewrite(copy, objects)


def test_not_a_zip_is_refused(copy):
    compiled_path(copy).write_bytes(b"not a zip file at all")
    side = json.loads(sidecar_path(copy).read_text(encoding="utf-8"))
    side["compiled_sha256"] = _sha256(compiled_path(copy))
    sidecar_path(copy).write_text(json.dumps(side), encoding="utf-8")
    with pytest.raises(ArtifactError, match=r"m\.npz: not a readable \.npz file"):
        load_model(copy, cached=False)


def test_npz_not_vouched_for_is_refused(copy):
    side = json.loads(sidecar_path(copy).read_text(encoding="utf-8"))
    del side["compiled_sha256"]
    sidecar_path(copy).write_text(json.dumps(side), encoding="utf-8")
    with pytest.raises(ArtifactError, match=r"m\.json: field 'compiled_sha256' is missing"):
        load_model(copy, cached=False)


def test_stale_npz_of_another_skops_is_refused(copy):
    def other(a):
        a["source_sha256"] = np.array("0" * 64)
    _rewrite(copy, other)
    with pytest.raises(ArtifactError, match=r"array 'source_sha256' names another \.skops"):
        load_model(copy, cached=False)


def test_absent_npz_falls_back_to_the_skops_with_a_log_line(copy, caplog):
    compiled_path(copy).unlink()
    with caplog.at_level(logging.WARNING, logger="classifiers.artifact"):
        m = load_model(copy, cached=False)
    assert not m.compiled
    assert any("no compiled model beside it" in r.getMessage() for r in caplog.records)
    assert m.classify("深夜福利")["verdicts"]


def test_a_pipeline_of_another_shape_is_not_compiled():
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer
    with pytest.raises(ArtifactError, match="cannot compile"):
        compiled.from_pipeline(Pipeline([("features", FunctionTransformer()), ("classify", FunctionTransformer())]))


def test_patrol_model_compile_writes_the_npz(tmp_path):
    from click.testing import CliRunner

    from patrol.cli import cli

    dst = tmp_path / "m.skops"
    shutil.copy(DEFAULT_MODEL, dst)
    shutil.copy(sidecar_path(DEFAULT_MODEL), sidecar_path(dst))
    result = CliRunner().invoke(cli, ["model-compile", "--model", str(dst)])
    assert result.exit_code == 0, result.output
    assert "m.npz written" in result.output
    assert compiled_path(dst).read_bytes() == compiled_path(DEFAULT_MODEL).read_bytes()
    assert load_model(dst, cached=False).compiled
    missing = CliRunner().invoke(cli, ["model-compile", "--model", str(tmp_path / "none.skops")])
    assert missing.exit_code != 0 and "not found" in missing.output


def test_token_spans_give_the_tokenizer_tokens_at_their_offsets():
    from classifiers.normalise import normalise_text
    from classifiers.segment import default_tokenizer, token_spans

    tok = default_tokenizer()
    texts = [normalise_text(d["text"]) for d in real_docs()]
    texts += ["", "a", "  \n\t x  y ", "x\x00y", "abc_123 2mb", "\uffff\U00010000a1中", "𠀀𠀁𠀂 rare planes"]
    for t in texts:
        seg = token_spans(tok, t)
        assert seg.tokens == tok(t)
        assert [t[a:b] for a, b in zip(seg.starts.tolist(), seg.ends.tolist())] == seg.tokens


def test_key_table_finds_exactly_the_keys_it_holds():
    from classifiers.fastcount import KeyTable

    rng = np.random.default_rng(3)
    keys = np.unique(rng.integers(0, 2 ** 62, 20000, dtype=np.int64)).astype(np.uint64)
    ids = rng.permutation(len(keys)).astype(np.int64)
    table = KeyTable(keys, ids)
    queries = np.concatenate([keys[::3], rng.integers(0, 2 ** 62, 50000, dtype=np.int64).astype(np.uint64), keys[1::7]])
    found, got = table.find(queries)
    pos = {int(k): int(i) for k, i in zip(keys, ids)}
    want = [(j, pos[int(q)]) for j, q in enumerate(queries) if int(q) in pos]
    assert list(zip(found.tolist(), got.tolist())) == want
    assert KeyTable(np.empty(0, dtype=np.uint64), np.empty(0, dtype=np.int64)).find(queries)[0].size == 0
