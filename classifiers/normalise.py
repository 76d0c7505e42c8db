"""Text normalisation with an offset map back into the original text.

Steps, in order: full-width and stylised letters → plain ASCII (lower case);
traditional → simplified (OpenCC, the maintained official binding);
zero-width and combining decoration removed; spaced-out or symbol-split
characters rejoined ("网 盘 链 接", "记-者-证", "p.d.f"); stand-ins replaced
("v信" → "微信", "p0rn" → "porn") from ``data/lexicon/standins.yaml``.

Every character of the normalised text keeps the index of the original
character it came from, so evidence found in the normalised text can point
into the original (``Normalised.span``).
"""

from __future__ import annotations

import logging
import re
import time
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import ahocorasick
import opencc
import yaml

from classifiers.errors import DataError

log = logging.getLogger(__name__)

DATA = Path(__file__).resolve().parent / "data"
STANDINS_FILE = DATA / "lexicon" / "standins.yaml"

CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# Decorative separators used to split a word apart; Chinese sentence punctuation
# (，。！？；：) is not in the set, so ordinary sentences are never glued together.
SEP_CLASS = r"[\s\-_.·•*|/\\~+=#^`'\"、,:;!?★☆♥❤♡◆◇○●※→←♪♫✿❀♀♂▲△▼▽■□◎⭐❥➕✨]"

_ZERO_WIDTH = re.compile("[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f"
                         "\u202a-\u202e\u2060-\u2064\u2066-\u206f\u3164\ufe00-\ufe0f\ufeff"
                         "\u0300-\u036f\u20d0-\u20ff]+")
# three or more single CJK characters, each separated by 1-3 separators
_SPLIT_CJK = re.compile(f"[{CJK}](?:{SEP_CLASS}{{1,3}}[{CJK}]){{2,}}")
# three or more single latin letters/digits separated by separators ("p d f", "t.x.t")
# (each pattern that must start after a non-latin character checks it by a look-behind
# *after* its first character: a pattern that begins with a character class lets the
# regex engine skip to candidate positions in C, three times faster on Chinese text)
_SPLIT_LATIN = re.compile(f"[a-z0-9](?<![a-z0-9][a-z0-9])(?:{SEP_CLASS}{{1,2}}[a-z0-9]){{2,}}(?![a-z0-9])")
_SEP_ONLY = re.compile(SEP_CLASS)
_LATIN_CHAR = re.compile("[a-z0-9]")
# leetspeak inside a latin word: a stand-in digit between letters ("p0rn", "s3x")
_LEET_WORD = re.compile(r"[a-z](?<![a-z0-9][a-z])[a-z]*[01345789@$]+[a-z][a-z0-9@$]*(?![a-z0-9])")
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b",
                       "9": "g", "@": "a", "$": "s"})


def _width_table() -> dict[int, str]:
    """Map full-width forms and stylised letters (circled, mathematical, enclosed)
    to one plain character each, so the map keeps the text's length."""
    table: dict[int, str] = {0x3000: " "}
    ranges = [(0xFF01, 0xFF5F), (0x2460, 0x2500), (0x1D400, 0x1D800), (0x3200, 0x3300),
              (0x2070, 0x20A0), (0x1F130, 0x1F190)]
    for lo, hi in ranges:
        for cp in range(lo, hi):
            folded = unicodedata.normalize("NFKC", chr(cp)).lower()
            if len(folded) == 1 and folded != chr(cp):
                table[cp] = folded
    for cp in range(ord("A"), ord("Z") + 1):
        table[cp] = chr(cp + 32)
    return table


_WIDTH = _width_table()


def _char_class(codepoints) -> re.Pattern:
    """A regex character class of ``codepoints`` written as ranges (a class of single
    characters outside the BMP makes the scan ten times slower)."""
    ranges: list[list[int]] = []
    for cp in sorted(codepoints):
        if ranges and cp == ranges[-1][1] + 1:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp])
    return re.compile("[" + "".join(re.escape(chr(a)) + ("-" + re.escape(chr(b)) if b > a else "")
                                    for a, b in ranges) + "]")


_NEEDS_WIDTH = _char_class(_WIDTH)
_WIDTH_ARRAY = None


def _fold_width(text: str) -> str:
    """``text.translate(_WIDTH)`` as one gather over the code points (every entry maps one
    character to one): ``str.translate`` with a dict looks up each character in Python."""
    global _WIDTH_ARRAY
    import numpy as np

    if _WIDTH_ARRAY is None:
        table = np.arange(0x110000, dtype=np.uint32)
        table[np.fromiter(_WIDTH.keys(), dtype=np.uint32)] = np.fromiter(map(ord, _WIDTH.values()), dtype=np.uint32)
        _WIDTH_ARRAY = table
    cps = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    return _WIDTH_ARRAY[cps].tobytes().decode("utf-32-le", "surrogatepass")


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


@dataclass(frozen=True)
class Normalised:
    """Normalised text, the original, and for each normalised character the
    index of the original character it comes from (``None``: identity)."""

    text: str
    original: str
    offsets: tuple[int, ...] | None = None

    def position(self, i: int) -> int:
        return i if self.offsets is None else self.offsets[i]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original [start, end) of the normalised [start, end) (end > start)."""
        if self.offsets is None:
            return start, end
        return self.offsets[start], self.offsets[end - 1] + 1


def _offsets(n: int, offsets: list[int] | None) -> list[int]:
    return list(range(n)) if offsets is None else offsets


def _apply(text: str, offsets: list[int] | None, spans) -> tuple[str, list[int] | None]:
    """Replace each (start, end, [(char, index_in_span), ...]) of ``spans`` (in order, not
    overlapping), keeping the offset map."""
    old = _offsets(len(text), offsets)
    out_chars: list[str] = []
    out_offs: list[int] = []
    pos = 0
    for start, end, replacement in spans:
        out_chars.append(text[pos:start])
        out_offs.extend(old[pos:start])
        for ch, i in replacement:
            out_chars.append(ch)
            out_offs.append(old[start + i])
        pos = end
    out_chars.append(text[pos:])
    out_offs.extend(old[pos:])
    return "".join(out_chars), out_offs


def _rewrite(text: str, offsets: list[int] | None, pattern: re.Pattern, repl) -> tuple[str, list[int] | None]:
    """Replace each match of ``pattern`` by ``repl(match) -> [(char, index_in_match), ...]``
    keeping the offset map. Text without a match is returned as it is (fast path)."""
    spans = [(m.start(), m.end(), repl(m)) for m in pattern.finditer(text)]
    if not spans:
        return text, offsets
    return _apply(text, offsets, spans)


def _drop(m: re.Match) -> list[tuple[str, int]]:
    return []


def _join(m: re.Match) -> list[tuple[str, int]]:
    return [(ch, i) for i, ch in enumerate(m.group()) if not _SEP_ONLY.fullmatch(ch)]


def _join_latin(m: re.Match) -> list[tuple[str, int]]:
    if not re.search("[a-z]", m.group()):  # "1.2.3" is a version number, not a split word
        return [(ch, i) for i, ch in enumerate(m.group())]
    return _join(m)


def _leet(m: re.Match) -> list[tuple[str, int]]:
    return [(ch, i) for i, ch in enumerate(m.group().translate(_LEET))]


@lru_cache(maxsize=4)
def _standins(path: str, mtime: float) -> tuple[ahocorasick.Automaton | None, dict[str, str]]:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise DataError(f"{path}: cannot read stand-ins: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("standins", {}), dict):
        raise DataError(f"{path}: field 'standins' must map a canonical form to a list of stand-ins")
    mapping: dict[str, str] = {}
    for canonical, variants in data.get("standins", {}).items():
        if not isinstance(variants, list) or not all(isinstance(v, str) and v for v in variants):
            raise DataError(f"{path}: standins.{canonical} must be a list of non-empty strings")
        for v in variants:
            mapping[_basic(v)] = str(canonical)
    if not mapping:
        return None, mapping
    automaton = ahocorasick.Automaton()
    for v, canonical in mapping.items():
        automaton.add_word(v, (v, canonical))
    automaton.make_automaton()
    return automaton, mapping


_checked: dict[str, tuple[float, float]] = {}  # path -> (last check, mtime)
CHECK_INTERVAL = 1.0


def _current_standins(path: Path | None) -> tuple[ahocorasick.Automaton | None, dict[str, str]]:
    """The compiled stand-ins of ``path``; the file's mtime is looked at most once a second."""
    key = str(path or STANDINS_FILE)
    now = time.monotonic()
    last = _checked.get(key)
    if last is None or now - last[0] >= CHECK_INTERVAL:
        try:
            mtime = Path(key).stat().st_mtime
        except FileNotFoundError:
            mtime = -1.0
        last = (now, mtime)
        _checked[key] = last
    if last[1] < 0:
        return None, {}
    return _standins(key, last[1])


def _basic(text: str) -> str:
    """Width folding, lower case and traditional → simplified only (for data files)."""
    return _t2s().convert(text.translate(_WIDTH))


def normalise(text: str, standins: Path | None = None) -> Normalised:
    """Normalise ``text`` (see the module doc); ``standins`` overrides the stand-ins file."""
    if not isinstance(text, str):
        raise TypeError(f"normalise() needs str, got {type(text).__name__}")
    original = text
    if not text:
        return Normalised("", "")
    if _NEEDS_WIDTH.search(text):  # a scan by character class is much cheaper than the fold
        text = _fold_width(text)
    offsets: list[int] | None = None
    simplified = _t2s().convert(text)
    if len(simplified) == len(text):
        text = simplified
    else:  # a phrase conversion changed the length: convert char by char to keep the map
        text = "".join(_t2s().convert(ch) if len(_t2s().convert(ch)) == 1 else ch for ch in text)
    text, offsets = _rewrite(text, offsets, _ZERO_WIDTH, _drop)
    text, offsets = _rewrite(text, offsets, _SPLIT_CJK, _join)
    text, offsets = _rewrite(text, offsets, _SPLIT_LATIN, _join_latin)
    text, offsets = _rewrite(text, offsets, _LEET_WORD, _leet)
    automaton, _ = _current_standins(standins)
    if automaton is not None and text:
        spans = []
        for end, (variant, canon) in automaton.iter_long(text):
            start = end - len(variant) + 1
            # a latin stand-in must not be part of a longer latin word
            if _LATIN_CHAR.match(variant[0]) and start > 0 and _LATIN_CHAR.match(text[start - 1]):
                continue
            if _LATIN_CHAR.match(variant[-1]) and end + 1 < len(text) and _LATIN_CHAR.match(text[end + 1]):
                continue
            # first maps to first, last to last, so a span covers the whole stand-in
            last, k = len(variant) - 1, len(canon) - 1
            spans.append((start, end + 1, [(ch, i * last // k if k else 0) for i, ch in enumerate(canon)]))
        if spans:
            text, offsets = _apply(text, offsets, spans)
    if offsets is not None and len(offsets) == len(original) and offsets == list(range(len(original))):
        offsets = None  # same-length replacements only: the identity map
    return Normalised(text, original, tuple(offsets) if offsets is not None else None)


def normalise_text(text: str) -> str:
    """Only the normalised string (for training and vectorising)."""
    return normalise(text).text
