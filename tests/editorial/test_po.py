"""The PO round trip: export a language, edit it in a translator's tool (here polib), import."""

from __future__ import annotations

from pathlib import Path

import polib
import pytest
import yaml
from bs4 import BeautifulSoup
from click.testing import CliRunner
from conftest import approve, edit

from careleaf.cli.main import main
from careleaf.content.load import load_library
from careleaf.editorial.po import export_po, import_po
from careleaf.editorial.status import translation_status
from careleaf.editorial.status_pages import recorded_source
from careleaf.errors import ContentError

BRUISE = "side-effects/bruising/frequency"
OLD_FREQUENCY = "Common. About 1 in 13 sessions."
NEW_FREQUENCY = "Common. About 1 in 3 sessions."


def tree(root: Path) -> dict[str, bytes]:
    """Every file a translator's import may touch, with its bytes."""
    files = [root / "careleaf.yml"]
    for folder in ("content", "docs"):
        files += sorted(p for p in (root / folder).rglob("*") if p.is_file())
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in files}


def export(root: Path, lang: str = "es") -> Path:
    """Export through the command, as a translator would; returns the PO file."""
    target = root / f"{lang}.po"
    result = CliRunner().invoke(main, ["-p", str(root), "export-po", lang, "-o", str(target)])
    assert result.exit_code == 0, result.output
    return target


def entry(po: polib.POFile, key: str) -> polib.POEntry:
    found = [e for e in po if e.msgctxt == key]
    assert len(found) == 1, key
    return found[0]


def test_export_has_one_entry_per_field_and_page(project: Path) -> None:
    library = load_library(project)
    po = export_po(library, "es")
    keys = [e.msgctxt for e in po]
    assert len(keys) == len(set(keys))
    english = library.content["en"]
    expected = sum(
        sum(1 for name in ("title", "intro", "body", "emergency") if getattr(block, name))
        + sum(len(item.fields()) for item in block.items)
        for block in english.values()
    )
    pages = sorted(p.name for p in (project / "docs" / "en").glob("*.md"))
    assert len(po) == expected + len(pages)
    assert [k for k in keys if k.startswith("page:")] == [f"page:{name}" for name in pages]
    # Labels and handout titles are blocks too; item fields, block fields, pages.
    assert {"labels/download/text", "handouts/aftercare/text", "side-effects/intro"} <= set(keys)
    bruise = entry(po, BRUISE)
    assert (bruise.msgid, bruise.msgstr) == (
        OLD_FREQUENCY,
        "Frecuente. Alrededor de 1 de cada 13 sesiones.",
    )
    assert "Safety text" in bruise.comment and bruise.occurrences == [
        ("content/en/side-effects.yml", "")
    ]
    assert "fuzzy" not in bruise.flags
    assert "{number}" in entry(po, "urgent-help/emergency").comment
    assert po.metadata["Language"] == "es" and po.percent_translated() == 100


def test_export_then_import_changes_nothing(project: Path) -> None:
    before = tree(project)
    po_file = export(project)
    result = CliRunner().invoke(main, ["-p", str(project), "import-po", "es", str(po_file)])
    assert result.exit_code == 0, result.output
    assert "nothing changed" in result.output
    assert tree(project) == before


def test_an_edited_entry_is_imported_with_its_english(project: Path) -> None:
    po_file = export(project)
    po = polib.pofile(str(po_file))
    entry(po, BRUISE).msgstr = "Frecuente. Más o menos 1 de cada 13 sesiones."
    po.save()
    written = import_po(project, "es", po_file)
    assert written == [project / "content" / "es" / "side-effects.yml"]
    library = load_library(project)
    item = library.content["es"]["side-effects"].item("bruising")
    assert item is not None and item.frequency == "Frecuente. Más o menos 1 de cada 13 sesiones."
    assert item.source is not None and item.source.frequency == OLD_FREQUENCY
    assert translation_status(library, "es").entries == ()
    # Only that line changed: the rest of the file is byte for byte as it was.
    text = written[0].read_text(encoding="utf-8")
    assert text.count("Más o menos") == 1 and "Alrededor de 1 de cada 13" not in text


def change_bruising(root: Path) -> None:
    """Change the English frequency of bruising, re-approved as after clinical review."""
    edit(
        root / "content" / "en" / "side-effects.yml",
        f"frequency: {OLD_FREQUENCY}",
        f"frequency: {NEW_FREQUENCY}",
    )
    approve(root)


def test_changed_english_is_fuzzy_with_the_previous_english(project: Path) -> None:
    change_bruising(project)
    po = polib.pofile(str(export(project)))
    bruise = entry(po, BRUISE)
    assert "fuzzy" in bruise.flags
    assert (bruise.previous_msgid, bruise.msgid) == (OLD_FREQUENCY, NEW_FREQUENCY)
    assert f'#| msgid "{OLD_FREQUENCY}"' in str(bruise)
    assert [e.msgctxt for e in po.fuzzy_entries()] == [BRUISE]
    # Untouched, a fuzzy entry stays out of date: the import changes nothing.
    before = tree(project)
    assert import_po(project, "es", Path(po.fpath)) == []
    assert tree(project) == before
    # Confirmed (fuzzy cleared), it records today's English and is current again.
    bruise.flags.remove("fuzzy")
    bruise.msgstr = "Frecuente. Alrededor de 1 de cada 3 sesiones."
    po.save()
    import_po(project, "es", Path(po.fpath))
    library = load_library(project)
    item = library.content["es"]["side-effects"].item("bruising")
    assert item is not None and item.source is not None
    assert item.source.frequency == NEW_FREQUENCY
    assert not library.stale_items("es", "side-effects")


def test_a_stale_page_is_fuzzy_and_imports_as_a_page(project: Path) -> None:
    page = project / "docs" / "en" / "is-it-safe.md"
    edit(page, "Every treatment has some risks.", "Every treatment has a few risks.")
    po = polib.pofile(str(export(project)))
    safe = entry(po, "page:is-it-safe.md")
    assert "fuzzy" in safe.flags and "some risks" in safe.previous_msgid
    assert "a few risks" in safe.msgid and safe.msgstr.startswith("# ¿Es segura")
    safe.flags.remove("fuzzy")
    safe.msgstr = safe.msgstr.replace("algunos riesgos", "unos pocos riesgos")
    po.save()
    assert import_po(project, "es", Path(po.fpath)) == [project / "docs" / "es" / "is-it-safe.md"]
    text = (project / "docs" / "es" / "is-it-safe.md").read_text(encoding="utf-8")
    assert "unos pocos riesgos" in text
    assert recorded_source(text) == safe.msgid
    assert translation_status(load_library(project), "es").entries == ()


def test_an_unknown_context_is_refused_with_its_line(project: Path) -> None:
    po_file = export(project)
    po = polib.pofile(str(po_file))
    entry(po, BRUISE).msgctxt = "side-effects/no-such-item/text"
    entry(po, "side-effects/bleeding/text").msgstr = "Cambiado"
    po.save()
    line = next(
        number
        for number, text in enumerate(po_file.read_text(encoding="utf-8").splitlines(), 1)
        if "no-such-item" in text
    )
    before = tree(project)
    result = CliRunner().invoke(main, ["-p", str(project), "import-po", "es", str(po_file)])
    assert result.exit_code == 1
    assert f"{po_file}:{line}: item 'side-effects/no-such-item/text': unknown msgctxt" in (
        result.output
    )
    assert "Traceback" not in result.output
    assert tree(project) == before  # nothing is written, not even the valid change


def test_a_duplicate_or_missing_context_is_refused(project: Path) -> None:
    po_file = export(project)
    po = polib.pofile(str(po_file))
    entry(po, BRUISE).msgctxt = "side-effects/bleeding/text"
    po.append(polib.POEntry(msgid="Hello", msgstr="Hola"))
    po.save()
    with pytest.raises(ContentError) as caught:
        import_po(project, "es", po_file)
    messages = [p.message for p in caught.value.problems]
    assert any(m.startswith("duplicate msgctxt (also on line") for m in messages)
    assert "entry without msgctxt" in messages


def test_an_import_that_breaks_the_project_is_undone(project: Path) -> None:
    po_file = export(project)
    po = polib.pofile(str(po_file))
    entry(po, "urgent-help/emergency").msgstr = "Llame a emergencias."  # {number} dropped
    entry(po, BRUISE).msgstr = "Frecuente."
    po.save()
    before = tree(project)
    result = CliRunner().invoke(main, ["-p", str(project), "import-po", "es", str(po_file)])
    assert result.exit_code == 1
    assert "content/es/urgent-help.yml" in result.output and "{number}" in result.output
    assert tree(project) == before


def test_import_refuses_a_file_for_another_language(project: Path) -> None:
    po_file = export(project, "bn")
    result = CliRunner().invoke(main, ["-p", str(project), "import-po", "es", str(po_file)])
    assert result.exit_code == 1
    assert "the file is for language 'bn', not 'es'" in result.output
    result = CliRunner().invoke(main, ["-p", str(project), "export-po", "en"])
    assert result.exit_code == 1 and "'en' is the source language" in result.output


def test_a_new_language_round_trips_from_empty(project: Path) -> None:
    assert CliRunner().invoke(main, ["-p", str(project), "translate", "fr"]).exit_code == 0
    po = polib.pofile(str(export(project, "fr")))
    assert po.percent_translated() == 0 and not po.fuzzy_entries()
    before = tree(project)
    assert import_po(project, "fr", Path(po.fpath)) == []
    assert tree(project) == before
    # Translate a block's title and one item completely: they count, and record their English.
    entry(po, "precautions/title").msgstr = "fr title"
    for name in ("text", "detail"):
        entry(po, f"precautions/pregnancy/{name}").msgstr = f"fr {name}"
    po.save()
    import_po(project, "fr", Path(po.fpath))
    library = load_library(project)
    assert library.translated_item("fr", "precautions", "pregnancy") is not None
    data = yaml.safe_load((project / "content" / "fr" / "precautions.yml").read_text())
    item = next(i for i in data["items"] if i["id"] == "pregnancy")
    english = library.english_item("precautions", "pregnancy")
    assert english is not None
    assert item["text"] == "fr text" and item["source"]["text"] == english.text


def test_translator_notes_reach_the_po_and_the_status(project: Path) -> None:
    library = load_library(project)
    note = library.translator_notes("precautions", "bleeding-disorders")
    assert note and "aspirin" in note[0]
    po = export_po(library, "es")
    assert "Note for translators: " in entry(po, "precautions/bleeding-disorders/text").comment
    assert "aspirin" in entry(po, "precautions/bleeding-disorders/detail").comment
    edit(
        project / "content" / "en" / "precautions.yml",
        "text: You have a bleeding disorder or take medicine that thins your blood",
        "text: You have a bleeding disorder or take any medicine that thins your blood",
    )
    approve(project)
    result = CliRunner().invoke(main, ["-p", str(project), "status", "--lang", "es"])
    assert 'note for translators: Keep "medicine that thins your blood" broad' in result.output
    result = CliRunner().invoke(main, ["-p", str(project), "status", "--format", "markdown"])
    assert "| note for translators |" in result.output and "aspirin" in result.output


def test_a_note_in_a_translation_is_refused(project: Path) -> None:
    edit(
        project / "content" / "es" / "side-effects.yml",
        "  - id: bruising\n",
        "  - id: bruising\n    note: una nota\n",
    )
    with pytest.raises(ContentError) as caught:
        load_library(project)
    (problem,) = caught.value.problems
    assert problem.file == "content/es/side-effects.yml" and problem.item == "bruising"
    assert problem.key == "items[1].note" and problem.line is not None
    assert "'note' belongs in the source language" in problem.message


def test_an_imported_translation_reaches_the_built_site(project: Path) -> None:
    from careleaf.site.engine import build_site

    po_file = export(project)
    po = polib.pofile(str(po_file))
    new = "Un moretón pequeño en el sitio de la aguja"
    entry(po, "side-effects/bruising/text").msgstr = new
    po.save()
    import_po(project, "es", po_file)
    build_site(project, "example", project / "site")  # verified before it is published
    html = (project / "site" / "es" / "is-it-safe" / "index.html").read_text(encoding="utf-8")
    text = BeautifulSoup(html, "html.parser").get_text(" ")
    assert new in text and "Un moretón donde entró una aguja" not in text


def test_a_page_with_raw_html_is_refused_and_nothing_changes(project: Path) -> None:
    po_file = export(project)
    po = polib.pofile(str(po_file))
    page = entry(po, "page:index.md")
    page.msgstr += '\n<script>alert("hi")</script>\n'
    po.save()
    before = tree(project)
    result = CliRunner().invoke(main, ["-p", str(project), "import-po", "es", str(po_file)])
    assert result.exit_code == 1
    assert "docs/es/index.md" in result.output and "Traceback" not in result.output
    assert tree(project) == before


def test_an_old_po_file_records_the_english_it_was_made_from(project: Path) -> None:
    po_file = export(project)  # exported before the English changed
    change_bruising(project)
    po = polib.pofile(str(po_file))
    entry(po, BRUISE).msgstr = "Frecuente. Más o menos 1 de cada 13 sesiones."
    po.save()
    import_po(project, "es", po_file)
    library = load_library(project)
    item = library.content["es"]["side-effects"].item("bruising")
    assert item is not None and item.frequency == "Frecuente. Más o menos 1 de cada 13 sesiones."
    # Made from the old English: recorded as such, so it is stale, never silently current.
    assert library.item_changes("es", "side-effects", "bruising") == [
        ("frequency", OLD_FREQUENCY, NEW_FREQUENCY)
    ]
