"""The core's composition of pages (`careleaf.render.compose`) keeps what the MkDocs plugin
did before it moved there: a page marked fuzzy is never published, a preview shows it."""

from __future__ import annotations

from pathlib import Path

from careleaf.content.load import load_library
from careleaf.content.markup import markdown_text
from careleaf.content.shown import DRAFT_PAGE
from careleaf.options import BuildOptions
from careleaf.render.compose import compose_pages, is_draft_page

PAGE = "what-is-dry-needling.md"


def mark_fuzzy(project: Path) -> None:
    """Drop the Spanish page's recorded English (what marking it fuzzy in a PO file does)."""
    path = project / "docs" / "es" / PAGE
    text = path.read_text(encoding="utf-8")
    end = text.index("\n---\n", 4) + len("\n---\n")
    path.write_text(text[end:], encoding="utf-8")


def test_a_fuzzy_page_is_the_english_one_published_and_marked_in_a_preview(
    project: Path,
) -> None:
    mark_fuzzy(project)
    library = load_library(project)
    clinic = library.clinics[library.project.default_clinic]
    assert is_draft_page(library, "es", PAGE)
    assert not is_draft_page(library, "en", PAGE)
    spanish = library.page("es", PAGE).markdown.strip().splitlines()[0]
    assert spanish.startswith("# ")
    published = compose_pages(library, clinic, "es", BuildOptions(), {})[PAGE].markdown
    assert f"\n{spanish}\n" not in published and DRAFT_PAGE not in published
    assert markdown_text(library.label("es", "fallback-page")) in published
    preview = compose_pages(library, clinic, "es", BuildOptions(preview="es"), {})[PAGE].markdown
    assert f"\n{spanish}\n" in preview and DRAFT_PAGE in preview
