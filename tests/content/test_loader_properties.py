"""Every loader, on any input (Hypothesis): a loaded library, or problems that name their file
and line, never a traceback, in bounded time; and no problem of one file hides another's.

Inputs are the small project's own files, damaged at random (hostile characters, markup,
YAML 1.1 words, template code, deletions, replaced lines), random YAML documents with the
models' own keys, and bytes that are not UTF-8. The PO loader has its own round-trip tests
(tests/editorial/test_po_roundtrip.py).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml
from conftest import REPO, copy_project
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from careleaf.content.chars import forbidden_char
from careleaf.content.checks import check_project
from careleaf.content.load import load_library
from careleaf.errors import ContentError, Problem

# One file of each loader: content YAML, a page (front matter and Markdown), a handout
# definition, a clinic profile, the site configuration (read safely before MkDocs reads it),
# the project settings (last: without them nothing else loads).
FILES = (
    "content/en/side-effects.yml",
    "docs/en/safety.md",
    "handouts/sheet.yml",
    "clinics/demo/clinic.yml",
    "mkdocs.yml",
    "careleaf.yml",
)
# What a contributor might type, by mistake or not.
PIECES = (
    "\x07",
    "\x00",
    "\x1b[31m",
    "\x85",
    "\u202e",
    "\u2066",
    "\u200b",
    "\ufeff",
    "\ufffd",
    "\ufffe",
    "\u0456",
    "\u00a0",
    "\t",
    "\r\n",
    "\n",
    "  ",
    "- ",
    ": ",
    "? ",
    "#",
    "'",
    '"',
    "|",
    ">",
    "{",
    "}",
    "[",
    "]",
    "&a ",
    "*a",
    "!!python/object/apply:os.system [ls]",
    "!ENV x",
    "no",
    "yes",
    "on",
    "off",
    "~",
    "null",
    "1e999",
    "0x1f",
    "2026-13-45",
    "---\n",
    "...\n",
    "%YAML 1.1\n",
    '<span style="color:white">x</span>',
    "[x]: https://e.example",
    "<!-- x -->",
    "{{ block('side-effects') }}",
    "{{ nothing() }}",
    "{% if x %}",
    "{# x #}",
    "javascript:x",
    "![x](x.png)",
    "<script>x</script>",
    "title: x\n",
    "id: bruising\n",
    "[" * 30,
)
# Keys of the models, so that random documents reach validation as well as parsing.
KEYS = (
    "title", "intro", "body", "emergency", "items", "id", "text", "detail", "frequency",
    "review", "status", "reviewed_on", "source", "note", "sections", "block", "style",
    "page_size", "max_pages", "name", "logo", "colors", "primary", "accent", "phone", "email",
    "website", "emergency_number", "languages", "source_language", "default_clinic",
    "protected", "placement", "pages", "handouts", "content_version", "en", "no",
)  # fmt: skip
PIECE = st.one_of(st.sampled_from(PIECES), st.text(max_size=6))
SCALAR = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), st.dates(), st.text(max_size=12)
)
DOCUMENT = st.recursive(
    SCALAR,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=5), inner, max_size=4)
    ),
    max_leaves=12,
)
# Loading the small project takes about 0.15 s; a hostile input may cost more, not this much.
MAX_SECONDS = 20
SETTINGS = settings(
    max_examples=25,
    deadline=None,  # a loaded machine is slow now and then: the bound is asserted instead
    derandomize=True,  # the same inputs in every run: the suite is repeatable
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@st.composite
def damaged(draw: st.DrawFn, original: str) -> str:
    """The text with a few random edits: a piece inserted, a stretch deleted, a line replaced."""
    text = original
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        edit = draw(st.sampled_from(("insert", "delete", "line")))
        if edit == "insert":
            text = text[:at] + draw(PIECE) + text[at:]
        elif edit == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 40)) :]
        else:
            lines = text.split("\n")
            index = draw(st.integers(0, len(lines) - 1))
            lines[index] = draw(PIECE) + draw(PIECE)
            text = "\n".join(lines)
    return text


def hostile(original: str) -> st.SearchStrategy[bytes]:
    """Any of: the file damaged, a random YAML document, bytes that may not be UTF-8."""
    return st.one_of(
        damaged(original).map(lambda text: text.encode("utf-8")),
        DOCUMENT.map(lambda data: yaml.safe_dump(data, allow_unicode=True).encode("utf-8")),
        st.binary(max_size=64),
    )


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One copy of the small project for the module; each example puts its files back."""
    return copy_project(REPO / "tests" / "projects" / "mini", tmp_path_factory.mktemp("p") / "p")


@pytest.fixture(scope="module")
def originals(root: Path) -> dict[str, bytes]:
    return {name: (root / name).read_bytes() for name in FILES}


def outcome(root: Path) -> list[Problem]:
    """Load and check the project as `careleaf check` does: its problems (none if it loads
    cleanly). Any other exception fails the test."""
    try:
        library = load_library(root)
    except ContentError as error:
        assert error.problems, "a ContentError without problems"
        return error.problems
    return check_project(root, library)


@contextmanager
def with_files(
    root: Path, originals: dict[str, bytes], written: dict[str, bytes]
) -> Iterator[None]:
    """Write ``written`` into the project for the block, then put the original files back."""
    try:
        for name, data in written.items():
            (root / name).write_bytes(data)
        yield
    finally:
        for name in written:
            (root / name).write_bytes(originals[name])


def checked(root: Path, originals: dict[str, bytes], written: dict[str, bytes]) -> list[Problem]:
    """The problems of the project with ``written`` in it, each checked: it names a file of
    the project (relative), a line that file has, and shows no character that hides or
    reorders text; all within `MAX_SECONDS`."""
    with with_files(root, originals, written):
        started = time.monotonic()
        problems = outcome(root)
        assert time.monotonic() - started < MAX_SECONDS
        for problem in problems:
            said = str(problem)
            assert problem.file and not Path(problem.file).is_absolute(), said
            assert not any(forbidden_char(char) for char in said), said
            path = root / problem.file
            if problem.line is not None and path.is_file():
                # Lines as careleaf reads them: a lone CR ends a line too (universal newlines).
                text = path.read_bytes().replace(b"\r\n", b"\n").replace(b"\r", b"\n")
                lines = text.count(b"\n") + 1
                assert 1 <= problem.line <= lines, said
    return problems


@pytest.mark.parametrize("name", FILES)
def test_any_input_to_a_loader_is_loaded_or_problems_naming_file_and_line(
    root: Path, originals: dict[str, bytes], name: str
) -> None:
    @SETTINGS
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        text = originals[name].decode("utf-8")
        checked(root, originals, {name: data.draw(hostile(text))})

    run()


def test_no_problem_of_one_file_hides_another_files(
    root: Path, originals: dict[str, bytes]
) -> None:
    """Each file's problems when it alone is damaged are all still reported when the other
    loaders' files are damaged too (the project settings aside: without them nothing loads)."""
    names = FILES[:-1]

    @SETTINGS
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        written = {
            name: data.draw(hostile(originals[name].decode("utf-8")), label=name) for name in names
        }
        together = set(checked(root, originals, written))
        for name in names:
            alone = {p for p in checked(root, originals, {name: written[name]}) if p.file == name}
            assert alone <= together, sorted(map(str, alone - together))

    run()
