"""Previews: `careleaf serve` (the live preview, or one language's marked preview) and the
marked preview `careleaf build --draft` writes."""

from __future__ import annotations

from pathlib import Path

import click

from careleaf.cli.options import ALLOW_OVERDUE, ALLOW_STALE, ENGINE
from careleaf.cli.project import Project, pass_project
from careleaf.options import BuildOptions

# Where `careleaf build --draft` and `careleaf serve` put a language's preview.
PREVIEW_DIR = ".preview"


def preview_clinic(project: Project, lang: str, clinic_id: str | None) -> str:
    """The clinic a preview of ``lang`` is branded for, once both are known to the project.

    Raises:
        click.BadParameter: naming the unknown language or clinic.
    """
    languages = project.library.project.languages
    if lang not in languages:
        raise click.BadParameter(
            f"'{lang}' is not a language of the project (known: {', '.join(languages)}); "
            f"start it with `careleaf translate {lang}`",
            param_hint="--lang",
        )
    return project.clinic(clinic_id)


def build_preview(
    project: Project,
    lang: str,
    clinic_id: str | None,
    allow_overdue: bool,
    engine: str,
    *,
    wait: bool,
) -> Path:
    """Build a marked preview of one language into .preview/<lang>/; returns that folder."""
    from careleaf.cli.progress import waiting_only
    from careleaf.site.engine import build_site

    cid = preview_clinic(project, lang, clinic_id)
    out = project.folder / PREVIEW_DIR / lang
    out.parent.mkdir(exist_ok=True)
    # A preview shows the translation as it is: out-of-date parts are marked, not refused.
    options = BuildOptions(
        allow_stale=True, allow_overdue=allow_overdue, preview=lang, engine=engine
    )
    build_site(project.folder, cid, out, options, progress=waiting_only, wait=wait)
    return out


@click.command()
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
@ENGINE
@pass_project
def serve(
    project: Project,
    lang: str | None,
    clinic_id: str | None,
    dev_addr: str,
    allow_stale: bool,
    allow_overdue: bool,
    engine: str | None,
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
        _serve_language(project, lang, clinic_id, dev_addr, allow_overdue, engine or "")
        return
    from careleaf.site.serve import serve as serve_site

    cid = project.clinic(clinic_id)
    options = BuildOptions(
        allow_stale=allow_stale, allow_overdue=allow_overdue, engine=engine or ""
    )
    serve_site(project.folder, cid, host, int(port), options)


def _serve_language(
    project: Project,
    lang: str,
    clinic_id: str | None,
    dev_addr: str,
    allow_overdue: bool,
    engine: str,
) -> None:
    """`careleaf serve --lang`: a marked preview of one language, in .preview/<lang>/, served
    and rebuilt as the project's files change (the live preview's server)."""
    from careleaf.site.serve import serve as serve_site

    host, _, port = dev_addr.rpartition(":")
    cid = preview_clinic(project, lang, clinic_id)
    path = "" if lang == project.library.source_language else f"{lang}/"

    def ready() -> None:
        click.echo(f"Serving the preview of '{lang}' on http://{dev_addr}/{path} (Ctrl+C stops)")

    try:
        (project.folder / PREVIEW_DIR).mkdir(exist_ok=True)
        # A preview shows the translation as it is: out-of-date parts are marked, not refused.
        serve_site(
            project.folder,
            cid,
            host,
            int(port),
            BuildOptions(
                allow_stale=True, allow_overdue=allow_overdue, preview=lang, engine=engine
            ),
            site=project.folder / PREVIEW_DIR / lang,
            ready=ready,
        )
    except OSError as error:
        raise click.ClickException(f"cannot serve on {dev_addr}: {error.strerror}") from None
