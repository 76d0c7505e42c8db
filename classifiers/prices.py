"""A price far below the list price the same text shows (issue 11, piracy without the words).

A reprint or a scanned copy is often sold with no word of piracy at all, only
at a fraction of the cover price: "定价128元本店只要25元", "原价三百八，这里五十元
到手", "list price 68 yuan, only 9.9". ``price_gaps`` finds a list price
(原价, 定价, 标价, 市场价, 官方价, 书店价, list/cover/retail price) and, within
``REACH`` characters after it, a selling price (现价, 只要, 仅需, 仅售, 到手,
特价, 本店, 这里, now, only, just ...) of at most ``RATIO`` of it. The lexicon
adds each such span as a hit of ``unlicensed_publication`` (term ``PRICE_TERM``,
weight ``PRICE_WEIGHT``), so the model weighs it in its context like any term
(half price on a shirt is no offence; a fifth of a textbook's price is a sign)
and the evidence shows it. The text is the normalised one (half-width digits,
lower case); Chinese numerals up to the thousands are read too.
"""

from __future__ import annotations

import re

PRICE_TERM = "远低于定价"
PRICE_WEIGHT = 0.35
RATIO = 0.35   # a selling price at most this share of the list price
REACH = 40     # characters between the list price and the selling price

_CN_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_NUMBER = r"(\d+(?:\.\d+)?|[零一二两三四五六七八九十百千]{1,6})"
_LIST = re.compile(r"(?:原价|定价|标价|市场价|官方价|书店价|官网价|专柜价|售价|list price|cover price|retail price)"
                   r"\s*(?:是|为|:|：)?\s*[¥￥$]?\s*" + _NUMBER + r"\s*(?:元|块|rmb|yuan|dollars?|美元)?")
_UNIT = r"\s*(?:元|块|rmb|yuan|dollars?|美元)"
_SALE = re.compile(r"(?:(?:现价|只要|只需|仅需|仅售|仅要|到手|特价|本店|这里|我们|我家|卖|才|只卖|统一|一律)"
                   r"\s*(?:价|是|为|:|：)?\s*[¥￥$]?\s*" + _NUMBER + _UNIT
                   + r"|(?<![a-z])(?:now|only|just|for)\s*[¥￥$]?\s*(\d+(?:\.\d+)?)(?:" + _UNIT + r")?"
                   r"(?![\d.]*\s*(?:left|days?|hours?|minutes?|pieces?|pcs|items?|copies|books?|volumes?|%)))")
# the gap counts on a page about publications only: a shirt at a fifth of its price is a sale
_PUBLICATION = re.compile(r"书|教材|教辅|练习册|绘本|小说|漫画|资料|读物|期刊|杂志|册|套装|全套|版|印|"
                          r"book|textbook|novel|edition|manga|comic|magazine|reprint|cop(?:y|ies)")
CONTEXT = 60   # characters either side of the gap searched for a publication word


def number(text: str) -> float | None:
    """An Arabic or a Chinese number ("128", "9.9", "三百八", "五十"), or None."""
    if not text:
        return None
    if text[0].isdigit():
        try:
            return float(text)
        except ValueError:
            return None
    total, digit, last_unit = 0, None, 1
    for ch in text:
        if ch in _CN_DIGITS:
            digit = _CN_DIGITS[ch]
        elif ch in _CN_UNITS:
            unit = _CN_UNITS[ch]
            total += (1 if digit is None else digit) * unit
            digit, last_unit = None, unit
        else:
            return None
    if digit is not None:  # "三百八" is 380: a trailing digit counts in the next lower unit
        total += digit * (last_unit // 10 if last_unit >= 100 else 1)
    return float(total) if total else None


def _sold(m: re.Match) -> float | None:
    return number(m.group(1) or m.group(2))


def price_gaps(text: str) -> list[tuple[int, int]]:
    """[start, end) spans joining a list price and a selling price of at most ``RATIO``
    of it (the selling price within ``REACH`` characters after it, or before it), on
    a text with a publication word within ``CONTEXT`` characters."""
    out = []
    for m in _LIST.finditer(text):
        listed = number(m.group(1))
        if not listed or listed < 5:
            continue
        span = None
        lo = max(0, m.start() - REACH)
        for s in _SALE.finditer(text, m.end(), m.end() + REACH):
            sold = _sold(s)
            if sold is not None and 0 < sold <= RATIO * listed:
                span = (m.start(), s.end())
                break
        if span is None:
            for s in _SALE.finditer(text, lo, m.start()):
                sold = _sold(s)
                if sold is not None and 0 < sold <= RATIO * listed:
                    span = (s.start(), m.end())
        if span and _PUBLICATION.search(text, max(0, span[0] - CONTEXT), span[1] + CONTEXT):
            out.append(span)
    return out
