"""`careleaf translate`: a new language starts as empty files that record their English."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from conftest import edit

from careleaf.cli.main import main
from careleaf.content.load import load_library
from careleaf.content.pages import split_front_matter
from careleaf.editorial.status import safety_problems
from careleaf.editorial.status_pages import page_body, recorded_source
from careleaf.editorial.translate import add_language, page_template
from careleaf.errors import CareleafError


def run(root: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["-p", str(root), *args])
    return result.exit_code, result.output


def test_translate_starts_an_unpublished_language(project: Path) -> None:
    before = (project / "careleaf.yml").read_text(encoding="utf-8")
    code, output = run(project, "translate", "fr", "--name", "Français")
    assert code == 0, output

    after = (project / "careleaf.yml").read_text(encoding="utf-8")
    # Edited as text: every line that was there (comments included) is still there, in order.
    lines = after.splitlines()
    at = lines.index("  fr:")
    assert lines[at : at + 5] == [
        "  fr:",
        "    name: Français",
        "    direction: ltr",
        "    published: false",
        "    status: draft",
    ]
    assert lines[:at] + lines[at + 5 :] == before.splitlines()
    assert lines[at + 5].startswith("# ")  # inserted at the end of languages:, before the comment
    languages = yaml.safe_load(after)["languages"]
    assert list(languages)[-1] == "fr"
    assert languages["fr"] == {
        "name": "Français",
        "direction": "ltr",
        "published": False,
        "status": "draft",
    }

    english = sorted(p.name for p in (project / "content" / "en").glob("*.yml"))
    assert sorted(p.name for p in (project / "content" / "fr").glob("*.yml")) == english
    pages = sorted(p.name for p in (project / "docs" / "en").rglob("*.md"))
    assert sorted(p.name for p in (project / "docs" / "fr").rglob("*.md")) == pages

    code, output = run(project, "check")
    assert code == 0, output

    code, output = run(project, "status", "--lang", "fr", "--format", "json")
    assert code == 0, output
    (status,) = json.loads(output)
    assert (status["percent"], status["current"], status["published"]) == (0.0, 0, False)
    assert {e["state"] for e in status["entries"]} == {"missing"}
    assert len(status["entries"]) == status["total"]
    assert {"pneumothorax", "pregnancy", "draft-notice"} <= {e["item"] for e in status["entries"]}
    assert {f"docs/fr/{page}" for page in pages} <= {e["file"] for e in status["entries"]}

    code, output = run(project, "status", "--lang", "fr")
    assert code == 0, output
    assert output.startswith("fr  Français  0.0% current (not published)\n")
    assert "content/fr/side-effects.yml" in output and "pneumothorax [safety]" in output

    problems = safety_problems(load_library(project), "fr")
    assert ("content/fr/side-effects.yml", "side-effects/pneumothorax") in {
        (p.file, p.item) for p in problems
    }
    assert all(
        p.message
        in ("Français (fr): safety item is missing", "Français (fr): safety text is missing")
        for p in problems
    )


def test_the_new_files_record_the_english_exactly(project: Path) -> None:
    code, output = run(project, "translate", "fr")
    assert code == 0, output
    library = load_library(project)
    for block in library.content["en"].values():
        path = project / "content" / "fr" / f"{block.id}.yml"
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for field in ("title", "intro", "body", "emergency"):
            english = getattr(block, field)
            assert data["source"].get(field) == english, (path, field)
            assert data.get(field) == ("" if english is not None else None), (path, field)
        assert [item["id"] for item in data.get("items", [])] == [i.id for i in block.items]
        for item, english_item in zip(data.get("items", []), block.items, strict=True):
            # Each field records the English it is made from, and starts empty.
            assert item["source"] == english_item.fields()
            assert {name: item[name] for name in english_item.fields()} == dict.fromkeys(
                english_item.fields(), ""
            )
            assert set(item) == {"id", "source", *english_item.fields()}
    # The language is listed but nothing of it is translated yet.
    assert library.content["fr"] == {}
    assert library.project.languages["fr"].name == "fr"
    # Multi-line English is written as a block scalar.
    assert "  body: |" in (project / "content" / "fr" / "side-effects.yml").read_text("utf-8")


def test_the_new_pages_are_the_english_pages_recording_their_source(project: Path) -> None:
    code, output = run(project, "translate", "fr")
    assert code == 0, output
    for english in (project / "docs" / "en").rglob("*.md"):
        text = english.read_text(encoding="utf-8")
        page = (project / "docs" / "fr" / english.relative_to(project / "docs" / "en")).read_text(
            encoding="utf-8"
        )
        assert recorded_source(page) == page_body(text)
        assert split_front_matter(page)[0].strip() == text.strip()


def test_translating_fills_in_the_status(project: Path) -> None:
    assert run(project, "translate", "fr")[0] == 0
    path = project / "content" / "fr" / "side-effects.yml"
    edit(path, '\ntitle: ""\n', "\ntitle: Effets secondaires\n")
    untranslated = '- id: pneumothorax\n    text: ""\n    detail: ""\n    frequency: ""\n'
    edit(path, untranslated, '- id: pneumothorax\n    text: Un pneumothorax\n    detail: ""\n')
    # Only the text: the item counts as missing, and is shown whole in English.
    (status,) = json.loads(run(project, "status", "--lang", "fr", "--format", "json")[1])
    (entry,) = [e for e in status["entries"] if e["item"] == "pneumothorax"]
    assert entry["state"] == "missing"
    assert entry["note"].startswith("not translated: detail, frequency")
    edit(
        path,
        '- id: pneumothorax\n    text: Un pneumothorax\n    detail: ""\n',
        "- id: pneumothorax\n    text: Un pneumothorax\n"
        "    detail: Cela peut arriver après une puncture près du thorax. Il faut des soins "
        "d'urgence.\n"
        "    frequency: Rare mais grave.\n",
    )
    page = project / "docs" / "fr" / "is-it-safe.md"
    edit(page, "\n# Is dry needling safe?", "\n# La puncture sèche est-elle sûre ?")
    assert run(project, "check")[0] == 0
    (status,) = json.loads(run(project, "status", "--lang", "fr", "--format", "json")[1])
    assert status["current"] == 3
    missing = {(e["file"], e["item"]) for e in status["entries"]}
    assert ("content/fr/side-effects.yml", "pneumothorax") not in missing
    assert ("content/fr/side-effects.yml", "title") not in missing
    assert ("content/fr/side-effects.yml", "bruising") in missing
    assert ("docs/fr/is-it-safe.md", None) not in missing


def test_translate_refuses_an_existing_language(project: Path) -> None:
    before = (project / "careleaf.yml").read_text(encoding="utf-8")
    code, output = run(project, "translate", "es")
    assert code == 1
    assert "language 'es' already exists" in output
    assert "content/es/ exists" in output
    assert (project / "careleaf.yml").read_text(encoding="utf-8") == before


def test_translate_refuses_the_source_language(project: Path) -> None:
    code, output = run(project, "translate", "en")
    assert code == 1
    assert "language 'en' already exists" in output


def test_translate_refuses_a_bad_code(project: Path) -> None:
    code, output = run(project, "translate", "French")
    assert code == 1
    assert "'French' is not a language code" in output
    assert not (project / "content" / "French").exists()


def test_translate_right_to_left(project: Path) -> None:
    code, output = run(project, "translate", "ar", "--name", "العربية", "--direction", "rtl")
    assert code == 0, output
    language = load_library(project).project.languages["ar"]
    assert (language.name, language.direction, language.published) == ("العربية", "rtl", False)


def test_add_language_keeps_comments_and_indentation() -> None:
    text = (
        "# settings\n"
        "languages:\n"
        "    en:   # the source\n"
        "        name: English\n"
        "    # more to come\n"
        "\n"
        "# safety\n"
        "safety: {}\n"
    )
    assert add_language(text, "no", "Norsk") == (
        "# settings\n"
        "languages:\n"
        "    en:   # the source\n"
        "        name: English\n"
        "    # more to come\n"
        '    "no":\n'
        "        name: Norsk\n"
        "        direction: ltr\n"
        "        published: false\n"
        "        status: draft\n"
        "\n"
        "# safety\n"
        "safety: {}\n"
    )


def test_add_language_refuses_a_flow_mapping() -> None:
    with pytest.raises(CareleafError, match="by hand"):
        add_language("languages: {en: {name: English}}\n", "fr", "Français")


def test_page_template_keeps_front_matter() -> None:
    english = "---\ntitle: Hi\n---\n\n# Hi\n"
    page = page_template(english)
    assert page == "---\nsource: |\n  # Hi\ntitle: Hi\n---\n\n# Hi\n"
    assert recorded_source(page) == "# Hi\n"
