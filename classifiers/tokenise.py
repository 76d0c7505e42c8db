"""jieba segmentation as a scikit-learn estimator, with the domain dictionary as data.

``ChineseTokenizer`` is ``classifiers.segment.Tokenizer`` (engines, the private
segmenters cached per (engine, dictionary), the split of non-Chinese tokens;
see there) with scikit-learn's estimator API, so it can sit in the saved
pipeline: this is the class named in the .skops. Code that only segments (the
lexicon, the compiled model of a crawl process) uses ``classifiers.segment`` and
never imports scikit-learn.
"""

from __future__ import annotations

from sklearn.base import BaseEstimator, TransformerMixin

from classifiers.segment import (ENGINES, Segmentation, Tokenizer, default_tokenizer, jieba_cache_dir,  # noqa: F401
                                 load_dictionary, quiet_jieba, segmenter, token_spans)


class ChineseTokenizer(Tokenizer, TransformerMixin, BaseEstimator):
    """``Tokenizer`` as a scikit-learn transformer (``get_params``/``clone`` round-trip)."""

    def __init__(self, dictionary: tuple[str, ...] = (), engine: str = "rjieba", hmm: bool = True):
        self.dictionary = dictionary
        self.engine = engine
        self.hmm = hmm

    def __getstate__(self):
        return Tokenizer.__getstate__(self)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        return tags
