"""Every `careleaf` command, and every option of each, is in the README's command reference."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from careleaf.cli.main import main

README = Path(__file__).resolve().parents[2] / "README.md"


def reference_rows() -> list[str]:
    """The rows of the README's command table: those whose first cell starts `careleaf`."""
    return [line for line in README.read_text().splitlines() if line.startswith("| `careleaf")]


def rows_of(name: str) -> list[str]:
    """The rows of the command table that show ``careleaf <name>``."""
    shown = re.compile(rf"`careleaf {re.escape(name)}(?![\w-])")
    return [row for row in reference_rows() if shown.search(row.split(" | ")[0])]


def flags(command: click.Command) -> list[list[str]]:
    """The spellings of each option of ``command``, e.g. ``--site-dir`` and ``-d``."""
    return [
        [*param.opts, *param.secondary_opts]
        for param in command.params
        if isinstance(param, click.Option)
    ]


def mentions(rows: list[str], spellings: list[str]) -> bool:
    return any(
        re.search(rf"(?<![\w-]){re.escape(flag)}(?![\w-])", row)
        for row in rows
        for flag in spellings
    )


@pytest.mark.parametrize("name", sorted(main.commands))
def test_every_command_is_in_the_readme(name: str) -> None:
    assert rows_of(name), f"README.md's command table has no row for `careleaf {name}`"


@pytest.mark.parametrize(
    ("name", "spellings"),
    [
        pytest.param(name, spellings, id=f"{name} {spellings[0]}")
        for name, command in sorted(main.commands.items())
        for spellings in flags(command)
    ],
)
def test_every_option_is_in_its_commands_readme_row(name: str, spellings: list[str]) -> None:
    assert mentions(rows_of(name), spellings), (
        f"README.md's rows for `careleaf {name}` do not mention {' or '.join(spellings)}"
    )


@pytest.mark.parametrize("spellings", flags(main), ids=lambda spellings: spellings[0])
def test_the_groups_options_are_in_the_readme(spellings: list[str]) -> None:
    assert mentions(reference_rows(), spellings), f"README.md's command table lacks {spellings}"


@pytest.mark.parametrize(
    "command", [main.commands[name] for name in sorted(main.commands)], ids=sorted(main.commands)
)
def test_every_command_has_help(command: click.Command) -> None:
    assert command.help, f"`careleaf {command.name}` has no help text"


def test_a_missing_option_is_noticed() -> None:
    """The check can fail: a row without its options does not count for them."""
    assert not mentions(["| `careleaf build` | builds |"], ["--shard"])
    assert not mentions(["| `careleaf build [--shard-size N]` | builds |"], ["--shard"])
    assert mentions(["| `careleaf build [--shard K/N]` | builds |"], ["--shard"])
