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


commands = [evidence_group]
