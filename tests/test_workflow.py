"""The pull-request translation status: the GitHub Actions workflow and the script it runs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import REPO, edit

from careleaf.load import load_library
from careleaf.status import touched_languages

WORKFLOW = REPO / ".github" / "workflows" / "translation-status.yml"
SCRIPT = REPO / ".ci" / "translation-status"
CARELEAF = Path(sys.executable).parent / "careleaf"


def run_steps() -> list[str]:
    data = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    return [step.get("run", "") for step in data["jobs"]["status"]["steps"]]


def test_the_workflow_runs_base_code_on_pull_request_content() -> None:
    data = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    on = data.get("on", data.get(True))  # YAML 1.1 reads a bare `on` as true
    assert set(on) == {"pull_request_target"}
    assert {"content/**", "docs/**", "careleaf.yml"} == set(on["pull_request_target"]["paths"])
    # The default token, with no more than it needs.
    assert data["permissions"] == {"contents": "read", "pull-requests": "write"}
    steps = data["jobs"]["status"]["steps"]
    checkouts = [s for s in steps if s.get("uses", "").startswith("actions/checkout@")]
    assert checkouts[0]["with"]["ref"] == "${{ github.event.pull_request.base.sha }}"
    assert all(s["with"]["persist-credentials"] is False for s in checkouts)
    text = WORKFLOW.read_text(encoding="utf-8")
    assert "secrets." not in text
    # Only content/ and docs/ come from the pull request; the rest is the base branch's.
    assert any("cp -R .pull-request/content .pull-request/docs ." in run for run in run_steps())
    assert any(
        run.strip() == ".ci/translation-status changed-files.txt comment.md" for run in run_steps()
    )
    assert any("gh pr comment" in run for run in run_steps())


def translation_status(root: Path, changed: list[str]) -> tuple[int, str]:
    """Run the workflow's script in a project, as the workflow does; (exit status, comment)."""
    (root / "changed-files.txt").write_text("\n".join(changed) + "\n", encoding="utf-8")
    result = subprocess.run(
        [str(SCRIPT), "changed-files.txt", "comment.md"],
        cwd=root,
        env={**os.environ, "CARELEAF": str(CARELEAF)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    return result.returncode, (root / "comment.md").read_text(encoding="utf-8")


def test_the_script_posts_the_status_of_the_touched_language(project: Path) -> None:
    status, comment = translation_status(project, ["content/es/side-effects.yml"])
    assert status == 0
    assert "`careleaf check` passes." in comment
    assert "### Español (es)" in comment and "(bn)" not in comment
    assert "Everything is translated and current." in comment


def test_the_script_fails_and_says_why_when_check_fails(project: Path) -> None:
    page = project / "docs" / "bn" / "is-it-safe.md"
    page.write_text(
        page.read_text(encoding="utf-8") + '\n{{ block("no-such-block") }}\n', encoding="utf-8"
    )
    status, comment = translation_status(project, ["docs/bn/is-it-safe.md"])
    assert status == 1
    assert "`careleaf check` fails" in comment
    assert "docs/bn/is-it-safe.md" in comment and "item 'no-such-block': unknown block" in comment
    assert "### বাংলা (bn)" in comment and "(es)" not in comment


def test_the_script_reports_a_stale_translation_in_a_table(project: Path) -> None:
    edit(
        project / "content" / "es" / "side-effects.yml",
        "frequency: Common. About 1 in 13 sessions.",
        "frequency: Common. About 1 in 12 sessions.",
    )
    status, comment = translation_status(project, ["content/es/side-effects.yml"])
    assert status == 1  # a published language's stale safety item stops the build
    assert "| **stale** | `content/es/side-effects.yml` | bruising: frequency [safety]" in comment


@pytest.mark.parametrize(
    ("changed", "expected"),
    [
        (["content/es/side-effects.yml"], ["es"]),
        (["docs/bn/index.md", "README.md"], ["bn"]),
        (["content/en/side-effects.yml"], ["es", "bn"]),
        (["docs/en/index.md"], ["es", "bn"]),
        (["careleaf.yml"], ["es", "bn"]),
        (["src/careleaf/cli.py", "content/xx/a.yml"], []),
    ],
)
def test_the_languages_a_change_concerns(changed: list[str], expected: list[str]) -> None:
    assert touched_languages(load_library(REPO), changed) == expected
