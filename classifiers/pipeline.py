"""The scikit-learn pipeline: how it is built (training) and scored when loaded from the .skops.

``build_pipeline``: word TF-IDF over ``ChineseTokenizer`` (1-2 grams) and
character 2-3-gram TF-IDF, joined with the lexicon features; then per category a
logistic regression with sigmoid-calibrated probabilities
(``MultiOutputClassifier`` of ``CalibratedClassifierCV``).

``SklearnBackend`` is what ``classifiers.model.Model`` scores with when it holds
a scikit-learn pipeline (training, ``patrol evaluate`` of a .skops, the
fallback when no .npz is beside it); a crawl process loads the compiled model
(``classifiers.compiled``) instead and never imports this module.
"""

from __future__ import annotations

import numpy as np
import sklearn
from scipy import sparse
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.multioutput import MultiOutputClassifier
from sklearn.pipeline import FeatureUnion, Pipeline

from classifiers.features import CompactTfidfVectorizer, LexiconFeatures
from classifiers.lexicon import Lexicon, shared_lexicon
from classifiers.model import DICTIONARY_FILE
from classifiers.segment import default_tokenizer, load_dictionary
from classifiers.tokenise import ChineseTokenizer



def build_pipeline(dictionary: tuple[str, ...] | None = None, C: float = 4.0, engine: str = "rjieba") -> Pipeline:
    if dictionary is None:
        dictionary = load_dictionary(DICTIONARY_FILE) if DICTIONARY_FILE.is_file() else ()
    words = CompactTfidfVectorizer(tokenizer=ChineseTokenizer(dictionary=tuple(dictionary), engine=engine),
                                   token_pattern=None, lowercase=False, ngram_range=(1, 2), min_df=2,
                                   max_features=30000, sublinear_tf=True, dtype=np.float32)
    chars = CompactTfidfVectorizer(analyzer="char", ngram_range=(2, 3), min_df=2, max_features=30000,
                                   lowercase=False, sublinear_tf=True, dtype=np.float32)
    linear = LogisticRegression(C=C, class_weight="balanced", max_iter=3000)
    return Pipeline([
        ("features", FeatureUnion([("words", words), ("chars", chars), ("lexicon", LexiconFeatures())])),
        ("classify", MultiOutputClassifier(CalibratedClassifierCV(linear, method="sigmoid", cv=3, ensemble=False))),
    ])


def positive_proba(pipeline: Pipeline, X) -> np.ndarray:
    """(n, 3) probabilities of the positive class per category, from features or texts."""
    clf = pipeline.named_steps["classify"]
    if not hasattr(X, "shape"):
        X = pipeline.named_steps["features"].transform(X)
    return np.column_stack([p[:, 1] for p in clf.predict_proba(X)])


class SklearnBackend:
    """A fitted scikit-learn pipeline as ``Model``'s scoring back end."""

    def __init__(self, pipeline: Pipeline):
        self.pipeline = pipeline
        self.union = pipeline.named_steps["features"]
        coefs = []
        for est in pipeline.named_steps["classify"].estimators_:
            coefs.append(np.mean([c.estimator.coef_[0] for c in est.calibrated_classifiers_], axis=0))
        self.evidence_coef = np.vstack(coefs).astype(np.float32)
        self._names = None

    def one_match(self, lexicon: Lexicon) -> bool:
        """Whether the lexicon can be matched once per document for the features and the
        evidence alike: the plain (words, chars, lexicon) union of build_pipeline."""
        union = self.union
        return (union.transformer_weights is None
                and [type(t) for _, t in union.transformer_list]
                == [CompactTfidfVectorizer, CompactTfidfVectorizer, LexiconFeatures]
                and shared_lexicon(union.transformer_list[2][1].directory) is lexicon)

    def segmenting_tokenizer(self, lexicon: Lexicon):
        return self.union.transformer_list[0][1].tokenizer if self.one_match(lexicon) else default_tokenizer()

    def feature_names(self) -> np.ndarray:
        if self._names is None:
            self._names = np.asarray(self.union.get_feature_names_out(), dtype=object)
        return self._names

    def transform_passages(self, tokens: list[list[str]], strings: list[str], lexf) -> sparse.csr_matrix:
        words, chars = self.union.transformer_list[0][1], self.union.transformer_list[1][1]
        with sklearn.config_context(assume_finite=True, skip_parameter_validation=True):
            return sparse.hstack([words.transform_tokens(tokens), chars.transform(strings), lexf], format="csr")

    def transform(self, strings: list[str]) -> sparse.csr_matrix:
        with sklearn.config_context(assume_finite=True, skip_parameter_validation=True):
            return self.union.transform(strings).tocsr()

    def proba(self, X) -> np.ndarray:
        # inputs are our own normalised strings and our own sparse matrices: skip the
        # per-call validation that would otherwise cost as much as the model itself
        with sklearn.config_context(assume_finite=True, skip_parameter_validation=True):
            return positive_proba(self.pipeline, X)
