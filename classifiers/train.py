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
import os
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
from classifiers.model import Model, model_input
from classifiers.pipeline import build_pipeline
from classifiers.normalise import normalise
from classifiers.pages import clean_text, embed, news_sentences, page_length, window_context

log = logging.getLogger(__name__)

N_EVASIONS = 2
REVIEW_NEGATIVES = 4000
FOLDS = 3
REVIEW_PRECISION = 0.95   # least precision at the review threshold (out-of-fold)
RECALL_TARGET = 0.90      # review: the threshold that reaches this recall, if the bounds allow it
BLOCK_PRECISION = 0.98    # block only where out-of-fold precision is at least this
REVIEW_BAND = 0.15        # at least this share of the rows flagged at review stay below block
BLOCK_FLOOR = 0.97        # block when no threshold above review is precise enough
WINDOW_COPIES = 1         # copies of each corpus example inside one passage of clean text
NEWS_WINDOWS = 3000       # clean passages of real news as negatives
CALIBRATION_PAGES = 400   # clean real-news pages (200-8000 chars) scored out of fold
EMBED_SHARE = 1.0         # share of out-of-fold corpus examples also scored inside a long page
C_DEFAULT = 8.0           # inverse regularisation of the logistic regressions (16 overfit: hard negatives scored 0.99)
HARD_WEIGHT = 10.0        # sample weight of a hard negative (others: 1)
HARD_FLAGGED = 0.02       # largest share of hard negatives one category may flag (out-of-fold page rows)
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


def row_weights(groups: list[str], real: np.ndarray) -> np.ndarray:
    """Weights of out-of-fold rows for precision, recall and the hard-negative share:
    each corpus example counts once, its rows (alone, evasions, inside a passage,
    inside a page) sharing its weight, and the real clean texts count 0 (they
    have their own bound). Unweighted, a positive came in five rows and a hard
    negative in three, so out-of-fold precision overstated held-out precision
    (vulgar: 0.976 out of fold, 0.870 held out)."""
    counts: dict[str, int] = {}
    for g in groups:
        counts[g] = counts.get(g, 0) + 1
    w = np.array([1.0 / counts[g] for g in groups])
    w[real] = 0.0
    return w


def choose_thresholds(y: np.ndarray, scores: np.ndarray, hard: np.ndarray,
                      review_rows: np.ndarray, weight: np.ndarray | None = None) -> dict[str, dict[str, float]]:
    """Per category, from out-of-fold scores (see the module constants), precision,
    recall and the share of hard negatives flagged weighted by ``weight``
    (``row_weights``; default: every row 1):

    - review: the highest threshold whose recall reaches ``RECALL_TARGET``, when
      the thresholds that do keep precision ≥ ``REVIEW_PRECISION``, at most
      ``HARD_FLAGGED`` of the hard negatives and ``REVIEWS_FLAGGED`` of the clean
      real texts flagged; else the lowest threshold (the most recall) that keeps
      those bounds;
    - block: the lowest threshold above which precision is ≥ ``BLOCK_PRECISION``,
      and at least high enough that ``REVIEW_BAND`` of the rows flagged at the
      review threshold fall between the two: a band that holds nearly nothing is
      no band (a model precise at review would block everything it flags, and a
      false flag would never meet an analyst first)."""
    out = {}
    weight = np.ones(len(y)) if weight is None else np.asarray(weight, dtype=float)
    for k, cat in enumerate(CATEGORIES):
        order = np.argsort(-scores[:, k], kind="stable")
        s, t, w = scores[order, k], y[order, k], weight[order]
        tp = np.cumsum(t * w)
        fp = np.cumsum(~t * w)
        hard_w = hard[order] * w
        hard_fp = np.cumsum(hard_w) / max(1e-12, hard_w.sum())
        review_fp = np.cumsum(review_rows[order]) / max(1, review_rows.sum())
        precision = np.where(tp + fp > 0, tp / np.maximum(tp + fp, 1e-12), 0.0)
        recall = tp / max(1e-12, (t * w).sum())
        last = np.r_[s[1:] != s[:-1], True]  # only cut between distinct scores
        ok = last & (precision >= REVIEW_PRECISION) & (hard_fp <= HARD_FLAGGED) & (review_fp <= REVIEWS_FLAGGED)
        if not ok.any():
            i = int(np.argmax(np.where(last, precision, -1)))
        else:
            # the bounds hold on a prefix in practice; the largest index is the most recall
            reach = np.flatnonzero(ok & (recall >= RECALL_TARGET))
            i = int(reach.min()) if len(reach) else int(np.flatnonzero(ok).max())
        review = float(s[i])
        okb = last & (precision >= BLOCK_PRECISION)
        okb[i:] = False
        band = int(np.floor((1 - REVIEW_BAND) * (i + 1)))  # rows flagged at review, minus the band
        okb[band:] = False
        j = int(np.flatnonzero(okb).max()) if okb.any() else None
        block = float(s[j]) if j is not None else max(review, BLOCK_FLOOR)
        if block <= review:  # nothing above review is precise enough: block only at the very top
            block = min(1.0, max(BLOCK_FLOOR, float(np.nextafter(review, 2.0))))
        out[cat] = {"review": round(review, 6), "block": round(max(block, review), 6),
                    "oof_precision": round(float(precision[i]), 4), "oof_recall": round(float(recall[i]), 4),
                    "oof_hard_negatives_flagged": round(float(hard_fp[i]), 4),
                    "oof_block_precision": round(float(precision[j]), 4) if j is not None else None,
                    "oof_block_recall": round(float(recall[j]), 4) if j is not None else None,
                    "review_band": round(1 - ((j + 1) / (i + 1)), 4) if j is not None else None}
    return out


def generic_titles(examples: list[Example]) -> list[Example]:
    """Titles that head examples of more than one stratum (a category, hard negatives,
    clean texts: "用户评论", "商品详情"), each alone as a clean negative. Such a title
    says nothing by itself, but a page's title line is one of its passages, and the
    model learnt from the corpus that "用户评论" on its own is vulgar."""
    strata: dict[str, set[str]] = {}
    for e in examples:
        if e.title.strip():
            strata.setdefault(e.title.strip(), set()).add(e.stratum)
    return [Example(f"title:{t}", t, "", "page", (), False, "title")
            for t, s in sorted(strata.items()) if len(s) > 1]


def training_examples(corpus: list[Example], reviews_dir: Path | str | None = None,
                      extra: Iterable | Callable[[], Iterable] | None = None, limit: int | None = None,
                      review_negatives: int = REVIEW_NEGATIVES, say: Progress = log.info,
                      ) -> tuple[list[Example], list[Example]]:
    """(training side of the corpus, everything training sees): the training side,
    evasions of its positives, clean review negatives and extra examples."""
    train_side, _ = split(corpus)
    if limit:
        train_side = random.Random(0).sample(train_side, min(limit, len(train_side)))
    examples = list(train_side) + generic_titles(train_side)
    say("generating evasions")
    for e in train_side:
        if e.labels:
            examples.extend(evade(e, N_EVASIONS))
    say("reading clean reviews")
    reviews = load_reviews(reviews_dir, part="calibration") if review_negatives else []
    reviews = random.Random(1).sample(reviews, min(review_negatives, len(reviews)))
    examples += [Example(f"review:{i}", t, "", "page", (), False, "review") for i, t in enumerate(reviews)]
    say("building passages of real news")
    news = news_sentences(part="calibration")
    rng = random.Random(2)
    for e in list(examples):
        if e.origin in ("corpus", "evasion") and (e.labels or e.hard_negative):
            for c in range(WINDOW_COPIES):
                examples.append(Example(f"{e.id}~w{c}", window_context(e.text, news, rng), e.title,
                                        e.source_kind, e.labels, e.hard_negative, "window"))
    for i in range(min(NEWS_WINDOWS, limit or NEWS_WINDOWS)):
        examples.append(Example(f"news:{i}", clean_text(news, 100, rng)[:100], "", "news", (), False, "news"))
    examples += extra_examples(extra)
    return train_side, examples


def embedded_pages(examples: list[Example], rng: random.Random) -> list[tuple[int, dict]]:
    """(index of the example, page doc) for corpus examples embedded at a random
    position in a real-news page of random length (200-8000 chars)."""
    news = news_sentences(part="calibration")
    out = []
    for i, e in enumerate(examples):
        if e.origin == "corpus" and rng.random() < EMBED_SHARE:
            page, _ = embed(e.text, news, page_length(rng), rng)
            out.append((i, {"text": page, "title": e.title, "source_kind": e.source_kind}))
    return out


def train(corpus_dir: Path | str | None = None, reviews_dir: Path | str | None = None,
          extra: Iterable | Callable[[], Iterable] | None = None, progress: Progress | None = None,
          limit: int | None = None, review_negatives: int = REVIEW_NEGATIVES,
          folds: int = FOLDS, C: float = C_DEFAULT, hard_weight: float = HARD_WEIGHT,
          calibration_pages: int = CALIBRATION_PAGES) -> tuple[Model, dict]:
    """Train a model; returns it and the sidecar metadata to save with it.
    ``limit`` keeps only that many training examples (for a quick test).

    Thresholds come from out-of-fold page scores (the strongest passage): every
    example alone, every corpus example again inside a long real-news page, and
    clean real-news pages, so they hold for pages of any length."""
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
    hard = np.array([e.hard_negative for e in examples])
    weight = np.where(hard, hard_weight, 1.0)
    rng = random.Random(3)
    if limit:
        calibration_pages = min(calibration_pages, limit // 4)
    pages = embedded_pages(examples, rng)
    news = news_sentences(part="calibration")
    clean = [{"text": clean_text(news, page_length(rng), rng), "source_kind": "news"}
             for _ in range(calibration_pages)]
    # out-of-fold rows: every example alone, the corpus examples inside pages, clean pages
    n_alone, n_pages = len(examples), len(pages)
    oof = np.zeros((n_alone + n_pages + len(clean), len(CATEGORIES)))
    pipeline = build_pipeline(C=C)
    for f, (tr, te) in enumerate(GroupKFold(n_splits=folds).split(inputs, y, groups), start=1):
        say(f"out-of-fold scores: fold {f}/{folds}")
        fold = clone(pipeline).fit([inputs[i] for i in tr], y[tr], classify__sample_weight=weight[tr])
        scorer = Model(fold, {c: {"review": 1.0, "block": 1.0} for c in CATEGORIES}, "oof")
        te_set = set(te.tolist())
        docs = [{"text": examples[i].text, "title": examples[i].title} for i in te]
        oof[te] = scorer.page_proba(docs)
        mine = [(j, d) for j, (i, d) in enumerate(pages) if i in te_set]
        if mine:
            oof[[n_alone + j for j, _ in mine]] = scorer.page_proba([d for _, d in mine])
        share = [j for j in range(len(clean)) if j % folds == f - 1]
        if share:
            oof[[n_alone + n_pages + j for j in share]] = scorer.page_proba([clean[j] for j in share])
    idx = np.r_[np.arange(n_alone), np.array([i for i, _ in pages], dtype=int)]
    y_all = np.vstack([y[idx], np.zeros((len(clean), len(CATEGORIES)), dtype=bool)])
    hard_all = np.r_[hard[idx], np.zeros(len(clean), dtype=bool)]
    real_all = np.r_[np.array([examples[i].origin in ("review", "news") for i in idx]),
                     np.ones(len(clean), dtype=bool)]
    row_groups = [groups[i] for i in idx] + [f"clean:{j}" for j in range(len(clean))]
    thresholds = choose_thresholds(y_all, oof, hard_all, real_all, row_weights(row_groups, real_all))
    dump = os.environ.get("PATROL_TRAIN_OOF_DUMP")
    if dump:  # the out-of-fold rows, to study the thresholds without refitting
        np.savez_compressed(dump, oof=oof, y=y_all, hard=hard_all, real=real_all,
                            groups=np.array(row_groups, dtype=str))
    say("fitting the final model")
    pipeline.fit(inputs, y, classify__sample_weight=weight)
    version = datetime.now(timezone.utc).strftime("%Y%m%d%H%M%S")
    meta = {
        "version": version,
        "hyperparameters": {"C": C, "hard_weight": hard_weight, "folds": folds, "n_evasions": N_EVASIONS,
                            "window_copies": WINDOW_COPIES, "news_windows": NEWS_WINDOWS,
                            "calibration_pages": calibration_pages},
        "trained_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "corpus_hash": corpus_hash(corpus_dir),
        "thresholds": thresholds,
        "training": {"corpus_train": len(train_side), "evasions": sum(e.origin == "evasion" for e in examples),
                     "review_negatives": sum(e.origin == "review" for e in examples),
                     "generic_titles": sum(e.origin == "title" for e in examples),
                     "passages": sum(e.origin == "window" for e in examples),
                     "news_passages": sum(e.origin == "news" for e in examples),
                     "calibration_pages": {"embedded": n_pages, "clean": len(clean)},
                     "extra": sum(e.origin == "extra" for e in examples),
                     "positives": {c: int(y[:, k].sum()) for k, c in enumerate(CATEGORIES)}},
    }
    return Model(pipeline, thresholds, version, meta), meta
