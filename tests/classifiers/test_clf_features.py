"""The fast transform of the model's vectorizers equals scikit-learn's, on the whole corpus."""

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from classifiers.corpus import load_corpus
from classifiers.features import CompactTfidfVectorizer
from classifiers.model import model_input
from classifiers.normalise import normalise_text
from classifiers.tokenise import ChineseTokenizer


def texts():
    corpus = [model_input(normalise_text(e.title), normalise_text(e.text)) for e in load_corpus()]
    edge = ["", "a", "ab", "  \n\t x  y ", "同一文档", "𠀀𠀁𠀂 rare planes", "x\x00y"]
    return corpus + edge


def test_fast_transform_equals_scikit_learn(skops_model):
    docs = texts()
    union = skops_model.pipeline.named_steps["features"]
    for name, vec in union.transformer_list[:2]:
        assert isinstance(vec, CompactTfidfVectorizer)
        assert vec._fast_lookup(), name
        fast = vec.transform(docs)
        reference = TfidfVectorizer.transform(vec, docs)  # scikit-learn's own code path
        assert fast.shape == reference.shape
        assert abs(fast - reference).max() < 1e-6, name
        assert (fast != 0).nnz == (reference != 0).nnz


def test_fast_transform_on_a_freshly_fitted_vectorizer():
    docs = texts()[:400]
    for vec in (CompactTfidfVectorizer(analyzer="char", ngram_range=(1, 3), lowercase=False, min_df=1),
                CompactTfidfVectorizer(analyzer="char", ngram_range=(2, 4), lowercase=False),  # scikit-learn's path
                CompactTfidfVectorizer(tokenizer=ChineseTokenizer(), token_pattern=None, lowercase=False,
                                       ngram_range=(1, 2), max_features=3000)):
        vec.fit(docs)
        got = vec.transform(docs[::-1])
        want = TfidfVectorizer.transform(vec, docs[::-1])
        assert np.allclose(got.toarray(), want.toarray(), atol=1e-6)


def test_model_features_equal_the_pipeline_union(model, skops_model):
    """Model.features matches the lexicon once per document; the matrix must be the union's,
    for the scikit-learn model and the compiled one alike."""
    docs = texts()
    reference = skops_model.pipeline.named_steps["features"].transform(docs)
    for m in (skops_model, model):
        assert m._one_match
        X, hits = m.features(docs)
        assert X.shape == reference.shape and abs(X - reference).max() < 1e-6
        assert len(hits) == len(docs)
