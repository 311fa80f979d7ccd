"""The `careleaf` command: a thin layer over the core and the site adapter."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TextIO

import click

from careleaf.content.checks import check_project
from careleaf.content.colour import brand_problems, require_readable
from careleaf.content.load import load_library
from careleaf.content.model import Library
from careleaf.errors import CareleafError
from careleaf.options import BuildOptions

# Where `careleaf build --draft` and `careleaf serve` put a language's preview.
PREVIEW_DIR = ".preview"


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
    from careleaf.editorial.policy import safety_policy

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
@click.pass_obj
def build(
    project: Path,
    clinic_id: str | None,
    site_dir: Path | None,
    allow_stale: bool,
    allow_overdue: bool,
    jobs: int | None,
    shard: str | None,
    quiet: bool,
    lang: str | None,
    draft: bool,
) -> None:
    """Build the site and every handout, verify them, then publish.

    Handouts are rendered in parallel, and only when something that shapes them changed
    (the others come from .careleaf-cache/, which is safe to delete). With --lang and
    --draft, build a marked preview of one language instead (see also `careleaf serve`).
    """
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
        out = _preview(project, lang, clinic_id, allow_overdue)
        click.echo(f"built a preview of '{lang}' into {out} (not published)")
        return
    try:
        library = load_library(project)
        if shard is not None and clinic_id != "all":
            raise click.BadParameter("needs --clinic all", param_hint="--shard")
        if clinic_id == "all":
            clinics = list(library.clinics)
            if shard is not None:
                clinics = shard_of(clinics, *parse_shard(shard))
            out = site_dir or project / "dist"

            def folder(cid: str) -> Path:
                return out / cid
        else:
            cid = clinic_id or library.project.default_clinic
            if cid not in library.clinics:
                raise click.BadParameter(
                    f"unknown clinic '{cid}' (known: {', '.join(sorted(library.clinics))}, all)",
                    param_hint="--clinic",
                )
            clinics = [cid]

            def folder(cid: str) -> Path:
                return site_dir or project / "site"

        languages = len(output_languages(library))
        # Each clinic: its handouts in every language, each language's site, verification.
        total = len(clinics) * (languages * len(library.handouts) + languages + 1)
        with reporter(total, quiet=quiet) as progress:
            build_sites(
                project,
                clinics,
                folder,
                BuildOptions(allow_stale=allow_stale, allow_overdue=allow_overdue),
                jobs=jobs,
                progress=progress,
            )
    except CareleafError as error:
        raise _fail(error) from None


def _preview_clinic(project: Path, lang: str, clinic_id: str | None) -> tuple[Library, str]:
    """The project, and the clinic a preview of ``lang`` is branded for, once both are known
    to the project.

    Raises:
        click.BadParameter: naming the unknown language or clinic.
    """
    try:
        library = load_library(project)
    except CareleafError as error:
        raise _fail(error) from None
    if lang not in library.project.languages:
        known = ", ".join(library.project.languages)
        raise click.BadParameter(
            f"'{lang}' is not a language of the project (known: {known}); start it with "
            f"`careleaf translate {lang}`",
            param_hint="--lang",
        )
    cid = clinic_id or library.project.default_clinic
    if cid not in library.clinics:
        raise click.BadParameter(
            f"unknown clinic '{cid}' (known: {', '.join(sorted(library.clinics))})",
            param_hint="--clinic",
        )
    return library, cid


def _preview(project: Path, lang: str, clinic_id: str | None, allow_overdue: bool) -> Path:
    """Build a marked preview of one language into .preview/<lang>/; returns that folder."""
    from careleaf.site.engine import build_site

    _library, cid = _preview_clinic(project, lang, clinic_id)
    try:
        out = project / PREVIEW_DIR / lang
        out.parent.mkdir(exist_ok=True)
        # A preview shows the translation as it is: out-of-date parts are marked, not refused.
        options = BuildOptions(allow_stale=True, allow_overdue=allow_overdue, preview=lang)
        build_site(project, cid, out, options)
    except CareleafError as error:
        raise _fail(error) from None
    return out


@main.command()
@click.argument("shards", nargs=-1, required=True, type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--output",
    "-o",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The merged folder (default: dist/).",
)
@click.pass_obj
def merge(project: Path, shards: tuple[Path, ...], output: Path | None) -> None:
    """Combine the dist/ folders of `careleaf build --clinic all --shard K/N` runs.

    Every clinic must come from exactly one shard; each is verified again in the merged tree,
    which replaces the output folder only when all pass.
    """
    from careleaf.build.shards import merge as merge_shards

    out = output or project / "dist"
    try:
        clinics = merge_shards(project, list(shards), out)
    except CareleafError as error:
        raise _fail(error) from None
    click.echo(f"merged {len(clinics)} clinics from {len(shards)} shards into {out}")


@main.command()
@click.option(
    "--lang",
    default=None,
    help="Preview one language (published or not) with the source language, marked as a "
    "preview, in .preview/<lang>/ (default: the live preview of the whole site).",
)
@click.option("--clinic", "clinic_id", default=None, help="Clinic id (default: the project's).")
@click.option(
    "-a",
    "--dev-addr",
    default="127.0.0.1:8000",
    show_default=True,
    metavar="<IP:PORT>",
    help="Where to serve the preview.",
)
@ALLOW_STALE
@ALLOW_OVERDUE
@click.pass_obj
def serve(
    project: Path,
    lang: str | None,
    clinic_id: str | None,
    dev_addr: str,
    allow_stale: bool,
    allow_overdue: bool,
) -> None:
    """Live preview of the site: watches every source folder, rebuilds what an edit reaches.

    A build error is shown here, and the last good site stays served. With --lang, a preview
    of one language (draft or not) instead: every page says it is a preview; nothing is
    written into the published folder (it goes to .preview/<lang>/); it is rebuilt when a
    file of the project changes. Ctrl+C stops it.
    """
    host, _, port = dev_addr.rpartition(":")
    if not host or not port.isdigit():
        raise click.BadParameter("give an address as IP:PORT", param_hint="--dev-addr")
    if lang is not None:
        _serve_language(project, lang, clinic_id, dev_addr, allow_overdue)
        return
    from careleaf.site.serve import serve as serve_site

    try:
        library = load_library(project)
        cid = clinic_id or library.project.default_clinic
        if cid not in library.clinics:
            known = ", ".join(sorted(library.clinics))
            raise click.BadParameter(
                f"unknown clinic '{cid}' (known: {known})", param_hint="--clinic"
            )
        options = BuildOptions(allow_stale=allow_stale, allow_overdue=allow_overdue)
        serve_site(project, cid, host, int(port), options)
    except CareleafError as error:
        raise _fail(error) from None


def _serve_language(
    project: Path, lang: str, clinic_id: str | None, dev_addr: str, allow_overdue: bool
) -> None:
    """`careleaf serve --lang`: a marked preview of one language, in .preview/<lang>/, served
    and rebuilt as the project's files change (the live preview's server)."""
    from careleaf.site.serve import serve as serve_site

    host, _, port = dev_addr.rpartition(":")
    library, cid = _preview_clinic(project, lang, clinic_id)
    path = "" if lang == library.source_language else f"{lang}/"

    def ready() -> None:
        click.echo(f"Serving the preview of '{lang}' on http://{dev_addr}/{path} (Ctrl+C stops)")

    try:
        (project / PREVIEW_DIR).mkdir(exist_ok=True)
        # A preview shows the translation as it is: out-of-date parts are marked, not refused.
        serve_site(
            project,
            cid,
            host,
            int(port),
            BuildOptions(allow_stale=True, allow_overdue=allow_overdue, preview=lang),
            site=project / PREVIEW_DIR / lang,
            ready=ready,
        )
    except CareleafError as error:
        raise _fail(error) from None
    except OSError as error:
        raise click.ClickException(f"cannot serve on {dev_addr}: {error.strerror}") from None


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
    from careleaf.render.handouts import handout_pdf

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

    from careleaf.verify.report import format_table
    from careleaf.verify.verifier import verify

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
@click.option(
    "--changed-files",
    type=click.File("r", encoding="utf-8"),
    default=None,
    help="Only the translations these changed files concern (one path a line; - for stdin): "
    "a language's own files concern it, English files and careleaf.yml every translation.",
)
@click.pass_obj
def status(project: Path, lang: str | None, fmt: str, changed_files: TextIO | None) -> None:
    """Show what each translation is missing, what went stale and what is extra.

    It informs: the exit status is 0 however far a translation is behind.
    """
    from careleaf.editorial.status import touched_languages, translation_status
    from careleaf.editorial.status_format import format_status

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
    if changed_files is not None:
        touched = touched_languages(library, changed_files.read().splitlines())
        langs = [code for code in langs if code in touched]
        if not langs:
            click.echo("[]" if fmt == "json" else "No translation is concerned by this change.")
            return
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
    from careleaf.editorial.report import build_report, format_report

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
    from careleaf.editorial.translate import start_translation

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


@main.command("export-po")
@click.argument("lang")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The PO file to write (default: <lang>.po).",
)
@click.pass_obj
def export_po_command(project: Path, lang: str, output: Path | None) -> None:
    """Write the translatable text of LANG as a PO file, for Poedit, Weblate or a CAT tool.

    One entry per field and per page, its msgctxt the key (block/item/field, block/field or
    page:<path>); out-of-date translations are fuzzy, with the English they were made from.
    """
    from careleaf.editorial.po import export_po

    try:
        po = export_po(load_library(project), lang)
    except CareleafError as error:
        raise _fail(error) from None
    target = output or Path(f"{lang}.po")
    po.save(str(target))
    done = len(po.translated_entries())
    click.echo(
        f"wrote {target}: {len(po)} entries, {done} translated, "
        f"{len(po.fuzzy_entries())} fuzzy (out of date), {len(po.untranslated_entries())} "
        "untranslated"
    )


@main.command("import-po")
@click.argument("lang")
@click.argument("po_file", metavar="FILE", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_obj
def import_po_command(project: Path, lang: str, po_file: Path) -> None:
    """Write the translations of a PO FILE into content/LANG/ and docs/LANG/.

    Each translated field records the English it was made from (a fuzzy entry keeps the
    English it was made from, so it stays out of date). Unknown entries are refused; an
    empty translation changes nothing; if the result does not load, nothing is changed.
    """
    from careleaf.editorial.po import import_po

    if not po_file.is_file():
        raise click.BadParameter(f"file not found: {po_file}", param_hint="FILE")
    try:
        written = import_po(project, lang, po_file)
    except CareleafError as error:
        raise _fail(error) from None
    if not written:
        click.echo("nothing changed: every file already holds these translations")
        return
    click.echo(f"updated {len(written)} file(s):")
    for path in written:
        click.echo(f"  {path.relative_to(project.resolve()) if path.is_absolute() else path}")
    click.echo(f"next: `careleaf status --lang {lang}` and `careleaf check`")


@main.command()
@click.argument("blocks", nargs=-1)
@click.pass_obj
def protect(project: Path, blocks: tuple[str, ...]) -> None:
    """Re-approve protected English after clinical review: rewrite its pins in careleaf.yml.

    Every protected field listed under protected: in careleaf.yml is pinned to today's
    English. Each BLOCK named protects that whole block (every field and item) first.
    careleaf.yml is under code-owner review: the pull request shows every re-approved pin.
    """
    from careleaf.editorial.protect import approve

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
