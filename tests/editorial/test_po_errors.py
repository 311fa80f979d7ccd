"""Bad PO and XLIFF files: careleaf's errors naming the file and the line, never a traceback,
in bounded time (Hypothesis generates the files)."""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

import polib
import pytest
from click.testing import CliRunner
from conftest import REPO, built_once, copy_project
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_po_roundtrip import export_file, start_french

from careleaf.cli.main import main
from careleaf.editorial.po import import_po, read_po
from careleaf.editorial.xliff import import_xliff
from careleaf.errors import CareleafError, ContentError

# What one file may take to be read and refused, on a loaded machine.
BOUND = 10.0


def _make(folder: Path) -> None:
    root = copy_project(REPO / "tests/projects/mini", folder / "mini")
    start_french(root)
    export_file(root, "fr.po")
    result = CliRunner().invoke(
        main, ["-p", str(root), "export-po", "fr", "--format", "xliff", "-o", str(root / "fr.xlf")]
    )
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def french(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small project with French started and exported (PO and XLIFF)."""
    return built_once(tmp_path_factory, "po-errors", _make) / "mini"


def test_a_syntax_error_names_the_po_file_and_line(french: Path, tmp_path: Path) -> None:
    lines = (french / "fr.po").read_text(encoding="utf-8").splitlines()
    number = next(i for i, line in enumerate(lines, 1) if line.startswith("msgctxt "))
    lines[number - 1] = 'msgctxt "side-effects/title" "unclosed'
    bad = tmp_path / "bad.po"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["-p", str(french), "import-po", "fr", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:{number}" in result.output, result.output
    assert "Traceback" not in result.output


def test_bad_bytes_and_bad_xml_name_the_file_and_line(french: Path, tmp_path: Path) -> None:
    bad = tmp_path / "latin1.po"
    bad.write_bytes(b'msgid ""\nmsgstr ""\n\nmsgid "caf\xe9"\nmsgstr ""\n')
    with pytest.raises(ContentError) as caught:
        read_po(bad)
    assert (caught.value.problems[0].file, caught.value.problems[0].line) == (str(bad), 4)
    xlf = tmp_path / "bad.xlf"
    text = (french / "fr.xlf").read_text(encoding="utf-8").splitlines()
    text[5] = text[5] + "<unclosed>"
    xlf.write_text("\n".join(text), encoding="utf-8")
    result = CliRunner().invoke(main, ["-p", str(french), "import-po", "fr", str(xlf)])
    assert result.exit_code != 0 and str(xlf) in result.output
    assert "line" in result.output or f"{xlf}:" in result.output
    assert "Traceback" not in result.output


def test_plural_forms_are_refused_not_dropped(french: Path, tmp_path: Path) -> None:
    po = polib.pofile(str(french / "fr.po"))
    entry = po.find("side-effects/title", by="msgctxt")
    entry.msgid_plural, entry.msgstr_plural = "Side effects", {0: "Effet", 1: "Effets"}
    target = tmp_path / "plural.po"
    po.save(str(target))
    with pytest.raises(ContentError) as caught:
        import_po(french, "fr", target)
    (problem,) = caught.value.problems
    assert problem.file == str(target) and problem.item == "side-effects/title"
    assert problem.line and "msgctxt" in target.read_text().splitlines()[problem.line - 1]


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


# PO syntax pieces a broken or hostile file is made of, beside arbitrary text.
PIECES = st.sampled_from(
    [
        'msgid ""',
        'msgstr ""',
        'msgctxt "side-effects/title"',
        'msgctxt "no/such/key"',
        'msgid "A"',
        'msgstr "B"',
        "#, fuzzy",
        '#| msgid "old"',
        '"continued"',
        'msgid_plural "As"',
        'msgstr[0] "x"',
        'msgstr[9] "y"',
        '"Language: es\\n"',
        '#~ msgid "gone"',
        '"\\',
        "",
    ]
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    edits=st.lists(
        st.tuples(st.integers(0, 400), st.one_of(PIECES, st.text(max_size=40))), max_size=6
    ),
    cut=st.integers(0, 4000),
)
def test_any_po_file_is_read_or_refused_with_file_and_line(
    french: Path, edits: list[tuple[int, str]], cut: int
) -> None:
    lines = _lines(french / "fr.po")
    for position, text in edits:
        lines.insert(min(position, len(lines)), text)
    body = "\n".join(lines)[: cut or None]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fr.po"
        path.write_text(body, encoding="utf-8", errors="surrogatepass")
        start = time.monotonic()
        try:
            read_po(path)
        except ContentError as error:
            assert all(p.file == str(path) for p in error.problems)
            assert all(
                p.line is None or 1 <= p.line <= body.count("\n") + 2 for p in error.problems
            )
        assert time.monotonic() - start < BOUND


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    edits=st.lists(st.tuples(st.integers(0, 400), PIECES), min_size=1, max_size=4),
    xliff=st.booleans(),
)
def test_any_import_loads_or_fails_with_careleaf_errors(
    french: Path, edits: list[tuple[int, str]], xliff: bool
) -> None:
    """Imported into a copy of the project: files written, or careleaf's errors, each naming
    the file (and, for what the file itself holds, the line)."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "mini"
        shutil.copytree(french, root)
        name = "fr.xlf" if xliff else "fr.po"
        lines = _lines(root / name)
        for position, text in edits:
            lines.insert(min(position, len(lines)), text)
        path = root / name
        path.write_text("\n".join(lines), encoding="utf-8")
        start = time.monotonic()
        try:
            (import_xliff if xliff else import_po)(root, "fr", path)
        except ContentError as error:
            assert error.problems
            assert all(p.file for p in error.problems)
        except CareleafError as error:
            assert str(path) in str(error)
        assert time.monotonic() - start < BOUND * 3
