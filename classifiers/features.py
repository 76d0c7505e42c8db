"""Feature estimators of the model: a compact TF-IDF vectorizer and lexicon features.

A TF-IDF vectorizer that saves its vocabulary compactly:

scikit-learn's ``TfidfVectorizer`` keeps ``vocabulary_`` as a dict of
term → numpy integer; skops writes such a dict as one JSON node and one .npy
file per entry (60,000 files, 70 MB for our model). Since scikit-learn numbers
the vocabulary in sorted order, the terms in index order are enough: this
subclass saves them as one numpy string array and rebuilds the dict on load.
Behaviour is otherwise exactly ``TfidfVectorizer``'s.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.utils.validation import check_is_fitted

from classifiers.fastcount import CharLookup, WordLookup, char_counts, word_counts
from classifiers.lexicon import Lexicon, shared_lexicon  # noqa: F401 (re-exported)
from classifiers import passages

N_LEXICON_FEATURES = passages.N_LEXICON_FEATURES


class CompactTfidfVectorizer(TfidfVectorizer):
    """``TfidfVectorizer`` with a compact saved vocabulary and a faster ``transform``
    (counting by ``classifiers.fastcount`` for the character n-gram and the
    tokenizer-word (1, 2)-gram configurations; anything else is scikit-learn's)."""

    def _fast_lookup(self):
        fast = self.__dict__.get("_fast")
        if fast is not None:
            return fast
        plain = (self.preprocessor is None and not self.lowercase and self.strip_accents is None
                 and self.input == "content" and self.stop_words is None and not self.binary)
        fast = False
        if plain and self.analyzer == "char" and self.ngram_range[1] <= 3:  # 3 x 21 bits fit in 64
            fast = CharLookup(self.vocabulary_, self.ngram_range)
        elif plain and self.analyzer == "word" and self.tokenizer is not None and self.ngram_range == (1, 2):
            fast = WordLookup(self.vocabulary_)
        self.__dict__["_fast"] = fast
        return fast

    def fit(self, raw_documents, y=None):
        self.__dict__.pop("_fast", None)  # a refit invalidates the lookup tables
        return super().fit(raw_documents, y)

    def fit_transform(self, raw_documents, y=None):
        self.__dict__.pop("_fast", None)
        return super().fit_transform(raw_documents, y)

    def transform(self, raw_documents):
        if isinstance(raw_documents, str):
            return super().transform(raw_documents)  # scikit-learn's error for a bare string
        check_is_fitted(self, "vocabulary_")
        fast = self._fast_lookup()
        docs = list(raw_documents)
        if isinstance(fast, CharLookup):
            X = char_counts(docs, fast, self.dtype)
        elif isinstance(fast, WordLookup):
            X = word_counts([self.tokenizer(d) for d in docs], fast, self.dtype)
        else:
            return super().transform(docs)
        return self._tfidf.transform(X, copy=False)

    def transform_tokens(self, token_lists: list[list[str]]):
        """``transform`` of texts already tokenised by this vectorizer's tokenizer (the
        passages of a page are slices of one segmentation of the page)."""
        check_is_fitted(self, "vocabulary_")
        fast = self._fast_lookup()
        if not isinstance(fast, WordLookup):
            raise TypeError("transform_tokens needs a word (1, 2)-gram vectorizer with a tokenizer")
        return self._tfidf.transform(word_counts(token_lists, fast, self.dtype), copy=False)

    def __getstate__(self):
        state = dict(super().__getstate__())  # object.__getstate__ returns the live __dict__
        state.pop("_fast", None)
        state.pop("stop_words_", None)  # pruned terms: only for inspection, can be huge
        vocab = state.pop("vocabulary_", None)
        if vocab is not None:
            terms = [""] * len(vocab)
            for term, index in vocab.items():
                terms[int(index)] = term
            state["vocabulary_terms_"] = np.array(terms, dtype=str)
        return state

    def __setstate__(self, state):
        state = dict(state)
        terms = state.pop("vocabulary_terms_", None)
        if terms is not None:
            state["vocabulary_"] = {str(t): i for i, t in enumerate(terms.tolist())}
        super().__setstate__(state)


class LexiconFeatures(TransformerMixin, BaseEstimator):
    """Per category the lexicon score (noisy-OR of the weights of distinct terms hit),
    whether an evasive form was among the hits and the share of hits inside quotation
    marks; and whether enforcement vocabulary and a reporting verb occur in the text
    (``classifiers.passages``): 11 dense features.

    The model learns how much a lexicon hit counts next to the words around it
    (a crackdown report quoting "深夜福利" is not a lure). The lexicon is read
    from ``directory`` (default: the bundled one) at use time, so an analyst's
    edit takes effect without retraining; nothing of it is saved with the model.
    """

    def __init__(self, directory: str | None = None):
        self.directory = directory

    def fit(self, X, y=None):
        self.n_features_out_ = N_LEXICON_FEATURES
        return self

    def _lexicon(self) -> Lexicon:
        lex = self.__dict__.get("_lex")
        if lex is None:
            lex = shared_lexicon(self.directory)
            self.__dict__["_lex"] = lex
        return lex

    def transform(self, X):
        return passages.text_lexicon_features(self._lexicon(), list(X))

    @staticmethod
    def rows(hits_per_doc: list[dict], quoted_per_doc: list[dict] | None = None,
             context: list[tuple[bool, bool]] | None = None) -> sparse.csr_matrix:
        """The features of documents from their lexicon hits (``passages.lexicon_rows``)."""
        return passages.lexicon_rows(hits_per_doc, quoted_per_doc, context)

    def get_feature_names_out(self, input_features=None):
        return np.array(passages.lexicon_feature_names(), dtype=object)

    def __getstate__(self):
        state = dict(super().__getstate__())
        state.pop("_lex", None)
        return state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        return tags
