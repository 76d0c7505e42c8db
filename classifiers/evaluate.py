"""Evaluation on the held-out split: the acceptance numbers of issue 4.

- per category precision, recall, F1 and confusion at the review threshold
  ("flagged" = verdict review or block), and macro-F1;
- recall on evasions of the held-out positives next to the plain recall;
- the share of held-out hard negatives flagged in any category;
- the share of the test half of the real clean reviews flagged (false positives);
- optionally precision-recall curves as PNG files.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
from sklearn.metrics import precision_recall_curve, precision_recall_fscore_support

from classifiers.corpus import Example, load_corpus, load_reviews, split
from classifiers.evasion import evade
from classifiers.lexicon import CATEGORIES
from classifiers.model import Model
from classifiers.train import labels

log = logging.getLogger(__name__)

EVASION_VARIANT = 100  # a variant number training never uses


def _docs(examples: list[Example]) -> list[dict]:
    return [{"text": e.text, "title": e.title, "source_kind": e.source_kind} for e in examples]


def _score(model: Model, examples: list[Example], batch: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """(scores, flagged) arrays of shape (n, 3)."""
    scores, flagged = [], []
    docs = _docs(examples)
    for i in range(0, len(docs), batch):
        for r in model.classify_many(docs[i:i + batch]):
            scores.append([r["scores"][c] for c in CATEGORIES])
            flagged.append([r["verdicts"][c] != "pass" for c in CATEGORIES])
    return np.array(scores).reshape(-1, 3), np.array(flagged, dtype=bool).reshape(-1, 3)


def evaluate(model: Model, corpus_dir: Path | str | None = None, reviews_dir: Path | str | None = None,
             plot_dir: Path | str | None = None, reviews: bool = True) -> dict:
    _, test = split(load_corpus(corpus_dir))
    y = labels(test)
    scores, flagged = _score(model, test)
    p, r, f1, _ = precision_recall_fscore_support(y, flagged, average=None, zero_division=0)
    per_cat = {}
    for k, cat in enumerate(CATEGORIES):
        tp = int((y[:, k] & flagged[:, k]).sum())
        fp = int((~y[:, k] & flagged[:, k]).sum())
        fn = int((y[:, k] & ~flagged[:, k]).sum())
        tn = int((~y[:, k] & ~flagged[:, k]).sum())
        per_cat[cat] = {"precision": round(float(p[k]), 4), "recall": round(float(r[k]), 4),
                        "f1": round(float(f1[k]), 4), "support": int(y[:, k].sum()),
                        "confusion": {"tp": tp, "fp": fp, "fn": fn, "tn": tn}}
    positives = [e for e in test if e.labels]
    evaded = [evade(e, 1, first=EVASION_VARIANT)[0] for e in positives]
    _, ev_flagged = _score(model, evaded)
    y_pos = labels(positives)
    for k, cat in enumerate(CATEGORIES):
        n = int(y_pos[:, k].sum())
        per_cat[cat]["evasion_recall"] = round(float((ev_flagged[:, k] & y_pos[:, k]).sum() / n), 4) if n else None
    hard = [i for i, e in enumerate(test) if e.hard_negative]
    metrics = {
        "test_examples": len(test),
        "macro_f1": round(float(np.mean(f1)), 4),
        "categories": per_cat,
        "hard_negatives": len(hard),
        "hard_negatives_flagged": round(float(flagged[hard].any(axis=1).mean()), 4) if hard else None,
    }
    if reviews:
        texts = load_reviews(reviews_dir, part="test")
        rev = [Example(f"r{i}", t, "", "page", ()) for i, t in enumerate(texts)]
        _, rflag = _score(model, rev)
        any_flag = rflag.any(axis=1)
        metrics["reviews"] = len(texts)
        metrics["reviews_flagged"] = round(float(any_flag.mean()), 5)
        metrics["reviews_flagged_examples"] = [texts[i][:80] for i in np.flatnonzero(any_flag)[:10]]
    if plot_dir:
        metrics["plots"] = plot_pr_curves(y, scores, model, Path(plot_dir))
    return metrics


def plot_pr_curves(y: np.ndarray, scores: np.ndarray, model: Model, out: Path) -> list[str]:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for k, cat in enumerate(CATEGORIES):
        precision, recall, thresholds = precision_recall_curve(y[:, k], scores[:, k])
        fig, ax = plt.subplots(figsize=(5, 4), dpi=100)
        ax.plot(recall, precision, label=cat)
        th = model.thresholds[cat]["review"]
        i = int(np.searchsorted(thresholds, th)) if len(thresholds) else 0
        i = min(i, len(recall) - 1)
        ax.scatter([recall[i]], [precision[i]], color="red", zorder=3, label=f"review threshold {th:.2f}")
        ax.set_xlabel("recall")
        ax.set_ylabel("precision")
        ax.set_xlim(0, 1.02)
        ax.set_ylim(0, 1.02)
        ax.set_title(f"{cat} (held-out, model {model.version})")
        ax.legend(loc="lower left")
        path = out / f"pr-{cat}.png"
        fig.savefig(path)
        plt.close(fig)
        paths.append(str(path))
    return paths


def metrics_table(metrics: dict) -> str:
    """A Markdown table of the per-category numbers."""
    lines = ["| category | precision | recall | F1 | evasion recall | support | tp | fp | fn | tn |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for cat, m in metrics["categories"].items():
        c = m["confusion"]
        lines.append(f"| {cat} | {m['precision']:.3f} | {m['recall']:.3f} | {m['f1']:.3f} | "
                     f"{m['evasion_recall'] if m['evasion_recall'] is not None else '-'} | {m['support']} | "
                     f"{c['tp']} | {c['fp']} | {c['fn']} | {c['tn']} |")
    lines.append(f"\nmacro-F1 {metrics['macro_f1']:.3f}; hard negatives flagged "
                 f"{metrics['hard_negatives_flagged']} of {metrics['hard_negatives']}"
                 + (f"; real reviews flagged {metrics['reviews_flagged']} of {metrics['reviews']}"
                    if "reviews" in metrics else ""))
    return "\n".join(lines)
