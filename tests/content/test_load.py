"""The loader: every error class names the file, the line, the key path and the id."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import CONTRAINDICATIONS, PRECAUTIONS, REPO, SIDE_EFFECTS, edit

from careleaf.cli.main import main
from careleaf.content.load import load_library
from careleaf.content.pages import check_pages
from careleaf.errors import ContentError, Problem


def problems_of(root: Path) -> list[Problem]:
    with pytest.raises(ContentError) as caught:
        load_library(root)
    return caught.value.problems


def only(problems: list[Problem]) -> Problem:
    assert len(problems) == 1, "\n".join(map(str, problems))
    return problems[0]


def test_the_real_project_loads() -> None:
    library = load_library(REPO)
    assert set(library.safety_items("en")) >= {*SIDE_EFFECTS, *CONTRAINDICATIONS, *PRECAUTIONS}
    assert [i.id for i in library.block("en", "contraindications").items] == list(CONTRAINDICATIONS)
    assert [i.id for i in library.block("en", "precautions").items] == list(PRECAUTIONS)
    assert check_pages(REPO, library) == []


def test_mini_project_loads(mini: Path) -> None:
    library = load_library(mini)
    assert library.block("en", "side-effects").is_draft
    assert not library.block("en", "contraindications").is_draft
    assert library.safety_items("en")["bruising"].frequency == "About 1 in 13 sessions."


def test_unknown_key(mini: Path) -> None:
    edit(
        mini / "content/en/side-effects.yml",
        "    frequency: Rare.",
        "    frequency: Rare.\n    colour: red",
    )
    problem = only(problems_of(mini))
    assert (problem.file, problem.line, problem.key, problem.item) == (
        "content/en/side-effects.yml",
        11,
        "items[1].colour",
        "pneumothorax",
    )
    assert "unknown key" in problem.message


def test_wrong_type(mini: Path) -> None:
    edit(mini / "content/en/side-effects.yml", "text: A small bruise", "text: 42")
    problem = only(problems_of(mini))
    assert (problem.file, problem.line, problem.key, problem.item) == (
        "content/en/side-effects.yml",
        5,
        "items[0].text",
        "bruising",
    )
    assert "string" in problem.message


def test_duplicate_item_id_across_blocks(mini: Path) -> None:
    edit(mini / "content/en/contraindications.yml", "id: pregnancy", "id: bruising")
    problems = problems_of(mini)
    duplicate = [p for p in problems if "duplicate id" in p.message]
    assert [(p.file, p.line, p.key, p.item) for p in duplicate] == [
        ("content/en/side-effects.yml", 4, "items[0].id", "bruising")
    ]
    # ...and the protected id that the edit removed is reported in the same run.
    assert any(p.item == "pregnancy" and "protected item is missing" in p.message for p in problems)


def test_duplicate_yaml_key(mini: Path) -> None:
    edit(mini / "content/en/about.yml", "title: About", "title: About\ntitle: Again")
    problem = only(problems_of(mini))
    assert (problem.file, problem.line, problem.key) == ("content/en/about.yml", 2, "title")
    assert "duplicate key" in problem.message


def test_empty_block(mini: Path) -> None:
    edit(mini / "content/en/about.yml", "body: |\n  A short **prose** block.\n", "")
    problem = only(problems_of(mini))
    assert (problem.file, problem.item) == ("content/en/about.yml", "about")
    assert "empty block" in problem.message


def test_empty_file(mini: Path) -> None:
    (mini / "content/en/about.yml").write_text("# nothing yet\n")
    problem = only(problems_of(mini))
    assert (problem.file, problem.message) == ("content/en/about.yml", "is empty")


def test_missing_required_safety_item(mini: Path) -> None:
    edit(
        mini / "content/en/side-effects.yml",
        "  - id: pneumothorax\n    text: A collapsed lung\n"
        "    detail: Rare but serious.\n    frequency: Rare.\n",
        "",
    )
    problem = only(problems_of(mini))
    assert (problem.file, problem.key, problem.item) == (
        "content/en/side-effects.yml",
        "items",
        "pneumothorax",
    )
    assert "protected item is missing" in problem.message


def test_the_library_holds_every_page_read_and_checked_once(mini: Path) -> None:
    """Each page of each language, with its text, its Markdown after the front matter, the
    blocks and handouts it calls and its problems (those of `check_pages`)."""
    (mini / "docs/en/care").mkdir()
    (mini / "docs/en/care/after.md").write_text(
        '---\ntitle: After\n---\n# After\n\n{{ block("side-effects") }}\n'
        '{{ handout_link("sheet") }}\n{{ block("nope") }}\n',
        encoding="utf-8",
    )
    library = load_library(mini)
    assert list(library.pages) == ["en"]
    assert list(library.pages["en"]) == ["care/after.md", "handouts.md", "index.md", "safety.md"]
    safety = library.page("en", "safety.md")
    assert safety == library.page_at("docs/en/safety.md") == library.shown_page("en", "safety.md")
    assert safety is not None and safety.file == "docs/en/safety.md"
    assert safety.blocks == ("side-effects", "contraindications") and safety.problems == ()
    after = library.page("en", "care/after.md")
    assert after is not None and after.offset == 3 and after.markdown.startswith("# After\n")
    assert (after.blocks, after.handouts) == (("side-effects",), ("sheet",))
    problem = Problem("docs/en/care/after.md", "unknown block", line=8, item="nope")
    assert after.problems == (problem,)
    assert check_pages(mini, library) == [problem]
    assert library.page("es", "safety.md") is None and library.page_at("content/x.md") is None


def test_unknown_block_on_a_page(mini: Path) -> None:
    edit(mini / "docs/en/safety.md", '{{ block("contraindications") }}', '{{ block("nope") }}')
    problems = check_pages(mini, load_library(mini))
    assert [(p.file, p.line, p.item, p.message) for p in problems] == [
        ("docs/en/safety.md", 5, "nope", "unknown block")
    ]


def test_page_code_other_than_macro_calls_is_refused(mini: Path) -> None:
    page = mini / "docs/en/index.md"
    page.write_text(
        "---\ntitle: Home\n---\n# Home\n\n{{ config.site_name }}\n"
        "{{ block('about') | safe }}\n{% include 'x' %}\n"
    )
    problems = check_pages(mini, load_library(mini))
    assert [(p.line, p.message.split(" (")[0]) for p in problems] == [
        (6, "only calls to the page macros"),
        (7, "only calls to the page macros"),
        (8, "only {{ macro(...) }} calls are allowed in pages, not {% ... %} tags"),
    ]


def test_all_problems_reported_in_one_run(mini: Path) -> None:
    edit(mini / "content/en/side-effects.yml", "text: A small bruise", "text: [a]")
    edit(mini / "content/en/about.yml", "title: About", "titel: About")
    edit(mini / "clinics/demo/clinic.yml", '"#123456"', '"#12345"')
    files = {p.file for p in problems_of(mini)}
    assert files == {
        "content/en/side-effects.yml",
        "content/en/about.yml",
        "clinics/demo/clinic.yml",
    }


def test_invalid_yaml_names_the_line(mini: Path) -> None:
    edit(mini / "content/en/about.yml", "title: About", "title: [About")
    problem = only(problems_of(mini))
    assert problem.file == "content/en/about.yml" and problem.line is not None
    assert "not valid YAML" in problem.message


def test_custom_tags_are_refused(mini: Path) -> None:
    edit(mini / "content/en/about.yml", "title: About", "title: !!python/name:os.system ''")
    problem = only(problems_of(mini))
    assert problem.file == "content/en/about.yml" and "not valid YAML" in problem.message


def test_bom_and_crlf_are_tolerated(mini: Path) -> None:
    path = mini / "content/en/about.yml"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))
    assert load_library(mini).block("en", "about").title == "About"


def test_raw_html_and_script_links_in_content_are_refused(mini: Path) -> None:
    edit(
        mini / "content/en/about.yml",
        "A short **prose** block.",
        "Click [here](javascript:alert(1)).",
    )
    problem = only(problems_of(mini))
    assert (problem.file, problem.key, problem.item) == ("content/en/about.yml", "body", "about")
    assert "javascript" in problem.message


def test_check_command(mini: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(main, ["--project", str(mini), "check"])
    assert ok.exit_code == 0, ok.output
    assert ok.output.startswith("OK:")
    edit(mini / "content/en/contraindications.yml", "id: pregnancy", "id: pregnant")
    bad = runner.invoke(main, ["--project", str(mini), "check"])
    assert bad.exit_code == 1
    assert "content/en/contraindications.yml" in bad.output and "'pregnancy'" in bad.output
    assert "Traceback" not in bad.output


def test_check_on_the_real_project_without_pregnancy(project: Path) -> None:
    path = project / "content/en/precautions.yml"
    text = path.read_text()
    start = text.index("  - id: pregnancy")
    end = text.index("review:")
    path.write_text(text[:start] + text[end:])
    result = CliRunner().invoke(main, ["--project", str(project), "check"])
    assert result.exit_code == 1
    assert "content/en/precautions.yml" in result.output
    assert "item 'pregnancy': protected item is missing" in result.output
