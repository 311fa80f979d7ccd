"""The build publishes only verified outputs; a failing build leaves the old site as it was."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner
from conftest import edit, snapshot

from careleaf.cli.main import main
from careleaf.content.load import load_library
from careleaf.errors import BuildError
from careleaf.site.engine import build_site


def test_verify_passes_on_the_built_site_and_lists_every_output(real_site) -> None:
    project, site = real_site
    result = CliRunner().invoke(
        main, ["--project", str(project), "verify", str(site), "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    outputs = {row["output"] for row in report["rows"]}
    for lang in ("", "es/", "bn/"):
        assert f"{lang}is-it-safe/index.html" in outputs
        for handout in ("about-dry-needling", "aftercare", "consent-form"):
            assert f"{lang}handouts/{handout}.pdf" in outputs
    manifest = json.loads((site / "careleaf-manifest.json").read_text())
    assert manifest["content_version"] == load_library(project).project.content_version
    assert {o["lang"] for o in manifest["outputs"]} == {"en", "es", "bn"}


def test_a_removed_item_fails_verify_naming_page_and_id(real_site, tmp_path: Path) -> None:
    project, site = real_site
    copy = tmp_path / "site"
    shutil.copytree(site, copy)
    page = copy / "is-it-safe" / "index.html"
    soup = BeautifulSoup(page.read_text(), "html.parser")
    soup.select_one('[data-protected="precautions/pregnancy/text"]').find_parent(
        "li"
    ).decompose()
    page.write_text(str(soup))
    result = CliRunner().invoke(main, ["--project", str(project), "verify", str(copy)])
    assert result.exit_code == 1
    failing = [line for line in result.output.splitlines() if "pregnancy" in line]
    assert failing and all("is-it-safe/index.html" in line for line in failing[:1])
    assert "es/is-it-safe" not in " ".join(failing)


def test_handout_without_a_safety_block_is_not_published(real_site, tmp_path: Path) -> None:
    # A copy of the real project as its last build left it: its site, cache and records.
    project = tmp_path / "project"
    shutil.copytree(real_site[0], project, symlinks=True)
    site = project / "site"
    before = snapshot(site)
    edit(project / "handouts/aftercare.yml", "  - block: contraindications\n", "")
    with pytest.raises(BuildError) as caught:
        build_site(project, "example", site)
    message = str(caught.value)
    # The placement rule refuses it before anything is built, naming the handout and block.
    assert (
        "handouts/aftercare.yml: key sections: item 'contraindications': must carry the "
        "protected block" in message
    )
    assert snapshot(site) == before  # the published site is byte-for-byte as it was
    assert [p.name for p in project.iterdir() if "careleaf-staging" in p.name] == []
