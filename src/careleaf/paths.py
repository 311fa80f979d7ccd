"""Where a careleaf project keeps its files: names relative to the project folder."""

from __future__ import annotations

from pathlib import Path

# The project's settings: languages, the protected-content registry, the default clinic.
PROJECT_FILE = "careleaf.yml"
# content/<lang>/<block>.yml: every translatable string, one YAML file per block.
CONTENT_DIR = "content"
# docs/<lang>/: the site's pages, in Markdown.
DOCS_DIR = "docs"
# handouts/<id>.yml: which blocks a handout shows, in what order, with what form fields.
HANDOUTS_DIR = "handouts"
# clinics/<id>/clinic.yml: a clinic's brand profile, beside its logo.
CLINICS_DIR = "clinics"


def beside(folder: Path, role: str) -> Path:
    """A hidden path beside an output folder for one of a build's own uses (``role``: its
    staging folder, the build published before, its lock...): ``.<folder>.careleaf-<role>``.

    Beside, not inside: what a build keeps for itself is never part of the folder it
    publishes, and a swap of the folder leaves it in place.
    """
    folder = Path(folder)
    return folder.with_name(f".{folder.name}.careleaf-{role}")
