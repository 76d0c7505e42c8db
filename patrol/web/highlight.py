"""Turn crawled text plus evidence offsets into safe HTML.

Crawled text is hostile. Every segment is escaped on its own with
``markupsafe.escape`` and only our own ``<mark>`` tags are added between
segments, so the result is safe to render whatever the text holds. Nothing
here ever marks crawled text safe as a whole.
"""

from __future__ import annotations

import re
from typing import Iterable
from urllib.parse import urlsplit

from markupsafe import Markup, escape

from patrol.store.base import CATEGORIES

_MAX_TERMS = 500


def term_spans(text: str, terms: Iterable[dict], field: str | None = None) -> list[tuple[int, int, dict]]:
    """Non-overlapping (start, end, term) spans inside ``text``.

    The classifier gives each term ``start``/``end`` offsets into the original
    ``field`` ("text" or "title") and the ``matched`` string; the offsets are
    used when they still point at that string. When they do not (the item
    changed since, or this is the snippet), every literal occurrence of the
    matched string (else the canonical term) is found instead.
    """
    spans: list[tuple[int, int, dict]] = []
    folded = text.casefold()
    for term in list(terms)[:_MAX_TERMS]:
        if not isinstance(term, dict):
            continue
        word = str(term.get("matched") or term.get("term") or "")
        start, end = term.get("start"), term.get("end")
        same_field = field is None or term.get("field", "text") == field
        if (same_field and isinstance(start, int) and isinstance(end, int)
                and 0 <= start < end <= len(text)
                and (not word or text[start:end].casefold() == word.casefold())):
            spans.append((start, end, term))
            continue
        for word in dict.fromkeys(w for w in (term.get("matched"), term.get("term")) if w):
            found = [(m.start(), m.end(), term) for m in re.finditer(re.escape(str(word).casefold()), folded)]
            if found:
                spans.extend(found)
                break
    spans.sort(key=lambda s: (s[0], -(s[1] - s[0])))
    merged: list[tuple[int, int, dict]] = []
    for span in spans:
        if merged and span[0] < merged[-1][1]:
            continue  # overlaps the previous (longer or earlier) match
        merged.append(span)
    return merged


def highlight(text: str | None, terms: Iterable[dict] | None, field: str | None = None,
              category: str | None = None) -> Markup:
    """``text`` escaped, with each matched term wrapped in ``<mark>``;
    ``category`` is the flag's, for terms that do not name their own."""
    text = "" if text is None else str(text)
    out = Markup("")
    pos = 0
    for start, end, term in term_spans(text, terms or (), field):
        category = term.get("category") or category
        css = f"term-{category}" if category in CATEGORIES else "term-other"
        label = f"{term.get('term', '')} · {category or ''} · weight {term.get('weight', '')}"
        out += escape(text[pos:start])
        out += Markup('<mark class="{} {}" title="{}">{}</mark>').format(
            css, "evasion" if term.get("evasion") else "", label, text[start:end])
        pos = end
    out += escape(text[pos:])
    return out


def safe_href(url: str | None) -> str | None:
    """The URL if it is an absolute http(s) link, else None (shown as text)."""
    if not url or not isinstance(url, str):
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url.strip()
