"""``Model``: a scoring back end + lexicon + checks → one result per document.

The back end is the fitted pipeline (``classifiers.pipeline``: word and character
TF-IDF and lexicon features, then per category a calibrated logistic regression),
either as scikit-learn objects (``SklearnBackend``, from the .skops or from
training) or compiled to numpy arrays (``classifiers.compiled``, from the .npz:
what a crawl process loads; it never imports scikit-learn). Both give the same
scores; this module imports neither scikit-learn nor skops.

The lexicon enters the model as features (``LexiconFeatures``), so the model
learns how much a hit counts in its context. Per category the final score is
the model probability, raised to the review threshold when a structural check
hit (checks need an item's structure, e.g. a shop's licence field, so they
cannot be learnt from the text corpus): a check alone asks for a person's
review, never a block; and the verdict is ``block`` at or above the block
threshold, ``review`` at or above the review threshold, else ``pass``
(thresholds chosen on out-of-fold page scores, stored in the artifact's sidecar).

Passage scoring (issue 11): the title and text form one input, cut into
passages (``classifiers.passages``: a text up to 300 characters whole, else
each paragraph up to 300 characters whole and longer ones in windows of 100
characters, a new one every 50); every passage is scored and a page's model probability per category is
that of its strongest passage, so a bad paragraph in a long clean page is not
diluted. The input is segmented and matched against the lexicon once; each
passage takes the tokens and hits inside it. The page chrome (the item's
``chrome`` field: menus, footers, SEO blocks) is cut into passages apart and
counts at ``CHROME_WEIGHT``, capped below the block threshold: chrome alone can
ask for a review, never block. The evidence names the strongest passage (field,
offsets into the original field, text).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy import sparse

from classifiers.checks import CheckHit, run_checks
from classifiers.lexicon import CATEGORIES, Hit, Lexicon, shared_lexicon
from classifiers.normalise import Normalised, normalise
from classifiers import passages
from classifiers.segment import token_spans

log = logging.getLogger(__name__)

DICTIONARY_FILE = Path(__file__).resolve().parent / "data" / "dictionary.txt"
SNIPPET_CHARS = 60
CHROME_WEIGHT = 0.5  # the page chrome's passages count at half their score, and never block
_EMPTY = Normalised("", "")
_NO_HITS = {c: [] for c in CATEGORIES}
_NO_QUOTES = {c: [] for c in CATEGORIES}
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def model_input(norm_title: str, norm_text: str) -> str:
    return f"{norm_title}\n{norm_text}" if norm_title else norm_text


def combine(p_model: float, check: bool, review: float) -> float:
    """The final score: the model's, raised to the review threshold when a structural check hit."""
    return max(p_model, review) if check else p_model


def snippet(original: str, start: int, end: int) -> str:
    lo, hi = max(0, start - SNIPPET_CHARS), min(len(original), end + SNIPPET_CHARS)
    text = _CONTROL.sub(" ", original[lo:hi])
    return ("…" if lo else "") + text + ("…" if hi < len(original) else "")


@dataclass
class Model:
    """A trained pipeline with its thresholds; ``classify`` is safe to call from many threads.
    ``pipeline``: a fitted scikit-learn pipeline or a ``compiled.CompiledPipeline``."""

    pipeline: object
    thresholds: dict[str, dict[str, float]]
    version: str
    meta: dict = field(default_factory=dict)
    lexicon: Lexicon = field(default_factory=shared_lexicon)
    top_features: int = 5
    registry_path: Path | None = None  # the outlet registry CSV (None: the bundled one)

    def __post_init__(self):
        from classifiers.compiled import CompiledPipeline

        if isinstance(self.pipeline, CompiledPipeline):
            self._backend = self.pipeline
        else:
            from classifiers.pipeline import SklearnBackend
            self._backend = SklearnBackend(self.pipeline)
        self._coef = self._backend.evidence_coef
        # the lexicon is matched once per document, for the features and the evidence alike,
        # when the union is the plain (words, chars, lexicon) one built by build_pipeline
        self._one_match = self._backend.one_match(self.lexicon)
        self._tokenizer = self._backend.segmenting_tokenizer(self.lexicon)

    @property
    def compiled(self) -> bool:
        """Whether this model scores with the compiled arrays (no scikit-learn)."""
        return self._backend is self.pipeline

    @property
    def _names(self) -> np.ndarray:
        return self._backend.feature_names()

    def features(self, inputs: list[str]) -> tuple[sparse.csr_matrix, list[dict]]:
        """The feature matrix of model inputs and the lexicon hits of each input."""
        hits = [self.lexicon.match(Normalised(s, s)) for s in inputs]
        return self._backend.transform(inputs), hits

    def _segment(self, inp: str):
        return token_spans(self._tokenizer, inp)

    def passage_features(self, inputs: list[str]) -> tuple[sparse.csr_matrix, list[list[tuple[int, int]]], list[dict]]:
        """Features of every passage of every input (rows in input order), the passage
        spans of each input and each input's lexicon hits (in the input's offsets).

        Each input is segmented and matched against the lexicon once; a passage's
        tokens, hits and context are the slices of those that fall inside it."""
        all_spans, all_hits, tokens, strings, win_hits, win_quotes, win_context = [], [], [], [], [], [], []
        for inp in inputs:
            seg = self._segment(inp)
            hits = self.lexicon.match(Normalised(inp, inp), seg)
            windows = passages.page_passages(inp)
            bounds = np.array(windows, dtype=np.int64).reshape(-1, 2)
            lo, hi = bounds[:, 0], bounds[:, 1]
            # per passage: the tokens inside it (a slice of the page's), and whether
            # enforcement vocabulary and a reporting verb start inside it
            i0 = np.searchsorted(seg.starts, lo, side="left").tolist()
            i1 = np.searchsorted(seg.ends, hi, side="right").tolist()
            page_tokens = seg.tokens
            tokens += [page_tokens[a:b] for a, b in zip(i0, i1)]
            strings += [inp[a:b] for a, b in windows]
            win_context.append(np.column_stack([passages.starts_in(passages.matches(passages.ENFORCEMENT, inp), lo, hi),
                                                passages.starts_in(passages.matches(passages.REPORTING, inp), lo, hi)]))
            if any(hits[c] for c in CATEGORIES):
                quoted = {c: [passages.distanced(inp, h.start, h.end) for h in hits[c]] for c in CATEGORIES}
                for s, e in windows:
                    wh, wq = {}, {}
                    for c in CATEGORIES:
                        inside = [j for j, h in enumerate(hits[c]) if s <= h.start and h.end <= e]
                        wh[c] = [hits[c][j] for j in inside]
                        wq[c] = [quoted[c][j] for j in inside]
                    win_hits.append(wh)
                    win_quotes.append(wq)
            else:
                win_hits += [_NO_HITS] * len(windows)
                win_quotes += [_NO_QUOTES] * len(windows)
            all_spans.append(windows)
            all_hits.append(hits)
        win_context = np.concatenate(win_context) if win_context else np.zeros((0, 2), dtype=bool)
        if self._one_match:
            lexf = passages.lexicon_rows(win_hits, win_quotes, win_context)
            X = self._backend.transform_passages(tokens, strings, lexf)
        else:
            X = self._backend.transform(strings)
        return X, all_spans, all_hits

    # -- inputs -----------------------------------------------------------------------------
    @staticmethod
    def _doc(doc) -> dict:
        if isinstance(doc, str):
            return {"text": doc}
        if not isinstance(doc, dict):
            raise TypeError(f"classify() needs a str or a dict, got {type(doc).__name__}")
        if not isinstance(doc.get("text") or "", str) or not isinstance(doc.get("title") or "", str):
            raise TypeError("classify(): fields 'text' and 'title' must be strings (or absent)")
        return doc

    def classify(self, doc: dict | str) -> dict:
        """One document: ``{"text", "title"?, "kind"/"source_kind"?, item fields...}`` or a plain string."""
        return self.classify_many([doc])[0]

    def classify_many(self, docs, batch: int = 256, explain: str = "flagged") -> list[dict]:
        """Many documents, in order (vectorised in batches of ``batch``). The top model
        features are listed for the categories flagged (``explain="flagged"``, the
        default: a flag always carries them) or for all (``explain="all"``)."""
        if explain not in ("flagged", "all"):
            raise ValueError(f"explain must be 'flagged' or 'all', got {explain!r}")
        docs = [self._doc(d) for d in docs]
        out: list[dict] = []
        for i in range(0, len(docs), batch):
            out.extend(self._classify_batch(docs[i:i + batch], explain == "all"))
        return out

    def _score_passages(self, docs: list[dict]):
        """Normalised parts of each document, the passage features and probabilities.
        The main input (title and text) and the page chrome are passages apart."""
        texts = [normalise(d.get("text") or "") for d in docs]
        titles = [normalise(d.get("title") or "") for d in docs]
        chromes = [normalise(d.get("chrome") or "") if isinstance(d.get("chrome"), str) else _EMPTY
                   for d in docs]
        inputs = [model_input(t.text, x.text) for t, x in zip(titles, texts)] + [c.text for c in chromes]
        X, spans, hits = self.passage_features(inputs)
        proba = self._backend.proba(X)
        offsets = np.cumsum([0] + [len(s) for s in spans])
        return texts, titles, chromes, X, spans, hits, proba, offsets

    def page_proba(self, docs) -> np.ndarray:
        """(n, 3) model probabilities of whole documents: the strongest passage of the
        title and text per category (chrome and structural checks left out)."""
        docs = [self._doc(d) for d in docs]
        out = np.zeros((len(docs), len(CATEGORIES)))
        for i in range(0, len(docs), 256):
            part = docs[i:i + 256]
            *_, proba, offsets = self._score_passages(part)
            for j in range(len(part)):
                out[i + j] = proba[offsets[j]:offsets[j + 1]].max(axis=0)
        return out

    def _classify_batch(self, docs: list[dict], explain_all: bool) -> list[dict]:
        texts, titles, chromes, X, spans, hits, proba, offsets = self._score_passages(docs)
        n = len(docs)
        out = []
        for i, doc in enumerate(docs):
            main = proba[offsets[i]:offsets[i + 1]]
            chrome = proba[offsets[n + i]:offsets[n + i + 1]]
            best = main.argmax(axis=0)
            best_chrome = chrome.argmax(axis=0)
            parts = {"main": (offsets[i], spans[i], main, best, hits[i]),
                     "chrome": (offsets[n + i], spans[n + i], chrome, best_chrome, hits[n + i])}
            out.append(self._result(doc, titles[i], texts[i], chromes[i], parts, X, explain_all))
        return out

    # -- one result -------------------------------------------------------------------------
    @staticmethod
    def _locate(hits: list[Hit], title: Normalised, text: Normalised) -> tuple[list[Hit], list[Hit]]:
        """Hits in the model input ("title\ntext", normalised) as hits in the original text and
        title; a hit across the line between them counts for the model but is not shown."""
        in_text, in_title = [], []
        skip = len(title.text) + 1 if title.text else 0
        for h in hits:
            if skip and h.end <= len(title.text):
                part, out, start, end = title, in_title, h.start, h.end
            elif h.start >= skip:
                part, out, start, end = text, in_text, h.start - skip, h.end - skip
            else:
                continue
            o_start, o_end = part.span(start, end)
            out.append(Hit(h.category, h.term, part.original[o_start:o_end], o_start, o_end, h.weight, h.evasion))
        return in_text, in_title

    def _passage(self, title: Normalised, text: Normalised, chrome: Normalised, part: str,
                 span: tuple[int, int]) -> dict:
        """A passage [start, end) of a model input as field, offsets and text of the original."""
        s, e = span
        if part == "chrome":
            if e <= s:
                return {"field": "chrome", "start": 0, "end": 0, "text": ""}
            o_s, o_e = chrome.span(s, e)
            return {"field": "chrome", "start": o_s, "end": o_e, "text": chrome.original[o_s:o_e]}
        skip = len(title.text) + 1 if title.text else 0
        if skip and (e <= skip or not text.text):
            s, e = min(s, len(title.text)), min(e, len(title.text))
            if e <= s:
                return {"field": "title", "start": 0, "end": 0, "text": ""}
            o_s, o_e = title.span(s, e)
            return {"field": "title", "start": o_s, "end": o_e, "text": title.original[o_s:o_e]}
        s, e = max(0, s - skip), min(len(text.text), e - skip)
        if e <= s:
            return {"field": "text", "start": 0, "end": 0, "text": ""}
        o_s, o_e = text.span(s, e)
        return {"field": "text", "start": o_s, "end": o_e, "text": _CONTROL.sub(" ", text.original[o_s:o_e])}

    def _result(self, doc: dict, title: Normalised, text: Normalised, chrome: Normalised, parts: dict,
                X: sparse.csr_matrix, explain_all: bool) -> dict:
        m_off, m_spans, m_proba, m_best, m_hits = parts["main"]
        c_off, c_spans, c_proba, c_best, c_hits = parts["chrome"]
        hits_text, hits_title = {}, {}
        for cat in CATEGORIES:
            hits_text[cat], hits_title[cat] = self._locate(m_hits[cat], title, text)
        checks = run_checks(doc, self.registry_path)
        scores, verdicts, evidence = {}, {}, {}
        for k, cat in enumerate(CATEGORIES):
            th = self.thresholds[cat]
            p_main = float(m_proba[m_best[k], k])
            # the chrome is judged apart, at a lower weight, and never alone enough to block
            p_chrome = min(round(CHROME_WEIGHT * float(c_proba[c_best[k], k]), 6) if chrome.text else 0.0,
                           max(0.0, th["block"] - 1e-6))
            from_chrome = p_chrome > p_main
            p_model = round(max(p_main, p_chrome), 6)
            cat_checks = [c for c in checks if c.category == cat]
            score = combine(p_model, bool(cat_checks), th["review"])
            verdict = "block" if score >= th["block"] else "review" if score >= th["review"] else "pass"
            scores[cat] = score
            verdicts[cat] = verdict
            if from_chrome:
                row, span, part = c_off + c_best[k], c_spans[c_best[k]], "chrome"
            else:
                row, span, part = m_off + m_best[k], m_spans[m_best[k]], "main"
            passage = self._passage(title, text, chrome, part, span)
            lex = Lexicon.score(m_hits[cat] + c_hits[cat])
            chrome_terms = [Hit(h.category, h.term, chrome.original[a:b], a, b, h.weight, h.evasion)
                            for h in c_hits[cat] for a, b in [chrome.span(h.start, h.end)]]
            evidence[cat] = self._evidence(k, p_model, lex, hits_text[cat], hits_title[cat], chrome_terms,
                                           cat_checks, X, row if explain_all or verdict != "pass" else None,
                                           passage, text.original)
        return {"scores": scores, "verdicts": verdicts, "evidence": evidence, "model_version": self.version}

    def _evidence(self, k: int, p_model: float, lex: float, hits: list[Hit], title_hits: list[Hit],
                  chrome_hits: list[Hit], checks: list[CheckHit], X, row, passage: dict,
                  original: str) -> dict:
        features = []
        if row is not None:
            lo, hi = X.indptr[row], X.indptr[row + 1]
            indices = X.indices[lo:hi]
            contrib = self._coef[k, indices] * X.data[lo:hi]
            n = self.top_features
            top = np.argpartition(-contrib, n)[:n] if len(contrib) > n else np.arange(len(contrib))
            top = top[np.argsort(-contrib[top])]
            features = [{"feature": str(self._names[indices[j]]), "weight": round(float(contrib[j]), 4)}
                        for j in top if contrib[j] > 0]
        in_passage = [h for h in hits if passage["field"] == "text"
                      and passage["start"] <= h.start and h.end <= passage["end"]]
        if in_passage:
            snip = snippet(original, in_passage[0].start, in_passage[0].end)
        elif hits and passage["field"] != "chrome":
            snip = snippet(original, hits[0].start, hits[0].end)
        elif passage["text"] and (row is not None or checks):
            snip = passage["text"]
        else:
            snip = snippet(original, 0, 0) if original and (row is not None or checks) else ""
        def term(h: Hit, where: str) -> dict:
            return {"term": h.term, "matched": h.matched, "start": h.start, "end": h.end,
                    "weight": h.weight, "evasion": h.evasion, "field": where}
        return {
            "model_score": p_model,
            "lexicon_score": round(lex, 6) if lex else 0.0,
            "terms": [term(h, "text") for h in hits] + [term(h, "title") for h in title_hits]
                     + [term(h, "chrome") for h in chrome_hits],
            "rules": [{"rule": c.rule, "reason": c.reason} for c in checks],
            "features": features,
            "passage": passage if (row is not None or checks) else None,
            "snippet": snip,
        }
