"""jieba segmentation with the domain dictionary as data (no scikit-learn: the crawl path imports it).

``classifiers.tokenise.ChineseTokenizer`` is the same tokenizer as a scikit-learn
estimator (the class saved in the .skops); ``Tokenizer`` here is its plain base, which
the compiled model (``classifiers.compiled``) and the lexicon use.

``Tokenizer(dictionary=(...), engine="rjieba")`` is callable (``tok(text)
-> list[str]``) so it can be a vectorizer's ``tokenizer``, and picklable: the
segmenter object (it holds a lock and a large dictionary) is built lazily from
the parameters, cached per (engine, dictionary) for the process, and dropped in
``__getstate__``.

Engines: ``rjieba`` (the jieba-rs binding, same dictionary and algorithm, about
25x faster) for training and serving; ``jieba`` as the reference
(``tests/classifiers/test_tokenise.py`` checks they agree on the corpus).
Each engine gets its own private instance (``rjieba.Jieba()`` /
``jieba.Tokenizer()``) with the domain terms added via ``add_word`` — jieba's
global default tokenizer is never touched, and ``jieba.enable_paddle()`` is
never called.

The whole text goes to the engine in one call; a token that is not all
Chinese is then split into its Chinese runs, latin words and numbers by one
regex (spaces and punctuation are dropped; "2mb" gives "2", "mb"). The engines differ only on
non-Chinese runs (rjieba keeps "abc_123" and "2mb" whole, jieba splits them), and that
split makes both give the same tokens.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

ENGINES = ("rjieba", "jieba")
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_PARTS = re.compile(f"[{_CJK}]+|[a-z]+|[0-9]+")

_segmenters: dict[tuple[str, tuple[str, ...], bool], object] = {}
_lock = threading.Lock()


def jieba_cache_dir() -> Path:
    """A private writable directory for jieba's dictionary cache."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    path = Path(base) / "content-patrol" / "jieba"
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / ".probe"
        probe.write_text("")
        probe.unlink()
    except OSError:
        path = Path(tempfile.mkdtemp(prefix="patrol-jieba-"))
    return path


def quiet_jieba() -> None:
    """jieba logs to its own stderr handler (double lines under Scrapy): raise its level once."""
    import jieba
    jieba.setLogLevel(logging.WARNING)


def _build(engine: str, dictionary: tuple[str, ...]):
    if engine == "rjieba":
        import rjieba
        seg = rjieba.Jieba()
        for term in dictionary:
            seg.add_word(term, None, None)
        return seg
    if engine == "jieba":
        import jieba
        quiet_jieba()
        seg = jieba.Tokenizer()
        seg.tmp_dir = str(jieba_cache_dir())
        seg.initialize()
        for term in dictionary:
            seg.add_word(term)
        return seg
    raise ValueError(f"unknown tokenizer engine {engine!r} (known: {', '.join(ENGINES)})")


def segmenter(engine: str, dictionary: tuple[str, ...]):
    key = (engine, dictionary, True)
    seg = _segmenters.get(key)
    if seg is None:
        with _lock:
            seg = _segmenters.get(key)
            if seg is None:
                seg = _build(engine, dictionary)
                _segmenters[key] = seg
    return seg


def load_dictionary(path: Path) -> tuple[str, ...]:
    """Domain terms, one per line; '#' starts a comment."""
    terms = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        term = line.split("#", 1)[0].strip()
        if term:
            terms.append(term)
    return tuple(dict.fromkeys(terms))


class Tokenizer:
    """Segment normalised text into tokens (Chinese words, latin words, numbers).

    Parameters
    ----------
    dictionary : tuple of str
        Domain terms added to this tokenizer's own segmenter.
    engine : "rjieba" or "jieba"
    hmm : bool
        Use jieba's HMM for unknown words (both engines support it).
    """

    def __init__(self, dictionary: tuple[str, ...] = (), engine: str = "rjieba", hmm: bool = True):
        self.dictionary = dictionary
        self.engine = engine
        self.hmm = hmm

    def fit(self, X=None, y=None):
        if self.engine not in ENGINES:
            raise ValueError(f"unknown tokenizer engine {self.engine!r} (known: {', '.join(ENGINES)})")
        self.n_terms_ = len(self.dictionary)
        return self

    def _segmenter(self):
        seg = self.__dict__.get("_seg")
        if seg is None:
            seg = segmenter(self.engine, tuple(self.dictionary))
            self.__dict__["_seg"] = seg
        return seg

    def __call__(self, text: str) -> list[str]:
        seg = self._segmenter()
        raw = seg.cut(text, self.hmm) if self.engine == "rjieba" else seg.lcut(text, HMM=self.hmm)
        # One findall over the tokens joined by NUL (in no class): a Chinese token comes out
        # whole, any other is split into Chinese runs, latin words and numbers, and spaces
        # and punctuation drop out -- the same as token by token, in one C-level call.
        return _PARTS.findall("\x00".join(raw))

    def transform(self, X):
        return [self(text) for text in X]

    def __getstate__(self):
        state = self.__dict__.copy()
        state.pop("_seg", None)
        return state


@dataclass
class Segmentation:
    """One segmentation of a text: the model's tokens with offsets, and the raw jieba
    tokens (their starts; ``boundary[i]`` is true where a raw token starts or ends)."""

    tokens: list
    starts: "np.ndarray"
    ends: "np.ndarray"
    raw: list
    raw_starts: "np.ndarray"
    boundary: "np.ndarray"
    in_dictionary: object  # word -> bool: a dictionary word (not one the HMM made up)

    def raw_token_at(self, i: int) -> tuple[int, int, str]:
        """(start, end, token) of the raw token containing position ``i``."""
        import numpy as np
        k = int(np.searchsorted(self.raw_starts, i, side="right")) - 1
        return int(self.raw_starts[k]), int(self.raw_starts[k + 1]), self.raw[k]


def _classes():
    """The class of every BMP code point in ``_PARTS``: 1 Chinese, 2 latin letter, 3 digit, 0 other."""
    import numpy as np

    table = np.zeros(0x10000, dtype=np.int8)
    for lo, hi in ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF)):
        table[lo:hi + 1] = 1
    table[ord("a"):ord("z") + 1] = 2
    table[ord("0"):ord("9") + 1] = 3
    return table


def token_spans(tokenizer: Tokenizer, text: str) -> Segmentation:
    """The segmentation of ``text``: the tokens ``tokenizer(text)`` gives with their
    [start, end) offsets, and the raw jieba tokens whose edges are the word boundaries
    the lexicon matches on.

    The segmenter's tokens concatenate back to the text, so offsets are running sums of
    lengths. ``tokenizer(text)`` keeps, inside each raw token, the maximal runs of one
    class of ``_PARTS`` (Chinese, a-z, 0-9); here the same runs are found with numpy over
    the characters' classes (a run starts at a raw token's start or where the class
    changes), without a Python object per match."""
    import numpy as np

    global _CLASS
    if _CLASS is None:
        _CLASS = _classes()
    seg = tokenizer._segmenter()
    raw = seg.cut(text, tokenizer.hmm) if tokenizer.engine == "rjieba" else seg.lcut(text, HMM=tokenizer.hmm)
    lengths = np.fromiter(map(len, raw), dtype=np.int64, count=len(raw))
    raw_starts = np.concatenate(([0], np.cumsum(lengths)))
    n = len(text)
    boundary = np.zeros(n + 1, dtype=bool)
    boundary[raw_starts] = True
    in_dict = seg.has_word if tokenizer.engine == "rjieba" else (lambda w: bool(seg.FREQ.get(w)))
    if not n:
        empty = np.empty(0, dtype=np.int64)
        return Segmentation([], empty, empty, raw, raw_starts, boundary, in_dict)
    cps = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    cls = _CLASS[np.minimum(cps, 0xFFFF)]  # U+FFFF and beyond: no class of _PARTS
    change = boundary[:n].copy()
    change[1:] |= cls[1:] != cls[:-1]
    run_starts = np.flatnonzero(change)
    run_ends = np.empty_like(run_starts)
    run_ends[:-1] = run_starts[1:]
    run_ends[-1] = n
    keep = cls[run_starts] != 0
    starts, ends = run_starts[keep], run_ends[keep]
    tokens = [text[s:e] for s, e in zip(starts.tolist(), ends.tolist())]
    return Segmentation(tokens, starts, ends, raw, raw_starts, boundary, in_dict)


_CLASS = None


def default_tokenizer() -> Tokenizer:
    """The tokenizer of the shipped pipeline (rjieba + the domain dictionary), for word
    boundaries outside a model (the lexicon on its own)."""
    global _DEFAULT
    if _DEFAULT is None:
        path = Path(__file__).resolve().parent / "data" / "dictionary.txt"
        _DEFAULT = Tokenizer(dictionary=load_dictionary(path) if path.is_file() else ())
    return _DEFAULT


_DEFAULT: Tokenizer | None = None
