"""Highlighting builds markup from offsets without ever trusting the text."""

from __future__ import annotations

from markupsafe import Markup

from patrol.web.highlight import highlight, safe_href, term_spans


def t(word, start=None, end=None, **kw):
    return {"term": word, "matched": kw.pop("matched", word), "start": start, "end": end,
            "weight": 1.0, **kw}


def test_offsets_are_used_when_they_point_at_the_match():
    text = "<b>卖盗版书</b>"
    out = highlight(text, [t("盗版书", 4, 7)], "text", "unlicensed_publication")
    assert isinstance(out, Markup)
    assert str(out) == ('&lt;b&gt;卖<mark class="term-unlicensed_publication " '
                        'title="盗版书 · unlicensed_publication · weight 1.0">盗版书</mark>&lt;/b&gt;')


def test_stale_offsets_fall_back_to_finding_the_matched_string():
    spans = term_spans("新的文字 盗版书 和 盗版书", [t("盗版书", 0, 3)], "text")
    assert [(s, e) for s, e, _ in spans] == [(5, 8), (11, 14)]


def test_terms_of_another_field_are_not_placed_by_offset():
    spans = term_spans("abc 黄色 def", [t("黄色", 0, 2, field="title")], "text")
    assert [(s, e) for s, e, _ in spans] == [(4, 6)]


def test_evasions_match_the_written_form_and_overlaps_keep_the_longest():
    text = "这里有黃 色内容"
    spans = term_spans(text, [t("黄色", matched="黃 色"), t("色内")], "text")
    assert [(s, e) for s, e, _ in spans] == [(3, 6)]


def test_hostile_term_and_category_values_are_escaped():
    out = str(highlight("x<y", [t('<y', category='"><script>')], "text"))
    assert "<script>" not in out and 'class="term-other ' in out
    assert "&lt;y</mark>" in out and "&#34;&gt;&lt;script&gt;" in out


def test_regex_characters_in_terms_are_literal():
    assert term_spans("a.b axb", [t("a.b")]) == [(0, 3, t("a.b"))]


def test_only_http_links_are_links():
    assert safe_href("https://example.org/x?y=1") == "https://example.org/x?y=1"
    assert safe_href("HTTP://EXAMPLE.org") == "HTTP://EXAMPLE.org"
    for bad in ("javascript:alert(1)", " javascript:alert(1)", "data:text/html,<b>", "//evil.example",
                "/relative", "http:///nohost", "vbscript:x", None, ""):
        assert safe_href(bad) is None, bad
