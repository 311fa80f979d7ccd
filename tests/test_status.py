"""Translation status: missing, stale and extra units, safety problems, and the three formats."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from conftest import edit

from careleaf.cli import main
from careleaf.errors import ContentError
from careleaf.load import load_library
from careleaf.status import (
    format_status,
    page_fingerprint,
    safety_problems,
    translation_status,
)
from careleaf.translate import dump_yaml

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


def test_page_fingerprint_is_the_first_16_hex_digits_of_sha256() -> None:
    assert page_fingerprint("abc") == "ba7816bf8f01cfea"
    text = '# Título\n\n{{ block("side-effects") }}\n'
    assert page_fingerprint(text) == hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


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
    fields = sum(1 for b in english for f in ("title", "intro", "body") if getattr(b, f))
    assert status.total == sum(len(b.items) for b in english) + fields + len(pages)


def test_changed_english_makes_the_item_stale_in_every_translation(root: Path) -> None:
    for lang in TRANSLATIONS:
        assert ("stale", f"content/{lang}/side-effects.yml", "pneumothorax") not in found(
            root, lang
        )
    edit(root / "content" / "en" / "side-effects.yml", f"text: {OLD}\n", f"text: {NEW}\n")

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
        assert entry["key"].endswith(".source")
    (es,) = status_json(root, "--lang", "es")
    assert es["current"] == es["total"] - 1
    assert es["percent"] == round(100 * (es["total"] - 1) / es["total"], 1)


def test_safety_problems_name_the_stale_item(root: Path) -> None:
    edit(root / "content" / "en" / "side-effects.yml", f"text: {OLD}\n", f"text: {NEW}\n")
    library = load_library(root)
    for lang, name in TRANSLATIONS.items():
        (problem,) = safety_problems(library, lang)
        assert problem.file == f"content/{lang}/side-effects.yml"
        assert problem.item == "pneumothorax"
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
        "pneumothorax",
        "Español (es): safety item is missing",
    )
    assert safety_problems(load_library(root), "bn") == []


def test_an_empty_text_in_a_translation_means_not_yet_translated(root: Path) -> None:
    def empty(items: list[dict[str, Any]]) -> None:
        for item in items:
            if item["id"] == "pneumothorax":
                item.update(text="", detail="", frequency="")

    edit_items(root / "content" / "bn" / "side-effects.yml", empty)
    result = CliRunner().invoke(main, ["-p", str(root), "check"])
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
    assert len(safety_problems(load_library(root), "es")) == 6


def test_an_empty_text_in_the_source_language_is_still_an_error(root: Path) -> None:
    edit(root / "content" / "en" / "side-effects.yml", f"text: {OLD}\n", 'text: ""\n')
    with pytest.raises(ContentError) as caught:
        load_library(root)
    assert any(p.item == "pneumothorax" for p in caught.value.problems)


def test_an_item_without_source_is_stale(root: Path) -> None:
    edit(root / "content" / "es" / "side-effects.yml", f"    source: {OLD}\n", "")
    (entry,) = [e for e in translation_status(load_library(root), "es").entries]
    assert (entry.state, entry.item, entry.old_english, entry.new_english) == (
        "stale",
        "pneumothorax",
        None,
        OLD,
    )
    (problem,) = safety_problems(load_library(root), "es")
    assert "records no English source" in problem.message


def test_an_unknown_id_is_extra(root: Path) -> None:
    def add(items: list[dict[str, Any]]) -> None:
        items.append({"id": "made-up", "source": "Made up", "text": "Inventado"})

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
    before = page_fingerprint(page.read_text(encoding="utf-8"))
    page.write_text(page.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
    after = page_fingerprint(page.read_text(encoding="utf-8"))
    for lang in TRANSLATIONS:
        (entry,) = translation_status(load_library(root), lang).entries
        assert (entry.kind, entry.state, entry.file) == (
            "page",
            "stale",
            f"docs/{lang}/is-it-safe.md",
        )
        assert (entry.old_fingerprint, entry.new_fingerprint) == (before, after)
        assert entry.old_english is None and "not stored" in (entry.note or "")


def test_a_deleted_page_is_missing_and_an_unknown_page_extra(root: Path) -> None:
    (root / "docs" / "es" / "is-it-safe.md").unlink()
    (root / "docs" / "es" / "nueva.md").write_text("# Nueva\n", encoding="utf-8")
    assert found(root, "es") == {
        ("missing", "docs/es/is-it-safe.md", None),
        ("extra", "docs/es/nueva.md", None),
    }
    assert found(root, "bn") == set()


def test_markdown_has_a_row_for_the_stale_item(root: Path) -> None:
    edit(root / "content" / "en" / "side-effects.yml", f"text: {OLD}\n", f"text: {NEW}\n")
    result = CliRunner().invoke(main, ["-p", str(root), "status", "--format", "markdown"])
    assert result.exit_code == 0, result.output
    assert "### Español (es)" in result.output
    assert "| state | file | item | old English | new English |" in result.output
    assert (
        f"| **stale** | `content/es/side-effects.yml` | pneumothorax [safety] | {OLD} | {NEW} |"
        in result.output.splitlines()
    )


def test_the_table_shows_old_and_new_english(root: Path) -> None:
    edit(root / "content" / "en" / "side-effects.yml", f"text: {OLD}\n", f"text: {NEW}\n")
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
