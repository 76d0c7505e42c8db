"""Counting a fitted vocabulary's n-grams in a batch of texts with numpy, not a Python loop.

Why hand-written: scikit-learn builds every n-gram as a Python string and
counts it in a Python loop (``CountVectorizer._count_vocab``); at serving time
that loop, not the model, dominated ``classify``. Here a character n-gram is
an integer key (its code points, 21 bits each) and a word bigram a pair of
token ids; keys are looked up in the vocabulary's sorted keys with
``np.searchsorted`` and counted with ``np.unique`` for the whole batch at once.
Only *transform* is done this way (fitting stays scikit-learn's), and only for
the configurations the model uses; ``tests/classifiers/test_clf_features.py``
checks the counts equal scikit-learn's on the whole corpus.
"""

from __future__ import annotations

import re
from itertools import chain, repeat

import numpy as np
from scipy import sparse

_BITS = np.uint64(21)


class CharLookup:
    """Sorted integer keys of the character n-grams of a vocabulary, per n."""

    def __init__(self, vocabulary: dict[str, int], ngram_range: tuple[int, int]):
        self.ngram_range = ngram_range
        self.size = len(vocabulary)
        self.keys: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        by_n: dict[int, list[tuple[int, int]]] = {}
        for term, index in vocabulary.items():
            key = 0
            for ch in term:
                key = (key << 21) | ord(ch)
            by_n.setdefault(len(term), []).append((key, int(index)))
        for n, pairs in by_n.items():
            pairs.sort()
            self.keys[n] = (np.array([k for k, _ in pairs], dtype=np.uint64),
                            np.array([i for _, i in pairs], dtype=np.int64))

    @classmethod
    def from_arrays(cls, keys: dict[int, tuple[np.ndarray, np.ndarray]], ngram_range: tuple[int, int],
                    size: int) -> "CharLookup":
        """The lookup from its saved arrays (``classifiers.compiled``), without the vocabulary."""
        self = cls.__new__(cls)
        self.ngram_range, self.size, self.keys = tuple(ngram_range), size, dict(keys)
        return self


def _lookup(sorted_keys: np.ndarray, ids: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(positions in ``keys`` found in the vocabulary, their feature ids)."""
    if not len(sorted_keys) or not len(keys):
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    at = np.searchsorted(sorted_keys, keys)
    at[at == len(sorted_keys)] = 0
    found = np.flatnonzero(sorted_keys[at] == keys)
    return found, ids[at[found]]


def _csr(rows: np.ndarray, cols: np.ndarray, n_docs: int, n_features: int, dtype) -> sparse.csr_matrix:
    flat = rows.astype(np.int64) * n_features + cols
    uniq, counts = np.unique(flat, return_counts=True)
    return sparse.csr_matrix((counts.astype(dtype), (uniq // n_features, uniq % n_features)),
                             shape=(n_docs, n_features), dtype=dtype)


_WHITE = re.compile(r"\s\s+")


def char_counts(docs: list[str], lookup: CharLookup, dtype=np.float32) -> sparse.csr_matrix:
    """Counts of character n-grams as scikit-learn's ``analyzer="char"`` makes them
    (runs of white space collapsed to one space first)."""
    texts = [_WHITE.sub(" ", d) for d in docs]
    lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
    cps = np.frombuffer("".join(texts).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    doc_of = np.repeat(np.arange(len(texts)), lengths)
    rows, cols = [], []
    lo, hi = lookup.ngram_range
    for n in range(lo, hi + 1):
        if n not in lookup.keys or len(cps) < n:
            continue
        m = len(cps) - n + 1
        keys = cps[:m].copy()
        for j in range(1, n):
            keys = (keys << _BITS) | cps[j:j + m]
        same_doc = np.flatnonzero(doc_of[:m] == doc_of[n - 1:n - 1 + m])
        found, ids = _lookup(*lookup.keys[n], keys[same_doc])
        rows.append(doc_of[same_doc[found]])
        cols.append(ids)
    if not rows:
        return sparse.csr_matrix((len(docs), lookup.size), dtype=dtype)
    return _csr(np.concatenate(rows), np.concatenate(cols), len(docs), lookup.size, dtype)


class WordLookup:
    """Token ids of every token in a (1, 2)-gram vocabulary; unigram and bigram features by id."""

    def __init__(self, vocabulary: dict[str, int]):
        self.size = len(vocabulary)
        tokens: dict[str, int] = {}
        for term in vocabulary:
            for part in term.split(" "):
                tokens.setdefault(part, len(tokens))
        self.token_ids = tokens
        self.unigram = np.full(len(tokens) + 1, -1, dtype=np.int64)  # last slot: unknown token
        bigrams = []
        width = len(tokens) + 1
        for term, index in vocabulary.items():
            parts = term.split(" ")
            if len(parts) == 1:
                self.unigram[tokens[parts[0]]] = int(index)
            else:
                bigrams.append((tokens[parts[0]] * width + tokens[parts[1]], int(index)))
        bigrams.sort()
        self.width = width
        self.bigram_keys = np.array([k for k, _ in bigrams], dtype=np.int64)
        self.bigram_ids = np.array([i for _, i in bigrams], dtype=np.int64)

    @classmethod
    def from_arrays(cls, tokens: list[str], unigram: np.ndarray, bigram_keys: np.ndarray,
                    bigram_ids: np.ndarray, size: int) -> "WordLookup":
        """The lookup from its saved arrays (``classifiers.compiled``): ``tokens`` in id order."""
        self = cls.__new__(cls)
        self.size = size
        self.token_ids = dict(zip(tokens, range(len(tokens))))
        self.unigram, self.width = unigram, len(tokens) + 1
        self.bigram_keys, self.bigram_ids = bigram_keys, bigram_ids
        return self


def word_counts(token_lists: list[list[str]], lookup: WordLookup, dtype=np.float32) -> sparse.csr_matrix:
    """Counts of word unigrams and bigrams (scikit-learn's ``ngram_range=(1, 2)``)."""
    unknown = lookup.width - 1
    get = lookup.token_ids.get
    lengths = np.fromiter((len(t) for t in token_lists), dtype=np.int64, count=len(token_lists))
    ids = np.fromiter(map(get, chain.from_iterable(token_lists), repeat(unknown)), dtype=np.int64,
                      count=int(lengths.sum()))
    doc_of = np.repeat(np.arange(len(token_lists)), lengths)
    uni = lookup.unigram[ids]
    keep = np.flatnonzero(uni >= 0)
    rows, cols = [doc_of[keep]], [uni[keep]]
    if len(ids) > 1:
        first, second = ids[:-1], ids[1:]
        pair = np.flatnonzero((doc_of[:-1] == doc_of[1:]) & (first != unknown) & (second != unknown))
        found, feats = _lookup(lookup.bigram_keys, lookup.bigram_ids, first[pair] * lookup.width + second[pair])
        rows.append(doc_of[pair[found]])
        cols.append(feats)
    return _csr(np.concatenate(rows), np.concatenate(cols), len(token_lists), lookup.size, dtype)
