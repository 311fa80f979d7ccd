"""The `careleaf` command: a thin layer over the core and the site adapter.

The group makes the `Project` every command works on; the commands live by role in
`careleaf.cli.publish`, `careleaf.cli.preview` and `careleaf.cli.editorial`.
"""

from __future__ import annotations

from pathlib import Path

import click

from careleaf.cli.editorial import (
    export_po_command,
    import_po_command,
    protect,
    report,
    status,
    translate,
)
from careleaf.cli.preview import serve
from careleaf.cli.project import Project
from careleaf.cli.publish import build, check, handout, merge, verify_command


@click.group(
    commands=[
        # The outputs: making, checking and previewing them.
        check,
        build,
        merge,
        serve,
        handout,
        verify_command,
        # The editors' and translators' work.
        status,
        report,
        translate,
        export_po_command,
        import_po_command,
        protect,
    ]
)
@click.option(
    "--project",
    "-p",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    show_default=True,
    help="The careleaf project folder.",
)
@click.pass_context
def main(ctx: click.Context, project: Path) -> None:
    """careleaf: patient information as a website and PDF handouts, verified."""
    ctx.obj = Project(project)
