"""The scikit-learn pipeline and ``Model``: model + lexicon + checks → one result.

Pipeline (over normalised text): word TF-IDF over ``ChineseTokenizer`` (1-2
grams) and character 2-3-gram TF-IDF, joined; then per category a logistic
regression with sigmoid-calibrated probabilities (``MultiOutputClassifier`` of
``CalibratedClassifierCV``).

The lexicon enters the model as features (``LexiconFeatures``), so the model
learns how much a hit counts in its context. Per category the final score is
the model probability, raised to the review threshold when a structural check
hit (checks need an item's structure, e.g. a shop's licence field, so they
cannot be learnt from the text corpus): a check alone asks for a person's
review, never a block.

and the verdict is ``block`` at or above the block threshold, ``review`` at or
above the review threshold, else ``pass`` (thresholds chosen on out-of-fold
training scores, stored in the artifact's sidecar).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import sklearn
from scipy import sparse
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.multioutput import MultiOutputClassifier
from sklearn.pipeline import FeatureUnion, Pipeline

from classifiers.checks import CheckHit, run_checks
from classifiers.features import CompactTfidfVectorizer, LexiconFeatures, shared_lexicon
from classifiers.lexicon import CATEGORIES, Hit, Lexicon
from classifiers.normalise import Normalised, normalise
from classifiers.tokenise import ChineseTokenizer, load_dictionary

log = logging.getLogger(__name__)

DICTIONARY_FILE = Path(__file__).resolve().parent / "data" / "dictionary.txt"
SNIPPET_CHARS = 60
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def build_pipeline(dictionary: tuple[str, ...] | None = None, C: float = 4.0, engine: str = "rjieba") -> Pipeline:
    if dictionary is None:
        dictionary = load_dictionary(DICTIONARY_FILE) if DICTIONARY_FILE.is_file() else ()
    words = CompactTfidfVectorizer(tokenizer=ChineseTokenizer(dictionary=tuple(dictionary), engine=engine),
                                   token_pattern=None, lowercase=False, ngram_range=(1, 2), min_df=2,
                            max_features=30000, sublinear_tf=True, dtype=np.float32)
    chars = CompactTfidfVectorizer(analyzer="char", ngram_range=(2, 3), min_df=2, max_features=30000,
                            lowercase=False, sublinear_tf=True, dtype=np.float32)
    linear = LogisticRegression(C=C, class_weight="balanced", max_iter=3000)
    return Pipeline([
        ("features", FeatureUnion([("words", words), ("chars", chars), ("lexicon", LexiconFeatures())])),
        ("classify", MultiOutputClassifier(CalibratedClassifierCV(linear, method="sigmoid", cv=3, ensemble=False))),
    ])


def model_input(norm_title: str, norm_text: str) -> str:
    return f"{norm_title}\n{norm_text}" if norm_title else norm_text


def positive_proba(pipeline: Pipeline, X) -> np.ndarray:
    """(n, 3) probabilities of the positive class per category, from features or texts."""
    clf = pipeline.named_steps["classify"]
    if not hasattr(X, "shape"):
        X = pipeline.named_steps["features"].transform(X)
    return np.column_stack([p[:, 1] for p in clf.predict_proba(X)])


def combine(p_model: float, check: bool, review: float) -> float:
    """The final score: the model's, raised to the review threshold when a structural check hit."""
    return max(p_model, review) if check else p_model


def snippet(original: str, start: int, end: int) -> str:
    lo, hi = max(0, start - SNIPPET_CHARS), min(len(original), end + SNIPPET_CHARS)
    text = _CONTROL.sub(" ", original[lo:hi])
    return ("…" if lo else "") + text + ("…" if hi < len(original) else "")


@dataclass
class Model:
    """A trained pipeline with its thresholds; ``classify`` is safe to call from many threads."""

    pipeline: Pipeline
    thresholds: dict[str, dict[str, float]]
    version: str
    meta: dict = field(default_factory=dict)
    lexicon: Lexicon = field(default_factory=shared_lexicon)
    top_features: int = 5
    registry_path: Path | None = None  # the outlet registry CSV (None: the bundled one)

    def __post_init__(self):
        union = self.pipeline.named_steps["features"]
        self._names = np.asarray(union.get_feature_names_out(), dtype=object)
        coefs = []
        for est in self.pipeline.named_steps["classify"].estimators_:
            coefs.append(np.mean([c.estimator.coef_[0] for c in est.calibrated_classifiers_], axis=0))
        self._coef = np.vstack(coefs).astype(np.float32)
        # the lexicon is matched once per document, for the features and the evidence alike,
        # when the union is the plain (words, chars, lexicon) one built by build_pipeline
        self._one_match = (union.transformer_weights is None
                           and [type(t) for _, t in union.transformer_list]
                           == [CompactTfidfVectorizer, CompactTfidfVectorizer, LexiconFeatures]
                           and shared_lexicon(union.transformer_list[2][1].directory) is self.lexicon)

    def features(self, inputs: list[str]) -> tuple[sparse.csr_matrix, list[dict]]:
        """The feature matrix of model inputs and the lexicon hits of each input."""
        union = self.pipeline.named_steps["features"]
        hits = [self.lexicon.match(Normalised(s, s)) for s in inputs]
        if not self._one_match:
            return union.transform(inputs).tocsr(), hits
        words, chars = union.transformer_list[0][1], union.transformer_list[1][1]
        X = sparse.hstack([words.transform(inputs), chars.transform(inputs), LexiconFeatures.rows(hits)],
                          format="csr")
        return X, hits

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

    def _classify_batch(self, docs: list[dict], explain_all: bool) -> list[dict]:
        texts = [normalise(d.get("text") or "") for d in docs]
        titles = [normalise(d.get("title") or "") for d in docs]
        # inputs are our own normalised strings and our own sparse matrices: skip the
        # per-call validation that would otherwise cost as much as the model itself
        with sklearn.config_context(assume_finite=True, skip_parameter_validation=True):
            X, hits = self.features([model_input(t.text, x.text) for t, x in zip(titles, texts)])
            proba = positive_proba(self.pipeline, X)
        # each row's contribution to each category's decision: x_j * coef_kj, top few per category
        contrib = self._coef[:, X.indices] * X.data  # (3, nnz)
        rows = [(contrib[:, X.indptr[i]:X.indptr[i + 1]], X.indices[X.indptr[i]:X.indptr[i + 1]])
                for i in range(len(docs))]
        proba = np.round(proba, 6).tolist()  # plain floats, rounded once for the whole batch
        return [self._result(doc, title, text, hits[i], proba[i], rows[i], explain_all)
                for i, (doc, title, text) in enumerate(zip(docs, titles, texts))]

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

    def _result(self, doc: dict, title: Normalised, text: Normalised, hits: dict, proba, row,
                explain_all: bool) -> dict:
        hits_text, hits_title = {}, {}
        for cat in CATEGORIES:
            hits_text[cat], hits_title[cat] = self._locate(hits[cat], title, text)
        checks = run_checks(doc, self.registry_path)
        scores, verdicts, evidence = {}, {}, {}
        for k, cat in enumerate(CATEGORIES):
            lex = Lexicon.score(hits[cat])
            cat_checks = [c for c in checks if c.category == cat]
            th = self.thresholds[cat]
            score = combine(float(proba[k]), bool(cat_checks), th["review"])
            verdict = "block" if score >= th["block"] else "review" if score >= th["review"] else "pass"
            scores[cat] = score  # already rounded (model) or a threshold
            verdicts[cat] = verdict
            evidence[cat] = self._evidence(k, float(proba[k]), lex, hits_text[cat], hits_title[cat],
                                           cat_checks, row if explain_all or verdict != "pass" else None,
                                           text.original)
        return {"scores": scores, "verdicts": verdicts, "evidence": evidence, "model_version": self.version}

    def _evidence(self, k: int, p_model: float, lex: float, hits: list[Hit], title_hits: list[Hit],
                  checks: list[CheckHit], row, original: str) -> dict:
        features = []
        if row is not None:
            contribs, indices = row
            contrib = contribs[k]
            n = self.top_features
            top = np.argpartition(-contrib, n)[:n] if len(contrib) > n else np.arange(len(contrib))
            top = top[np.argsort(-contrib[top])]
            features = [{"feature": str(self._names[indices[j]]), "weight": round(float(contrib[j]), 4)}
                        for j in top if contrib[j] > 0]
        if hits:
            snip = snippet(original, hits[0].start, hits[0].end)
        else:
            snip = snippet(original, 0, 0) if original and (row is not None or checks) else ""
        return {
            "model_score": p_model,
            "lexicon_score": round(lex, 6) if lex else 0.0,
            "terms": [{"term": h.term, "matched": h.matched, "start": h.start, "end": h.end,
                       "weight": h.weight, "evasion": h.evasion, "field": "text"} for h in hits]
                     + [{"term": h.term, "matched": h.matched, "start": h.start, "end": h.end,
                         "weight": h.weight, "evasion": h.evasion, "field": "title"} for h in title_hits],
            "rules": [{"rule": c.rule, "reason": c.reason} for c in checks],
            "features": features,
            "snippet": snip,
        }
