"""The commands of editors and translators: status, report, translate, export-po, import-po
and protect."""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

import click

from careleaf.cli.project import Project, pass_project


@click.command()
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
@pass_project
def status(project: Project, lang: str | None, fmt: str, changed_files: TextIO | None) -> None:
    """Show what each translation is missing, what went stale and what is extra.

    It informs: the exit status is 0 however far a translation is behind.
    """
    from careleaf.editorial.status import touched_languages, translation_status
    from careleaf.editorial.status_format import format_status

    library = project.library
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


@click.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "markdown"]),
    default="table",
    show_default=True,
    help="A table, JSON (a list of entries), or Markdown.",
)
@pass_project
def report(project: Project, fmt: str) -> None:
    """Reading grade, words, review dates and translation state of every page and handout.

    It informs: the exit status is 0 whatever the grades are.
    """
    from careleaf.editorial.report import build_report, format_report

    click.echo(format_report(build_report(project.library), fmt))


@click.command()
@click.argument("lang")
@click.option("--name", default=None, help='The language\'s own name, e.g. "Español".')
@click.option(
    "--direction",
    type=click.Choice(["ltr", "rtl"]),
    default="ltr",
    show_default=True,
    help="Text direction.",
)
@pass_project
def translate(project: Project, lang: str, name: str | None, direction: str) -> None:
    """Start translating into a new language LANG (e.g. fr): files to fill in, unpublished."""
    from careleaf.editorial.translate import start_translation

    created = start_translation(project.folder, lang, name, direction)
    blocks = sum(1 for path in created if path.suffix == ".yml")
    click.echo(
        f"started '{lang}': {blocks} files in content/{lang}/, {len(created) - blocks} pages in "
        f"docs/{lang}/; careleaf.yml lists it as an unpublished draft.\n"
        f'Translate every empty "" text and each page, then run '
        f"`careleaf status --lang {lang}`."
    )


@click.command("export-po")
@click.argument("lang", required=False)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The file to write (default: <lang>.po, <lang>.xlf, or careleaf.pot).",
)
@click.option(
    "--template",
    is_flag=True,
    help="Write the POT template (the source language, nothing translated) instead of LANG.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["po", "xliff"]),
    default="po",
    show_default=True,
    help="A gettext PO file, or XLIFF 2.0 for CAT tools that prefer it.",
)
@pass_project
def export_po_command(
    project: Project, lang: str | None, output: Path | None, template: bool, fmt: str
) -> None:
    """Write the translatable text of LANG as a PO file, for Poedit, Weblate or a CAT tool.

    One entry per field and per page, its msgctxt the key (block/item/field, block/field or
    page:<path>); out-of-date translations and drafts are fuzzy. --template writes the POT
    template instead; --format xliff the same entries as XLIFF 2.0.
    """
    from careleaf.editorial.po_export import export_po, export_template, po_bytes
    from careleaf.editorial.xliff import to_xliff

    library = project.library
    if template == (lang is not None):
        raise click.UsageError("give a language, or --template (not both)")
    po = export_template(library) if lang is None else export_po(library, lang)
    suffix = ".xlf" if fmt == "xliff" else ".pot" if lang is None else ".po"
    target = output or Path(f"{lang or 'careleaf'}{suffix}")
    if fmt == "xliff":
        target.write_bytes(to_xliff(po, library.source_language))
    else:
        target.write_bytes(po_bytes(po))
    if lang is None:
        click.echo(f"wrote {target}: the template, {len(po)} entries")
        return
    click.echo(
        f"wrote {target}: {len(po)} entries, {len(po.translated_entries())} translated, "
        f"{len(po.fuzzy_entries())} fuzzy (out of date, or a draft to review), "
        f"{len(po.untranslated_entries())} untranslated"
    )


@click.command("import-po")
@click.argument("lang")
@click.argument("po_file", metavar="FILE", type=click.Path(dir_okay=False, path_type=Path))
@pass_project
def import_po_command(project: Project, lang: str, po_file: Path) -> None:
    """Write the translations of a PO FILE (or an XLIFF 2.0 one: .xlf, .xliff) into
    content/LANG/ and docs/LANG/.

    Each translated field records the English it was made from (a fuzzy entry keeps the
    English it was made from, or none: it stays out of date, a draft that is never
    published). Unknown entries are refused; an empty translation changes nothing; if the
    result does not load, nothing is changed.
    """
    from careleaf.editorial.po import import_po
    from careleaf.editorial.xliff import SUFFIXES, import_xliff

    if not po_file.is_file():
        raise click.BadParameter(f"file not found: {po_file}", param_hint="FILE")
    reader = import_xliff if po_file.suffix.lower() in SUFFIXES else import_po
    written = reader(project.folder, lang, po_file)
    if not written:
        click.echo("nothing changed: every file already holds these translations")
        return
    click.echo(f"updated {len(written)} file(s):")
    for path in written:
        shown = path.relative_to(project.folder.resolve()) if path.is_absolute() else path
        click.echo(f"  {shown}")
    click.echo(f"next: `careleaf status --lang {lang}` and `careleaf check`")


@click.command()
@click.argument("blocks", nargs=-1)
@pass_project
def protect(project: Project, blocks: tuple[str, ...]) -> None:
    """Re-approve protected English after clinical review: rewrite its pins in careleaf.yml.

    Every protected field listed under protected: in careleaf.yml is pinned to today's
    English. Each BLOCK named protects that whole block (every field and item) first.
    careleaf.yml is under code-owner review: the pull request shows every re-approved pin.
    """
    from careleaf.editorial.protect import approve

    changed = approve(project.folder, blocks)
    if not changed:
        click.echo("every protected field already matches its pin; careleaf.yml is unchanged")
        return
    click.echo(f"re-approved {len(changed)} protected field(s) in careleaf.yml:")
    for key in changed:
        click.echo(f"  {key}")
