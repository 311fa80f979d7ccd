"""Translation status: missing, stale and extra units, safety problems, and the three formats."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from conftest import approve, edit

from careleaf.cli.main import main
from careleaf.content.load import load_library
from careleaf.editorial.status import safety_problems, translation_status
from careleaf.editorial.status_format import format_status
from careleaf.editorial.status_pages import page_body, page_is_stale, recorded_source
from careleaf.editorial.translate import dump_yaml
from careleaf.errors import ContentError

TRANSLATIONS = {"es": "Español", "bn": "বাংলা"}
OLD = "A collapsed lung (pneumothorax)"
NEW = "A collapsed lung (pneumothorax), which needs emergency care"


def list_translations(root: Path) -> None:
    """List es and bn in the copy's careleaf.yml if the project does not list them yet."""
    path = root / "careleaf.yml"
    listed = yaml.safe_load(path.read_text(encoding="utf-8"))["languages"]
    missing = "".join(
        f"  {code}:\n    name: {name}\n"
        for code, name in TRANSLATIONS.items()
        if code not in listed
    )
    if missing:
        edit(path, "languages:\n", "languages:\n" + missing)


@pytest.fixture
def root(project: Path) -> Path:
    """The real project, with its translations listed."""
    list_translations(project)
    return project


def found(root: Path, lang: str) -> set[tuple[str, str, str | None]]:
    """(state, file, item) of every entry of a language's status."""
    status = translation_status(load_library(root), lang)
    return {(e.state, e.file, e.item) for e in status.entries}


def status_json(root: Path, *args: str) -> list[dict[str, Any]]:
    result = CliRunner().invoke(main, ["-p", str(root), "status", "--format", "json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def entry_for(statuses: list[dict[str, Any]], lang: str, item: str) -> dict[str, Any]:
    (status,) = [s for s in statuses if s["lang"] == lang]
    matches = [e for e in status["entries"] if e["item"] == item]
    assert len(matches) == 1, status["entries"]
    return matches[0]


def edit_items(path: Path, change: Any) -> None:
    """Rewrite a content file after ``change(items)`` has edited its list of items."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data["items"])
    path.write_text(dump_yaml(data), encoding="utf-8")


def change_english(root: Path, old: str, new: str, file: str = "side-effects.yml") -> None:
    """Change protected English and re-approve it, as a maintainer does after review."""
    edit(root / "content" / "en" / file, old, new)
    approve(root)


def test_a_page_records_the_english_page_without_its_front_matter() -> None:
    english = "---\ntitle: Safety\n---\n\n# Safety\n\nText.\n"
    assert page_body(english) == "# Safety\n\nText.\n"
    translated = "---\nsource: |\n  # Safety\n\n  Text.\n---\n\n# Seguridad\n"
    assert recorded_source(translated) == "# Safety\n\nText.\n"
    assert not page_is_stale(english, translated)
    assert page_is_stale(english.replace("Text.", "New text."), translated)
    assert page_is_stale(english, "# Seguridad\n")  # records nothing


@pytest.mark.parametrize("lang", sorted(TRANSLATIONS))
def test_the_translations_are_current(root: Path, lang: str) -> None:
    library = load_library(root)
    status = translation_status(library, lang)
    report = format_status([status])
    assert status.entries == (), report
    assert status.current == status.total > 100
    assert status.percent == 100.0
    assert safety_problems(library, lang) == []
    # Every English unit is counted: items, block fields and pages.
    english = library.content["en"].values()
    pages = list((root / "docs" / "en").rglob("*.md"))
    names = ("title", "intro", "body", "emergency")
    fields = sum(1 for b in english for f in names if getattr(b, f))
    assert status.total == sum(len(b.items) for b in english) + fields + len(pages)


def test_changed_english_makes_the_item_stale_in_every_translation(root: Path) -> None:
    for lang in TRANSLATIONS:
        assert ("stale", f"content/{lang}/side-effects.yml", "pneumothorax") not in found(
            root, lang
        )
    change_english(root, f"text: {OLD}\n", f"text: {NEW}\n")

    statuses = status_json(root)
    assert [s["lang"] for s in statuses] == ["es", "bn"]
    for lang in TRANSLATIONS:
        entry = entry_for(statuses, lang, "pneumothorax")
        assert entry["state"] == "stale"
        assert entry["kind"] == "item"
        assert entry["file"] == f"content/{lang}/side-effects.yml"
        assert entry["block"] == "side-effects"
        assert entry["safety"] is True
        assert (entry["old_english"], entry["new_english"]) == (OLD, NEW)
        assert entry["field"] == "text"
        assert entry["key"].endswith(".source.text")
    (es,) = status_json(root, "--lang", "es")
    assert es["current"] == es["total"] - 1
    assert es["percent"] == round(100 * (es["total"] - 1) / es["total"], 1)


def test_safety_problems_name_the_stale_item(root: Path) -> None:
    change_english(root, f"text: {OLD}\n", f"text: {NEW}\n")
    library = load_library(root)
    for lang, name in TRANSLATIONS.items():
        (problem,) = safety_problems(library, lang)
        assert problem.file == f"content/{lang}/side-effects.yml"
        assert problem.item == "side-effects/pneumothorax/text"
        assert problem.key is not None and problem.key.startswith("items[")
        assert problem.line is not None
        assert problem.message == (
            f"{name} ({lang}): safety item is stale: English changed from {OLD!r} to {NEW!r}"
        )


def test_a_removed_item_is_missing(root: Path) -> None:
    def drop(items: list[dict[str, Any]]) -> None:
        items[:] = [item for item in items if item["id"] != "pneumothorax"]

    edit_items(root / "content" / "es" / "side-effects.yml", drop)
    assert found(root, "es") >= {("missing", "content/es/side-effects.yml", "pneumothorax")}
    (problem,) = safety_problems(load_library(root), "es")
    assert (problem.item, problem.message) == (
        "side-effects/pneumothorax",
        "Español (es): safety item is missing",
    )
    assert safety_problems(load_library(root), "bn") == []


def test_an_empty_text_in_a_translation_means_not_yet_translated(root: Path) -> None:
    def empty(items: list[dict[str, Any]]) -> None:
        for item in items:
            if item["id"] == "pneumothorax":
                item.update(text="", detail="", frequency="")

    edit_items(root / "content" / "bn" / "side-effects.yml", empty)
    # Valid content; the safety policy (check = build) refuses it while bn is published.
    result = CliRunner().invoke(main, ["-p", str(root), "check"])
    assert result.exit_code == 1
    assert "item 'side-effects/pneumothorax': বাংলা (bn): safety item is missing" in result.output
    result = CliRunner().invoke(main, ["-p", str(root), "check", "--allow-stale"])
    assert result.exit_code == 0, result.output
    assert ("missing", "content/bn/side-effects.yml", "pneumothorax") in found(root, "bn")


def test_an_empty_title_leaves_the_whole_block_untranslated(root: Path) -> None:
    path = root / "content" / "es" / "side-effects.yml"
    edit(path, "\ntitle: Efectos secundarios\n", '\ntitle: ""\n')
    entries = translation_status(load_library(root), "es").entries
    assert {(e.state, e.item) for e in entries if e.file == path.relative_to(root).as_posix()} >= {
        ("missing", "title"),
        ("missing", "intro"),
        ("missing", "body"),
        ("missing", "pneumothorax"),
    }
    library = load_library(root)
    # Every protected item, and the protected introduction and body.
    assert len(safety_problems(library, "es")) == len(library.project.safety["side-effects"]) + 2


def test_an_empty_text_in_the_source_language_is_still_an_error(root: Path) -> None:
    edit(root / "content" / "en" / "side-effects.yml", f"text: {OLD}\n", 'text: ""\n')
    with pytest.raises(ContentError) as caught:
        load_library(root)
    assert any(p.item == "pneumothorax" for p in caught.value.problems)


def test_an_item_without_source_is_stale_in_every_field(root: Path) -> None:
    def unrecord(items: list[dict[str, Any]]) -> None:
        for item in items:
            if item["id"] == "pneumothorax":
                del item["source"]

    edit_items(root / "content" / "es" / "side-effects.yml", unrecord)
    library = load_library(root)
    entries = translation_status(library, "es").entries
    english = library.english_item("side-effects", "pneumothorax")
    assert english is not None
    assert {(e.state, e.item, e.field, e.old_english, e.new_english) for e in entries} == {
        ("stale", "pneumothorax", name, None, value) for name, value in english.fields().items()
    }
    problems = safety_problems(library, "es")
    assert {p.item for p in problems} == {
        f"side-effects/pneumothorax/{name}" for name in ("text", "detail", "frequency")
    }
    assert all("records no English source" in p.message for p in problems)


def test_a_changed_english_frequency_makes_the_translation_stale(root: Path) -> None:
    old, new = "About 1 in 13 sessions.", "About 1 in 3 sessions."
    change_english(root, old, new)
    library = load_library(root)
    for lang, name in TRANSLATIONS.items():
        (entry,) = translation_status(library, lang).entries
        assert (entry.state, entry.item, entry.field) == ("stale", "bruising", "frequency")
        assert (entry.old_english, entry.new_english) == (f"Common. {old}", f"Common. {new}")
        (problem,) = safety_problems(library, lang)
        assert problem.item == "side-effects/bruising/frequency"
        assert problem.message == (
            f"{name} ({lang}): safety item is stale: English changed from "
            f"{'Common. ' + old!r} to {'Common. ' + new!r}"
        )
    result = CliRunner().invoke(main, ["-p", str(root), "status", "--lang", "es"])
    lines = [line.strip() for line in result.output.splitlines()]
    assert f"old English: Common. {old}" in lines
    assert f"new English: Common. {new}" in lines


def test_a_half_translated_item_counts_as_missing(root: Path) -> None:
    def half(items: list[dict[str, Any]]) -> None:
        for item in items:
            if item["id"] == "pneumothorax":
                item.update(detail="", frequency="")

    edit_items(root / "content" / "es" / "side-effects.yml", half)
    library = load_library(root)
    (entry,) = translation_status(library, "es").entries
    assert (entry.state, entry.item) == ("missing", "pneumothorax")
    assert (
        entry.note
        == "not translated: detail, frequency (the item is shown in en until every field is)"
    )
    (problem,) = safety_problems(library, "es")
    assert problem.file == "content/es/side-effects.yml"
    assert problem.item == "side-effects/pneumothorax/detail"
    assert problem.message.startswith("Español (es): safety item is not completely translated")
    # It is shown whole in English: never a translated text without its detail.
    assert library.translated_item("es", "side-effects", "pneumothorax") is None
    assert library.safety_items("es")["pneumothorax"] == library.english_item(
        "side-effects", "pneumothorax"
    )


def test_an_unknown_id_is_extra(root: Path) -> None:
    def add(items: list[dict[str, Any]]) -> None:
        items.append({"id": "made-up", "source": {"text": "Made up"}, "text": "Inventado"})

    edit_items(root / "content" / "es" / "side-effects.yml", add)
    (entry,) = translation_status(load_library(root), "es").entries
    assert (entry.kind, entry.state, entry.item) == ("item", "extra", "made-up")
    assert safety_problems(load_library(root), "es") == []


def test_a_block_file_without_english_is_extra(root: Path) -> None:
    (root / "content" / "es" / "extra-block.yml").write_text(
        "title: Extra\nbody: Texto.\n", encoding="utf-8"
    )
    assert found(root, "es") == {("extra", "content/es/extra-block.yml", None)}


def test_a_changed_english_field_is_stale(root: Path) -> None:
    edit(root / "content" / "en" / "side-effects.yml", "title: Side effects\n", "title: Risks\n")
    (entry,) = translation_status(load_library(root), "es").entries
    assert (entry.kind, entry.state, entry.block, entry.item) == (
        "field",
        "stale",
        "side-effects",
        "title",
    )
    assert (entry.old_english, entry.new_english) == ("Side effects", "Risks")


def test_a_changed_english_page_is_stale(root: Path) -> None:
    page = root / "docs" / "en" / "is-it-safe.md"
    before = page_body(page.read_text(encoding="utf-8"))
    page.write_text(page.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
    after = page_body(page.read_text(encoding="utf-8"))
    for lang in TRANSLATIONS:
        (entry,) = translation_status(load_library(root), lang).entries
        assert (entry.kind, entry.state, entry.file) == (
            "page",
            "stale",
            f"docs/{lang}/is-it-safe.md",
        )
        assert (entry.old_english, entry.new_english) == (before, after)
        assert entry.key == "source" and entry.line == 2
        assert entry.diff is not None and "\n+One more line.\n" in entry.diff
    # The translator sees what changed without git.
    result = CliRunner().invoke(main, ["-p", str(root), "status", "--lang", "es"])
    assert "+One more line." in result.output
    result = CliRunner().invoke(main, ["-p", str(root), "status", "--format", "markdown"])
    assert "```diff" in result.output and "+One more line." in result.output


def test_a_deleted_page_is_missing_and_an_unknown_page_extra(root: Path) -> None:
    (root / "docs" / "es" / "is-it-safe.md").unlink()
    (root / "docs" / "es" / "nueva.md").write_text("# Nueva\n", encoding="utf-8")
    assert found(root, "es") == {
        ("missing", "docs/es/is-it-safe.md", None),
        ("extra", "docs/es/nueva.md", None),
    }
    assert found(root, "bn") == set()


def test_markdown_has_a_row_for_the_stale_item(root: Path) -> None:
    change_english(root, f"text: {OLD}\n", f"text: {NEW}\n")
    result = CliRunner().invoke(main, ["-p", str(root), "status", "--format", "markdown"])
    assert result.exit_code == 0, result.output
    assert "### Español (es)" in result.output
    assert "| state | file | item | old English | new English |" in result.output
    row = f"| **stale** | `content/es/side-effects.yml` | pneumothorax: text [safety] | {OLD} "
    # The row goes on with the notes for translators (the block's and the item's).
    assert any(
        line.startswith(f"{row}| {NEW} |") and "medical term in brackets" in line
        for line in result.output.splitlines()
    )


def test_the_table_shows_old_and_new_english(root: Path) -> None:
    change_english(root, f"text: {OLD}\n", f"text: {NEW}\n")
    result = CliRunner().invoke(main, ["-p", str(root), "status", "--lang", "bn"])
    assert result.exit_code == 0, result.output
    lines = [line.strip() for line in result.output.splitlines()]
    assert lines[0].startswith("bn  বাংলা  ") and "% current (published)" in lines[0]
    assert f"old English: {OLD}" in lines
    assert f"new English: {NEW}" in lines


@pytest.mark.parametrize("lang", ["en", "xx"])
def test_status_refuses_a_language_that_is_not_a_translation(root: Path, lang: str) -> None:
    result = CliRunner().invoke(main, ["-p", str(root), "status", "--lang", lang])
    assert result.exit_code == 2
    assert f"'{lang}'" in result.output


def test_status_reports_broken_content(root: Path) -> None:
    edit(root / "content" / "es" / "side-effects.yml", "items:\n", "items: 3\nextra:\n")
    result = CliRunner().invoke(main, ["-p", str(root), "status"])
    assert result.exit_code == 1
    assert "content/es/side-effects.yml" in result.output
