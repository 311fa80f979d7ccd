"""No test reaches into careleaf's private names: the tests use what the packages offer.

Each test file is parsed, not grepped. Importing an underscored name from careleaf (or a module
whose path has one), an underscored attribute of anything imported from careleaf, and the same
reach spelled as strings (``monkeypatch.setattr(module, "_name", ...)``, or a dotted careleaf
path with an underscored part) are each named as file:line.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
# The calls that take an object and the name of one of its attributes.
BY_NAME = {"setattr", "delattr", "getattr", "hasattr"}


def private(name: str) -> bool:
    """A name careleaf keeps to itself: a leading underscore, not a dunder like ``__version__``."""
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def careleaf_path(dotted: str) -> bool:
    return dotted == "careleaf" or dotted.startswith("careleaf.")


def private_path(dotted: str) -> bool:
    """A dotted careleaf path with a private part anywhere in it (an underscored module too)."""
    return careleaf_path(dotted) and any(private(part) for part in dotted.split("."))


def dotted_name(node: ast.expr) -> str | None:
    """``a.b.c`` for an attribute chain rooted at a name, else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    return ".".join([node.id, *reversed(parts)])


def private_reaches(source: str, filename: str = "<test>") -> list[str]:
    """Every reach into a private careleaf name in ``source``, as ``file:line: what``."""
    tree = ast.parse(source, filename)
    # The names this file binds to something imported from careleaf (modules, classes,
    # functions), wherever it imports them: a private attribute of any of them is careleaf's.
    bound: dict[str, str] = {}
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and careleaf_path(node.module):
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                if private_path(full):
                    found.append((node.lineno, f"from {node.module} import {alias.name}"))
                bound[alias.asname or alias.name] = full
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if not careleaf_path(alias.name):
                    continue
                if private_path(alias.name):
                    found.append((node.lineno, f"import {alias.name}"))
                if alias.asname:
                    bound[alias.asname] = alias.name
                else:
                    bound["careleaf"] = "careleaf"
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and private(node.attr):
            owner = dotted_name(node.value)
            if owner is not None and owner.split(".")[0] in bound:
                found.append((node.lineno, f"{owner}.{node.attr}"))
        elif isinstance(node, ast.Call) and len(node.args) >= 2:
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            owner = dotted_name(node.args[0])
            name = node.args[1]
            if (
                called in BY_NAME
                and owner is not None
                and owner.split(".")[0] in bound
                and isinstance(name, ast.Constant)
                and isinstance(name.value, str)
                and private(name.value)
            ):
                found.append((node.lineno, f"{called}({owner}, {name.value!r})"))
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and private_path(node.value)
            and all(part.isidentifier() for part in node.value.split("."))
        ):
            found.append((node.lineno, repr(node.value)))
    return [f"{filename}:{line}: {what}" for line, what in sorted(set(found))]


def test_no_test_imports_or_patches_a_private_careleaf_name() -> None:
    files = sorted(path for path in TESTS.rglob("*.py") if "projects" not in path.parts)
    assert len(files) > 30  # the whole suite is read, not an empty folder
    reaches = [
        reach
        for path in files
        for reach in private_reaches(
            path.read_text(encoding="utf-8"), path.relative_to(TESTS.parent).as_posix()
        )
    ]
    assert not reaches, "private careleaf names reached:\n" + "\n".join(reaches)


# Each kind of reach, planted in a small source; the module and the name are kept apart here so
# that this file itself holds no reach (nor anything a grep for one would find).
PLANTED = [
    ("from {module} import {name}", "from {module} import {name}"),
    ("from {module} import Workers, {name} as pool", "from {module} import {name}"),
    ("import {module}.{name}", "import {module}.{name}"),
    ("from careleaf.build import workers\nworkers.{name}()", "workers.{name}"),
    ("import {module}\n{module}.{name}", "{module}.{name}"),
    ("import {module} as w\nw.{name}", "w.{name}"),
    (
        "from careleaf.build import workers\nmonkeypatch.setattr(workers, '{name}', 1)",
        "setattr(workers, '{name}')",
    ),
    ("monkeypatch.setattr('{module}.{name}', 1)", "'{module}.{name}'"),
]


@pytest.mark.parametrize(("template", "named"), PLANTED)
def test_a_planted_reach_is_named_with_its_line(template: str, named: str) -> None:
    parts = {"module": "careleaf.build.workers", "name": "_pool"}
    source = "import pytest\n\n" + template.format(**parts)
    reaches = private_reaches(source, "tests/planted.py")
    line = source.count("\n", 0, source.index(parts["name"])) + 1
    assert f"tests/planted.py:{line}: {named.format(**parts)}" in reaches, reaches


@pytest.mark.parametrize(
    "template",
    [
        "from {module} import Workers",
        "from {module} import __version__",
        "from concurrent.futures import {name}",
        "import {module}\n{module}.__doc__",
        "from {module} import Workers\nworkers.pool.{name}",  # the pool is concurrent.futures'
        "monkeypatch.setattr(socket, '{name}', 1)",
    ],
)
def test_public_names_and_other_libraries_private_ones_pass(template: str) -> None:
    source = template.format(module="careleaf.build.workers", name="_pool")
    assert private_reaches(source) == []
