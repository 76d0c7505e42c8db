"""Evasions of positive texts, generated at training (and test) time.

The tricks sellers use to slip past keyword filters: a known evasion of a
lexicon term (homophone, pinyin, initials — from the lexicon files), a term
split by spaces or symbols ("网 盘 链 接", "记-者-证"), zero-width characters
inside a term, traditional characters, full-width letters, and stand-ins
("v信"). ``evade(example, n)`` returns ``n`` variants, deterministic per id.
"""

from __future__ import annotations

import random
import re
from functools import lru_cache
from pathlib import Path

import opencc
import yaml

from classifiers.corpus import Example
from classifiers.lexicon import LEXICON_DIR

SEPARATORS = [" ", "-", "·", "*", "|", "_", "/", ".", " ", "~"]
_CJK_WORD = re.compile("[\u4e00-\u9fff]{2,4}")
_LATIN_EDGE = re.compile("[A-Za-z]")


@lru_cache(maxsize=1)
def _known(directory: str = str(LEXICON_DIR)) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(canonical term, its known evasions) from the lexicon files, longest term first."""
    pairs = []
    for path in sorted(Path(directory).glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if path.name == "standins.yaml":
            for canonical, variants in (data.get("standins") or {}).items():
                pairs.append((str(canonical), tuple(variants)))
            continue
        for item in data.get("terms") or []:
            terms = tuple(e for e in item.get("evasions") or [] if e)
            if terms:
                pairs.append((item["term"], terms))
    return tuple(sorted(pairs, key=lambda p: -len(p[0])))


@lru_cache(maxsize=1)
def _s2t() -> opencc.OpenCC:
    return opencc.OpenCC("s2t")


def _at(term: str, text: str) -> int:
    """Where ``term`` occurs in ``text`` as the lexicon would match it, or -1: a term
    that begins or ends with a latin letter only as whole latin words ("av" is not
    in "available": replacing it there made a piracy text look vulgar)."""
    if not _LATIN_EDGE.search(term[:1] + term[-1:]):
        return text.find(term)
    m = re.search(("(?<![a-z])" if _LATIN_EDGE.match(term[0]) else "") + re.escape(term)
                  + ("(?![a-z])" if _LATIN_EDGE.match(term[-1]) else ""), text, flags=re.IGNORECASE)
    return m.start() if m else -1


def _replace(text: str, term: str, new: str) -> str:
    i = _at(term, text)
    return text if i < 0 else text[:i] + new + text[i + len(term):]


def _terms_in(text: str) -> list[str]:
    found = [t for t, _ in _known() if len(t) >= 2 and _at(t, text) >= 0]
    return found or _CJK_WORD.findall(text)[:20]


def known_evasion(text: str, rng: random.Random) -> str:
    options = [(t, ev) for t, ev in _known() if _at(t, text) >= 0]
    if not options:
        return split_chars(text, rng)
    for term, evasions in rng.sample(options, min(len(options), 3)):
        text = _replace(text, term, rng.choice(evasions))
    return text


def split_chars(text: str, rng: random.Random) -> str:
    terms = _terms_in(text)
    if not terms:
        return text
    for term in rng.sample(terms, min(len(terms), 2)):
        sep = rng.choice(SEPARATORS)
        text = _replace(text, term, sep.join(term))
    return text


def zero_width(text: str, rng: random.Random) -> str:
    terms = _terms_in(text)
    for term in rng.sample(terms, min(len(terms), 3)):
        text = _replace(text, term, rng.choice(["\u200b", "\u200c", "\u2060", "\ufeff"]).join(term))
    return text


def traditional(text: str, rng: random.Random) -> str:
    return _s2t().convert(text)


def full_width(text: str, rng: random.Random) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


TRICKS = (known_evasion, split_chars, zero_width, traditional, full_width)


def evade_text(text: str, seed: str, variant: int = 0) -> str:
    rng = random.Random(f"{seed}/{variant}")
    tricks = rng.sample(TRICKS, rng.choice((2, 3)))
    if known_evasion not in tricks and split_chars not in tricks:
        tricks[0] = rng.choice((known_evasion, split_chars))
    out = text
    for trick in tricks:
        out = trick(out, rng)
    return out


def evade(example: Example, n: int = 1, first: int = 0) -> list[Example]:
    """``n`` evasive variants (numbers ``first``…) of a positive example (same labels, origin "evasion")."""
    out = []
    for v in range(first, first + n):
        out.append(Example(f"{example.id}~ev{v}", evade_text(example.text, example.id, v),
                           evade_text(example.title, example.id + "/t", v) if example.title else "",
                           example.source_kind, example.labels, example.hard_negative, "evasion"))
    return out
