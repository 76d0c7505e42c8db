"""``patrol evidence keygen | export | timestamp | verify`` (docs/evidence.md)."""

from __future__ import annotations

import getpass
import json
import sys
from pathlib import Path

import click

from patrol.store import open_store


@click.group("evidence")
def evidence_group() -> None:
    """Evidence packages of confirmed cases: sign, timestamp, verify."""


@evidence_group.command("keygen")
@click.option("--force", is_flag=True, help="Replace an existing key (old packages keep verifying with the old public key).")
def keygen_cmd(force: bool) -> None:
    """Make the office's Ed25519 signing key (PATROL_EVIDENCE_KEY) and print its public key."""
    from patrol.evidence import office, signing
    path = office.key_file()
    public = signing.keygen(path, force=force)
    click.echo(f"private key: {path} (keep it secret; mode 0600)")
    click.echo(f"public key SHA-256: {signing.fingerprint(public)}")
    click.echo("public key (print this for the case file):")
    click.echo(signing.public_pem(public).decode("ascii").rstrip())


def _export(flag_id: str, output: Path | None, as_json: bool, require: bool) -> None:
    from patrol.evidence import office
    out = output or Path(f"case-{flag_id}.wacz")
    with open_store() as store:
        summary = office.export_case(store, flag_id, out, exported_by=getpass.getuser(),
                                     require_timestamp=require)
    if as_json:
        click.echo(json.dumps(summary, ensure_ascii=False, sort_keys=True))
        return
    click.echo(f"wrote {summary['path']} ({summary['bytes']} bytes, {len(summary['files'])} evidence files)")
    click.echo(f"manifest SHA-256: {summary['manifest_sha256']}")
    click.echo(f"signed with office key {summary['public_key_sha256']}")
    tsa = summary["timestamp"]
    if tsa["status"] == "timestamped":
        click.echo(f"timestamped by {tsa['tsa_url']}")
    else:
        click.echo(f"not timestamped: {tsa.get('reason', tsa['status'])}"
                   + (f"; retry with: patrol evidence timestamp {flag_id}" if tsa["status"] == "missing" else ""))


@evidence_group.command("export")
@click.argument("flag_id")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="The package file (default: case-FLAG_ID.wacz).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def export_cmd(flag_id: str, output: Path | None, as_json: bool) -> None:
    """Write the evidence package (WACZ) of one flag."""
    _export(flag_id, output, as_json, require=False)


@evidence_group.command("timestamp")
@click.argument("flag_id")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="The package file (default: case-FLAG_ID.wacz).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def timestamp_cmd(flag_id: str, output: Path | None, as_json: bool) -> None:
    """Export the package again with a timestamp from PATROL_TSA_URL (fails if the TSA does not answer)."""
    from patrol import config
    from patrol.errors import PatrolError
    if not config.get("PATROL_TSA_URL"):
        raise PatrolError("PATROL_TSA_URL is not set: there is no timestamp authority to ask")
    _export(flag_id, output, as_json, require=True)


@evidence_group.command("verify")
@click.argument("package", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--key", "public_key", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The office's public key from the case file (PEM): the package must be signed with it.")
@click.option("--tsa-ca", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="CA certificate(s) of the timestamp authority (PEM) to check the token's signer.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def verify_cmd(package: Path, public_key: Path | None, tsa_ca: Path | None, as_json: bool) -> None:
    """Check every file's digest, the signature, the timestamp and the chain of a package."""
    from patrol.evidence.verify import verify
    report = verify(package, public_key=public_key, tsa_ca=tsa_ca)
    if as_json:
        click.echo(json.dumps({"ok": report.ok, "checks": [c.__dict__ for c in report.checks]},
                              ensure_ascii=False))
    else:
        for c in report.checks:
            click.echo(f"{'ok  ' if c.ok else 'FAIL'}  {c.name}: {c.detail}")
        click.echo(f"{package}: " + ("verified" if report.ok else
                                     f"FAILED ({len(report.failed())} of {len(report.checks)} checks)"))
    sys.exit(0 if report.ok else 1)


@evidence_group.command("takedown")
@click.argument("flag_id")
@click.option("--to", "to", required=True, help="To whom the takedown was requested (the platform, an office).")
@click.option("--date", help="The day it was requested, YYYY-MM-DD in office time (default: today).")
@click.option("--by", "by", help="Who requested it (default: your login name).")
@click.option("--note", default="", help="A note for the case file.")
def takedown_cmd(flag_id: str, to: str, date: str | None, by: str | None, note: str) -> None:
    """Mark a confirmed case "takedown requested"; it is re-checked after
    PATROL_RECHECK_AFTER days and at 30 days (patrol recheck --due)."""
    from patrol.evidence import recheck
    with open_store() as store:
        flag = recheck.request(store, flag_id, to=to, by=by or getpass.getuser(), date=date, note=note)
    state = flag["recheck"]
    click.echo(f"takedown of {flag_id} requested {state['takedown']['date']} to {to}; "
               f"re-checks due {', '.join(state['due'])}")


@click.command("recheck")
@click.argument("flag_ids", nargs=-1)
@click.option("--due", is_flag=True, help="Run every re-check that is due now (the scheduler does this).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per re-check.")
def recheck_cmd(flag_ids: tuple[str, ...], due: bool, as_json: bool) -> None:
    """Re-fetch takedown-requested cases and record removed / still_online /
    changed / unreachable: the due ones (--due) or the named FLAG_IDS now."""
    from patrol.errors import PatrolError
    from patrol.evidence import recheck
    if bool(due) == bool(flag_ids):
        raise PatrolError("patrol recheck: give --due, or the flag ids to re-check now (not both)")
    with open_store() as store:
        if due:
            done = recheck.run_due(store)
        else:
            flags = [store.get_flag(f) for f in flag_ids]
            for f in flags:
                if not f.get("recheck"):
                    raise PatrolError(f"flag {f['id']}: no takedown was requested "
                                      f"(patrol evidence takedown {f['id']} --to ...)")
            done = recheck.run(store, flags, scheduled=False)
    for d in done:
        click.echo(json.dumps(d, ensure_ascii=False) if as_json
                   else f"{d['flag_id']}  {d['outcome']:<12}  {d['url']}  ({d['detail']})")
    if not done and not as_json:
        click.echo("no re-checks due" if due else "nothing re-checked")
    if any(d["outcome"] == "not_run" for d in done):
        sys.exit(1)  # a re-check crawl failed: said above, the case stays due


commands = [evidence_group, recheck_cmd]
