"""Command-line options that more than one `careleaf` command takes."""

from __future__ import annotations

import click

ALLOW_STALE = click.option(
    "--allow-stale",
    is_flag=True,
    help="Publish languages whose safety items are missing or out of date, marked with a "
    "visible 'translation out of date' notice and the current English.",
)
NO_WAIT = click.option(
    "--no-wait",
    is_flag=True,
    help="When another process is building into the output folder, fail at once (naming it) "
    "instead of waiting for it to finish.",
)
ENGINE = click.option(
    "--engine",
    type=click.Choice(["mkdocs", "zensical"]),
    default=None,
    help="The site engine (default: careleaf.yml's engine, else mkdocs); see README, "
    "'Site engines'.",
)
ALLOW_OVERDUE = click.option(
    "--allow-overdue",
    is_flag=True,
    help="Publish approved content past its review date, marked 'review overdue'.",
)
