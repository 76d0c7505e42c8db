"""Full-text search of the review queue, and keyset cursors (both backends).

Chinese has no spaces between words, and SQLite's FTS5 tokenisers split on
spaces and punctuation only (``unicode61``) or index trigrams, which cannot
find the many two-character words (网盘, 盗版). So the text is indexed as
overlapping character bigrams of each run of CJK characters (the scheme
Lucene's CJKAnalyzer uses) plus the lower-cased Latin/digit words, and a query
is the phrase of its own bigrams: a bigram index finds every substring of two
or more characters, needs no dictionary, and is not fooled by a word jieba
would cut differently. A one-character query matches bigrams by prefix.
"""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
import json
import re
import unicodedata
from typing import Any, Iterable

from patrol.store import common as c

# CJK ideographs (with extension A and compatibility), kana and hangul.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
_RUN = re.compile(f"[{_CJK}]+|[0-9a-z]+")
_IS_CJK = re.compile(f"[{_CJK}]")
MAX_QUERY = 200


def _runs(text: str) -> Iterable[str]:
    return _RUN.findall(unicodedata.normalize("NFKC", text or "").lower())


def tokens(text: str) -> str:
    """The text as index tokens separated by spaces (see the module docstring)."""
    out: list[str] = []
    for run in _runs(text):
        if _IS_CJK.match(run) and len(run) > 1:
            out.extend(run[i:i + 2] for i in range(len(run) - 1))
        else:
            out.append(run)
    return " ".join(out)


def evidence_text(evidence: Any) -> str:
    """What a flag's evidence says in words: snippet, matched terms, rule reasons."""
    if not isinstance(evidence, dict):
        return ""
    parts = [str(evidence.get("snippet") or "")]
    for t in evidence.get("terms") or []:
        if isinstance(t, dict):
            parts += [str(t.get("term") or ""), str(t.get("matched") or "")]
        elif isinstance(t, str):
            parts.append(t)
    for r in evidence.get("rules") or []:
        if isinstance(r, dict):
            parts += [str(r.get("rule") or ""), str(r.get("reason") or "")]
    return " ".join(p for p in parts if p)


def check_query(q: Any) -> str | None:
    """A search query: None/blank = no search; otherwise a string of at most
    MAX_QUERY characters with at least one letter, digit or CJK character."""
    if q is None:
        return None
    q = c.check_str("q", q, allow_empty=True).strip()
    if not q:
        return None
    if len(q) > MAX_QUERY:
        raise c.StoreInputError(f"q: at most {MAX_QUERY} characters, got {len(q)}")
    if not list(_runs(q)):
        raise c.StoreInputError("q: give at least one letter, digit or Chinese character")
    return q


def fts_match(q: str) -> str:
    """An FTS5 MATCH expression for ``q``: every word of it (split on spaces
    and punctuation) must occur; a word is the phrase of its bigrams."""
    terms = []
    for run in _runs(q):
        if _IS_CJK.match(run) and len(run) == 1:
            terms.append(f'"{run}"*')
        else:
            # Tokens are only [0-9a-z] and CJK characters: no quote can occur.
            terms.append('"' + tokens(run) + '"')
    return " AND ".join(terms)


def regex_words(q: str) -> list[str]:
    """The words of ``q`` as escaped regular expressions (the MongoDB side
    matches each as a substring, case-insensitively)."""
    return [re.escape(run) for run in _runs(q)]


def like_pattern(value: str) -> str:
    """A SQL LIKE pattern matching ``value`` as a substring (``\\`` escapes)."""
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


# -- keyset cursors ------------------------------------------------------------

def encode_cursor(sort: str, flag: dict) -> str:
    """An opaque cursor after ``flag`` in the order ``sort``."""
    field = sort.lstrip("-")
    value = flag.get(field)
    created = flag.get("created_at")
    payload = [sort, _enc(value), _enc(created), flag["id"]]
    raw = json.dumps(payload, ensure_ascii=True, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _enc(value: Any) -> Any:
    if isinstance(value, _dt.datetime):
        return {"t": c.to_utc(value).isoformat()}
    return value


def _dec(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"t"} and isinstance(value["t"], str):
        return c.to_utc(_dt.datetime.fromisoformat(value["t"]))
    if value is None or isinstance(value, (int, float, str)) and not isinstance(value, bool):
        return value
    raise ValueError("bad value")


def decode_cursor(cursor: Any, sort: str) -> tuple[Any, _dt.datetime, str] | None:
    """(sort value, created_at, id) of a cursor made by ``encode_cursor`` for
    the same ``sort``; StoreInputError for anything else."""
    if cursor is None or cursor == "":
        return None
    try:
        if not isinstance(cursor, str) or len(cursor) > 2000:
            raise ValueError("bad cursor")
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        got_sort, value, created, ident = json.loads(raw)
        value, created = _dec(value), _dec(created)
        if got_sort != sort or not isinstance(ident, str) or not isinstance(created, _dt.datetime):
            raise ValueError("cursor of another order")
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError) as exc:
        raise c.StoreInputError(f"after: not a cursor of this listing ({exc})") from None
    return value, created, ident
