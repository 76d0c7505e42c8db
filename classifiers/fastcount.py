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
        self.tables = {n: KeyTable(*kv) for n, kv in self.keys.items()}

    @classmethod
    def from_arrays(cls, keys: dict[int, tuple[np.ndarray, np.ndarray]], ngram_range: tuple[int, int],
                    size: int) -> "CharLookup":
        """The lookup from its saved arrays (``classifiers.compiled``), without the vocabulary."""
        self = cls.__new__(cls)
        self.ngram_range, self.size, self.keys = tuple(ngram_range), size, dict(keys)
        self.tables = {n: KeyTable(*kv) for n, kv in self.keys.items() if len(kv[0])}
        return self


_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_EMPTY = np.uint64(2 ** 64 - 1)  # no key: character n-gram keys have at most 63 bits, bigram keys fewer


class KeyTable:
    """Integer keys -> feature ids in an open-addressing hash table (linear probing, load
    at most 1/4), looked up for a whole array of keys at once.

    Why: ``np.searchsorted`` of a batch's 600,000 n-gram keys in the sorted vocabulary
    keys cost 80 ns a key (a binary search of cache misses each), three quarters of the
    character counting; here a key costs one multiply, a gather or two and a compare."""

    def __init__(self, keys: np.ndarray, ids: np.ndarray):
        keys = np.ascontiguousarray(keys).view(np.uint64) if len(keys) else np.empty(0, dtype=np.uint64)
        if (keys == _EMPTY).any():
            raise ValueError("a key equals the empty-slot marker")
        bits = max(4, int(np.ceil(np.log2(max(1, len(keys)) * 4))))
        size = 1 << bits
        self.mask, self.shift = np.uint64(size - 1), np.uint64(64 - bits)
        self.keys = np.full(size, _EMPTY, dtype=np.uint64)
        self.ids = np.full(size, -1, dtype=np.int64)
        home = self._home(keys)
        pending = np.arange(len(keys))
        probes = 0
        while len(pending):  # each round, every key whose next slot is free takes it (first one wins)
            slot = (home[pending] + np.uint64(probes)) & self.mask
            free = np.flatnonzero(self.ids[slot] < 0)
            slots, first = np.unique(slot[free], return_index=True)
            placed = pending[free[first]]
            self.keys[slots], self.ids[slots] = keys[placed], ids[placed]
            done = np.zeros(len(keys), dtype=bool)
            done[placed] = True
            pending = pending[~done[pending]]
            probes += 1
        self.probes = probes  # every key lies within this many slots of its home

    def _home(self, keys: np.ndarray) -> np.ndarray:
        return (keys * _GOLDEN) >> self.shift

    def find(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(positions in ``keys`` found in the table, ascending; their ids)."""
        keys = np.ascontiguousarray(keys).view(np.uint64)
        slot = self._home(keys)
        tid = self.ids[slot]
        hit = self.keys[slot] == keys  # an empty slot holds _EMPTY, which no key equals
        out = np.where(hit, tid, -1)
        active = np.flatnonzero(~hit & (tid >= 0))  # the slot holds another key: probe on
        for p in range(1, self.probes):
            if not len(active):
                break
            s = (slot[active] + np.uint64(p)) & self.mask
            t = self.ids[s]
            h = self.keys[s] == keys[active]
            out[active[h]] = t[h]
            active = active[~h & (t >= 0)]
        found = np.flatnonzero(out >= 0)
        return found, out[found]


def _lookup(table: KeyTable | None, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(positions in ``keys`` found in the vocabulary, their feature ids)."""
    if table is None or not len(keys):
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    return table.find(keys)


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
        found, ids = _lookup(lookup.tables.get(n), keys[same_doc])
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
        self.bigrams = KeyTable(self.bigram_keys, self.bigram_ids) if bigrams else None

    @classmethod
    def from_arrays(cls, tokens: list[str], unigram: np.ndarray, bigram_keys: np.ndarray,
                    bigram_ids: np.ndarray, size: int) -> "WordLookup":
        """The lookup from its saved arrays (``classifiers.compiled``): ``tokens`` in id order."""
        self = cls.__new__(cls)
        self.size = size
        self.token_ids = dict(zip(tokens, range(len(tokens))))
        self.unigram, self.width = unigram, len(tokens) + 1
        self.bigram_keys, self.bigram_ids = bigram_keys, bigram_ids
        self.bigrams = KeyTable(bigram_keys, bigram_ids) if len(bigram_keys) else None
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
        found, feats = _lookup(lookup.bigrams, first[pair] * lookup.width + second[pair])
        rows.append(doc_of[pair[found]])
        cols.append(feats)
    return _csr(np.concatenate(rows), np.concatenate(cols), len(token_lists), lookup.size, dtype)
