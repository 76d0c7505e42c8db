"""A price far below the list price shown on the page (issue 11, piracy without the words)."""

import pytest

from classifiers.lexicon import Lexicon
from classifiers.normalise import normalise, normalise_text
from classifiers.prices import PRICE_TERM, number, price_gaps


def gaps(text):
    t = normalise_text(text)
    return [t[a:b] for a, b in price_gaps(t)]


@pytest.mark.parametrize("text, found", [
    ("全套教辅，定价一百二十八元的练习册本店只要十九元，包邮。", "定价一百二十八元的练习册本店只要十九元"),
    ("名著精装版，原价260，现价39元，印厂直发。", "原价260,现价39元"),
    ("Graded readers, only 12 yuan a set, cover price 90 yuan each book.", "only 12 yuan a set, cover price 90 yuan"),
    ("Reprinted casebooks: list price $150, now $19 per book.", "list price $150, now $19"),
])
def test_a_fraction_of_the_list_price_is_found(text, found):
    assert gaps(text) == [found]


@pytest.mark.parametrize("text", [
    "连衣裙原价299元，现价59元，面料很舒服。",            # no publication on the page: a sale
    "教材定价48元，本店45元，正版带发票。",                # a small discount
    "这本书原价68元，本店3天内发货。",                     # "3天" is not a price
    "List price 40 dollars, only 3 copies left of this book.",
])
def test_ordinary_prices_are_not_a_gap(text):
    assert gaps(text) == []


def test_chinese_numbers():
    assert [number(t) for t in ("三百八", "五十", "十五", "一千二", "两千八百", "128", "9.9")] == \
        [380, 50, 15, 1200, 2800, 128, 9.9]


def test_the_gap_is_a_lexicon_hit_with_offsets_into_the_original():
    text = "影印本教材，定價１２８元本店只要２５元"
    hits = [h for h in Lexicon().match(normalise(text))["unlicensed_publication"] if h.term == PRICE_TERM]
    assert len(hits) == 1 and text[hits[0].start:hits[0].end] == "定價１２８元本店只要２５元"
    # a licence notice nearby cancels it like any publication term
    licensed = "正版清仓，定价128元本店只要25元，本店持有出版物经营许可证。"
    assert not Lexicon().match(normalise(licensed))["unlicensed_publication"]
