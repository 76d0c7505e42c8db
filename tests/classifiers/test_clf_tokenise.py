import pickle

import jieba
import pytest
from sklearn.base import clone

from classifiers.corpus import load_corpus, load_reviews
from classifiers.model import DICTIONARY_FILE
from classifiers.normalise import normalise_text
from classifiers.tokenise import ChineseTokenizer, load_dictionary


@pytest.fixture(scope="module")
def dictionary():
    return load_dictionary(DICTIONARY_FILE)


def test_rjieba_segments_like_jieba_on_the_whole_corpus(dictionary):
    """The fast engine must give jieba's tokens (both with the same domain dictionary
    added through add_word — what jieba.load_userdict does — to a private instance)
    on every corpus text and on real reviews."""
    fast = ChineseTokenizer(dictionary=dictionary, engine="rjieba")
    ref = ChineseTokenizer(dictionary=dictionary, engine="jieba")
    texts = [normalise_text(e.title + "\n" + e.text) for e in load_corpus()]
    assert len(texts) >= 1000
    texts += [normalise_text(t) for t in load_reviews(part="calibration")[:3000]]  # ordinary writing too
    chars = 0
    for text in texts:
        assert fast(text) == ref(text), text
        chars += len(text)
    assert chars > 50_000


def test_domain_dictionary_is_a_parameter_not_global_state(dictionary):
    plain = ChineseTokenizer(dictionary=(), engine="jieba")
    domain = ChineseTokenizer(dictionary=("网盘链接秒发",), engine="jieba")
    assert "网盘链接秒发" in domain("网盘链接秒发")
    assert "网盘链接秒发" not in plain("网盘链接秒发")
    assert "网盘链接秒发" not in jieba.lcut("网盘链接秒发")  # jieba's global dictionary untouched
    fast = ChineseTokenizer(dictionary=("网盘链接秒发",))
    assert "网盘链接秒发" in fast("网盘链接秒发")


def test_non_chinese_runs_split_the_same_way_by_both_engines():
    for engine in ("rjieba", "jieba"):
        assert ChineseTokenizer(engine=engine)("abc_123 pdf电子版 2mb") == ["abc", "123", "pdf", "电子版", "2", "mb"]


def test_picklable_and_clonable(dictionary):
    tok = ChineseTokenizer(dictionary=dictionary)
    tok("预热一下")  # builds the segmenter
    state = tok.__getstate__()
    assert "_seg" not in state
    copy = pickle.loads(pickle.dumps(tok))
    assert copy("网盘链接自动发货") == tok("网盘链接自动发货")
    assert clone(tok).get_params() == tok.get_params()


def test_unknown_engine_is_refused():
    with pytest.raises(ValueError, match="unknown tokenizer engine"):
        ChineseTokenizer(engine="paddle").fit()
