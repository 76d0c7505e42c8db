"""``patrol report survey|summary``: the reports the office sends upward."""

from __future__ import annotations

import json
from pathlib import Path
from zoneinfo import ZoneInfo

import click

from patrol.errors import PatrolError
from patrol.store import open_store

PERIOD_HELP = "2026-11, 2026-Q4, 2026, 2026-09-01..2026-11-30 (office time zone); empty: all time."


def _period(text: str):
    from patrol import config
    from patrol.reports.period import parse_period
    return parse_period(text, ZoneInfo(config.get("PATROL_TIMEZONE")))


def _format(output: str, fmt: str | None, allowed: tuple[str, ...]) -> str:
    fmt = (fmt or Path(output).suffix.lstrip(".")).lower()
    if fmt not in allowed:
        raise PatrolError(f"--format: give one of {', '.join(allowed)} (or a file ending in one)")
    return fmt


def _write(output: str, data: bytes | str) -> None:
    path = Path(output)
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)


@click.group("report")
def report_group() -> None:
    """The survey (摸排表) and the campaign summary (集中行动总结)."""


@report_group.command("survey")
@click.option("--period", default="", help=PERIOD_HELP)
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(("xlsx", "html", "pdf")), default=None,
              help="Default: from the file name.")
@click.option("--all", "all_apps", is_flag=True, help="Every app seen, not only those minors use.")
def survey(period: str, output: str, fmt: str | None, all_apps: bool) -> None:
    """The survey of apps and websites popular with minors, one row each."""
    from patrol.reports import render
    from patrol.reports import survey as survey_mod
    fmt = _format(output, fmt, ("xlsx", "html", "pdf"))
    p = _period(period)
    with open_store() as store:
        if fmt == "xlsx":
            _write(output, survey_mod.xlsx(store, p, minor_only=not all_apps))
        else:
            html = render.survey_html(store, p, minor_only=not all_apps)
            if fmt == "pdf":
                from patrol.reports.pdf import html_to_pdf
                _write(output, html_to_pdf(html))
            else:
                _write(output, html)
    click.echo(f"wrote the survey of {p.label()} to {output}")


@report_group.command("summary")
@click.option("--period", default="", help=PERIOD_HELP)
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(("docx", "pdf", "html", "txt", "json")),
              default=None, help="Default: from the file name. json: the figures and their queries.")
def summary(period: str, output: str, fmt: str | None) -> None:
    """A draft of the campaign summary in Chinese from the store's figures (≤ 2,000 characters)."""
    from patrol.reports import render
    from patrol.reports import summary as summary_mod
    fmt = _format(output, fmt, ("docx", "pdf", "html", "txt", "json"))
    p = _period(period)
    with open_store() as store:
        s = summary_mod.build(store, p)
    if fmt == "docx":
        _write(output, summary_mod.docx(s.title, s.text))
    elif fmt == "txt":
        _write(output, s.title + "\n" + s.text + "\n")
    elif fmt == "json":
        _write(output, json.dumps({"title": s.title, "text": s.text, "period": p.label(),
                                   "figures": [f.__dict__ for f in s.figures]},
                                  ensure_ascii=False, indent=2))
    else:
        html = render.summary_html(s, with_figures=fmt == "html")
        if fmt == "pdf":
            from patrol.reports.pdf import html_to_pdf
            html = html_to_pdf(html)
        _write(output, html)
    click.echo(f"wrote the summary of {p.label()} ({len(s.title) + 1 + len(s.text)} characters) "
               f"to {output}")


commands = [report_group]
