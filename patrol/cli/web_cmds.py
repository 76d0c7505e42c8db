"""``patrol serve`` (the review console) and ``patrol users`` (its accounts)."""

from __future__ import annotations

import sys

import click

from patrol.errors import PatrolError
from patrol.store import open_store
from patrol.store.users import ROLES


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
    """Accounts of the review console (roles: analyst, lead).

    Passwords: at least 10 and at most 128 characters, and not easy to guess
    (zxcvbn: common passwords, keyboard walks, repeats and the user's name are
    refused)."""


@users_group.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), default="analyst", show_default=True)
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
    from patrol.web.auth import change_password
    password = _read_password(password_stdin)
    with open_store() as store:
        change_password(store, name, password)
    click.echo(f"password changed for {name}; its sessions and API tokens have ended")


@users_group.command("disable")
@click.argument("name")
def users_disable(name: str) -> None:
    """Disable NAME: its sessions and API tokens end at once and it cannot log in."""
    with open_store() as store:
        store.set_disabled(name, True)
    click.echo(f"disabled {name}; its sessions and API tokens have ended")


@users_group.command("enable")
@click.argument("name")
def users_enable(name: str) -> None:
    """Enable NAME again (it logs in afresh: old sessions and tokens stay ended)."""
    with open_store() as store:
        store.set_disabled(name, False)
    click.echo(f"enabled {name}")


@users_group.command("logout")
@click.argument("name")
def users_logout(name: str) -> None:
    """End every session and API token of NAME (e.g. a lost laptop)."""
    with open_store() as store:
        store.end_sessions(name, tokens=True)
    click.echo(f"ended every session and API token of {name}")


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
        state = "disabled" if u.get("disabled") else "active"
        click.echo(f"{u['username']:<24} {u['role']:<8} {state:<9} {created:%Y-%m-%d}" if created else
                   f"{u['username']:<24} {u['role']:<8} {state}")


commands = [serve_cmd, users_group]
