"""Jinja filters and small view helpers shared by the console's pages."""

from __future__ import annotations

import datetime as _dt
from typing import Any

from flask import Flask
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from patrol.web.highlight import highlight, safe_href

# Unicode's bidirectional controls (embeddings, overrides, isolates, marks): in
# crawled text they reorder what an analyst sees ("‮txt.exe" shows as
# "exe.txt"), in a title or a URL alike. Every shown value gets each one
# replaced by a visible "[U+202E]", so the text reads in its stored order and
# the trick itself stays visible as evidence.
BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_BIDI_TABLE = {ord(ch): f"[U+{ord(ch):04X}]" for ch in BIDI_CONTROLS}


def neutralise_bidi(value: Any) -> Any:
    """``value`` with bidirectional controls made visible; Markup stays Markup
    (the replacement is plain ASCII with no markup characters)."""
    if isinstance(value, Markup):
        return Markup(str(value).translate(_BIDI_TABLE))
    if isinstance(value, str):
        return value.translate(_BIDI_TABLE)
    return value

REASON_CODES: dict[str, tuple[tuple[str, object], ...]] = {
    "confirmed": (
        ("explicit_content", _l("Vulgar or explicit content")),
        ("no_publication_licence", _l("Sells publications without a valid licence")),
        ("impersonates_outlet", _l("Imitates a licensed news outlet")),
        ("unlicensed_news", _l("News service without a licence")),
        ("other_confirmed", _l("Other (explain in the note)")),
    ),
    "dismissed": (
        ("false_positive_term", _l("Term matched out of context")),
        ("licence_valid", _l("Licence is shown and valid")),
        ("licensed_outlet", _l("Outlet is licensed")),
        ("out_of_scope", _l("Out of scope")),
        ("duplicate", _l("Duplicate of another case")),
        ("other_dismissed", _l("Other (explain in the note)")),
    ),
    "escalated": (
        ("needs_lead", _l("Needs a lead's decision")),
        ("legal_review", _l("Needs legal review")),
        ("other_escalated", _l("Other (explain in the note)")),
    ),
}
REASON_LABELS = {code: label for codes in REASON_CODES.values() for code, label in codes}
# The reasons whose label says "explain in the note": a decision with one needs a note.
NOTE_REQUIRED = frozenset(code for code in REASON_LABELS if code.startswith("other_"))


def reason_label(code) -> str:
    label = REASON_LABELS.get(code)
    return str(label) if label is not None else (code or "")


_CONFIRM_DEFAULT = {"vulgar": "explicit_content", "unlicensed_publication": "no_publication_licence",
                    "fake_media": "impersonates_outlet"}


def reason_valid(verdict: str, reason: str) -> bool:
    return any(code == reason for code, _ in REASON_CODES.get(verdict, ()))


def default_reason(verdict: str, category: str) -> str:
    """The reason a keystroke decision records when the analyst picked none."""
    if verdict == "confirmed":
        return _CONFIRM_DEFAULT.get(category, "other_confirmed")
    return REASON_CODES[verdict][0][0]


def fmt_dt(value: Any, with_time: bool = True) -> str:
    """A stored UTC datetime in the office's time zone (the page footer names
    the zone once; the SQLite store's ISO strings are read back too)."""
    from patrol.web.app import office_tz
    if isinstance(value, str) and len(value) >= 19 and value[4:5] == "-" and value[10:11] == "T":
        try:
            value = _dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
    if not isinstance(value, _dt.datetime):
        return "" if value is None else str(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=_dt.timezone.utc)
    local = value.astimezone(office_tz())
    return local.strftime("%Y-%m-%d %H:%M" if with_time else "%Y-%m-%d")


def lease_live(until: Any) -> bool:
    """Whether a claim's ``lease_until`` is still ahead (an expired lease is
    shown as expired: anyone may claim the flag again)."""
    if isinstance(until, str):
        try:
            until = _dt.datetime.fromisoformat(until.replace("Z", "+00:00"))
        except ValueError:
            return False
    if not isinstance(until, _dt.datetime):
        return False
    if until.tzinfo is None:
        until = until.replace(tzinfo=_dt.timezone.utc)
    return until > _dt.datetime.now(_dt.timezone.utc)


def fmt_score(value: Any) -> str:
    try:
        return f"{float(value):.2f}"
    except (TypeError, ValueError):
        return ""


def install_filters(app: Flask) -> None:
    # finalize runs on every {{ expression }} of every template before it is
    # escaped, so no page can show a bidi control, whatever field it prints.
    app.jinja_env.finalize = neutralise_bidi
    app.jinja_env.filters.update(
        dt=fmt_dt, score=fmt_score, lease_live=lease_live, highlight=highlight, safe_href=safe_href,
        reason_label=reason_label,
    )
    app.jinja_env.globals.update(REASON_CODES=REASON_CODES)


def bar_chart(counts: dict[str, int], *, width: int = 420, bar: int = 18, limit: int = 30,
              label=str) -> dict:
    """Geometry for a horizontal SVG bar chart (rendered by the ``bars`` macro).

    Inline SVG keeps the dashboard free of any JavaScript chart library.
    """
    rows = list(counts.items())[:limit]
    top = max((n for _, n in rows), default=0) or 1
    label_w, gap = 150, 6
    span = width - label_w - 50
    bars = [{"label": str(k), "text": label(k), "n": n, "y": i * (bar + gap), "w": max(1, round(span * n / top)) if n else 0}
            for i, (k, n) in enumerate(rows)]
    return {"bars": bars, "width": width, "height": max(bar, len(bars) * (bar + gap)),
            "bar": bar, "label_w": label_w}
