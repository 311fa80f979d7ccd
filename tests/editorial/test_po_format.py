"""PO files as platforms expect them, checked by gettext's msgfmt and translate-toolkit's
pofilter; the POT template; XLIFF 2.0 both ways; per-field reasons in status and the PO.

The translator's case of the issue: French started on the small project, half-translated
items, a block whose title is not translated, fuzzy marks on safety text.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from click.testing import CliRunner
from conftest import REPO, built_once, copy_project
from test_po_outputs import fill
from test_po_roundtrip import export_file, shape, start_french

from careleaf.cli.main import main
from careleaf.editorial.po import import_po
from careleaf.editorial.po_export import BRACE_FORMAT, plural_forms
from careleaf.editorial.status_entries import REASONS

# gettext's own tools (.ci/install-system-packages installs them).
MSGFMT = shutil.which("msgfmt") or "msgfmt"
POFILTER = Path(sys.executable).with_name("pofilter")
# The pofilter checks that concern what careleaf's translations must keep. Not "newlines":
# Markdown prose may wrap its lines anywhere.
POFILTER_CHECKS = (
    "pythonbraceformat",
    "printf",
    "escapes",
    "tabs",
    "startwhitespace",
    "endwhitespace",
    "xmltags",
    "urls",
    "brackets",
)
HALF = ("side-effects/pneumothorax/text", "side-effects/pneumothorax/frequency")
UNSURE = ("side-effects/bruising/text", "side-effects/bruising/frequency")
UNTITLED = ("contraindications/pregnancy/text",)  # the block's title is left untranslated


def _make(folder: Path) -> None:
    root = copy_project(REPO / "tests/projects/mini", folder / "mini")
    start_french(root)
    po = export_file(root, "edit.po")
    fill(po, ("side-effects/title", *HALF, *UNTITLED))
    fill(po, UNSURE, fuzzy=True)
    import_po(root, "fr", Path(po.fpath))


@pytest.fixture(scope="module")
def french(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small project with the translator's French imported (each test copies it)."""
    return built_once(tmp_path_factory, "po-format", _make) / "mini"


@pytest.fixture
def root(french: Path, tmp_path: Path) -> Path:
    target = tmp_path / "mini"
    shutil.copytree(french, target)
    return target


def run(root: Path, *args: str) -> str:
    result = CliRunner().invoke(main, ["-p", str(root), *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_msgfmt_checks_pass_on_the_po_and_the_template(root: Path) -> None:
    run(root, "export-po", "fr", "-o", str(root / "fr.po"))
    run(root, "export-po", "--template", "-o", str(root / "careleaf.pot"))
    for name in ("fr.po", "careleaf.pot"):
        check = subprocess.run(
            [MSGFMT, "-c", "--check-format", "-o", "/dev/null", str(root / name)],
            capture_output=True,
            text=True,
        )
        assert check.returncode == 0, check.stderr
    # It can fail: a translation that drops a placeholder msgfmt knows of.
    po = polib.pofile(str(root / "fr.po"))
    po.metadata["Language"] = "fr"
    entry = polib.POEntry(
        msgctxt="x", msgid="Call {number}", msgstr="Appelez", flags=[BRACE_FORMAT]
    )
    po.append(entry)
    po.save(str(root / "broken.po"))
    check = subprocess.run(
        [MSGFMT, "-c", "-o", "/dev/null", str(root / "broken.po")], capture_output=True, text=True
    )
    assert check.returncode != 0 and "number" in check.stderr


def test_the_header_and_the_template(root: Path) -> None:
    run(root, "export-po", "fr", "-o", str(root / "fr.po"))
    run(root, "export-po", "--template", "-o", str(root / "careleaf.pot"))
    po, pot = polib.pofile(str(root / "fr.po")), polib.pofile(str(root / "careleaf.pot"))
    for field in ("Project-Id-Version", "POT-Creation-Date", "PO-Revision-Date", "Language"):
        assert po.metadata[field], field
    assert po.metadata["Language"] == "fr"
    assert po.metadata["Content-Type"] == "text/plain; charset=UTF-8"
    assert po.metadata["Plural-Forms"] == "nplurals=2; plural=(n > 1);"  # French: 0 is singular
    assert [e.msgctxt for e in pot] == [e.msgctxt for e in po]
    assert [e.msgid for e in pot] == [e.msgid for e in po]
    assert not any(e.msgstr or "fuzzy" in e.flags for e in pot)
    assert pot.metadata["Language"] == ""


@pytest.mark.parametrize(
    ("lang", "count"), [("en", 2), ("es", 2), ("bn", 2), ("ar", 6), ("ja", 1), ("xx", 2)]
)
def test_plural_forms_per_language(lang: str, count: int) -> None:
    assert plural_forms(lang).startswith(f"nplurals={count}; plural=")
    assert plural_forms(f"{lang}-XY") == plural_forms(lang)  # a region keeps its language's


def test_lines_are_wrapped_as_gettext_wraps_them(project: Path, tmp_path: Path) -> None:
    """The real project's Spanish: msgcat (gettext's own writer) rewraps almost no line."""
    target = tmp_path / "es.po"
    run(project, "export-po", "es", "-o", str(target))
    lines = target.read_text(encoding="utf-8").splitlines()
    assert max(len(line) for line in lines if " " in line.strip('"')) <= 80  # in characters
    subprocess.run(["msgcat", str(target), "-o", str(tmp_path / "cat.po")], check=True)
    again = (tmp_path / "cat.po").read_text(encoding="utf-8").splitlines()
    # gettext counts a line's width in columns; translate-toolkit (which wraps it) differs by
    # one column on a line that ends exactly at the limit.
    assert len(set(lines) ^ set(again)) <= 6


def test_placeholders_are_flagged_for_format_checks(root: Path) -> None:
    po = export_file(root, "fr.po")
    for entry in po:
        braces = "{number}" in entry.msgid and not entry.msgctxt.startswith("page:")
        assert (BRACE_FORMAT in entry.flags) is braces, entry.msgctxt


def test_pofilter_finds_nothing_wrong_and_can_fail(project: Path, tmp_path: Path) -> None:
    target = tmp_path / "es.po"
    run(project, "export-po", "es", "-o", str(target))
    tests = [f"--test={name}" for name in POFILTER_CHECKS]
    found = subprocess.run(
        [str(POFILTER), *tests, str(target)], capture_output=True, text=True, check=True
    )
    assert "msgctxt" not in found.stdout, found.stdout
    po = polib.pofile(str(target))
    emergency = po.find("urgent-help/emergency", by="msgctxt")
    emergency.msgstr = emergency.msgstr.replace("{number}", "{numero}")
    po.save()
    found = subprocess.run(
        [str(POFILTER), *tests, str(target)], capture_output=True, text=True, check=True
    )
    assert "urgent-help/emergency" in found.stdout and "pythonbraceformat" in found.stdout


def test_the_po_says_why_an_entry_is_not_current(root: Path) -> None:
    po = export_file(root, "fr.po")

    def comment(key: str) -> str:
        return " ".join(po.find(key, by="msgctxt").comment.split())  # as one line

    for key in UNSURE:
        assert REASONS["needs-review"] in comment(key)
    for key in HALF:
        assert REASONS["partly-translated"] in comment(key) and "detail" in comment(key)
    assert REASONS["title-not-translated"] in comment(UNTITLED[0])
    assert "careleaf status" not in comment("side-effects/title")
    assert "careleaf status" not in comment("about/body")  # nothing of the block translated


def test_status_says_why_per_item_and_field_in_table_and_json(root: Path) -> None:
    table = run(root, "status", "--lang", "fr")
    for reason in ("needs-review", "partly-translated", "title-not-translated"):
        assert f"why: {REASONS[reason]}" in table
    data = json.loads(run(root, "status", "--lang", "fr", "--format", "json"))
    reasons = {
        (e["block"], e["item"], e["field"]): e["reason"]
        for e in data[0]["entries"]
        if e["block"] in ("side-effects", "contraindications", "about")
    }
    assert reasons[("side-effects", "bruising", "text")] == "needs-review"
    assert reasons[("side-effects", "bruising", "frequency")] == "needs-review"
    assert reasons[("side-effects", "pneumothorax", "detail")] == "partly-translated"
    assert reasons[("contraindications", "pregnancy", None)] == "title-not-translated"
    assert reasons[("side-effects", "intro", None)] == "not-translated"
    # The missing title itself is not translated yet; so is all of a block nothing of which is
    # translated yet (no word of a title there).
    assert reasons[("contraindications", "title", None)] == "not-translated"
    assert reasons[("about", "body", None)] == "not-translated"


def test_export_import_export_gives_back_every_translation_po_and_xliff(root: Path) -> None:
    before = export_file(root, "before.po")
    assert {e.msgctxt for e in before if e.msgstr} == {
        "side-effects/title",
        *HALF,
        *UNSURE,
        *UNTITLED,
    }
    run(root, "import-po", "fr", str(root / "before.po"))
    assert shape(export_file(root, "again.po")) == shape(before)
    # XLIFF 2.0: the same entries, fuzzy marks and all; edited in a CAT tool and imported.
    xlf = root / "fr.xlf"
    run(root, "export-po", "fr", "--format", "xliff", "-o", str(xlf))
    text = xlf.read_text(encoding="utf-8")
    assert 'version="2.0"' in text and 'trgLang="fr"' in text
    assert text.count('state="initial"') == len(UNSURE)
    text = text.replace(
        "<source>Rare but serious.</source>",
        "<source>Rare but serious.</source><target>fr rare</target>",
    )
    xlf.write_text(text, encoding="utf-8")
    run(root, "import-po", "fr", str(xlf))
    after = export_file(root, "after.po")
    edited = {e.msgctxt: e.msgstr for e in after if e.msgstr}
    assert edited.pop("side-effects/pneumothorax/detail") == "fr rare"
    assert edited == {e.msgctxt: e.msgstr for e in before if e.msgstr}
    assert {e.msgctxt for e in after.fuzzy_entries()} == set(UNSURE)
    # And an XLIFF export imported as it is changes nothing.
    run(root, "export-po", "fr", "--format", "xliff", "-o", str(xlf))
    assert "nothing changed" in run(root, "import-po", "fr", str(xlf))


def test_the_real_translations_go_through_xliff_unchanged(project: Path, tmp_path: Path) -> None:
    """Every Spanish and Bengali text of the project (pages included), out as XLIFF and back."""
    for lang in ("es", "bn"):
        target = tmp_path / f"{lang}.xlf"
        run(project, "export-po", lang, "--format", "xliff", "-o", str(target))
        assert "nothing changed" in run(project, "import-po", lang, str(target))
        # A CAT tool that drops xml:space changes no line break of a page either.
        text = target.read_text(encoding="utf-8")
        assert ' xml:space="preserve"' in text and "<segment xml:space" not in text
        target.write_text(text.replace(' xml:space="preserve"', ""), encoding="utf-8")
        assert "nothing changed" in run(project, "import-po", lang, str(target))
