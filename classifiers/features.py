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

import threading
from collections import Counter

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.utils.validation import check_is_fitted

from classifiers.lexicon import CATEGORIES, Lexicon
from classifiers.normalise import Normalised

_lexicons: dict[str | None, Lexicon] = {}
_lock = threading.Lock()


def shared_lexicon(directory: str | None = None) -> Lexicon:
    """One ``Lexicon`` per directory for the process (it reloads itself when its files change)."""
    with _lock:
        if directory not in _lexicons:
            _lexicons[directory] = Lexicon(directory)
        return _lexicons[directory]


class CompactTfidfVectorizer(TfidfVectorizer):
    """``TfidfVectorizer`` with a compact saved vocabulary and a faster ``transform``.

    Why hand-written: scikit-learn counts features with a Python loop per
    n-gram (``_count_vocab``) and builds character n-grams with another; at
    serving time that loop, not the model, dominated ``classify``. ``transform``
    here builds the same n-grams with C-level slicing and counts them with
    ``collections.Counter(map(vocabulary.get, ...))``, then applies the same
    fitted ``TfidfTransformer``. ``fit`` is scikit-learn's own; a test checks
    that both transforms give identical matrices on the corpus.
    """

    def _fast_analyzer(self):
        if self.analyzer == "char" and self.preprocessor is None and not self.lowercase \
                and self.strip_accents is None and self.input == "content":
            lo, hi = self.ngram_range
            white = self._white_spaces

            def char_ngrams(doc: str) -> list[str]:
                text = white.sub(" ", doc)
                n_text = len(text)
                grams: list[str] = list(text) if lo == 1 else []
                for n in range(max(lo, 2), min(hi + 1, n_text + 1)):
                    grams.extend(map(text.__getitem__, map(slice, range(0, n_text - n + 1), range(n, n_text + 1))))
                return grams
            return char_ngrams
        if self.analyzer == "word" and self.tokenizer is not None and self.preprocessor is None \
                and not self.lowercase and self.stop_words is None and self.ngram_range == (1, 2) \
                and self.input == "content":
            tokenizer = self.tokenizer

            def word_ngrams(doc: str) -> list[str]:
                tokens = tokenizer(doc)
                return tokens + list(map(" ".join, zip(tokens, tokens[1:])))
            return word_ngrams
        return None

    def transform(self, raw_documents):
        analyze = self._fast_analyzer()
        if analyze is None or isinstance(raw_documents, str):
            return super().transform(raw_documents)
        check_is_fitted(self, "vocabulary_")
        get = self.vocabulary_.get
        indices: list[int] = []
        values: list[int] = []
        indptr = [0]
        for doc in raw_documents:
            counts = Counter(map(get, analyze(doc)))
            counts.pop(None, None)
            indices.extend(counts.keys())
            values.extend(counts.values())
            indptr.append(len(indices))
        X = sparse.csr_matrix((np.asarray(values, dtype=self.dtype), np.asarray(indices, dtype=np.int32),
                               np.asarray(indptr, dtype=np.int64)),
                              shape=(len(indptr) - 1, len(self.vocabulary_)), dtype=self.dtype)
        X.sort_indices()
        if self.binary:
            X.data.fill(1)
        return self._tfidf.transform(X, copy=False)
    def __getstate__(self):
        state = dict(super().__getstate__())  # object.__getstate__ returns the live __dict__
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
    """Per category the lexicon score (noisy-OR of the weights of distinct terms hit)
    and whether an evasive form was among the hits, as 6 dense features.

    The model learns how much a lexicon hit counts next to the words around it
    (a crackdown report quoting "深夜福利" is not a lure). The lexicon is read
    from ``directory`` (default: the bundled one) at use time, so an analyst's
    edit takes effect without retraining; nothing of it is saved with the model.
    """

    def __init__(self, directory: str | None = None):
        self.directory = directory

    def fit(self, X, y=None):
        self.n_features_out_ = 2 * len(CATEGORIES)
        return self

    def _lexicon(self) -> Lexicon:
        lex = self.__dict__.get("_lex")
        if lex is None:
            lex = shared_lexicon(self.directory)
            self.__dict__["_lex"] = lex
        return lex

    def transform(self, X):
        lex = self._lexicon()
        out = np.zeros((len(X), 2 * len(CATEGORIES)), dtype=np.float32)
        for i, text in enumerate(X):
            hits = lex.match(Normalised(text, text))
            for k, cat in enumerate(CATEGORIES):
                if hits[cat]:
                    out[i, 2 * k] = Lexicon.score(hits[cat])
                    out[i, 2 * k + 1] = float(any(h.evasion for h in hits[cat]))
        return sparse.csr_matrix(out)

    def get_feature_names_out(self, input_features=None):
        return np.array([f"{kind}_{cat}" for cat in CATEGORIES for kind in ("lexicon", "evasion")], dtype=object)

    def __getstate__(self):
        state = dict(super().__getstate__())
        state.pop("_lex", None)
        return state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        return tags
