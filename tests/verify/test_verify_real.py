"""`careleaf verify` on a copy of the real built site: every shipped file is in the manifest, a
site older than its sources is stale, and a damaged output is named with its item and property
even when the manifest was rewritten to match it (as a build that made it would)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import REPO, copy_project, edit

from careleaf.cli.main import main
from careleaf.verify.manifest import MANIFEST_NAME, sha256
from careleaf.verify.verifier import verify


@pytest.fixture
def copied(real_site, tmp_path: Path) -> tuple[Path, Path]:
    """A fresh copy of the project (same sources as the build) and of its built site."""
    _project, built = real_site
    project = copy_project(REPO, tmp_path / "project")
    site = tmp_path / "site"
    shutil.copytree(built, site)
    return project, site


def rehash(site: Path) -> None:
    """Rewrite the manifest's hashes to match the files, as the build that made them would."""
    path = site / MANIFEST_NAME
    manifest = json.loads(path.read_text(encoding="utf-8"))
    for entry in manifest["outputs"]:
        entry["sha256"] = sha256(site / entry["path"])
    manifest["files"] = {name: sha256(site / name) for name in manifest["files"]}
    path.write_text(json.dumps(manifest), encoding="utf-8")


def test_unlisted_changed_and_missing_files_and_stale_sources_fail(copied) -> None:
    project, site = copied
    assert verify(site, project, browser=False).ok
    (site / "assets" / "extra.js").write_text("document.body.remove()\n")
    css = site / "assets" / "careleaf" / "site.css"
    css.write_text(css.read_text() + "\n.careleaf-item { opacity: 0 }\n")
    (site / "sitemap.xml").unlink()
    edit(project / "content" / "en" / "side-effects.yml", "pneumothorax", "pneumothorax ")
    report = verify(site, project, browser=False)
    assert not report.ok
    problems = "\n".join(report.problems)
    assert "assets/extra.js: shipped but not in the manifest" in problems
    assert "assets/careleaf/site.css: changed since the build" in problems
    assert "sitemap.xml: in the manifest but missing" in problems
    assert "the site is stale" in problems and "content/en/side-effects.yml" in problems


def test_a_changed_template_or_config_makes_the_site_stale(copied) -> None:
    project, site = copied
    (project / "mkdocs.yml").write_text((project / "mkdocs.yml").read_text() + "\n# changed\n")
    (project / "docs" / "en" / "new.md").write_text("# New\n")
    problems = "\n".join(verify(site, project, browser=False).problems)
    assert "changed: mkdocs.yml" in problems and "added: docs/en/new.md" in problems


def test_cli_names_page_language_item_and_property(copied) -> None:
    project, site = copied
    page = site / "es" / "is-it-safe" / "index.html"
    css = site / "assets" / "careleaf" / "site.css"
    text = page.read_text(encoding="utf-8")
    rule = '[data-protected="side-effects/pneumothorax/text"] { color: #fff }'
    css.write_text(css.read_text() + "\n" + rule + "\n")
    style = (
        '<style>[data-protected="precautions/pregnancy/text"] '
        "{ display: inline-block; transform: scale(0.1) }</style></head>"
    )
    page.write_text(text.replace("</head>", style), "utf-8")
    pdf = site / "handouts" / "aftercare.pdf"
    # Make the aftercare handout's text invisible (render mode 3) in every text block.
    data = pdf.read_bytes()
    assert b"/Filter /FlateDecode" in data or b"/Filter/FlateDecode" in data
    import pikepdf

    with pikepdf.open(pdf, allow_overwriting_input=True) as document:
        # Every page: which page holds the first protected item depends on the layout.
        for sheet in document.pages:
            operators = list(pikepdf.parse_content_stream(sheet))
            operators = [
                item
                for operator in operators
                for item in (
                    [operator, ([3], pikepdf.Operator("Tr"))]
                    if str(operator[1]) == "BT"
                    else [operator]
                )
            ]
            sheet.Contents = document.make_stream(pikepdf.unparse_content_stream(operators))
        document.save(pdf)
    rehash(site)
    result = CliRunner().invoke(main, ["--project", str(project), "verify", str(site)])
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert any(
        line.startswith(
            "  - is-it-safe/index.html: side-effects/pneumothorax/text: in the browser, "
            "text contrast"
        )
        for line in lines
    ), result.output
    assert any(
        line.startswith("  - handouts/aftercare.pdf: ") and "invisible text render mode" in line
        for line in lines
    ), result.output
    assert any(
        line.startswith(
            "  - es/is-it-safe/index.html: precautions/pregnancy/text: in the browser, font size"
        )
        for line in lines
    ), result.output
    table = [line.split() for line in lines]
    assert ["es/is-it-safe/index.html", "es", "example"] == table[
        next(i for i, cells in enumerate(table) if cells and cells[0] == "es/is-it-safe/index.html")
    ][:3]
