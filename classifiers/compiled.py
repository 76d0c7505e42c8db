"""The compiled inference artifact: the fitted pipeline as numpy arrays, scored with numpy and scipy.

Why: a crawl process only scores texts, yet loading the .skops meant importing
scikit-learn (1.5 s CPU) and skops (0.6 s) before the first page, in every
``scrapy crawl`` of a nightly run. The ``.npz`` beside the ``.skops`` (written
by ``classifiers.artifact``) holds what scoring needs and nothing else:

- the tokenizer's domain dictionary, engine and HMM flag;
- the word (1, 2)-gram vocabulary as the arrays of ``fastcount.WordLookup``, the
  character n-gram vocabulary as those of ``fastcount.CharLookup``, the terms in
  feature order (the evidence's feature names) and the idf of each;
- per category the coefficients and intercept of each calibrated logistic
  regression and its sigmoid calibrator (a, b).

Scoring repeats scikit-learn's arithmetic step by step, in the same dtypes and
the same order of summation, so the scores equal the pipeline's
(``tests/classifiers/test_clf_compiled.py`` checks it on the corpus and real pages)::

    tf     = counts (``fastcount``, as ``CompactTfidfVectorizer.transform``)
    tf     = log(tf) + 1                        sublinear_tf, float32
    tfidf  = tf * idf / ||row||                 the row's sum of squares added in float64, in order
    X      = [words | chars | lexicon features]
    d      = X @ coef.T + intercept             float32, scipy's csr mat-vec
    p      = expit(-(a * d + b))                float64 (scipy's, bit for bit); averaged over the calibrated classifiers

The file is numpy arrays only, read with ``allow_pickle=False``; each array's
name, dtype and shape is checked and a missing or malformed one is an
``ArtifactError`` naming the file and the array. It is written deterministically
(sorted names, fixed zip timestamps): compiling the same .skops twice gives the
same bytes.
"""

from __future__ import annotations

import io
import math
import zipfile
from pathlib import Path

import numpy as np
from scipy import sparse

from classifiers import passages
from classifiers.errors import ArtifactError
from classifiers.fastcount import CharLookup, WordLookup, char_counts, word_counts
from classifiers.lexicon import CATEGORIES, Lexicon, shared_lexicon
from classifiers.segment import Tokenizer, default_tokenizer

FORMAT = 1
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)

# name -> (dtype kind(s), number of dimensions); chars_keys_<n> / chars_ids_<n> per n of chars_ngram_range
_ARRAYS = {
    "format": ("iu", 0), "categories": ("U", 1), "source_sha256": ("U", 0),
    "tokenizer_dictionary": ("U", 1), "tokenizer_engine": ("U", 0), "tokenizer_hmm": ("b", 0),
    "lexicon_directory": ("U", 0), "lexicon_features": ("iu", 0),
    "words_terms": ("U", 1), "words_tokens": ("U", 1), "words_unigram": ("i", 1),
    "words_bigram_keys": ("i", 1), "words_bigram_ids": ("i", 1), "words_idf": ("f", 1), "words_tfidf": ("b", 1),
    "chars_terms": ("U", 1), "chars_ngram_range": ("i", 1), "chars_idf": ("f", 1), "chars_tfidf": ("b", 1),
    "coef": ("f", 3), "intercept": ("f", 2), "sigmoid_a": ("f", 2), "sigmoid_b": ("f", 2),
}


def _tfidf(X: sparse.csr_matrix, idf: np.ndarray, options: np.ndarray) -> sparse.csr_matrix:
    """scikit-learn's ``TfidfTransformer.transform`` (sublinear tf, idf, L2 norm), in place."""
    sublinear, use_idf, l2 = (bool(v) for v in options)
    if sublinear:
        np.log(X.data, X.data)
        X.data += 1.0
    if use_idf:
        X.data *= idf[X.indices]
    if l2 and X.nnz:
        # sklearn's inplace_csr_row_normalize_l2: float32 squares summed in a double, in
        # order (bincount adds in index order), then each value divided by the root
        rows = np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))
        sq = X.data * X.data
        sums = np.bincount(rows, weights=sq.astype(np.float64), minlength=X.shape[0])
        norms = np.sqrt(sums)
        norms[sums == 0.0] = 1.0
        X.data = (X.data.astype(np.float64) / norms[rows]).astype(X.data.dtype)
    return X


_EXP_MAX = 709.782712893384  # the largest argument whose exp is finite


def _expit(z: np.ndarray) -> np.ndarray:
    """``scipy.special.expit`` (``1 / (1 + exp(-z))`` in C, the C library's exp) bit for bit,
    without importing scipy.special (0.1 s CPU of a crawl's start-up): ``math.exp`` is the
    same C library function, while numpy's vectorised exp differs in the last bit for about
    2 % of arguments. A Python call per value: a batch has a few thousand."""
    arg = -np.asarray(z, dtype=np.float64).reshape(-1)
    big = arg > _EXP_MAX
    e = np.fromiter(map(math.exp, np.where(big, 0.0, arg).tolist()), dtype=np.float64, count=len(arg))
    e[big] = np.inf
    return 1 / (1 + e)


class CompiledPipeline:
    """The scoring half of the pipeline from its arrays (``load``, or ``from_pipeline``)."""

    def __init__(self, arrays: dict[str, np.ndarray], name: str = "compiled model"):
        a = arrays
        self.arrays = a
        self.tokenizer = Tokenizer(dictionary=tuple(a["tokenizer_dictionary"].tolist()),
                                   engine=str(a["tokenizer_engine"]), hmm=bool(a["tokenizer_hmm"]))
        directory = str(a["lexicon_directory"]) or None
        self.lexicon_directory = directory
        n_words, n_chars = len(a["words_terms"]), len(a["chars_terms"])
        self.words = WordLookup.from_arrays(a["words_tokens"].tolist(), a["words_unigram"],
                                            a["words_bigram_keys"], a["words_bigram_ids"], n_words)
        lo, hi = (int(n) for n in a["chars_ngram_range"])
        self.chars = CharLookup.from_arrays({n: (a[f"chars_keys_{n}"], a[f"chars_ids_{n}"]) for n in range(lo, hi + 1)},
                                            (lo, hi), n_chars)
        self.n_features = n_words + n_chars + passages.N_LEXICON_FEATURES
        self.coef_t = [[np.ascontiguousarray(a["coef"][k, j])[None, :].T for j in range(a["coef"].shape[1])]
                       for k in range(len(CATEGORIES))]  # (n_features, 1): the layout of sklearn's coef_.T
        self.evidence_coef = np.vstack([np.mean(a["coef"][k], axis=0) for k in range(len(CATEGORIES))]
                                       ).astype(np.float32)
        self._names = None

    # -- what classifiers.model.Model asks of a back end --------------------------------------
    def one_match(self, lexicon: Lexicon) -> bool:
        return shared_lexicon(self.lexicon_directory) is lexicon

    def segmenting_tokenizer(self, lexicon: Lexicon):
        return self.tokenizer if self.one_match(lexicon) else default_tokenizer()

    def feature_names(self) -> np.ndarray:
        if self._names is None:
            a = self.arrays
            self._names = np.asarray([f"words__{t}" for t in a["words_terms"].tolist()]
                                     + [f"chars__{t}" for t in a["chars_terms"].tolist()]
                                     + [f"lexicon__{t}" for t in passages.lexicon_feature_names()], dtype=object)
        return self._names

    def _dtype(self):
        return self.arrays["words_idf"].dtype

    def transform_passages(self, tokens: list[list[str]], strings: list[str], lexf) -> sparse.csr_matrix:
        a = self.arrays
        words = _tfidf(word_counts(tokens, self.words, self._dtype()), a["words_idf"], a["words_tfidf"])
        chars = _tfidf(char_counts(strings, self.chars, a["chars_idf"].dtype), a["chars_idf"], a["chars_tfidf"])
        return sparse.hstack([words, chars, lexf], format="csr")

    def transform(self, strings: list[str]) -> sparse.csr_matrix:
        lexf = passages.text_lexicon_features(shared_lexicon(self.lexicon_directory), strings)
        return self.transform_passages([self.tokenizer(s) for s in strings], strings, lexf)

    def proba(self, X) -> np.ndarray:
        """(n, 3) calibrated probabilities of the positive class per category."""
        a = self.arrays
        m = a["coef"].shape[1]
        out = []
        for k in range(len(CATEGORIES)):
            mean = np.zeros(X.shape[0])
            for j in range(m):
                d = (X @ self.coef_t[k][j] + a["intercept"][k, j:j + 1]).reshape(-1)
                mean += _expit(-(a["sigmoid_a"][k, j] * d + a["sigmoid_b"][k, j]))
            mean /= m
            out.append(mean)
        return np.column_stack(out)


# -- reading and writing ----------------------------------------------------------------------
def check(arrays: dict[str, np.ndarray], where: str) -> None:
    """Every array present, of the right kind and shape; ``ArtifactError`` naming the first that is not."""
    def fail(name: str, why: str):
        raise ArtifactError(f"{where}: array '{name}' {why}; refusing to load it")

    for name, (kinds, ndim) in _ARRAYS.items():
        if name not in arrays:
            fail(name, "is missing")
        arr = arrays[name]
        if arr.dtype.kind not in kinds or arr.ndim != ndim:
            fail(name, f"has dtype {arr.dtype} and {arr.ndim} dimensions (expected kind {kinds!r}, {ndim})")
    if int(arrays["format"]) != FORMAT:
        fail("format", f"is {int(arrays['format'])}, this version reads {FORMAT}")
    if arrays["categories"].tolist() != list(CATEGORIES):
        fail("categories", f"is {arrays['categories'].tolist()}, expected {list(CATEGORIES)}")
    if int(arrays["lexicon_features"]) != passages.N_LEXICON_FEATURES:
        fail("lexicon_features", f"is {int(arrays['lexicon_features'])}, expected {passages.N_LEXICON_FEATURES}")
    if str(arrays["tokenizer_engine"]) not in ("rjieba", "jieba"):
        fail("tokenizer_engine", f"is {str(arrays['tokenizer_engine'])!r}")
    n_words, n_tokens, n_chars = len(arrays["words_terms"]), len(arrays["words_tokens"]), len(arrays["chars_terms"])

    def shape(name: str, expected: tuple):
        if arrays[name].shape != expected:
            fail(name, f"has shape {arrays[name].shape}, expected {expected}")

    def ids(name: str, size: int, allow_unknown: bool = False):
        v = arrays[name]
        if len(v) and (v.max() >= size or v.min() < (-1 if allow_unknown else 0)):
            fail(name, f"holds indices outside 0..{size - 1}")

    shape("words_unigram", (n_tokens + 1,))
    ids("words_unigram", n_words, allow_unknown=True)
    shape("words_bigram_ids", arrays["words_bigram_keys"].shape)
    ids("words_bigram_ids", n_words)
    for side, n in (("words", n_words), ("chars", n_chars)):
        shape(f"{side}_idf", (n,))
        shape(f"{side}_tfidf", (3,))
    shape("chars_ngram_range", (2,))
    lo, hi = (int(v) for v in arrays["chars_ngram_range"])
    if not 1 <= lo <= hi <= 3:
        fail("chars_ngram_range", f"is ({lo}, {hi}); the compiled counter handles 1 to 3 characters")
    for n in range(lo, hi + 1):
        for name, kinds in ((f"chars_keys_{n}", "u"), (f"chars_ids_{n}", "i")):
            if name not in arrays:
                fail(name, "is missing")
            if arrays[name].dtype.kind not in kinds or arrays[name].ndim != 1:
                fail(name, f"has dtype {arrays[name].dtype} and {arrays[name].ndim} dimensions")
        shape(f"chars_ids_{n}", arrays[f"chars_keys_{n}"].shape)
        ids(f"chars_ids_{n}", n_chars)
    coef = arrays["coef"]
    n_features = n_words + n_chars + passages.N_LEXICON_FEATURES
    if coef.shape[0] != len(CATEGORIES) or coef.shape[1] < 1 or coef.shape[2] != n_features:
        fail("coef", f"has shape {coef.shape}, expected ({len(CATEGORIES)}, m >= 1, {n_features})")
    for name in ("intercept", "sigmoid_a", "sigmoid_b"):
        shape(name, coef.shape[:2])
    for name in ("words_idf", "chars_idf", "coef", "intercept", "sigmoid_a", "sigmoid_b"):
        if not np.isfinite(arrays[name]).all():
            fail(name, "holds values that are not finite")


def load(path: Path | str) -> CompiledPipeline:
    """The compiled pipeline in ``path`` (the caller has checked the file's sha256)."""
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in npz.files}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
        raise ArtifactError(f"{path}: not a readable .npz file: {exc}") from exc
    check(arrays, str(path))
    return CompiledPipeline(arrays, str(path))


def write(arrays: dict[str, np.ndarray], path: Path | str) -> None:
    """Write ``arrays`` as an .npz, byte for byte the same for the same arrays."""
    path = Path(path)
    with zipfile.ZipFile(path, "w") as zf:
        for name in sorted(arrays):
            buf = io.BytesIO()
            np.lib.format.write_array(buf, np.asarray(arrays[name]), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, buf.getvalue(), compresslevel=9)


def from_pipeline(pipeline, source_sha256: str = "") -> dict[str, np.ndarray]:
    """The arrays of a fitted pipeline of ``classifiers.model.build_pipeline``'s shape;
    ``ArtifactError`` for a pipeline this module cannot score exactly."""
    from sklearn.calibration import CalibratedClassifierCV, _SigmoidCalibration
    from sklearn.linear_model import LogisticRegression
    from sklearn.multioutput import MultiOutputClassifier
    from sklearn.pipeline import FeatureUnion, Pipeline

    from classifiers.features import CompactTfidfVectorizer, LexiconFeatures

    def refuse(why: str):
        raise ArtifactError(f"cannot compile this pipeline: {why}")

    if not isinstance(pipeline, Pipeline) or [n for n, _ in pipeline.steps] != ["features", "classify"] \
            or not isinstance(pipeline.named_steps["features"], FeatureUnion):
        refuse("it must be a Pipeline of a FeatureUnion 'features' and a 'classify' step")
    union = pipeline.named_steps["features"]
    clf = pipeline.named_steps["classify"]
    parts = [t for _, t in union.transformer_list]
    if (union.transformer_weights is not None or [type(t) for t in parts]
            != [CompactTfidfVectorizer, CompactTfidfVectorizer, LexiconFeatures]):
        refuse("the features must be (words, chars, lexicon) without weights")
    words, chars, lexf = parts
    wl, cl = words._fast_lookup(), chars._fast_lookup()
    if not isinstance(wl, WordLookup) or not isinstance(cl, CharLookup):
        refuse("a vectorizer is not in a configuration classifiers.fastcount counts")
    out: dict[str, np.ndarray] = {
        "format": np.array(FORMAT), "categories": np.array(list(CATEGORIES)),
        "source_sha256": np.array(source_sha256),
        "tokenizer_dictionary": np.array(list(words.tokenizer.dictionary), dtype=str).reshape(-1),
        "tokenizer_engine": np.array(words.tokenizer.engine), "tokenizer_hmm": np.array(bool(words.tokenizer.hmm)),
        "lexicon_directory": np.array(lexf.directory or ""),
        "lexicon_features": np.array(passages.N_LEXICON_FEATURES),
        "words_tokens": np.array(list(wl.token_ids), dtype=str).reshape(-1), "words_unigram": wl.unigram,
        "words_bigram_keys": wl.bigram_keys, "words_bigram_ids": wl.bigram_ids,
        "chars_ngram_range": np.array(cl.ngram_range, dtype=np.int64),
    }
    for n, (keys, ids) in cl.keys.items():
        out[f"chars_keys_{n}"], out[f"chars_ids_{n}"] = keys, ids
    for n in range(cl.ngram_range[0], cl.ngram_range[1] + 1):  # an n with no term in the vocabulary
        out.setdefault(f"chars_keys_{n}", np.empty(0, dtype=np.uint64))
        out.setdefault(f"chars_ids_{n}", np.empty(0, dtype=np.int64))
    for side, vec in (("words", words), ("chars", chars)):
        terms = [""] * len(vec.vocabulary_)
        for term, index in vec.vocabulary_.items():
            terms[int(index)] = term
        tf = vec._tfidf
        if tf.norm not in ("l2", None):
            refuse(f"{side}: norm {tf.norm!r}")
        out[f"{side}_terms"] = np.array(terms, dtype=str).reshape(-1)
        out[f"{side}_idf"] = tf.idf_ if tf.use_idf else np.ones(len(terms), dtype=vec.dtype)
        out[f"{side}_tfidf"] = np.array([tf.sublinear_tf, tf.use_idf, tf.norm == "l2"])
    if out["words_idf"].dtype != out["chars_idf"].dtype:
        refuse("the two vectorizers have different dtypes")
    if not isinstance(clf, MultiOutputClassifier) or len(clf.estimators_) != len(CATEGORIES):
        refuse("the classifier must be a MultiOutputClassifier with one estimator per category")
    coef, intercept, sig_a, sig_b = [], [], [], []
    for est in clf.estimators_:
        if not isinstance(est, CalibratedClassifierCV) or list(est.classes_) != [False, True]:
            refuse("each category needs a CalibratedClassifierCV over classes [False, True]")
        rows = []
        for cc in est.calibrated_classifiers_:
            lr = cc.estimator
            if not isinstance(lr, LogisticRegression) or lr.coef_.shape[0] != 1 or len(cc.calibrators) != 1 \
                    or not isinstance(cc.calibrators[0], _SigmoidCalibration) or cc.method != "sigmoid":
                refuse("each calibrated classifier must be a binary LogisticRegression with one sigmoid")
            rows.append((lr.coef_[0], lr.intercept_[0], cc.calibrators[0].a_, cc.calibrators[0].b_))
        coef.append([r[0] for r in rows])
        intercept.append([r[1] for r in rows])
        sig_a.append([r[2] for r in rows])
        sig_b.append([r[3] for r in rows])
    if len({len(r) for r in coef}) != 1:
        refuse("the categories have different numbers of calibrated classifiers")
    out["coef"] = np.array(coef)
    out["intercept"] = np.array(intercept, dtype=out["coef"].dtype)
    out["sigmoid_a"] = np.array(sig_a, dtype=np.float64)
    out["sigmoid_b"] = np.array(sig_b, dtype=np.float64)
    check(out, "compiled pipeline")
    return out
