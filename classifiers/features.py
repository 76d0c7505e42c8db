"""A TF-IDF vectorizer that saves its vocabulary compactly.

scikit-learn's ``TfidfVectorizer`` keeps ``vocabulary_`` as a dict of
term → numpy integer; skops writes such a dict as one JSON node and one .npy
file per entry (60,000 files, 70 MB for our model). Since scikit-learn numbers
the vocabulary in sorted order, the terms in index order are enough: this
subclass saves them as one numpy string array and rebuilds the dict on load.
Behaviour is otherwise exactly ``TfidfVectorizer``'s.
"""

from __future__ import annotations

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer


class CompactTfidfVectorizer(TfidfVectorizer):
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
