"""Training: corpus + generated evasions + real clean reviews → a ``Model`` and its sidecar.

1. Load the corpus; keep only the training side of the id-hash split.
2. Add ``N_EVASIONS`` evasive variants of each training positive, a sample of
   the calibration half of the real reviews as clean negatives, and any extra
   labelled examples (``extra``: an iterable or a callable returning one, of
   dicts ``{"text", "title"?, "source_kind"?, "labels": [...]}`` — the hook for
   ``patrol train --with-reviews``, fed from confirmed / dismissed flags).
3. Out-of-fold scores (grouped K-fold: an example and its evasions stay in one
   fold) choose the review and block thresholds per category.
4. Fit the final pipeline on all of it.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
from sklearn.base import clone
from sklearn.model_selection import GroupKFold

from classifiers.corpus import Example, corpus_hash, load_corpus, load_reviews, parse_example, split
from classifiers.errors import DataError
from classifiers.evasion import evade
from classifiers.lexicon import CATEGORIES
from classifiers.model import Model, build_pipeline, model_input, positive_proba
from classifiers.normalise import normalise

log = logging.getLogger(__name__)

N_EVASIONS = 2
REVIEW_NEGATIVES = 4000
FOLDS = 4
REVIEW_PRECISION = 0.95   # target precision at the review threshold (out-of-fold)
BLOCK_PRECISION = 0.995   # target precision at the block threshold (out-of-fold)
C_DEFAULT = 16.0          # inverse regularisation of the logistic regressions
HARD_WEIGHT = 8.0         # sample weight of a hard negative (others: 1)
HARD_FLAGGED = 0.015      # largest share of hard negatives one category may flag (out-of-fold)
REVIEWS_FLAGGED = 0.002   # largest share of clean reviews one category may flag (out-of-fold)

Progress = Callable[[str], None]


def labels(examples: list[Example]) -> np.ndarray:
    return np.array([[c in e.labels for c in CATEGORIES] for e in examples], dtype=bool)


def extra_examples(extra: Iterable | Callable[[], Iterable] | None) -> list[Example]:
    if extra is None:
        return []
    records = extra() if callable(extra) else extra
    out = []
    for n, rec in enumerate(records, start=1):
        rec = dict(rec)
        rec.setdefault("id", f"extra:{n}")
        rec.setdefault("source_kind", "page")
        out.append(parse_example(rec, f"extra example {n}", origin="extra"))
    return out


def prepared(examples: list[Example]) -> list[str]:
    """Model inputs (normalised title and text) of examples."""
    return [model_input(normalise(e.title).text, normalise(e.text).text) for e in examples]


def choose_thresholds(y: np.ndarray, scores: np.ndarray, hard: np.ndarray,
                      review_rows: np.ndarray) -> dict[str, dict[str, float]]:
    """Per category, from out-of-fold scores: review = the threshold of best F1 among those
    with precision ≥ REVIEW_PRECISION, at most HARD_FLAGGED of the hard negatives and at most
    REVIEWS_FLAGGED of the clean reviews flagged; block = the lowest threshold with precision
    ≥ BLOCK_PRECISION."""
    out = {}
    for k, cat in enumerate(CATEGORIES):
        order = np.argsort(-scores[:, k])
        s, t = scores[order, k], y[order, k]
        tp = np.cumsum(t)
        fp = np.cumsum(~t)
        hard_fp = np.cumsum(hard[order]) / max(1, hard.sum())
        review_fp = np.cumsum(review_rows[order]) / max(1, review_rows.sum())
        precision = tp / (tp + fp)
        recall = tp / max(1, t.sum())
        f1 = np.where(tp > 0, 2 * precision * recall / np.maximum(precision + recall, 1e-12), 0)
        last = np.r_[s[1:] != s[:-1], True]  # only cut between distinct scores
        ok = last & (precision >= REVIEW_PRECISION) & (hard_fp <= HARD_FLAGGED) & (review_fp <= REVIEWS_FLAGGED)
        i = int(np.argmax(np.where(ok, f1, -1))) if ok.any() else int(np.argmax(np.where(last, precision, -1)))
        review = float(s[i])
        okb = last & (precision >= BLOCK_PRECISION) & (s >= review)
        block = float(s[np.flatnonzero(okb).max()]) if okb.any() else max(review, 0.97)
        out[cat] = {"review": round(review, 6), "block": round(max(block, review), 6),
                    "oof_precision": round(float(precision[i]), 4), "oof_recall": round(float(recall[i]), 4),
                    "oof_hard_negatives_flagged": round(float(hard_fp[i]), 4)}
    return out


def training_examples(corpus: list[Example], reviews_dir: Path | str | None = None,
                      extra: Iterable | Callable[[], Iterable] | None = None, limit: int | None = None,
                      review_negatives: int = REVIEW_NEGATIVES, say: Progress = log.info,
                      ) -> tuple[list[Example], list[Example]]:
    """(training side of the corpus, everything training sees): the training side,
    evasions of its positives, clean review negatives and extra examples."""
    train_side, _ = split(corpus)
    if limit:
        train_side = random.Random(0).sample(train_side, min(limit, len(train_side)))
    examples = list(train_side)
    say("generating evasions")
    for e in train_side:
        if e.labels:
            examples.extend(evade(e, N_EVASIONS))
    say("reading clean reviews")
    reviews = load_reviews(reviews_dir, part="calibration") if review_negatives else []
    reviews = random.Random(1).sample(reviews, min(review_negatives, len(reviews)))
    examples += [Example(f"review:{i}", t, "", "page", (), False, "review") for i, t in enumerate(reviews)]
    examples += extra_examples(extra)
    return train_side, examples


def train(corpus_dir: Path | str | None = None, reviews_dir: Path | str | None = None,
          extra: Iterable | Callable[[], Iterable] | None = None, progress: Progress | None = None,
          limit: int | None = None, review_negatives: int = REVIEW_NEGATIVES,
          folds: int = FOLDS, C: float = C_DEFAULT, hard_weight: float = HARD_WEIGHT) -> tuple[Model, dict]:
    """Train a model; returns it and the sidecar metadata to save with it.
    ``limit`` keeps only that many training examples (for a quick test)."""
    say = progress or (lambda msg: log.info(msg))
    say("loading corpus")
    train_side, examples = training_examples(load_corpus(corpus_dir), reviews_dir, extra, limit,
                                             review_negatives, say)
    y = labels(examples)
    for k, cat in enumerate(CATEGORIES):
        if y[:, k].sum() < folds or (~y[:, k]).sum() < folds:
            raise DataError(f"training data: too few examples for category {cat} "
                            f"({int(y[:, k].sum())} positive)")
    say(f"normalising and matching {len(examples)} examples")
    inputs = prepared(examples)
    groups = [e.id.split("~")[0] for e in examples]
    oof = np.zeros(y.shape)
    hard = np.array([e.hard_negative for e in examples])
    weight = np.where(hard, hard_weight, 1.0)
    pipeline = build_pipeline(C=C)
    for f, (tr, te) in enumerate(GroupKFold(n_splits=folds).split(inputs, y, groups), start=1):
        say(f"out-of-fold scores: fold {f}/{folds}")
        fold = clone(pipeline).fit([inputs[i] for i in tr], y[tr], classify__sample_weight=weight[tr])
        oof[te] = positive_proba(fold, [inputs[i] for i in te])
    review_rows = np.array([e.origin == "review" for e in examples])
    thresholds = choose_thresholds(y, oof, hard, review_rows)
    say("fitting the final model")
    pipeline.fit(inputs, y, classify__sample_weight=weight)
    version = datetime.now(timezone.utc).strftime("%Y%m%d%H%M%S")
    meta = {
        "version": version,
        "hyperparameters": {"C": C, "hard_weight": hard_weight, "folds": folds, "n_evasions": N_EVASIONS},
        "trained_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "corpus_hash": corpus_hash(corpus_dir),
        "thresholds": thresholds,
        "training": {"corpus_train": len(train_side), "evasions": sum(e.origin == "evasion" for e in examples),
                     "review_negatives": sum(e.origin == "review" for e in examples), "extra": sum(e.origin == "extra" for e in examples),
                     "positives": {c: int(y[:, k].sum()) for k, c in enumerate(CATEGORIES)}},
    }
    return Model(pipeline, thresholds, version, meta), meta
