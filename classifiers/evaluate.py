"""Evaluation on the held-out split: the acceptance numbers of issue 4.

- per category precision, recall, F1 and confusion at the review threshold
  ("flagged" = verdict review or block), and macro-F1;
- recall on evasions of the held-out positives next to the plain recall;
- the share of held-out hard negatives flagged in any category;
- the share of the test half of the real clean reviews flagged (false positives);
- slices (issue 11): plain, obfuscated, hard negatives, long pages (held-out
  positives embedded in at least 3,000 characters of real news from the test
  half of ``real-news``), English, pinyin (the lexicon terms of held-out
  positives written in toneless pinyin); and the share of clean real-news pages
  (test half) flagged;
- optionally precision-recall curves as PNG files.
"""

from __future__ import annotations

import logging
import random
import re
from pathlib import Path

import numpy as np
from sklearn.metrics import precision_recall_curve, precision_recall_fscore_support

from classifiers.corpus import Example, load_corpus, load_reviews, split
from classifiers.evasion import evade
from classifiers.lexicon import CATEGORIES
from classifiers.model import Model
from classifiers.normalise import normalise
from classifiers.pages import clean_text, embed, news_sentences
from classifiers.train import labels

log = logging.getLogger(__name__)

EVASION_VARIANT = 100  # a variant number training never uses
LONG_PAGE = 3000       # characters of real text around a positive in the long-page slice
NEWS_PAGES = 300       # clean real-news pages (test half) in the false-flag slice
_LATIN_LETTER = re.compile(r"[A-Za-z]")
_HAN = re.compile(r"[\u4e00-\u9fff]")


_PINYIN_WORD = re.compile(
    r"(?:(?:zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])?(?:iang|iong|uang|ueng|ang|eng|ing|ong|ian|iao|uai|uan|ai|ei|ao|ou|an|en"
    r"|er|in|un|ia|ie|iu|ua|uo|ui|ue|a|o|e|i|u|v))+")


def is_english(text: str) -> bool:
    """Mostly English: more latin letters than Chinese characters, a few English words,
    and most latin words are not toneless pinyin ("tong cheng jiao you" is pinyin)."""
    words = re.findall(r"[A-Za-z]+", text)
    pinyin = sum(bool(_PINYIN_WORD.fullmatch(w.lower())) for w in words)
    return (len(_LATIN_LETTER.findall(text)) > 2 * len(_HAN.findall(text))
            and len(re.findall(r"[A-Za-z]{4,}", text)) >= 3 and pinyin < 0.5 * len(words))


def in_pinyin(model: Model, text: str) -> str | None:
    """``text`` with every lexicon term it contains written in toneless pinyin, or None
    when it contains no Chinese term."""
    from pypinyin import Style, lazy_pinyin

    norm = normalise(text)
    hits = sorted((h for c in CATEGORIES for h in model.lexicon.match(norm)[c] if _HAN.search(h.matched)),
                  key=lambda h: h.start)
    out, pos = [], 0
    for h in hits:
        if h.start < pos:
            continue
        out.append(text[pos:h.start])
        out.append(" " + " ".join(lazy_pinyin(h.matched, style=Style.NORMAL, errors="ignore")) + " ")
        pos = h.end
    if not out:
        return None
    out.append(text[pos:])
    return "".join(out)


def _recall(flagged: np.ndarray, y: np.ndarray) -> dict:
    out = {}
    for k, cat in enumerate(CATEGORIES):
        n = int(y[:, k].sum())
        out[cat] = {"n": n, "recall": round(float((flagged[:, k] & y[:, k]).sum() / n), 4) if n else None}
    caught = (flagged & y).any(axis=1)
    out["all"] = {"n": int(len(y)), "recall": round(float(caught.mean()), 4) if len(y) else None}
    return out


def slices(model: Model, test: list[Example], flagged: np.ndarray, news_dir=None) -> dict:
    """Recall per slice of held-out positives; flagged share of hard negatives and clean pages."""
    rng = random.Random(7)
    news = news_sentences(news_dir, part="test")
    y = labels(test)
    pos = [i for i, e in enumerate(test) if e.labels]
    out = {"plain": _recall(flagged[pos], y[pos])}
    positives = [test[i] for i in pos]
    evaded = [evade(e, 1, first=EVASION_VARIANT)[0] for e in positives]
    _, ev_flagged = _score(model, evaded)
    out["obfuscated"] = _recall(ev_flagged, y[pos])
    hard = [i for i, e in enumerate(test) if e.hard_negative]
    out["hard_negatives"] = {"n": len(hard), "flagged": round(float(flagged[hard].any(axis=1).mean()), 4)
                             if hard else None}
    long_docs = [{"text": embed(e.text, news, LONG_PAGE + rng.randint(0, 3000), rng)[0], "title": e.title,
                  "source_kind": e.source_kind} for e in positives]
    _, long_flagged = _score_docs(model, long_docs)
    out["long_pages"] = _recall(long_flagged, y[pos])
    alone = out["plain"]["all"]["recall"] or 0
    out["long_pages"]["ratio_to_alone"] = round(out["long_pages"]["all"]["recall"] / alone, 4) if alone else None
    english = [i for i in pos if is_english(test[i].text)]
    out["english"] = _recall(flagged[english], y[english]) if english else {"all": {"n": 0, "recall": None}}
    pinyin_docs, pinyin_rows = [], []
    for i in pos:
        text = in_pinyin(model, test[i].text)
        if text is not None:
            pinyin_docs.append({"text": text, "title": "", "source_kind": test[i].source_kind})
            pinyin_rows.append(i)
    if pinyin_docs:
        _, p_flagged = _score_docs(model, pinyin_docs)
        out["pinyin"] = _recall(p_flagged, y[pinyin_rows])
    clean = [{"text": clean_text(news, LONG_PAGE + rng.randint(0, 5000), rng), "source_kind": "news"}
             for _ in range(NEWS_PAGES)]
    _, c_flagged = _score_docs(model, clean)
    any_flag = c_flagged.any(axis=1)
    out["clean_news_pages"] = {"n": len(clean), "flagged": round(float(any_flag.mean()), 4),
                               "examples": [clean[i]["text"][:80] for i in np.flatnonzero(any_flag)[:5]]}
    return out


def _docs(examples: list[Example]) -> list[dict]:
    return [{"text": e.text, "title": e.title, "source_kind": e.source_kind} for e in examples]


def _score(model: Model, examples: list[Example], batch: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """(scores, flagged) arrays of shape (n, 3)."""
    return _score_docs(model, _docs(examples), batch)


def _score_docs(model: Model, docs: list[dict], batch: int = 256) -> tuple[np.ndarray, np.ndarray]:
    scores, flagged = [], []
    for i in range(0, len(docs), batch):
        for r in model.classify_many(docs[i:i + batch]):
            scores.append([r["scores"][c] for c in CATEGORIES])
            flagged.append([r["verdicts"][c] != "pass" for c in CATEGORIES])
    return np.array(scores).reshape(-1, 3), np.array(flagged, dtype=bool).reshape(-1, 3)


def evaluate(model: Model, corpus_dir: Path | str | None = None, reviews_dir: Path | str | None = None,
             plot_dir: Path | str | None = None, reviews: bool = True, with_slices: bool = True) -> dict:
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
    if with_slices:
        metrics["slices"] = slices(model, test, flagged)
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


def slices_table(metrics: dict) -> str:
    """A Markdown table of the slices (recall per category, flagged shares)."""
    sl = metrics.get("slices")
    if not sl:
        return ""
    lines = ["| slice | n | all | " + " | ".join(CATEGORIES) + " |", "| --- | --- | --- |" + " --- |" * len(CATEGORIES)]
    for name in ("plain", "obfuscated", "long_pages", "english", "pinyin"):
        if name not in sl:
            continue
        row = sl[name]
        cells = [f"{row[c]['recall']:.3f} ({row[c]['n']})" if row.get(c, {}).get("recall") is not None else "-"
                 for c in CATEGORIES]
        lines.append(f"| {name} (recall) | {row['all']['n']} | "
                     f"{row['all']['recall'] if row['all']['recall'] is not None else '-'} | " + " | ".join(cells) + " |")
    lines.append(f"\nlong pages caught at {sl['long_pages'].get('ratio_to_alone')} of the rate alone; "
                 f"hard negatives flagged {sl['hard_negatives']['flagged']} of {sl['hard_negatives']['n']}; "
                 f"clean real-news pages flagged {sl['clean_news_pages']['flagged']} of {sl['clean_news_pages']['n']}")
    return "\n".join(lines)
