"""The `careleaf` command: a thin layer over the core and the site adapter."""

from __future__ import annotations

import time
from pathlib import Path

import click

from .colour import brand_problems, require_readable
from .errors import CareleafError
from .load import check_project, load_library


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


ALLOW_STALE = click.option(
    "--allow-stale",
    is_flag=True,
    help="Publish languages whose safety items are missing or out of date, marked with a "
    "visible 'translation out of date' notice and the current English.",
)
ALLOW_OVERDUE = click.option(
    "--allow-overdue",
    is_flag=True,
    help="Publish approved content past its review date, marked 'review overdue'.",
)


@main.command()
@ALLOW_STALE
@ALLOW_OVERDUE
@click.pass_obj
def check(project: Path, allow_stale: bool, allow_overdue: bool) -> None:
    """Validate content, pages, handouts and clinics, and apply the build's safety policy.

    It fails wherever `careleaf build` would (with the same flags).
    """
    from .policy import safety_policy

    started = time.perf_counter()
    try:
        library = load_library(project)
    except CareleafError as error:
        raise _fail(error) from None
    verdict = safety_policy(library, allow_stale=allow_stale, allow_overdue=allow_overdue)
    for warning in verdict.warnings:
        click.echo(f"warning: {warning}", err=True)
    for allowed in verdict.allowed:
        click.echo(f"allowed, outputs marked: {allowed}", err=True)
    problems = check_project(project, library) + verdict.problems
    problems += [p for clinic in library.clinics.values() for p in brand_problems(clinic)]
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
@ALLOW_STALE
@ALLOW_OVERDUE
@click.pass_obj
def build(
    project: Path,
    clinic_id: str | None,
    site_dir: Path | None,
    allow_stale: bool,
    allow_overdue: bool,
) -> None:
    """Build the site and every handout, verify them, then publish."""
    from .site import build_site  # the site engine is only needed here

    try:
        library = load_library(project)
        if clinic_id == "all":
            out = site_dir or project / "dist"
            for cid in library.clinics:
                build_site(
                    project, cid, out / cid, allow_stale=allow_stale, allow_overdue=allow_overdue
                )
                click.echo(f"built {cid} into {out / cid}")
        else:
            cid = clinic_id or library.project.default_clinic
            if cid not in library.clinics:
                raise click.BadParameter(
                    f"unknown clinic '{cid}' (known: {', '.join(sorted(library.clinics))}, all)",
                    param_hint="--clinic",
                )
            build_site(
                project,
                cid,
                site_dir or project / "site",
                allow_stale=allow_stale,
                allow_overdue=allow_overdue,
            )
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
        require_readable(clinic)
        target = output or Path(f"{handout_id}-{cid}-{lang}.pdf")
        url = library.url(clinic, lang, f"handouts/{handout_id}.pdf")
        pages = handout_pdf(library, handout_id, lang, clinic, url, target)
    except CareleafError as error:
        raise _fail(error) from None
    click.echo(f"wrote {target} ({pages} page{'s' if pages != 1 else ''})")


@main.command("verify")
@click.argument(
    "site_dir", required=False, default="site", type=click.Path(file_okay=False, path_type=Path)
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="Print a table, or the same report as JSON.",
)
@click.pass_context
def verify_command(ctx: click.Context, site_dir: Path, output_format: str) -> None:
    """Read a built site's outputs back and check every safety item reached each one.

    SITE_DIR is the built site (default: site). Exit status: 0 all good, 1 an item is missing,
    unexpected or duplicated or an output does not match its manifest, 2 the outputs (or the
    project) cannot be read.
    """
    import json

    from .verify import format_table, verify

    try:
        report = verify(site_dir, ctx.obj)
    except CareleafError as error:
        click.echo(f"Error: {error}", err=True)
        ctx.exit(2)
    if output_format == "json":
        click.echo(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        click.echo(format_table(report))
    ctx.exit(0 if report.ok else 1)


@main.command()
@click.option("--lang", default=None, help="One language (default: every translation).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "markdown"]),
    default="table",
    show_default=True,
    help="A table, JSON, or Markdown for a pull-request comment.",
)
@click.pass_obj
def status(project: Path, lang: str | None, fmt: str) -> None:
    """Show what each translation is missing, what went stale and what is extra.

    It informs: the exit status is 0 however far a translation is behind.
    """
    from .status import format_status, translation_status

    try:
        library = load_library(project)
    except CareleafError as error:
        raise _fail(error) from None
    source = library.source_language
    translations = [code for code in library.project.languages if code != source]
    if lang is not None and lang not in translations:
        known = ", ".join(translations) or "none"
        why = "is the source language" if lang == source else "is not a language of the project"
        raise click.BadParameter(f"'{lang}' {why} (translations: {known})", param_hint="--lang")
    langs = [lang] if lang else translations
    click.echo(format_status([translation_status(library, code) for code in langs], fmt))


@main.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "markdown"]),
    default="table",
    show_default=True,
    help="A table, JSON (a list of entries), or Markdown.",
)
@click.pass_obj
def report(project: Path, fmt: str) -> None:
    """Reading grade, words, review dates and translation state of every page and handout.

    It informs: the exit status is 0 whatever the grades are.
    """
    from .report import build_report, format_report

    try:
        library = load_library(project)
    except CareleafError as error:
        raise _fail(error) from None
    click.echo(format_report(build_report(library), fmt))


@main.command()
@click.argument("lang")
@click.option("--name", default=None, help='The language\'s own name, e.g. "Español".')
@click.option(
    "--direction",
    type=click.Choice(["ltr", "rtl"]),
    default="ltr",
    show_default=True,
    help="Text direction.",
)
@click.pass_obj
def translate(project: Path, lang: str, name: str | None, direction: str) -> None:
    """Start translating into a new language LANG (e.g. fr): files to fill in, unpublished."""
    from .translate import start_translation

    try:
        created = start_translation(project, lang, name, direction)
    except CareleafError as error:
        raise _fail(error) from None
    blocks = sum(1 for path in created if path.suffix == ".yml")
    click.echo(
        f"started '{lang}': {blocks} files in content/{lang}/, {len(created) - blocks} pages in "
        f"docs/{lang}/; careleaf.yml lists it as an unpublished draft.\n"
        f'Translate every empty "" text and each page, then run '
        f"`careleaf status --lang {lang}`."
    )


@main.command()
@click.argument("blocks", nargs=-1)
@click.pass_obj
def protect(project: Path, blocks: tuple[str, ...]) -> None:
    """Re-approve protected English after clinical review: rewrite its pins in careleaf.yml.

    Every protected field listed under protected: in careleaf.yml is pinned to today's
    English. Each BLOCK named protects that whole block (every field and item) first.
    careleaf.yml is under code-owner review: the pull request shows every re-approved pin.
    """
    from .protect import approve

    try:
        changed = approve(project, blocks)
    except CareleafError as error:
        raise _fail(error) from None
    if not changed:
        click.echo("every protected field already matches its pin; careleaf.yml is unchanged")
        return
    click.echo(f"re-approved {len(changed)} protected field(s) in careleaf.yml:")
    for key in changed:
        click.echo(f"  {key}")
