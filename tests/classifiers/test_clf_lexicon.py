import os
import shutil
import time

import pytest

from classifiers.errors import DataError
from classifiers.lexicon import LEXICON_DIR, Lexicon
from classifiers.normalise import normalise


@pytest.fixture()
def lexicon():
    return Lexicon()


def terms(hits):
    return {h.term for h in hits}


def test_plain_hit_with_offsets_into_original(lexicon):
    text = "首充送福利，深夜福利准时开播"
    hits = lexicon.match(normalise(text))["vulgar"]
    h = next(h for h in hits if h.term == "深夜福利")
    assert text[h.start:h.end] == "深夜福利" and not h.evasion


def test_evasions_are_caught(lexicon):
    text = "本店提供有偿shan帖、代办記者證"
    hits = lexicon.match(normalise(text))["fake_media"]
    assert {"有偿删帖", "办理记者证"} <= terms(hits)
    h = next(h for h in hits if h.term == "有偿删帖")
    assert text[h.start:h.end] == "有偿shan帖" and h.evasion
    split = lexicon.match(normalise("网 盘 链 接 拍下秒发"))["unlicensed_publication"]
    assert "网盘链接" in terms(split)


def test_allow_list_cancels_hits_in_context(lexicon):
    crackdown = "全国扫黄打非办公室通报：查处一批以深夜福利为噱头的私密直播平台"
    assert lexicon.match(normalise(crackdown))["vulgar"] == []
    licence = "本店出版物经营许可证：新出发京零字第东110035号，拒绝盗版，只卖正版"
    assert lexicon.match(normalise(licence))["unlicensed_publication"] == []
    # the same terms without the allow phrase are hits
    assert lexicon.match(normalise("深夜福利私密直播"))["vulgar"]
    assert lexicon.match(normalise("盗版教辅"))["unlicensed_publication"]


def test_latin_terms_match_whole_words_only(lexicon):
    assert not lexicon.match(normalise("havana cigar"))["vulgar"]  # no "av" inside a word
    assert "av" in terms(lexicon.match(normalise("免费av在线"))["vulgar"])


def test_score_is_noisy_or_of_distinct_terms(lexicon):
    hits = lexicon.match(normalise("深夜福利 深夜福利"))["vulgar"]
    assert Lexicon.score(hits) == pytest.approx(0.6)


def test_reloaded_when_a_file_changes(tmp_path, lexicon):
    for p in LEXICON_DIR.glob("*.yaml"):
        shutil.copy(p, tmp_path / p.name)
    lex = Lexicon(tmp_path, check_interval=0)
    assert not lex.match(normalise("蓝色星球套餐"))["vulgar"]
    path = tmp_path / "vulgar.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "terms:\n", "terms:\n  - {term: 蓝色星球套餐, weight: 0.9}\n", 1), encoding="utf-8")
    future = time.time() + 5
    os.utime(path, (future, future))
    assert terms(lex.match(normalise("蓝色星球套餐"))["vulgar"]) == {"蓝色星球套餐"}


def test_bad_file_names_file_and_field(tmp_path):
    (tmp_path / "vulgar.yaml").write_text("category: vulgar\nterms:\n  - {term: 色情, weight: 3}\n",
                                          encoding="utf-8")
    with pytest.raises(DataError, match=r"vulgar.yaml: terms\[0\]: field 'weight'"):
        Lexicon(tmp_path)
