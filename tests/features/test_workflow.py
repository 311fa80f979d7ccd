"""The pull-request translation status: the GitHub Actions workflow and the script it runs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import REPO, edit

from careleaf.content.load import load_library
from careleaf.editorial.status import touched_languages

WORKFLOW = REPO / ".github" / "workflows" / "translation-status.yml"
POSTER = REPO / ".github" / "workflows" / "translation-status-comment.yml"
SCRIPT = REPO / ".ci" / "translation-status"
CARELEAF = Path(sys.executable).parent / "careleaf"


def workflow(path: Path) -> dict:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads a bare `on` as true
    return data


def steps(path: Path) -> list[dict]:
    (job,) = workflow(path)["jobs"].values()
    return list(job["steps"])


def test_the_status_workflow_runs_base_code_on_pull_request_content() -> None:
    data = workflow(WORKFLOW)
    # SECURITY.md: pull_request (no secrets, a read-only token), never pull_request_target.
    assert set(data["on"]) == {"pull_request"}
    assert {"content/**", "docs/**", "careleaf.yml"} == set(data["on"]["pull_request"]["paths"])
    assert data["permissions"] == {"contents": "read", "pull-requests": "read"}
    checkouts = [s for s in steps(WORKFLOW) if s.get("uses", "").startswith("actions/checkout@")]
    assert checkouts[0]["with"]["ref"] == "${{ github.event.pull_request.base.sha }}"
    assert checkouts[1]["with"]["path"] == ".pull-request"
    assert all(s["with"]["persist-credentials"] is False for s in checkouts)
    runs = [s.get("run", "") for s in steps(WORKFLOW)]
    # Only content/ and docs/ come from the pull request; the rest is the base branch's.
    assert any("cp -R .pull-request/content .pull-request/docs ." in run for run in runs)
    assert ".ci/translation-status changed-files.txt comment.md" in [r.strip() for r in runs]
    assert "pip install --quiet --require-hashes -r requirements.lock" in "".join(runs)
    for path in (WORKFLOW, POSTER):
        assert "${{ secrets." not in path.read_text(encoding="utf-8")


def test_the_comment_workflow_runs_nothing_from_the_pull_request() -> None:
    data = workflow(POSTER)
    assert data["on"] == {
        "workflow_run": {"workflows": [workflow(WORKFLOW)["name"]], "types": ["completed"]}
    }
    assert data["permissions"] == {"actions": "read", "pull-requests": "write"}
    uses = [s["uses"] for s in steps(POSTER) if "uses" in s]
    assert uses == ["actions/download-artifact@v4"]  # no checkout: no code from anywhere


def post(tmp_path: Path, pr_number: str, head_sha: str) -> tuple[int, str]:
    """Run the comment workflow's script with a stand-in `gh`; (exit status, what gh did)."""
    (run,) = [s["run"] for s in steps(POSTER) if "run" in s]
    folder = tmp_path / "translation-status"
    folder.mkdir()
    (folder / "pr-number").write_text(pr_number + "\n", encoding="utf-8")
    (folder / "comment.md").write_text("## Translation status\n" + "é" * 70_000, "utf-8")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "gh"
    fake.write_text(
        "#!/usr/bin/env bash\n"
        'echo "gh $*" >>"$GH_LOG"\n'
        'if [ "$1" = api ]; then echo abc123; fi\n'
        'if [[ "$*" == *--edit-last* ]]; then exit 1; fi\n',
        encoding="utf-8",
    )
    fake.chmod(0o755)
    log = tmp_path / "gh.log"
    result = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", run],
        cwd=tmp_path,
        env={
            **os.environ,
            "PATH": f"{bin_dir}:{os.environ['PATH']}",
            "GH_LOG": str(log),
            "GH_TOKEN": "x",
            "GITHUB_REPOSITORY": "careleaf/careleaf",
            "HEAD_SHA": head_sha,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    return result.returncode, log.read_text(encoding="utf-8") if log.exists() else ""


def test_the_comment_is_posted_on_its_pull_request(tmp_path: Path) -> None:
    status, calls = post(tmp_path, "42", "abc123")
    assert status == 0
    assert calls.splitlines() == [
        "gh api repos/careleaf/careleaf/pulls/42 --jq .head.sha",
        "gh pr comment 42 --repo careleaf/careleaf --edit-last --body-file body.md",
        "gh pr comment 42 --repo careleaf/careleaf --body-file body.md",
    ]
    body = (tmp_path / "body.md").read_text(encoding="utf-8")
    assert body.startswith("## Translation status") and len(body) == 60_000


@pytest.mark.parametrize(("number", "sha"), [("42; rm -rf /", "abc123"), ("42", "other")])
def test_a_comment_for_another_pull_request_is_not_posted(
    tmp_path: Path, number: str, sha: str
) -> None:
    status, calls = post(tmp_path, number, sha)
    assert status == 1
    assert "pr comment" not in calls


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
    row = "| **stale** (english-changed) | `content/es/side-effects.yml` | bruising: frequency"
    assert f"{row} [safety]" in comment


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
