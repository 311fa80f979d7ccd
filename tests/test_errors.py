"""careleaf's errors are click's: printed as ``Error: ...`` with exit status 1, and picklable."""

from __future__ import annotations

import pickle

import click
import pytest
from click.testing import CliRunner

from careleaf.errors import BuildError, CareleafError, ContentError, Problem
from careleaf.verify.readback import UnreadableOutput

PROBLEMS = [
    Problem("content/en/a.yml", "is not valid YAML", line=3),
    Problem("careleaf.yml", "unknown clinic", key="default_clinic", item="x"),
]


def test_a_content_error_lists_every_problem() -> None:
    assert str(ContentError(PROBLEMS)) == (
        "2 problems found:\n"
        "  - content/en/a.yml:3: is not valid YAML\n"
        "  - careleaf.yml: key default_clinic: item 'x': unknown clinic"
    )
    assert str(ContentError(PROBLEMS[:1])).startswith("1 problem found:\n")


@pytest.mark.parametrize(
    "error",
    [CareleafError("it failed"), BuildError("a site failed"), ContentError(PROBLEMS)],
    ids=["CareleafError", "BuildError", "ContentError"],
)
def test_a_command_that_meets_an_error_prints_it_and_exits_with_1(error: CareleafError) -> None:
    @click.command()
    def fails() -> None:
        raise error

    result = CliRunner().invoke(fails)
    assert result.exit_code == 1
    assert result.output == f"Error: {error}\n"


@pytest.mark.parametrize(
    "error",
    [
        CareleafError("it failed"),
        BuildError("a site failed"),
        UnreadableOutput("site/index.html: cannot be read"),
        ContentError(PROBLEMS),
    ],
    ids=["CareleafError", "BuildError", "UnreadableOutput", "ContentError"],
)
def test_an_error_crosses_from_a_worker_process_whole(error: CareleafError) -> None:
    # A build's workers raise these in other processes: they come back pickled.
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error)
    assert str(copy) == str(error) and copy.message == error.message
    assert copy.args == error.args


def test_a_content_error_keeps_its_problems_across_processes() -> None:
    copy = pickle.loads(pickle.dumps(ContentError(PROBLEMS)))
    assert copy.problems == PROBLEMS
