"""One small training run: the whole path from corpus to a model that classifies."""

from classifiers import load_model, save_model
from classifiers.corpus import is_test, load_corpus, load_reviews
from classifiers.train import train, training_examples


def test_small_training_run_with_extra_examples(tmp_path):
    extra = [{"text": "蓝鲸秘境直播间，夜里十二点后开放特别节目", "labels": ["vulgar"], "source_kind": "app"},
             {"text": "蓝鲸科普馆，带孩子认识海洋动物", "labels": []}]
    messages = []
    model, meta = train(limit=300, review_negatives=300, folds=2, extra=lambda: iter(extra),
                        progress=messages.append)
    assert meta["training"]["extra"] == 2 and meta["training"]["corpus_train"] == 300
    assert any("fold 2/2" in m for m in messages)
    for cat, th in meta["thresholds"].items():
        assert 0 <= th["review"] <= th["block"] <= 1
    r = model.classify_many([{"text": "网盘链接自动发货 全本txt 电子版PDF 拍下秒发"},
                             {"text": "酒店位置方便，房间干净"}])
    assert r[0]["scores"]["unlicensed_publication"] > r[1]["scores"]["unlicensed_publication"]
    # what `patrol train` saves: the .skops, its compiled .npz and the sidecar vouching for both
    side = save_model(model, tmp_path / "m.skops")
    assert (tmp_path / "m.npz").is_file() and side["compiled_sha256"]
    loaded = load_model(tmp_path / "m.skops", cached=False)
    assert loaded.compiled
    assert loaded.classify_many([{"text": "网盘链接自动发货 全本txt 电子版PDF 拍下秒发"},
                                 {"text": "酒店位置方便，房间干净"}]) == r


def test_training_never_sees_the_test_side():
    corpus = load_corpus()
    train_side, examples = training_examples(corpus, review_negatives=500)
    sources = {e.id.split("~")[0] for e in examples if e.origin in ("corpus", "evasion")}
    assert sources and not any(is_test(i) for i in sources)
    assert len(train_side) == sum(not is_test(e.id) for e in corpus)
    # the review negatives come from the calibration half only, never the test half
    test_half = set(load_reviews(part="test"))
    assert not any(e.text in test_half for e in examples if e.origin == "review")
