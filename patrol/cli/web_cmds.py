"""``patrol serve`` (the review console) and ``patrol users`` (its accounts)."""

from __future__ import annotations

import sys

import click

from patrol.errors import PatrolError
from patrol.store import open_store


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on (0 picks a free one).")
def serve_cmd(host: str, port: int) -> None:
    """Run the review console (waitress) on the store chosen by PATROL_STORE."""
    from patrol.web import serve
    serve(host, port, echo=click.echo)


def _read_password(password_stdin: bool) -> str:
    if password_stdin:
        line = sys.stdin.readline()
        if not line:
            raise PatrolError("--password-stdin: standard input is empty")
        return line.rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@click.group("users")
def users_group() -> None:
    """Accounts of the review console (roles: analyst, lead)."""


@users_group.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(["analyst", "lead"]), default="analyst", show_default=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
def users_add(name: str, role: str, password_stdin: bool) -> None:
    """Create an account NAME."""
    from patrol.web.auth import create_account
    password = _read_password(password_stdin)
    with open_store() as store:
        user = create_account(store, name, role, password)
    click.echo(f"created {user['username']} ({user['role']})")


@users_group.command("passwd")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
def users_passwd(name: str, password_stdin: bool) -> None:
    """Set a new password for NAME (ends the account's sessions and tokens)."""
    from patrol.web.auth import MIN_PASSWORD, hash_password
    password = _read_password(password_stdin)
    if len(password) < MIN_PASSWORD:
        raise PatrolError(f"password: must be at least {MIN_PASSWORD} characters")
    with open_store() as store:
        store.set_password(name, hash_password(password))
    click.echo(f"password changed for {name}")


@users_group.command("list")
def users_list() -> None:
    """List accounts with their role."""
    with open_store() as store:
        users = store.list_users()
    if not users:
        click.echo("no accounts: create one with  patrol users add NAME --role lead")
        return
    for u in users:
        created = u.get("created_at")
        click.echo(f"{u['username']:<24} {u['role']:<8} {created:%Y-%m-%d}" if created else
                   f"{u['username']:<24} {u['role']}")


commands = [serve_cmd, users_group]
