"""The `careleaf` command: a thin layer over the core and the site adapter."""

from __future__ import annotations

import time
from pathlib import Path

import click

from .errors import CareleafError
from .load import load_library
from .pages import check_pages


def _fail(error: CareleafError) -> click.ClickException:
    return click.ClickException(str(error))


@click.group()
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
    ctx.obj = project


@main.command()
@click.pass_obj
def check(project: Path) -> None:
    """Validate content, pages, handout definitions and clinic profiles."""
    started = time.perf_counter()
    try:
        library = load_library(project)
    except CareleafError as error:
        raise _fail(error) from None
    problems = check_pages(project, library)
    if problems:
        lines = [f"{len(problems)} problem{'s' if len(problems) != 1 else ''} found:"]
        raise click.ClickException("\n".join(lines + [f"  - {p}" for p in problems]))
    blocks = sum(len(blocks) for blocks in library.content.values())
    click.echo(
        f"OK: {blocks} blocks in {len(library.content)} language(s), "
        f"{len(library.handouts)} handouts, {len(library.clinics)} clinics "
        f"({time.perf_counter() - started:.2f}s)"
    )


@main.command()
@click.option(
    "--clinic",
    "clinic_id",
    default=None,
    help="Clinic id under clinics/, or 'all' to build every clinic into dist/<id>/.",
)
@click.option(
    "--site-dir",
    "-d",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Output folder (default: site/, or dist/ with --clinic all).",
)
@click.pass_obj
def build(project: Path, clinic_id: str | None, site_dir: Path | None) -> None:
    """Build the site and every handout, verify them, then publish."""
    from .site import build_site  # the site engine is only needed here

    try:
        library = load_library(project)
        if clinic_id == "all":
            out = site_dir or project / "dist"
            for cid in library.clinics:
                build_site(project, cid, out / cid)
                click.echo(f"built {cid} into {out / cid}")
        else:
            cid = clinic_id or library.project.default_clinic
            if cid not in library.clinics:
                raise click.BadParameter(
                    f"unknown clinic '{cid}' (known: {', '.join(sorted(library.clinics))}, all)",
                    param_hint="--clinic",
                )
            build_site(project, cid, site_dir or project / "site")
    except CareleafError as error:
        raise _fail(error) from None


@main.command()
@click.argument("handout_id", metavar="HANDOUT")
@click.option("--clinic", "clinic_id", default=None, help="Clinic id (default: the project's).")
@click.option("--lang", default=None, help="Language code (default: the source language).")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The PDF to write (default: <handout>-<clinic>-<lang>.pdf).",
)
@click.pass_obj
def handout(
    project: Path, handout_id: str, clinic_id: str | None, lang: str | None, output: Path | None
) -> None:
    """Render one handout to a PDF, for printing."""
    from .pdf import handout_pdf

    try:
        library = load_library(project)
        cid = clinic_id or library.project.default_clinic
        lang = lang or library.source_language
        for value, known, name in (
            (handout_id, library.handouts, "handout"),
            (cid, library.clinics, "clinic"),
            (lang, library.content, "language"),
        ):
            if value not in known:
                raise click.BadParameter(
                    f"unknown {name} '{value}' (known: {', '.join(sorted(known))})"
                )
        clinic = library.clinics[cid]
        target = output or Path(f"{handout_id}-{cid}-{lang}.pdf")
        url = library.url(clinic, lang, f"handouts/{handout_id}.pdf")
        pages = handout_pdf(library, handout_id, lang, clinic, url, target)
    except CareleafError as error:
        raise _fail(error) from None
    click.echo(f"wrote {target} ({pages} page{'s' if pages != 1 else ''})")
