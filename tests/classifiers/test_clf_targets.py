"""The acceptance bar of issue 4, measured on the shipped model and the held-out split."""

import json

import pytest

from classifiers import DEFAULT_MODEL
from classifiers.artifact import sidecar_path
from classifiers.corpus import corpus_hash, load_corpus, split, split_summary
from classifiers.evaluate import evaluate


@pytest.fixture(scope="module")
def metrics(model):
    return evaluate(model)


def test_shipped_model_was_trained_on_this_corpus():
    side = json.loads(sidecar_path(DEFAULT_MODEL).read_text(encoding="utf-8"))
    assert side["corpus_hash"] == corpus_hash(), "the corpus changed: retrain with 'patrol train'"


def test_corpus_size_and_split():
    corpus = load_corpus()
    summary = split_summary(corpus)
    assert len(corpus) >= 2000
    for cat in ("vulgar", "unlicensed_publication", "fake_media"):
        assert summary[cat]["total"] >= 300
    assert summary["hard_negative"]["total"] >= 500
    for stratum, n in summary.items():  # every stratum gets roughly its share of the test side
        if n["total"] >= 100:
            assert 0.13 <= n["test"] / n["total"] <= 0.27, (stratum, n)
    train, test = split(corpus)
    assert not {e.id for e in train} & {e.id for e in test}
    assert split(list(reversed(corpus)))[1] == list(reversed(test))  # by id, not by position


def test_macro_f1(metrics):
    assert metrics["macro_f1"] >= 0.90, metrics


@pytest.mark.parametrize("cat", ["vulgar", "unlicensed_publication", "fake_media"])
def test_precision_at_review_threshold(metrics, cat):
    assert metrics["categories"][cat]["precision"] >= 0.90, metrics["categories"][cat]


@pytest.mark.parametrize("cat", ["vulgar", "unlicensed_publication", "fake_media"])
def test_evasion_recall_within_5_points(metrics, cat):
    m = metrics["categories"][cat]
    assert m["evasion_recall"] >= m["recall"] - 0.05, m


def test_hard_negatives_rarely_flagged(metrics):
    assert metrics["hard_negatives"] >= 50
    assert metrics["hard_negatives_flagged"] < 0.05, metrics["hard_negatives_flagged"]


def test_real_reviews_false_positive_rate(metrics):
    assert metrics["reviews"] > 5000
    assert metrics["reviews_flagged"] < 0.01, metrics["reviews_flagged_examples"]


def test_long_pages_caught_nearly_as_often_as_alone(metrics):
    sl = metrics["slices"]
    assert sl["long_pages"]["all"]["n"] >= 200
    assert sl["long_pages"]["ratio_to_alone"] >= 0.9, sl["long_pages"]


def test_clean_real_news_pages_not_flagged(metrics):
    sl = metrics["slices"]["clean_news_pages"]
    assert sl["n"] >= 100 and sl["flagged"] <= 0.01, sl


def test_pinyin_terms_caught(metrics):
    sl = metrics["slices"]["pinyin"]
    assert sl["all"]["n"] >= 50 and sl["all"]["recall"] >= 0.8, sl
