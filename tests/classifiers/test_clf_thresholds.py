"""Thresholds from out-of-fold scores: the review band, the block precision, row weights;
evasions generated on the lexicon's word boundaries."""

import random

import numpy as np

from classifiers import train as T
from classifiers.corpus import Example
from classifiers.evasion import evade_text, known_evasion
from classifiers.lexicon import CATEGORIES
from classifiers.train import choose_thresholds, generic_titles, row_weights


def rows(n_pos=400, n_neg=400, seed=0, noise=0.0):
    rng = np.random.default_rng(seed)
    y = np.zeros((n_pos + n_neg, len(CATEGORIES)), dtype=bool)
    y[:n_pos] = True
    scores = np.where(y, rng.uniform(0.3, 1.0, y.shape), rng.uniform(0.0, 0.4 + noise, y.shape))
    hard = np.zeros(len(y), dtype=bool)
    hard[n_pos:n_pos + n_neg // 2] = True
    real = np.zeros(len(y), dtype=bool)
    return y, scores, hard, real


def test_a_precise_model_still_gets_a_review_band():
    y, scores, hard, real = rows()  # precision 1.0 above 0.4: the old rule blocked at the review threshold
    for cat, th in choose_thresholds(y, scores, hard, real).items():
        assert th["block"] > th["review"], th
        assert th["review_band"] >= T.REVIEW_BAND - 0.01, th
        assert th["oof_block_precision"] >= T.BLOCK_PRECISION and th["oof_precision"] >= T.REVIEW_PRECISION


def test_review_at_the_recall_target_and_block_where_precise():
    y, scores, hard, real = rows(noise=0.4, seed=1)
    for cat, th in choose_thresholds(y, scores, hard, real).items():
        k = CATEGORIES.index(cat)
        flagged = scores[:, k] >= th["review"]
        precision = (flagged & y[:, k]).sum() / flagged.sum()
        assert precision >= T.REVIEW_PRECISION
        blocked = scores[:, k] >= th["block"]
        assert (blocked & y[:, k]).sum() / blocked.sum() >= T.BLOCK_PRECISION
        assert (blocked & hard).sum() <= (flagged & hard).sum()


def test_row_weights_count_each_example_once():
    groups = ["a", "a", "a", "a", "b", "c", "c", "r"]
    real = np.array([False] * 7 + [True])
    w = row_weights(groups, real)
    assert np.allclose(w, [0.25] * 4 + [1.0, 0.5, 0.5, 0.0])
    # five rows of one positive and one row of a false positive: weighted precision 0.5, not 5/6
    y = np.zeros((6, len(CATEGORIES)), dtype=bool)
    y[:5] = True
    scores = np.full((6, len(CATEGORIES)), 0.9)
    th = choose_thresholds(y, scores, np.zeros(6, dtype=bool), np.zeros(6, dtype=bool),
                           row_weights(["p"] * 5 + ["n"], np.zeros(6, dtype=bool)))
    assert th["vulgar"]["oof_precision"] == 0.5


def test_generic_titles_become_clean_negatives():
    ex = [Example("1", "x", "用户评论", "app", ("vulgar",)), Example("2", "y", "用户评论", "app", ()),
          Example("3", "z", "夜语直播", "app", ("vulgar",)), Example("4", "w", "夜语直播", "app", ("vulgar",))]
    titles = generic_titles(ex)
    assert [(e.text, e.labels, e.origin) for e in titles] == [("用户评论", (), "title")]


def test_a_latin_term_is_not_replaced_inside_a_longer_word():
    rng = random.Random(0)
    text = "Internal serial numbers available for your magazine"
    for _ in range(20):
        assert "available" in known_evasion(text, rng)  # "av" is a term; "available" is not "av"
    out = {evade_text("Watch AV online, available tonight", "s", v) for v in range(30)}
    assert all("a片ailable" not in o.replace(" ", "") for o in out)
