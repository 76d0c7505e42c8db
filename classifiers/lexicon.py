"""Weighted terms per category, their known evasions, and allow-list phrases.

Data: ``data/lexicon/<category>.yaml`` (an analyst edits these)::

    category: vulgar
    terms:
      - term: 色情直播          # canonical form, shown as evidence
        weight: 0.9             # 0 < weight <= 1
        evasions: [seqing直播, sq直播]   # homophones, pinyin, initials, split forms
    allow:
      - phrase: 扫黄打非         # a phrase that cancels hits in its context
        window: 40              # chars either side (0: only hits inside the phrase)
    carriers: [炎黄文化]          # words that carry a term's characters: hits inside never count

A Chinese term matches only on word boundaries (``boundary: word``, the
default): the hit must start and end where jieba's tokens of the text start
and end, or lie inside one token that is a dictionary word (色情 in 色情片),
never cut through a word or a name the HMM found (黄文 in 炎黄文化, 黄文丁). A
term with ``boundary: any`` matches anywhere (evasions spelled with stand-ins,
long phrases that no word contains).

Each Chinese term is also matched in toneless pinyin ("luo liao", "luoliao")
and, from three syllables, by its initials ("sygl"), as latin words; the
pinyin forms come from pypinyin once and are cached in
``data/lexicon-pinyin.json`` (pypinyin is imported only for a term that is not
cached yet). ``pinyin: false`` on a term turns that off.

Terms, evasions and allow phrases are normalised like the text and matched
with one Aho-Corasick automaton (pyahocorasick) over the normalised text. A
latin term only matches as a whole latin word. A price far below the list price
shown in the same text (``classifiers.prices``) is a hit of
``unlicensed_publication`` too, term "远低于定价". The files are re-read when one
of them changes (mtime), without retraining.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import ahocorasick
import yaml

from classifiers.errors import DataError
from classifiers.normalise import Normalised, normalise
from classifiers.prices import PRICE_TERM, PRICE_WEIGHT, price_gaps

log = logging.getLogger(__name__)

CATEGORIES = ("vulgar", "unlicensed_publication", "fake_media")
LEXICON_DIR = Path(__file__).resolve().parent / "data" / "lexicon"
PINYIN_CACHE = Path(__file__).resolve().parent / "data" / "lexicon-pinyin.json"
_LATIN = re.compile(r"[a-z0-9]")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
_ALL_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")
BOUNDARIES = ("word", "any")


def pinyin_forms(terms: list[str], cache_path: Path | None = None) -> dict[str, list[str]]:
    """Toneless pinyin forms of all-Chinese terms: joined, spaced, and initials from three
    syllables. Read from the cache file; terms missing there are converted with pypinyin
    and the cache rewritten (when writable)."""
    import json

    cache_path = Path(cache_path or PINYIN_CACHE)
    try:
        cache = json.loads(cache_path.read_text(encoding="utf-8"))
        if not isinstance(cache, dict):
            cache = {}
    except (OSError, ValueError):
        cache = {}
    wanted = [t for t in dict.fromkeys(terms) if _ALL_HAN.fullmatch(t)]
    missing = [t for t in wanted if t not in cache]
    if missing:
        from pypinyin import Style, lazy_pinyin
        for term in missing:
            syllables = lazy_pinyin(term, style=Style.NORMAL, errors="ignore")
            forms = ["".join(syllables), " ".join(syllables)]
            if len(syllables) >= 3:
                forms.append("".join(x[0] for x in syllables if x))
            cache[term] = list(dict.fromkeys(f for f in forms if f))
        try:
            cache_path.write_text(json.dumps(dict(sorted(cache.items())), ensure_ascii=False, indent=0) + "\n",
                                  encoding="utf-8")
        except OSError:
            log.info("pinyin cache %s is not writable; pinyin forms kept in memory", cache_path)
    return {t: cache[t] for t in wanted}


@dataclass(frozen=True)
class Hit:
    category: str
    term: str          # canonical term
    matched: str       # the original text that matched
    start: int         # offsets into the ORIGINAL text
    end: int
    weight: float
    evasion: bool


@dataclass(frozen=True)
class _Entry:
    kind: str          # "term" | "allow"
    category: str
    canonical: str
    weight: float
    window: int
    evasion: bool
    latin_start: bool
    latin_end: bool
    word: bool = False  # matched on word boundaries only


def _num(value, where: str, lo: float, hi: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not lo <= value <= hi:
        raise DataError(f"{where} must be a number in [{lo}, {hi}], got {value!r}")
    return float(value)


def _parse(path: Path) -> tuple[str, list[tuple[str, _Entry]]]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise DataError(f"{path}: cannot read lexicon: {exc}") from exc
    if not isinstance(data, dict):
        raise DataError(f"{path}: a lexicon file must be a mapping with 'category' and 'terms'")
    category = data.get("category")
    if category not in CATEGORIES:
        raise DataError(f"{path}: field 'category' must be one of {', '.join(CATEGORIES)}, got {category!r}")
    entries: list[tuple[str, _Entry]] = []
    for i, item in enumerate(data.get("terms") or []):
        where = f"{path}: terms[{i}]"
        if not isinstance(item, dict) or not isinstance(item.get("term"), str) or not item["term"].strip():
            raise DataError(f"{where}: field 'term' must be a non-empty string")
        weight = _num(item.get("weight", 0.5), f"{where}: field 'weight'", 0.0, 1.0)
        evasions = item.get("evasions") or []
        if not isinstance(evasions, list) or not all(isinstance(e, str) and e.strip() for e in evasions):
            raise DataError(f"{where}: field 'evasions' must be a list of non-empty strings")
        boundary = item.get("boundary", "word")
        if boundary not in BOUNDARIES:
            raise DataError(f"{where}: field 'boundary' must be one of {', '.join(BOUNDARIES)}, got {boundary!r}")
        use_pinyin = item.get("pinyin", True)
        if not isinstance(use_pinyin, bool):
            raise DataError(f"{where}: field 'pinyin' must be true or false")
        canonical = item["term"].strip()
        for form, is_evasion in [(canonical, False)] + [(e.strip(), True) for e in evasions]:
            entries.append((form, _Entry("term", category, canonical, weight, 0, is_evasion, False, False,
                                         boundary == "word" and bool(_HAN.search(form)))))
        if use_pinyin:
            entries.append(("\x00pinyin", _Entry("term", category, canonical, weight, 0, True, True, True)))
    carriers = data.get("carriers") or []
    if not isinstance(carriers, list) or not all(isinstance(c, str) and c.strip() for c in carriers):
        raise DataError(f"{path}: field 'carriers' must be a list of non-empty strings")
    for phrase in carriers:
        entries.append((phrase.strip(), _Entry("allow", category, phrase.strip(), 0.0, 0, False, False, False)))
    for i, item in enumerate(data.get("allow") or []):
        where = f"{path}: allow[{i}]"
        if not isinstance(item, dict) or not isinstance(item.get("phrase"), str) or not item["phrase"].strip():
            raise DataError(f"{where}: field 'phrase' must be a non-empty string")
        window = int(_num(item.get("window", 0), f"{where}: field 'window'", 0, 500))
        entries.append((item["phrase"].strip(), _Entry("allow", category, item["phrase"].strip(), 0.0, window,
                                                       False, False, False)))
    return category, entries


class _Snapshot:
    """An immutable, compiled lexicon (swapped whole on reload, so readers need no lock)."""

    def __init__(self, files: list[Path]):
        self.automaton = ahocorasick.Automaton()
        self.terms: dict[str, dict[str, float]] = {c: {} for c in CATEGORIES}
        keys: dict[str, list[_Entry]] = {}
        parsed = [_parse(path) for path in files]
        wanted = [e.canonical for _, entries in parsed for form, e in entries if form == "\x00pinyin"]
        pinyin = pinyin_forms([normalise(t).text for t in wanted]) if wanted else {}
        for category, entries in parsed:
            expanded = []
            for form, entry in entries:
                if form == "\x00pinyin":
                    expanded += [(f, entry) for f in pinyin.get(normalise(entry.canonical).text, [])]
                else:
                    expanded.append((form, entry))
            for form, entry in expanded:
                key = normalise(form).text
                if not key:
                    continue
                entry = _Entry(entry.kind, entry.category, entry.canonical, entry.weight, entry.window,
                               entry.evasion, bool(_LATIN.match(key[0])), bool(_LATIN.match(key[-1])),
                               entry.word)
                same = keys.setdefault(key, [])
                if not any(e.kind == entry.kind and e.category == entry.category
                           and e.canonical == entry.canonical for e in same):
                    same.append(entry)
                if entry.kind == "term":
                    self.terms[category][entry.canonical] = entry.weight
        for key, entries in keys.items():
            self.automaton.add_word(key, (len(key), tuple(entries)))
        if keys:
            self.automaton.make_automaton()
        self.empty = not keys


class Lexicon:
    """The lexicon in ``directory`` (default: the bundled one), reloaded when a file changes."""

    def __init__(self, directory: Path | str | None = None, check_interval: float = 1.0):
        self.directory = Path(directory) if directory else LEXICON_DIR
        self.check_interval = check_interval
        self._lock = threading.Lock()
        self._checked = 0.0
        self._mtimes = self._stat()
        self._snap = _Snapshot(sorted(self._mtimes))

    def _stat(self) -> dict[Path, float]:
        files = {p: p.stat().st_mtime for p in self.directory.glob("*.yaml") if p.name != "standins.yaml"}
        if not files:
            raise DataError(f"{self.directory}: no lexicon files (*.yaml)")
        return files

    def maybe_reload(self) -> bool:
        """Re-read the files if one changed (checked at most every ``check_interval`` s)."""
        now = time.monotonic()
        if now - self._checked < self.check_interval:
            return False
        with self._lock:
            self._checked = now
            mtimes = self._stat()
            if mtimes == self._mtimes:
                return False
            self._snap = _Snapshot(sorted(mtimes))
            self._mtimes = mtimes
            log.info("lexicon reloaded from %s", self.directory)
            return True

    def terms(self, category: str) -> dict[str, float]:
        return dict(self._snap.terms[category])

    def match(self, norm: Normalised, segmentation=None) -> dict[str, list[Hit]]:
        """Hits per category, after allow-list phrases cancelled those in their context.
        ``segmentation`` (``tokenise.token_spans`` of ``norm.text``) gives the word
        boundaries; without it the text is segmented here when a word-bound term hits."""
        self.maybe_reload()
        snap = self._snap
        hits: dict[str, list[Hit]] = {c: [] for c in CATEGORIES}
        if snap.empty:
            return hits
        text = norm.text
        seg = segmentation
        raw: list[tuple[int, int, _Entry]] = []
        allows: list[tuple[int, int, _Entry]] = []
        for end, (length, entries) in snap.automaton.iter(text):
            start = end - length + 1
            for e in entries:
                if e.latin_start and start > 0 and _LATIN.match(text[start - 1]):
                    continue
                if e.latin_end and end + 1 < len(text) and _LATIN.match(text[end + 1]):
                    continue
                if e.word and e.kind == "term":
                    if seg is None:
                        from classifiers.segment import default_tokenizer, token_spans
                        seg = token_spans(default_tokenizer(), text)
                    if not on_word_boundaries(seg, start, end + 1):
                        continue
                (allows if e.kind == "allow" else raw).append((start, end + 1, e))
        if snap.terms.get(_PRICE.category):  # a price far below the list price: a term without words
            raw += [(start, end, _PRICE) for start, end in price_gaps(text)]
        raw.sort(key=lambda r: (r[0] - r[1], r[0]))  # longest first
        kept: list[tuple[int, int, _Entry]] = []
        for start, end, e in raw:
            if any(k.canonical == e.canonical and k.category == e.category and s <= start and end <= t
                   for s, t, k in kept):
                continue  # the same term already hit on a span containing this one
            if any(a.category == e.category and s - a.window <= start and end <= t + a.window
                   for s, t, a in allows):
                continue
            kept.append((start, end, e))
            o_start, o_end = norm.span(start, end)
            hits[e.category].append(Hit(e.category, e.canonical, norm.original[o_start:o_end],
                                        o_start, o_end, e.weight, e.evasion))
        for found in hits.values():
            found.sort(key=lambda h: h.start)
        return hits

    def has_terms(self) -> bool:
        return not self._snap.empty

    @staticmethod
    def score(hits: list[Hit]) -> float:
        """1 - prod(1 - weight) over the distinct canonical terms hit."""
        weights = {h.term: h.weight for h in hits}
        p = 1.0
        for w in weights.values():
            p *= 1.0 - w
        return 1.0 - p


_PRICE = _Entry("term", "unlicensed_publication", PRICE_TERM, PRICE_WEIGHT, 0, False, False, False)


def on_word_boundaries(seg, start: int, end: int) -> bool:
    """Whether the hit [start, end) starts and ends on token edges, or lies inside one
    token that is a dictionary word (色情 in 色情片; not 黄文 in the name 黄文丁, a word
    the HMM made up; never a hit that cuts into a neighbouring word, 黄文 in 炎黄文化)."""
    b = seg.boundary
    if b[start] and b[end]:
        return True
    t_start, t_end, token = seg.raw_token_at(start)
    return t_start <= start and end <= t_end and bool(seg.in_dictionary(token))


_shared: dict[str | None, Lexicon] = {}
_shared_lock = threading.Lock()


def shared_lexicon(directory: str | None = None) -> Lexicon:
    """One ``Lexicon`` per directory for the process (it reloads itself when its files change)."""
    with _shared_lock:
        if directory not in _shared:
            _shared[directory] = Lexicon(directory)
        return _shared[directory]
