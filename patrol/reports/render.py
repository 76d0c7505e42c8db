"""Printable pages of the reports (one renderer for the console, the CLI and
the PDF): Jinja2 templates in ``templates/``, autoescaped (crawled names and
titles are hostile), styled by ``report.css``: linked by the console (its CSP
forbids inline style), inlined for a file or a PDF."""

from __future__ import annotations

import datetime as _dt
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from patrol.reports import summary as summary_mod
from patrol.reports import survey as survey_mod
from patrol.reports.period import Period

HERE = Path(__file__).parent
CSS = HERE / "templates" / "report.css"
_env = Environment(loader=FileSystemLoader(HERE / "templates"),
                   autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)


def _style(css_href: str | None) -> dict:
    return {"css_href": css_href, "css": None if css_href else CSS.read_text(encoding="utf-8")}


def survey_html(store, period: Period, *, minor_only: bool = True, css_href: str | None = None,
                generated: _dt.datetime | None = None) -> str:
    rows = list(survey_mod.rows(store, period, minor_only=minor_only))
    return _env.get_template("survey.html").render(
        period=period, columns=survey_mod.COLUMNS, rows=rows,
        generated=(generated or _dt.datetime.now(period.tz)).astimezone(period.tz),
        **_style(css_href))


def summary_html(s: "summary_mod.Summary", *, css_href: str | None = None,
                 with_figures: bool = False) -> str:
    return _env.get_template("summary.html").render(
        s=s, paragraphs=[p for p in s.text.split("\n") if p.strip()],
        with_figures=with_figures, chars=len(s.title) + 1 + len(s.text),
        limit=summary_mod.MAX_CHARS, **_style(css_href))
