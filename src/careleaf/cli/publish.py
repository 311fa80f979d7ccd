"""The commands that make and check the outputs: check, build, merge, handout, verify."""

from __future__ import annotations

import time
from pathlib import Path

import click

from careleaf.cli.options import ALLOW_OVERDUE, ALLOW_STALE, ENGINE, NO_WAIT
from careleaf.cli.preview import PREVIEW_DIR, build_preview
from careleaf.cli.project import Project, pass_project, require_known
from careleaf.content.checks import check_project
from careleaf.content.colour import brand_problems, require_readable
from careleaf.errors import CareleafError, ContentError
from careleaf.options import BuildOptions


@click.command()
@ALLOW_STALE
@ALLOW_OVERDUE
@pass_project
def check(project: Project, allow_stale: bool, allow_overdue: bool) -> None:
    """Validate content, pages, handouts and clinics, and apply the build's safety policy.

    It fails wherever `careleaf build` would (with the same flags).
    """
    from careleaf.editorial.policy import safety_policy

    started = time.perf_counter()
    library = project.library
    verdict = safety_policy(library, allow_stale=allow_stale, allow_overdue=allow_overdue)
    for warning in verdict.warnings:
        click.echo(f"warning: {warning}", err=True)
    for allowed in verdict.allowed:
        click.echo(f"allowed, outputs marked: {allowed}", err=True)
    problems = check_project(project.folder, library) + verdict.problems
    problems += [p for clinic in library.clinics.values() for p in brand_problems(clinic)]
    if problems:
        raise ContentError(problems)
    blocks = sum(len(blocks) for blocks in library.content.values())
    click.echo(
        f"OK: {blocks} blocks in {len(library.content)} language(s), "
        f"{len(library.handouts)} handouts, {len(library.clinics)} clinics "
        f"({time.perf_counter() - started:.2f}s)"
    )


@click.command()
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
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes rendering handouts (default: the number of cores).",
)
@click.option(
    "--shard",
    default=None,
    metavar="K/N",
    help="With --clinic all: build only the K-th of N shards of the clinics (merge the "
    "shards' dist/ folders with `careleaf merge`).",
)
@click.option("--quiet", "-q", is_flag=True, help="Say nothing but warnings and errors.")
@click.option(
    "--events",
    "events_file",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    default=None,
    help="Also write each step of the build to this file, one JSON record a line (for tools: "
    "the benchmark, a CI dashboard).",
)
@click.option(
    "--lang",
    default=None,
    help="With --draft: the language to preview (published or not), with the source language.",
)
@click.option(
    "--draft",
    is_flag=True,
    help=f"Build a preview of --lang into {PREVIEW_DIR}/<lang>/, every page marked as a "
    "preview; the published site is not touched.",
)
@ENGINE
@NO_WAIT
@pass_project
def build(
    project: Project,
    clinic_id: str | None,
    site_dir: Path | None,
    allow_stale: bool,
    allow_overdue: bool,
    jobs: int | None,
    shard: str | None,
    quiet: bool,
    events_file: Path | None,
    lang: str | None,
    draft: bool,
    engine: str | None,
    no_wait: bool,
) -> None:
    """Build the site and every handout, verify them, then publish.

    Handouts are rendered in parallel, and only when something that shapes them changed
    (the others come from .careleaf-cache/, which is safe to delete). With --lang and
    --draft, build a marked preview of one language instead (see also `careleaf serve`).
    One build at a time writes an output folder: a second one waits (or, with --no-wait,
    fails at once).
    """
    from careleaf.build.lock import output_lock
    from careleaf.build.shards import parse_shard
    from careleaf.build.shards import shard as shard_of
    from careleaf.cli.progress import reporter
    from careleaf.site.engine import build_sites  # the site engine is only needed here
    from careleaf.verify.manifest import output_languages

    if lang is not None or draft:
        if lang is None or not draft:
            raise click.UsageError("--lang and --draft go together: they build a preview")
        if site_dir is not None or clinic_id == "all":
            raise click.UsageError(
                f"a preview is built into {PREVIEW_DIR}/<lang>/ for one clinic, never into "
                "the published folder"
            )
        out = build_preview(project, lang, clinic_id, allow_overdue, engine or "", wait=not no_wait)
        click.echo(f"built a preview of '{lang}' into {out} (not published)")
        return
    library = project.library
    if shard is not None and clinic_id != "all":
        raise click.BadParameter("needs --clinic all", param_hint="--shard")
    if clinic_id == "all":
        clinics = list(library.clinics)
        if shard is not None:
            clinics = shard_of(clinics, *parse_shard(shard))
        out = site_dir or project.folder / "dist"

        def folder(cid: str) -> Path:
            return out / cid
    else:
        clinics = [project.clinic(clinic_id, also="all")]

        def folder(cid: str) -> Path:
            return site_dir or project.folder / "site"

    languages = len(output_languages(library))
    # Each clinic: its handouts in every language, each language's site, verification.
    total = len(clinics) * (languages * len(library.handouts) + languages + 1)
    with reporter(total, quiet=quiet, events=events_file) as progress:
        # --clinic all locks dist/ too (the pipeline each clinic's): `merge` replaces it all.
        whole = [out] if clinic_id == "all" else []
        with output_lock(whole, wait=not no_wait, progress=progress):
            build_sites(
                project.folder,
                clinics,
                folder,
                BuildOptions(
                    allow_stale=allow_stale, allow_overdue=allow_overdue, engine=engine or ""
                ),
                jobs=jobs,
                progress=progress,
                wait=not no_wait,
            )


@click.command()
@click.argument("shards", nargs=-1, required=True, type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--output",
    "-o",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The merged folder (default: dist/).",
)
@NO_WAIT
@pass_project
def merge(project: Project, shards: tuple[Path, ...], output: Path | None, no_wait: bool) -> None:
    """Combine the dist/ folders of `careleaf build --clinic all --shard K/N` runs.

    Every clinic must come from exactly one shard; each is verified again in the merged tree,
    which replaces the output folder only when all pass.
    """
    from careleaf.build.shards import merge as merge_shards
    from careleaf.cli.progress import waiting_only

    out = output or project.folder / "dist"

    clinics = merge_shards(project.folder, list(shards), out, waiting_only, wait=not no_wait)
    click.echo(f"merged {len(clinics)} clinics from {len(shards)} shards into {out}")


@click.command()
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
@click.option("--large-print", is_flag=True, help="The large-print edition (body text 16 pt).")
@pass_project
def handout(
    project: Project,
    handout_id: str,
    clinic_id: str | None,
    lang: str | None,
    output: Path | None,
    large_print: bool,
) -> None:
    """Render one handout to a PDF, for printing."""
    from careleaf.content.handout import EDITIONS, LARGE_PRINT, handout_path
    from careleaf.render.handouts import handout_pdf

    library = project.library
    # This command's messages name no option (it has been so since it was written).
    require_known("handout", handout_id, library.handouts, None)
    cid = project.clinic(clinic_id, param_hint=None)
    lang = require_known("language", lang or library.source_language, library.content, None)
    clinic = library.clinics[cid]
    require_readable(clinic)
    target = output or Path(f"{handout_id}-{cid}-{lang}.pdf")
    edition = LARGE_PRINT if large_print else EDITIONS[0]
    url = library.url(clinic, lang, handout_path(handout_id, edition))
    pages = handout_pdf(library, handout_id, lang, clinic, url, target, edition=edition)
    click.echo(f"wrote {target} ({pages} page{'s' if pages != 1 else ''})")


@click.command("verify")
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
@pass_project
@click.pass_context
def verify_command(
    ctx: click.Context, project: Project, site_dir: Path, output_format: str
) -> None:
    """Read a built site's outputs back and check every safety item reached each one.

    SITE_DIR is the built site (default: site). Exit status: 0 all good, 1 an item is missing,
    unexpected or duplicated or an output does not match its manifest, 2 the outputs (or the
    project) cannot be read.
    """
    import json

    from careleaf.verify.report import format_table
    from careleaf.verify.verifier import verify

    try:
        report = verify(site_dir, project.folder)
    except CareleafError as error:
        # Exit status 2, not an error's usual 1: 1 says the outputs were read and fall short.
        click.echo(f"Error: {error}", err=True)
        ctx.exit(2)
    if output_format == "json":
        click.echo(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        click.echo(format_table(report))
    ctx.exit(0 if report.ok else 1)
