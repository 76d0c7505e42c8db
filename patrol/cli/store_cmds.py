"""``patrol store check`` and ``patrol queue stats``."""

from __future__ import annotations

import json

import click

from patrol.store import open_store


@click.group("store")
def store_group() -> None:
    """Inspect the store chosen by PATROL_STORE."""


@store_group.command("check")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def store_check(as_json: bool) -> None:
    """Connect, create indexes, print the backend and counts."""
    with open_store() as store:
        store.ping()
        summary = store.summary()
    if as_json:
        click.echo(json.dumps(summary, ensure_ascii=False, sort_keys=True))
        return
    click.echo(f"backend: {summary['backend']}  ({summary['url']})")
    kinds = ", ".join(f"{k} {n}" for k, n in sorted(summary["items_by_kind"].items())) or "none"
    click.echo(f"items:   {summary['items']}  ({kinds})")
    click.echo(f"flags:   {summary['flags']}")
    click.echo(f"apps:    {summary['apps']}  ({summary['apps_minor']} relevant to minors)")
    click.echo(f"runs:    {summary['runs']}")


@click.group("queue")
def queue_group() -> None:
    """The review queue."""


@queue_group.command("stats")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def queue_stats(as_json: bool) -> None:
    """Counts of flags by category, status, source and day."""
    with open_store() as store:
        counts = store.flag_counts()
    if as_json:
        click.echo(json.dumps(counts, ensure_ascii=False, sort_keys=True))
        return
    click.echo(f"total: {counts['total']}")
    for key in ("by_category", "by_status", "by_source", "by_day"):
        click.echo(f"{key.replace('_', ' ')}:")
        for name, n in sorted(counts[key].items()):
            click.echo(f"  {name:<28} {n}")


commands = [store_group, queue_group]
