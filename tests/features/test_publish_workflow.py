"""The GitHub Pages workflow: what it runs exists, it builds in shards, verifies, and deploys
only the verified folder of one clinic, never careleaf's own dot folders."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
from pathlib import Path

import click
import pytest
import yaml
from conftest import REPO

from careleaf.cli.main import main

WORKFLOW = REPO / ".github" / "workflows" / "pages.yml"


def workflow() -> dict:
    data = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads a bare `on` as true
    return data


def runs(job: str) -> list[str]:
    return [step["run"] for step in workflow()["jobs"][job]["steps"] if "run" in step]


def step(job: str, name: str) -> dict:
    return next(s for s in workflow()["jobs"][job]["steps"] if s.get("name") == name)


def commands() -> list[list[str]]:
    """Every shell command line of every job (continued lines joined, comments dropped)."""
    found = []
    for job in workflow()["jobs"]:
        for script in runs(job):
            for line in script.replace("\\\n", " ").splitlines():
                line = line.split(" #", 1)[0].strip()
                if line and not line.startswith("#"):
                    found.append(line)
    return [shlex.split(line.replace("${{", "'${{").replace("}}", "}}'")) for line in found]


def test_it_runs_on_the_default_branch_only_and_only_deploy_writes() -> None:
    data = workflow()
    assert set(data["on"]) == {"push", "workflow_dispatch"}
    assert data["on"]["push"] == {"branches": ["main"]}
    assert data["permissions"] == {"contents": "read"}
    jobs = data["jobs"]
    assert [name for name, job in jobs.items() if "permissions" in job] == ["deploy"]
    assert jobs["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}
    assert [s["uses"] for s in jobs["deploy"]["steps"]] == ["actions/deploy-pages@v4"]
    assert jobs["deploy"]["needs"] == "merge" and jobs["merge"]["needs"] == "build"
    assert "${{ secrets." not in WORKFLOW.read_text(encoding="utf-8")
    for job in jobs.values():
        for checkout in (
            s for s in job["steps"] if s.get("uses", "").startswith("actions/checkout")
        ):
            assert checkout["with"]["persist-credentials"] is False


def test_every_careleaf_command_and_option_it_runs_exists() -> None:
    used = [words for words in commands() if words[0] == ".venv/bin/careleaf"]
    assert {words[1] for words in used} == {"build", "merge", "verify"}
    for words in used:
        command = main.commands[words[1]]  # type: ignore[attr-defined]
        names = {opt for param in command.params for opt in getattr(param, "opts", [])}
        options = [word for word in words[2:] if word.startswith("-")]
        assert set(options) <= names, (words, names)
        assert isinstance(command, click.Command)


def test_every_make_target_and_script_it_runs_exists() -> None:
    targets = [words[1] for words in commands() if words[0] == "make"]
    assert targets == [".venv/.installed", ".venv/.installed"]
    for target in targets:
        # A dry run (-B: as if out of date, which an installed .venv is not): make says what it
        # would do, and fails for a target it has no rule for.
        result = subprocess.run(
            ["make", "-n", "-B", "-C", str(REPO), target], capture_output=True, text=True
        )
        assert result.returncode == 0, result.stderr
        assert "--require-hashes" in result.stdout  # the install is hash-checked
    scripts = [words[1] for words in commands() if words[0] == "bash"]
    assert scripts and all((REPO / script).is_file() for script in scripts)


@pytest.mark.parametrize(
    ("clinics", "shards"), [(1, [1]), (5, [1]), (6, [1, 2]), (99, list(range(1, 9)))]
)
def test_the_shard_matrix_grows_with_the_clinics(
    tmp_path: Path, clinics: int, shards: list[int]
) -> None:
    for index in range(clinics):
        folder = tmp_path / "clinics" / f"c{index}"
        folder.mkdir(parents=True)
        (folder / "clinic.yml").write_text("name: x\n", encoding="utf-8")
    output = tmp_path / "output"
    env = {**os.environ, **workflow()["env"], "GITHUB_OUTPUT": str(output)}
    env = {key: str(value) for key, value in env.items()}
    script = step("plan", "One shard for every few clinics")["run"]
    subprocess.run(["bash", "-c", script], cwd=tmp_path, env=env, check=True, capture_output=True)
    values = dict(line.split("=", 1) for line in output.read_text().splitlines())
    assert json.loads(values["shards"]) == shards and int(values["count"]) == len(shards)
    matrix = workflow()["jobs"]["build"]["strategy"]["matrix"]
    assert matrix["shard"] == "${{ fromJSON(needs.plan.outputs.shards) }}"


def test_the_published_folder_is_one_verified_clinic_without_dot_folders(tmp_path: Path) -> None:
    """The merge job's last step, run with a stand-in careleaf that records its calls, on a
    dist/ that holds a clinic's previous build beside it."""
    dist = tmp_path / "dist"
    for clinic in ("example", "lakeside"):
        (dist / clinic / "es").mkdir(parents=True)
        (dist / clinic / "index.html").write_text(clinic, encoding="utf-8")
    (dist / ".example.careleaf-old").mkdir()
    (dist / ".example.careleaf-old" / "index.html").write_text("old", encoding="utf-8")
    (tmp_path / "careleaf.yml").write_text("default_clinic: example\n", encoding="utf-8")
    fake = tmp_path / ".venv" / "bin" / "careleaf"
    fake.parent.mkdir(parents=True)
    fake.write_text('#!/usr/bin/env bash\necho "$*" >>calls\n', encoding="utf-8")
    fake.chmod(0o755)
    publish = step("merge", "The folder to publish, verified as it is uploaded")
    env = {**os.environ, "CLINIC": ""}
    subprocess.run(["bash", "-e", "-c", publish["run"]], cwd=tmp_path, env=env, check=True)
    public = tmp_path / "public"
    assert sorted(p.name for p in public.iterdir()) == ["es", "index.html"]
    assert (public / "index.html").read_text(encoding="utf-8") == "example"
    assert (tmp_path / "calls").read_text().split("\n")[:-1] == [
        "verify public",
        "verify dist/example/",
        "verify dist/lakeside/",
    ]
    (upload,) = [
        s
        for s in workflow()["jobs"]["merge"]["steps"]
        if s.get("uses") == "actions/upload-pages-artifact@v3"
    ]
    assert upload["with"]["path"] == "public/"
    for job, folder in (("build", "shard"), ("merge", "dist")):
        (artifact,) = [
            s
            for s in workflow()["jobs"][job]["steps"]
            if s.get("uses") == "actions/upload-artifact@v4"
        ]
        assert f"!{folder}/.*" in artifact["with"]["path"].split()
        assert artifact["with"]["include-hidden-files"] is False
