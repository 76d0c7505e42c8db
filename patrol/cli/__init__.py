"""The ``patrol`` command line (click).

Each area keeps its commands in a module of this package that exposes
``commands`` (a list of click commands or groups); ``COMMAND_MODULES`` lists
them. Errors an operator can act on (bad store URL, unreachable server, bad
profile, bad model file) print one line and exit non-zero, never a traceback.
"""

from __future__ import annotations

import importlib
import logging
import sys

import click

from patrol import __version__

COMMAND_MODULES = [
    "patrol.cli.store_cmds",
    "patrol.cli.crawl_cmds",
    "patrol.cli.web_cmds",
    "patrol.cli.export_cmds",
    "patrol.cli.report_cmds",
    "patrol.cli.schedule_cmds",
    "patrol.cli.model_cmds",
    "patrol.cli.worker_cmds",
    "patrol.cli.cases_cmds",
    "patrol.cli.evidence_cmds",
]


class PatrolGroup(click.Group):
    def invoke(self, ctx: click.Context):
        from patrol.config import ConfigError
        from patrol.errors import PatrolError
        from patrol.store.base import StoreError
        try:
            return super().invoke(ctx)
        except (StoreError, ConfigError, PatrolError) as exc:
            click.echo(f"patrol: error: {exc}", err=True)
            ctx.exit(2)
        except KeyboardInterrupt:
            click.echo("patrol: interrupted", err=True)
            ctx.exit(130)


@click.group(cls=PatrolGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", is_flag=True, help="Log at DEBUG level.")
def cli(verbose: bool) -> None:
    """Content patrol: crawl public app, shop and news listings, flag possible
    vulgar content, unlicensed publication sellers and fake media, and let
    analysts review the flags.

    Settings come from PATROL_* environment variables or the config file
    (see docs/settings.md); PATROL_STORE chooses the store.
    """
    from patrol import config
    level = "DEBUG" if verbose else config.get("PATROL_LOG_LEVEL")
    logging.basicConfig(level=getattr(logging, str(level).upper(), logging.INFO),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")


@cli.command()
def version() -> None:
    """Print the version of patrol and of its main libraries."""
    from importlib.metadata import PackageNotFoundError, version as v
    click.echo(f"patrol {__version__}")
    for dist in ("scrapy", "scrapy-playwright", "pymongo", "jieba", "scikit-learn", "apscheduler"):
        try:
            click.echo(f"  {dist} {v(dist)}")
        except PackageNotFoundError:
            click.echo(f"  {dist} (not installed)")


def _load_commands() -> None:
    for name in COMMAND_MODULES:
        module = importlib.import_module(name)
        for command in module.commands:
            cli.add_command(command)


_load_commands()


def main(argv: list[str] | None = None) -> None:
    cli.main(args=argv, prog_name="patrol")


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])
