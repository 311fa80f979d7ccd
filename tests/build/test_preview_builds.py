"""The live preview's builds: what an edit reaches, and the site rebuilt in place."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import edit

from careleaf.build.preview import Affected, Preview, affected, next_round, watch_list
from careleaf.build.publish import old_dir
from careleaf.content.load import load_library
from careleaf.errors import BuildError
from careleaf.site.engine import MkDocsEngine
from careleaf.site.zensical import ZensicalEngine


def drop(preview: Preview) -> None:
    """Remove what a preview served from a temporary folder leaves: its work folder, its
    site and the rebuild kept before it (as `careleaf serve` does when it stops)."""
    for folder in (preview.work, preview.site, old_dir(preview.site)):
        shutil.rmtree(folder, ignore_errors=True)


def test_the_preview_watches_every_source_folder(project: Path) -> None:
    paths = watch_list(project, load_library(project))
    watched = {path.relative_to(project).as_posix() for path in paths}
    assert {"content", "docs/en", "docs/es", "docs/bn", "handouts", "clinics", "fonts"} <= watched
    assert {"careleaf.yml", "mkdocs.yml"} <= watched


@pytest.mark.parametrize(
    ("edited", "sites", "handouts"),
    [
        ("docs/es/index.md", ("es",), ()),
        # Translations fall back to English pages and say when one changed since.
        ("docs/en/index.md", ("en", "es", "bn"), ()),
        ("content/bn/side-effects.yml", ("bn",), ("bn",)),
        ("content/en/side-effects.yml", ("en", "es", "bn"), ("en", "es", "bn")),
        ("clinics/example/logo.svg", ("en", "es", "bn"), ("en", "es", "bn")),
        ("handouts/print.css", ("en", "es", "bn"), ("en", "es", "bn")),
        ("site/index.html", (), ()),
    ],
)
def test_an_edit_rebuilds_only_what_it_reaches(
    project: Path, edited: str, sites: tuple, handouts: tuple
) -> None:
    found = affected(project, load_library(project), [project / edited])
    assert (found.sites, found.handouts) == (sites, handouts)


@pytest.mark.parametrize("engine", [MkDocsEngine, ZensicalEngine])
def test_the_preview_rebuilds_an_edit_and_keeps_the_last_good_site(mini: Path, engine) -> None:
    preview = Preview(mini, "demo", engine())
    preview.build(preview.library(), Affected(("en",), ("en",)))
    home = preview.site / "index.html"
    assert (preview.site / "handouts/sheet.pdf").is_file() and "Home" in home.read_text()

    page = mini / "docs/en/index.md"
    edit(page, "# Home", "# Edited home")
    library = preview.library()
    preview.build(library, affected(mini, library, [page]))
    assert "Edited home" in home.read_text()
    assert (preview.site / "handouts/sheet.pdf").is_file()

    edit(page, "# Edited home", '# Broken home\n\n{{ block("nope") }}')
    with pytest.raises(BuildError) as caught:
        preview.build(preview.library(), affected(mini, library, [page]))
    assert "docs/en/index.md" in str(caught.value)
    assert "Edited home" in home.read_text()
    drop(preview)


def test_the_preview_loads_the_content_again_unless_only_pages_changed(mini: Path) -> None:
    """After a page edit the preview keeps the content it loaded and reads (and checks) only
    the pages again; after any other edit, or after a load that failed, it loads the content
    again."""
    preview = Preview(mini, "demo", MkDocsEngine())
    first = preview.library()
    page, block = mini / "docs/en/index.md", mini / "content/en/about.yml"
    edit(page, "# Home", "# Edited home")
    again = preview.library([page])
    assert again.content is first.content and again.source_map is first.source_map
    home = again.page("en", "index.md")
    assert home is not None and "# Edited home" in home.text
    assert again.pages["en"].keys() == first.pages["en"].keys()
    edit(page, "# Edited home", '# Home {{ block("nowhere") }}')
    with pytest.raises(BuildError, match=r"docs/en/index\.md:.*unknown block"):
        preview.library([page])
    edit(page, '# Home {{ block("nowhere") }}', "# Edited home")
    edit(block, "title: About", "title: About us")
    second = preview.library([page, block])
    assert second.content is not first.content
    assert "About us" in second.content["en"]["about"].title
    edit(block, "title: About us", "title: [unclosed")
    with pytest.raises(BuildError, match="about.yml"):
        preview.library([block])
    # The content is broken: a page edit now must not bring the last good content back.
    with pytest.raises(BuildError, match="about.yml"):
        preview.library([page])
    drop(preview)


def test_a_preview_dates_its_handouts_once_however_it_was_started(
    mini: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without SOURCE_DATE_EPOCH, a preview's handouts carry the moment it started: a page
    edit then renders no handout again, where a date taken anew would change them all."""
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    preview = Preview(mini, "demo", MkDocsEngine())
    assert preview.options.epoch is not None
    library = preview.library()
    preview.build(library, Affected(("en",), ("en",)))
    pdf = preview.site / "handouts/sheet.pdf"
    first = pdf.read_bytes()
    keys = {unit: entry.key for unit, entry in preview.entries.items()}
    page = mini / "docs/en/index.md"
    edit(page, "# Home", "# Edited home")
    preview.build(preview.library([page]), Affected(("en",), ("en",)))
    assert {unit: entry.key for unit, entry in preview.entries.items()} == keys
    assert pdf.read_bytes() == first
    drop(preview)


def test_an_edit_shows_its_page_first_then_its_handouts_then_the_other_sites() -> None:
    edit = Affected(("en", "es", "bn"), ("es",))
    now, later = next_round(edit, Affected(), fresh=True)
    assert now == Affected(("en",)) and later == Affected(("es", "bn"), ("es",))
    now, later = next_round(Affected(), later, fresh=False)
    assert now == Affected((), ("es",)) and later == Affected(("es", "bn"))
    now, later = next_round(Affected(), later, fresh=False)
    assert now == Affected(("es",)) and later == Affected(("bn",))
    # A new edit meanwhile: its page first again, and nothing left behind is dropped.
    now, later = next_round(Affected(("bn",), ("bn",)), later, fresh=True)
    assert now == Affected(("bn",)) and later == Affected((), ("bn",))
    assert next_round(Affected(), Affected(), fresh=True) == (Affected(), Affected())
