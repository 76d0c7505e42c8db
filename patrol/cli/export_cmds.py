"""``patrol export apps``: the survey of apps used by minors."""

from __future__ import annotations

import click

from patrol.export import APP_COLUMNS, FORMATS, app_survey_rows, write_table
from patrol.store import open_store


@click.group("export")
def export_group() -> None:
    """Export tables for the office's reports."""


@export_group.command("apps")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="csv", show_default=True)
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False),
              help="File to write.")
@click.option("--all", "all_apps", is_flag=True,
              help="Every app seen, not only those relevant to minors.")
def export_apps(fmt: str, output: str, all_apps: bool) -> None:
    """The survey of apps used by minors, with their open and confirmed flags."""
    with open_store() as store:
        rows = app_survey_rows(store, minor_only=not all_apps)
    n = write_table(rows, APP_COLUMNS, fmt, output, sheet="未成年人使用应用")
    click.echo(f"wrote {n} apps to {output}")


commands = [export_group]
