"""Jinja filters and small view helpers shared by the console's pages."""

from __future__ import annotations

import datetime as _dt
from typing import Any

from flask import Flask

from patrol.web.highlight import highlight, safe_href

REASON_CODES: dict[str, tuple[tuple[str, str], ...]] = {
    "confirmed": (
        ("explicit_content", "Vulgar or explicit content"),
        ("no_publication_licence", "Sells publications without a valid licence"),
        ("impersonates_outlet", "Imitates a licensed news outlet"),
        ("unlicensed_news", "News service without a licence"),
        ("other_confirmed", "Other (explain in the note)"),
    ),
    "dismissed": (
        ("false_positive_term", "Term matched out of context"),
        ("licence_valid", "Licence is shown and valid"),
        ("licensed_outlet", "Outlet is licensed"),
        ("out_of_scope", "Out of scope"),
        ("duplicate", "Duplicate of another case"),
        ("other_dismissed", "Other (explain in the note)"),
    ),
    "escalated": (
        ("needs_lead", "Needs a lead's decision"),
        ("legal_review", "Needs legal review"),
        ("other_escalated", "Other (explain in the note)"),
    ),
}
REASON_LABELS = {code: label for codes in REASON_CODES.values() for code, label in codes}


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
    """A stored UTC datetime in the office's time zone."""
    from patrol.web.app import office_tz
    if not isinstance(value, _dt.datetime):
        return "" if value is None else str(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=_dt.timezone.utc)
    local = value.astimezone(office_tz())
    return local.strftime("%Y-%m-%d %H:%M" if with_time else "%Y-%m-%d")


def fmt_score(value: Any) -> str:
    try:
        return f"{float(value):.2f}"
    except (TypeError, ValueError):
        return ""


def install_filters(app: Flask) -> None:
    app.jinja_env.filters.update(
        dt=fmt_dt, score=fmt_score, highlight=highlight, safe_href=safe_href,
        reason_label=lambda code: REASON_LABELS.get(code, code or ""),
    )
    app.jinja_env.globals.update(REASON_CODES=REASON_CODES)


def bar_chart(counts: dict[str, int], *, width: int = 420, bar: int = 18, limit: int = 30) -> dict:
    """Geometry for a horizontal SVG bar chart (rendered by the ``bars`` macro).

    Inline SVG keeps the dashboard free of any JavaScript chart library.
    """
    rows = list(counts.items())[:limit]
    top = max((n for _, n in rows), default=0) or 1
    label_w, gap = 150, 6
    span = width - label_w - 50
    bars = [{"label": str(k), "n": n, "y": i * (bar + gap), "w": max(1, round(span * n / top)) if n else 0}
            for i, (k, n) in enumerate(rows)]
    return {"bars": bars, "width": width, "height": max(bar, len(bars) * (bar + gap)),
            "bar": bar, "label_w": label_w}
