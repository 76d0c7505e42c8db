"""Passage scoring, word-boundary terms, pinyin forms and the page chrome (issue 11)."""

import random

import pytest

from classifiers import passages
from classifiers.corpus import load_corpus, split
from classifiers.errors import DataError
from classifiers.lexicon import Lexicon
from classifiers.normalise import normalise
from classifiers.pages import clean_text, embed, news_sentences


def lexicon_with(tmp_path, body: str) -> Lexicon:
    (tmp_path / "vulgar.yaml").write_text("category: vulgar\n" + body, encoding="utf-8")
    return Lexicon(tmp_path)


def found(lex, text, cat="vulgar"):
    return [h.term for h in lex.match(normalise(text))[cat]]


def test_a_term_does_not_match_across_a_word_boundary(tmp_path):
    lex = lexicon_with(tmp_path, "terms:\n  - {term: 石油, weight: 0.5}\n  - {term: 油画, weight: 0.5, boundary: any}\n"
                                 "  - {term: 色情, weight: 0.5}\n")
    assert found(lex, "开采石油") == ["石油"]
    assert "石油" not in found(lex, "一幅岩石油画")     # 岩石|油画: 石油 cuts through both words
    assert found(lex, "岩石油画") == ["油画"]           # boundary: any matches anywhere
    assert found(lex, "这不是色情片") == ["色情"]        # inside one dictionary word: still a hit


def test_carriers_cancel_hits_inside_them(tmp_path):
    lex = lexicon_with(tmp_path, "terms:\n  - {term: 黄文, weight: 0.5, boundary: any}\ncarriers: [炎黄文明]\n")
    assert found(lex, "传承炎黄文明") == []
    assert found(lex, "在线看黄文") == ["黄文"]


def test_bad_boundary_value_names_file_and_field(tmp_path):
    with pytest.raises(DataError, match=r"vulgar.yaml: terms\[0\]: field 'boundary'"):
        lexicon_with(tmp_path, "terms:\n  - {term: 色情, weight: 0.5, boundary: edge}\n")
    with pytest.raises(DataError, match=r"vulgar.yaml: field 'carriers'"):
        lexicon_with(tmp_path, "terms:\n  - {term: 色情, weight: 0.5}\ncarriers: 炎黄\n")


def test_toneless_pinyin_and_initials(tmp_path):
    lex = lexicon_with(tmp_path, "terms:\n  - {term: 裸聊, weight: 0.9}\n  - {term: 私密直播, weight: 0.7}\n"
                                 "  - {term: 陪聊, weight: 0.4, pinyin: false}\n")
    assert found(lex, "jia wo luo liao ba") == ["裸聊"]
    assert found(lex, "LuoLiao 服务") == ["裸聊"]
    assert found(lex, "smzb 今晚开") == ["私密直播"]       # initials from three syllables
    assert found(lex, "mei you luoliaoo") == []          # a latin form only matches a whole word
    assert found(lex, "pei liao") == []                  # pinyin: false
    hit = lex.match(normalise("jia wo luo liao ba"))["vulgar"][0]
    assert hit.evasion and "jia wo luo liao ba"[hit.start:hit.end] == "luo liao"


def test_passage_spans_cover_the_text_in_overlapping_windows():
    assert passages.spans(0) == [(0, 0)] and passages.spans(80) == [(0, 80)]
    for n in (101, 149, 150, 1000, 20011):
        spans = passages.spans(n)
        assert spans[0][0] == 0 and spans[-1][1] == n
        assert all(e - s == passages.WINDOW for s, e in spans)
        assert all(b[0] - a[0] <= passages.STEP for a, b in zip(spans, spans[1:]))


def test_quotation_marks_around_a_hit():
    text = "他说“深夜福利”只是噱头"
    assert passages.quoted(text, text.index("深"), text.index("利") + 1)
    assert not passages.quoted("深夜福利准时开播", 0, 4)


@pytest.fixture(scope="module")
def caught_alone(model):
    _, test = split(load_corpus())
    positives = [e for e in test if e.labels and e.origin == "corpus"]
    results = model.classify_many([{"text": e.text} for e in positives])  # the text alone, no title
    return [(e, r) for e, r in zip(positives, results) if r["verdicts"][e.labels[0]] != "pass"]


def test_a_bad_paragraph_inside_a_long_clean_page_is_still_caught(model, caught_alone):
    news = news_sentences(part="test")
    rng = random.Random(11)
    sample = rng.sample(caught_alone, min(60, len(caught_alone)))
    pages = [embed(e.text, news, 5000, rng) for e, _ in sample]
    results = model.classify_many([{"text": page} for page, _ in pages])
    caught = sum(r["verdicts"][e.labels[0]] != "pass" for (e, _), r in zip(sample, results))
    assert caught >= 0.9 * len(sample), (caught, len(sample))
    # the evidence names the passage and its offsets point into the page
    for (page, at), (e, _), r in zip(pages, sample, results):
        ev = r["evidence"][e.labels[0]]
        if r["verdicts"][e.labels[0]] != "pass":
            p = ev["passage"]
            assert p["field"] == "text" and page[p["start"]:p["end"]] == p["text"]
            assert p["start"] < at + len(e.text) and at < p["end"], "the passage is not the embedded one"


def test_clean_long_real_pages_are_not_flagged(model):
    news = news_sentences(part="test")
    rng = random.Random(12)
    pages = [clean_text(news, 3000 + 500 * i, rng) for i in range(20)]
    results = model.classify_many([{"text": p, "source_kind": "news"} for p in pages])
    flagged = [(p[:80], r["scores"]) for p, r in zip(pages, results) if any(v != "pass" for v in r["verdicts"].values())]
    assert len(flagged) <= 1, flagged


def test_page_chrome_is_judged_apart_and_never_blocks_alone(model, caught_alone):
    news = news_sentences(part="test")
    rng = random.Random(13)
    article = clean_text(news, 2000, rng)
    for e, alone in caught_alone[:15]:
        cat = e.labels[0]
        r = model.classify({"text": article, "chrome": "首页 | 登录 | " + e.text + " | 关于我们"})
        assert r["verdicts"][cat] != "block"
        assert r["scores"][cat] <= alone["scores"][cat]
        if r["verdicts"][cat] == "review":
            assert r["evidence"][cat]["passage"]["field"] == "chrome"
    # a missing or non-string chrome is empty
    assert model.classify({"text": article, "chrome": None})["scores"] == model.classify({"text": article})["scores"]


def test_a_short_first_line_is_judged_with_the_line_after_it():
    body = "这款记账软件界面简洁，每个月花了多少钱一目了然，分类清楚，年底还有统计图表，推荐给想省钱的朋友。" * 6
    text = "用户评论\n" + body + "\n短句\n" + body
    spans = passages.page_passages(text)
    assert spans[0] == (0, len("用户评论\n") + len(body))      # the title never stands alone
    assert (len("用户评论\n") + len(body) + 1, len("用户评论\n") + len(body) + 3) in spans  # later lines keep their own
    lead = "\n \n" + text                                      # blank lines before the title change nothing
    assert passages.page_passages(lead)[0] == (3, 3 + spans[0][1])
    long_title = "标" * passages.MIN_PASSAGE + "\n" + body     # a long first line is a paragraph of its own
    assert passages.page_passages(long_title)[0] == (0, passages.MIN_PASSAGE)


def test_a_generic_title_line_does_not_flag_a_clean_page(model):
    news = news_sentences(part="test")
    rng = random.Random(14)
    clean = "这款记账软件界面简洁，每个月花了多少钱一目了然，推荐给想省钱的朋友。"
    for title in ("用户评论", "商品详情", "应用简介", "资讯", "记者"):
        page, _ = embed(clean, news, 3000, rng)
        r = model.classify({"title": title, "text": page, "source_kind": "news"})
        assert all(v == "pass" for v in r["verdicts"].values()), (title, r["scores"])


def test_a_negated_hit_is_distanced_like_a_quoted_one():
    shop = "本店只售实体正版图书，不卖电子版，不发网盘链接。"
    assert passages.distanced(shop, shop.index("电子版"), shop.index("电子版") + 3)
    assert passages.negated("这个App没有擦边的内容", len("这个App没有"))
    assert passages.negated("so there is no need to buy scanned copies", len("so there is no need to buy "))
    lure = "高清无水印pdf，拍下秒发，不退不换，网盘链接"
    assert not passages.distanced(lure, lure.index("pdf"), lure.index("pdf") + 3)   # 无水印 is no denial of the pdf
    assert not passages.negated(lure, lure.index("网盘链接"))                        # another clause
    assert not passages.negated("深夜福利准时开播", 0)
