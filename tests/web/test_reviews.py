"""Analysts' decisions as training examples (``patrol train --with-reviews``)."""

from __future__ import annotations

import json

from classifiers.corpus import parse_example
from patrol.reviews import review_examples, write_jsonl
from tests.web.conftest import seed_flag, seed_item


def test_confirmed_and_dismissed_flags_become_examples(store, seeded, tmp_path):
    store.decide(seeded["shop"], "ann", "confirmed", "no_publication_licence")
    store.decide(seeded["app"], "ann", "dismissed", "false_positive_term")
    # escalated teaches nothing yet
    store.decide(seeded["news"], "ann", "escalated", "needs_lead")
    # a page decided, then changed, is not what the analyst saw
    item = seed_item(store, url="https://c.example/1", kind="page", source="s", title="t", text="old text")
    changed = seed_flag(store, item, "vulgar", 0.6)
    store.decide(changed, "ann", "confirmed", "explicit_content")
    seed_item(store, url="https://c.example/1", kind="page", source="s", title="t", text="new text")

    examples, counts = review_examples(store)
    assert counts == {"confirmed": 1, "dismissed": 1, "changed": 1, "missing": 0}
    by_title = {e["title"]: e for e in examples}
    assert set(by_title) == {seeded_title(store, seeded["shop"]), "夜语直播"}
    shop = by_title[seeded_title(store, seeded["shop"])]
    assert shop["labels"] == ["unlicensed_publication"] and shop["hard_negative"] is False
    assert shop["source_kind"] == "shop" and "盗版书籍" in shop["text"]
    app = by_title["夜语直播"]
    assert app["labels"] == [] and app["hard_negative"] is True

    path = write_jsonl(examples, tmp_path / "reviews.jsonl")
    lines = path.read_text(encoding="utf-8").splitlines()
    parsed = [parse_example(json.loads(line), f"{path}: line {n}", origin="review")
              for n, line in enumerate(lines, 1)]
    assert sorted(p.labels for p in parsed) == [(), ("unlicensed_publication",)]


def test_the_trainer_takes_the_review_examples(store, seeded):
    """What ``patrol train --with-reviews`` hands to classifiers.train (no fitting here)."""
    from classifiers.corpus import load_corpus
    from classifiers.train import training_examples
    store.decide(seeded["shop"], "ann", "confirmed", "no_publication_licence")
    store.decide(seeded["app"], "ann", "dismissed", "false_positive_term")
    examples, _ = review_examples(store)
    _, everything = training_examples(load_corpus(), None, examples, review_negatives=0)
    extra = {e.id: e for e in everything if e.origin == "extra"}
    assert set(extra) == {e["id"] for e in examples}
    labelled = sorted((e.labels, e.hard_negative) for e in extra.values())
    assert labelled == [((), True), (("unlicensed_publication",), False)]


def seeded_title(store, flag_id: str) -> str:
    return store.get_item(store.get_flag(flag_id)["url"])["title"]
