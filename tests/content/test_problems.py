"""Problem reports on hostile or mistaken input: every problem of a run at once, each named so
that a person can see it (code points of characters that look like others or show nothing,
YAML 1.1 words as written, links as links, the item a character problem is in)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import edit
from test_load import problems_of

from careleaf.cli.main import main
from careleaf.content.checks import check_project
from careleaf.content.load import load_library
from careleaf.errors import ContentError, Problem

SIDE_EFFECTS = "content/en/side-effects.yml"


def about(problems: list[Problem], words: str) -> list[Problem]:
    """The problems whose message holds ``words``."""
    return [problem for problem in problems if words in problem.message]


def edits(root: Path, *changes: tuple[str, str, str]) -> None:
    """`edit` each ``(file, old, new)`` of the project."""
    for file, old, new in changes:
        edit(root / file, old, new)


def problems_of_check(root: Path) -> list[Problem]:
    """Every problem `careleaf check` reports: loading's, or else the pages' and the rest."""
    try:
        library = load_library(root)
    except ContentError as error:
        return error.problems
    return check_project(root, library)


def test_a_yaml_11_word_as_a_key_is_named_as_written_with_the_fix(mini: Path) -> None:
    edit(
        mini / "careleaf.yml", "    name: English\n", "    name: English\n  no:\n    name: Norsk\n"
    )
    problems = problems_of(mini)
    (problem,) = about(problems, "YAML 1.1")
    assert problem.file == "careleaf.yml" and problem.line == 8
    assert problem.key == "languages.no"
    assert "'no'" in problem.message and "false" in problem.message
    assert '"no"' in problem.message and "quotes" in problem.message
    assert "False" not in str(problems)


@pytest.mark.parametrize(
    ("file", "old", "new", "said"),
    [
        ("content/en/about.yml", "title: About", "title: yes", "'yes' as true"),
        ("clinics/demo/clinic.yml", 'phone: "+1 555 0100"', "phone: 0100", "'0100' as a number"),
        ("careleaf.yml", "name: English", "name: English\n    direction: no", "'no' as false"),
    ],
)
def test_a_yaml_11_word_where_text_belongs_is_named_as_written_with_the_fix(
    mini: Path, file: str, old: str, new: str, said: str
) -> None:
    edit(mini / file, old, new)
    (problem,) = problems_of(mini)
    assert problem.file == file and problem.line == new.count("\n") + old_line(mini / file, new)
    written = said.split("'")[1]
    assert said in problem.message and f'quotes ("{written}")' in problem.message
    assert "True" not in str(problem) and "False" not in str(problem)


def old_line(path: Path, text: str) -> int:
    """The line of a file on which ``text`` starts."""
    return path.read_text(encoding="utf-8").split(text)[0].count("\n") + 1


def test_a_look_alike_of_a_blocks_name_in_a_page_is_named_by_code_point(mini: Path) -> None:
    edit(mini / "docs/en/safety.md", 'block("side-effects")', 'block("side-effect\u0455")')
    (problem,) = problems_of_check(mini)
    assert (problem.line, problem.item) == (3, "side-effect\\u0455")
    assert "U+0455 (cyrillic small letter dze) at position 12" in problem.message


def test_look_alike_and_invisible_characters_in_an_id_are_named_by_code_point(
    mini: Path,
) -> None:
    edit(mini / SIDE_EFFECTS, "id: bruising", "id: bru\u0456sing")
    edit(mini / SIDE_EFFECTS, "id: pneumothorax", "id: pneumo\u200bthorax")
    problems = problems_of(mini)
    (cyrillic,) = about(problems, "U+0456")
    assert cyrillic.line == 4 and cyrillic.key == "items[0].id"
    assert "cyrillic small letter byelorussian-ukrainian i" in cyrillic.message
    # Shown with its code point, never raw (it would look right).
    assert cyrillic.item == "bru\\u0456sing" and "\u0456" not in str(cyrillic)
    (invisible,) = about(problems, "U+200B")
    assert invisible.line == 7 and "zero width space" in invisible.message
    assert "\u200b" not in str(invisible)


def test_markup_in_an_items_text_is_refused_with_its_line(mini: Path) -> None:
    edit(
        mini / "content/en/contraindications.yml",
        "text: You are pregnant",
        'text: You are pregnant <span style="color:white">or not</span>',
    )
    edit(
        mini / SIDE_EFFECTS,
        "detail: Rare but serious.",
        'detail: "Rare.\\n[x]: https://evil.example"',
    )
    problems = problems_of(mini)
    (span,) = about(problems, "markup")
    assert span.file == "content/en/contraindications.yml" and span.key == "items[0].text"
    assert span.item == "pregnancy" and span.line is not None
    assert "<span" in span.message
    (reference,) = about(problems, "link reference")
    assert (reference.line, reference.key, reference.item) == (9, "items[1].detail", "pneumothorax")


def test_a_less_than_sign_in_a_sentence_is_text(mini: Path) -> None:
    edit(mini / "content/en/about.yml", "title: About", "title: About 1 < 2 > 0 <3")
    assert load_library(mini).block("en", "about").title == "About 1 < 2 > 0 <3"


@pytest.mark.parametrize(
    ("typed", "code", "where"),
    [
        ("text: A small \u202ebruise", "U+202E", (5, "items[0].text", "bruising")),
        ('detail: "Rare \\a but serious."', "U+0007", (9, "items[1].detail", "pneumothorax")),
        # A byte order mark inside text, and the character a broken conversion left.
        ("text: A small\ufeff bruise", "U+FEFF", (5, "items[0].text", "bruising")),
        ("detail: Rare but \ufffd serious.", "U+FFFD", (9, "items[1].detail", "pneumothorax")),
    ],
)
def test_character_problems_name_the_item_and_key(
    mini: Path, typed: str, code: str, where: tuple[int, str, str]
) -> None:
    field = typed.split(":")[0]
    edit(
        mini / SIDE_EFFECTS,
        {"text": "text: A small bruise", "detail": "detail: Rare but serious."}[field],
        typed,
    )
    (problem,) = about(problems_of(mini), code)
    assert (problem.line, problem.key, problem.item) == where


def test_a_link_that_leaves_the_project_is_reported_as_a_link(mini: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.yml"
    outside.write_text("title: Elsewhere\nbody: x\n", encoding="utf-8")
    os.symlink(outside, mini / "content/en/elsewhere.yml")
    (problem,) = problems_of(mini)
    assert problem.file == "content/en/elsewhere.yml"  # its name in the project, not the target
    assert "link" in problem.message and "outside the project" in problem.message


def test_no_stage_hides_another(mini: Path) -> None:
    """A duplicate YAML key, a control character, a missing protected item, an unknown key,
    blank texts and a page problem: each is reported, in one run."""
    edits(
        mini,
        (SIDE_EFFECTS, "  - id: pneumothorax\n", "  - id: pneumothorax\n    id: lung\n"),
        (SIDE_EFFECTS, "intro: Most are mild.", "intro: Most are mild.\u0007"),
        (SIDE_EFFECTS, "text: A small bruise", 'text: " "'),
        (SIDE_EFFECTS, "text: A collapsed lung", 'text: "\u200b"'),
        ("content/en/contraindications.yml", "id: pregnancy", "id: pregnant"),
        ("content/en/about.yml", "title: About", "title: About\ncolour: red"),
        ("docs/en/index.md", "\n", "\n\n{{ nothing() }}\n"),
    )
    problems = problems_of(mini)
    said = "\n".join(map(str, problems))
    assert "duplicate key 'id'" in said
    assert "U+0007" in said
    assert (
        len(about(problems, "no visible characters")) + len(about(problems, "at least 1 character"))
        == 2
    ), said
    assert "'pregnancy': protected item is missing" in said
    assert "about.yml:2: key colour: unknown key" in said
    assert "docs/en/index.md" in said and "nothing" in said
    result = CliRunner().invoke(main, ["--project", str(mini), "check"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == len(problems) + 1, result.output


def test_a_pages_template_code_characters_and_markup_are_reported_together(mini: Path) -> None:
    page = mini / "docs/en/safety.md"
    page.write_text(
        "# Safety\x07\n\n{{ nothing() }}\n\n<script>alert(1)</script>\n\n"
        "{{ block('side-effects') }}\n\n{{ block('contraindications') }}\n",
        encoding="utf-8",
    )
    problems = [p for p in problems_of_check(mini) if p.file == "docs/en/safety.md"]
    assert [(p.line, p.message.split(" (")[0].split(":")[0]) for p in problems] == [
        (3, "unknown macro 'nothing'"),
        (1, "U+0007"),
        (5, "raw HTML is not allowed in pages"),
    ], problems


def test_every_field_of_a_clinic_profile_is_checked_at_once(mini: Path) -> None:
    clinic = mini / "clinics/demo/clinic.yml"
    edit(clinic, "name: Demo Clinic", 'name: "Demo\\tClinic"')
    edit(clinic, "address: 1 Test Street", 'address: "1 Test Street\\nTown"')
    edit(clinic, "logo: logo.svg", "logo: missing.svg")
    problems = problems_of(mini)
    assert {(p.key, p.line) for p in problems} == {("name", 1), ("address", 6), ("logo", 2)}


def test_a_key_careleaf_sets_does_not_hide_the_files_other_problems(mini: Path) -> None:
    edit(mini / "content/en/about.yml", "title: About", "id: about\ntitle: About\ncolour: red")
    problems = problems_of(mini)
    assert {(p.key, p.line, p.message) for p in problems} == {
        ("id", 1, "unknown key (careleaf sets it from the file's name)"),
        ("colour", 3, "unknown key"),
    }


def test_an_invalid_item_does_not_hide_the_rest_of_its_files_problems(mini: Path) -> None:
    edit(mini / SIDE_EFFECTS, "text: A small bruise", 'text: " "')
    edit(mini / SIDE_EFFECTS, "text: A collapsed lung", "text: A collapsed <b>lung</b>")
    edit(mini / SIDE_EFFECTS, "id: pneumothorax", "id: pregnancy")  # contraindications has it
    problems = [p for p in problems_of(mini) if p.file == SIDE_EFFECTS]
    assert {(p.line, p.key, p.item) for p in problems if "protected" not in p.message} == {
        (5, "items[0].text", "bruising"),  # blank
        (8, "items[1].text", "pregnancy"),  # markup
        (7, "items[1].id", "pregnancy"),  # duplicate id
    }


def test_a_translations_problems_name_the_item_where_it_is_in_the_file(mini: Path) -> None:
    """A translated file's untranslated items are left out before it is checked; a problem
    still names the key path in the file."""
    edit(mini / "careleaf.yml", "name: English\n", "name: English\n  es:\n    name: Español\n")
    (mini / "content/es").mkdir()
    (mini / "content/es/side-effects.yml").write_text(
        "title: Efectos\nitems:\n  - id: bruising\n    text: ''\n  - id: pneumothorax\n"
        "    text: Un pulmón <i>colapsado</i>\n",
        encoding="utf-8",
    )
    (problem,) = about(problems_of(mini), "markup")
    assert (problem.line, problem.key, problem.item) == (6, "items[1].text", "pneumothorax")


def test_a_logo_that_is_a_link_is_reported_as_a_link(mini: Path, tmp_path: Path) -> None:
    outside = tmp_path / "logo.svg"
    outside.write_bytes((mini / "clinics/demo/logo.svg").read_bytes())
    (mini / "clinics/demo/logo.svg").unlink()
    os.symlink(outside, mini / "clinics/demo/logo.svg")
    (problem,) = problems_of(mini)
    assert (problem.file, problem.line, problem.key) == ("clinics/demo/clinic.yml", 2, "logo")
    assert "is a link" in problem.message and "outside the clinic's folder" in problem.message


def test_an_invalid_item_does_not_hide_a_missing_or_changed_protected_item(mini: Path) -> None:
    """The registry and its pins are still checked on the rest of a file that failed."""
    edits(
        mini,
        (SIDE_EFFECTS, "frequency: About 1 in 13 sessions.", 'frequency: ""'),
        (SIDE_EFFECTS, "detail: Rare but serious.", "detail: Rare, but serious."),
        ("content/en/contraindications.yml", "text: You are pregnant", "text:"),
        ("content/en/contraindications.yml", "items:\n", "items:\n  - id: extra\n    text: X\n"),
    )
    problems = problems_of(mini)
    said = sorted((p.file, p.key, p.item, p.message.split(" (")[0].split(";")[0]) for p in problems)
    assert said == [
        (
            "content/en/contraindications.yml",
            "items[0].id",
            "contraindications/extra",
            "this item of a protected block is not in the registry: after clinical review, run "
            "`careleaf protect` to add it",
        ),
        (
            "content/en/contraindications.yml",
            "items[1].text",
            "pregnancy",
            "has no value",
        ),
        (
            "content/en/side-effects.yml",
            "items[0].frequency",
            "bruising",
            "String should have at least 1 character",
        ),
        (
            "content/en/side-effects.yml",
            "items[1].detail",
            "side-effects/pneumothorax/detail",
            "protected text differs from the text approved in careleaf.yml",
        ),
    ], said
