"""``patrol cases list|show|export|rebuild``: cases linked across sites by
shared identifiers (``patrol.cases``)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import click

from patrol.export import FORMATS, write_table
from patrol.store import open_store

# (key, column title) of a case export: one row per flag of the case.
CASE_COLUMNS = [("case_id", "案件编号"), ("flag_id", "线索编号"), ("url", "页面地址"),
                ("source", "来源"), ("category", "类别"), ("status", "状态"),
                ("decision", "处理结论"), ("decided_by", "处理人"), ("score", "分值"),
                ("title", "标题"), ("joined_by", "关联标识"), ("identifiers", "全部标识")]


def _one_line(value: str, width: int) -> str:
    value = " ".join(str(value or "").split())
    return value if len(value) <= width else value[:width - 1] + "…"


@click.group("cases")
def cases_group() -> None:
    """Cases: flags of different pages and sites linked by the identifiers they share."""


@cases_group.command("list")
@click.option("--limit", default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="JSON Lines, one case a line.")
def list_cmd(limit: int, as_json: bool) -> None:
    """Cases with two or more flags, largest first."""
    from patrol.cases.views import list_cases
    with open_store() as store:
        rows, total = list_cases(store, limit=limit)
    if as_json:
        for row in rows:
            click.echo(json.dumps(row, ensure_ascii=False))
        return
    click.echo(f"{total} cases")
    for row in rows:
        click.echo(f"{row['id']}  {row['flags']:>3} flags  {row['open']:>3} open  "
                   f"sites: {_one_line(', '.join(row['sources']), 40)}  "
                   f"joined by: {_one_line(', '.join(row['joining']), 60)}")


@cases_group.command("show")
@click.argument("ident")
@click.option("--json", "as_json", is_flag=True)
def show_cmd(ident: str, as_json: bool) -> None:
    """The case IDENT (a case id or the id of any of its flags)."""
    from patrol.cases.views import load_case
    with open_store() as store:
        case = load_case(store, ident)
    if case is None:
        raise click.ClickException(f"no case {ident!r} (a flag of no case, or an unknown id)")
    if as_json:
        click.echo(json.dumps(case, ensure_ascii=False, default=str, indent=1))
        return
    click.echo(f"case {case['id']}: {len(case['members'])} flags on {len(case['sources'])} sites "
               f"({', '.join(case['sources'])})")
    click.echo("joined by: " + (", ".join(case["joining"]) or "-"))
    if case["hubs"]:
        click.echo("hubs (shown, not linking): " + ", ".join(case["hubs"]))
    for m in case["members"]:
        click.echo(f"  {m['flag_id']}  {m['status']:<9} {m['category']:<22} {m['source']:<14} "
                   f"{_one_line(m['url'], 60)}")
        click.echo(f"      via {', '.join(m['joined_by']) or '-'}")


@cases_group.command("export")
@click.argument("ident")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="csv", show_default=True)
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False), help="File to write.")
@click.option("--evidence", "evidence_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Also write each flag's evidence package (patrol evidence export) into this directory.")
def export_cmd(ident: str, fmt: str, output: str, evidence_dir: Path | None) -> None:
    """One case as a table for the office's lead: a row per flag."""
    from patrol.cases.views import export_rows, load_case
    with open_store() as store:
        case = load_case(store, ident)
        if case is None:
            raise click.ClickException(f"no case {ident!r}")
        n = write_table(export_rows(case), CASE_COLUMNS, fmt, output, sheet="关联案件")
        click.echo(f"wrote {n} flags of case {case['id']} to {output}")
        if evidence_dir is not None:
            _evidence(store, case, evidence_dir)


def _evidence(store, case: dict, directory: Path) -> None:
    """One evidence package per flag of the case; a flag without a capture is named, not fatal."""
    import getpass

    from patrol.errors import PatrolError
    from patrol.evidence import office
    directory.mkdir(parents=True, exist_ok=True)
    written, missing = 0, []
    for m in case["members"]:
        try:
            office.export_case(store, m["flag_id"], directory / f"case-{m['flag_id']}.wacz",
                               exported_by=getpass.getuser())
            written += 1
        except PatrolError as exc:
            missing.append(f"{m['flag_id'][:12]} ({exc})")
    click.echo(f"evidence packages: {written} written to {directory}"
               + (f"; not written: {'; '.join(missing)}" if missing else ""))


@cases_group.command("rebuild")
@click.option("--extract", is_flag=True,
              help="Read every flagged item's identifiers again first (after a change of the extractor).")
def rebuild_cmd(extract: bool) -> None:
    """Recompute every case from the stored identifiers (dismissed flags' identifiers are deleted)."""
    from patrol.cases import rebuild
    begun = time.monotonic()
    with open_store() as store:
        stats = rebuild(store, extract=extract)
    click.echo(f"rebuilt in {time.monotonic() - begun:.1f}s: {stats['cases']} cases of "
               f"{stats['linked_flags']} flags from {stats['entities']} identifiers "
               f"({stats['hubs']} hubs; {stats['dismissed']} dismissed flags forgotten)")


commands = [cases_group]
