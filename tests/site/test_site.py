"""The site, built from a sample project and read back: items, search, branding, offline."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup
from conftest import ENGINES, REPO, copy_project, edit, marked, search_index, shown

from careleaf.content.load import load_library
from careleaf.errors import BuildError
from careleaf.options import BuildOptions
from careleaf.site.engine import build_site

LOADING_LINKS = {"stylesheet", "icon", "preload", "modulepreload", "manifest", "prefetch"}


@pytest.fixture(scope="module", params=ENGINES)
def built_mini(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tests/projects/mini built once per site engine for this file's tests; each reads a
    copy (`built`)."""
    mini = copy_project(
        REPO / "tests" / "projects" / "mini", tmp_path_factory.mktemp("mini") / "mini"
    )
    build_site(mini, "demo", mini / "site", BuildOptions(engine=request.param))
    return mini / "site"


@pytest.fixture
def built(built_mini: Path, tmp_path: Path) -> Path:
    return shutil.copytree(built_mini, tmp_path / "site", symlinks=True)


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def test_safety_page_has_every_item_with_its_text(mini: Path, built: Path) -> None:
    library = load_library(mini)
    page = soup(built / "safety" / "index.html")
    assert marked(page) == shown(library, "en", ["side-effects", "contraindications"])


def test_search_index_holds_every_item_text(mini: Path, built: Path) -> None:
    text = " ".join(doc["text"] for doc in search_index(built)[1])
    for item in load_library(mini).safety_items("en").values():
        assert item.text in text


def test_draft_notice_only_on_pages_using_a_draft_block(built: Path) -> None:
    notice = "A clinician has not yet reviewed it."
    assert notice in soup(built / "safety" / "index.html").select_one(".admonition").get_text()
    assert soup(built / "index.html").select_one(".admonition") is None


def test_clinic_branding(built: Path) -> None:
    page = soup(built / "index.html")
    assert page.select_one("title").get_text().endswith("Demo Clinic")
    assert page.select_one(".md-logo img")["src"].endswith("assets/careleaf/logo.svg")
    assert (built / "assets/careleaf/logo.svg").is_file()
    footer = page.select_one(".careleaf-contact").get_text(" ", strip=True)
    for detail in ("Demo Clinic", "1 Test Street", "+1 555 0100", "demo@clinic.example"):
        assert detail in footer
    brand = (built / "assets/careleaf/brand.css").read_text()
    assert "--md-primary-fg-color: #123456" in brand and "--careleaf-accent: #8b1e3f" in brand


@pytest.mark.parametrize("engine", ENGINES)
def test_clinic_values_are_escaped(mini: Path, engine: str) -> None:
    edit(
        mini / "clinics/demo/clinic.yml",
        "address: 1 Test Street",
        "address: '<script>alert(1)</script>'",
    )
    build_site(mini, "demo", mini / "site", BuildOptions(engine=engine))
    html = (mini / "site" / "index.html").read_text()
    assert "<script>alert(1)</script>" not in html
    # Shown as text (MkDocs' Jinja writes "</" as "&lt;/", Zensical's MiniJinja "&lt;&#x2f;").
    page = BeautifulSoup(html, "html.parser")
    assert "<script>alert(1)</script>" in page.select_one(".careleaf-contact").get_text()
    assert not any("alert(1)" in (script.string or "") for script in page.find_all("script"))


def external_loads(site: Path) -> list[str]:
    """Every reference in the built HTML, CSS and JS that would load from another host."""
    found = []
    for path in site.rglob("*.html"):
        page = soup(path)
        for tag in page.find_all(["script", "img", "iframe", "source", "audio", "video", "embed"]):
            if tag.get("src"):
                found.append(f"{path}: {tag['src']}")
        for tag in page.find_all("link"):
            if set(tag.get("rel", [])) & LOADING_LINKS:
                found.append(f"{path}: {tag['href']}")
        for tag in page.find_all(style=True):
            found += [f"{path}: {u}" for u in re.findall(r"url\(([^)]*)\)", tag["style"])]
    for path in site.rglob("*.css"):
        text = path.read_text(encoding="utf-8")
        found += [f"{path}: {u}" for u in re.findall(r"url\(\s*['\"]?([^)'\"]*)", text)]
        found += [
            f"{path}: {u}" for u in re.findall(r"@import\s+(?:url\()?['\"]?([^'\");]*)", text)
        ]
    for path in site.rglob("*.js"):
        text = path.read_text(encoding="utf-8")
        found += [
            f"{path}: {u}"
            for u in re.findall(r"(?:importScripts|import)\(\s*['\"]((?:https?:)?//[^'\"]+)", text)
        ]
    return [ref for ref in found if urlsplit(ref.split(": ", 1)[1].strip()).netloc]


def test_nothing_loads_from_another_host(built: Path) -> None:
    assert external_loads(built) == []


def test_external_load_check_can_fail(built: Path) -> None:
    page = built / "index.html"
    page.write_text(
        page.read_text().replace(
            "</head>", '<link rel="stylesheet" href="https://cdn.example/x.css"></head>'
        )
    )
    assert external_loads(built) == [f"{page}: https://cdn.example/x.css"]


# MkDocs only: careleaf's page check refuses these before any engine runs.
def test_unknown_block_stops_the_build_with_page_and_line(mini: Path) -> None:
    edit(mini / "docs/en/safety.md", '{{ block("contraindications") }}', '{{ block("nope") }}')
    with pytest.raises(BuildError) as caught:
        build_site(mini, "demo", mini / "site")
    assert "docs/en/safety.md:5: item 'nope': unknown block" in str(caught.value)
    assert not (mini / "site").exists()


def test_undefined_name_stops_the_build_with_page_and_line(mini: Path) -> None:
    (mini / "docs/en/index.md").write_text("# Home\n\nHello {{ patient_name }}\n")
    with pytest.raises(BuildError) as caught:
        build_site(mini, "demo", mini / "site")
    message = str(caught.value)
    assert "docs/en/index.md:3" in message and "Traceback" not in message


# MkDocs only: how careleaf lists Material's theme files for MkDocs.
def test_the_theme_files_copied_are_those_mkdocs_lists_itself(tmp_path: Path) -> None:
    """The theme's listing skips hidden folders (Material's 14,000 icons) for speed: MkDocs
    then copies exactly the files it copies with its own listing, a hidden file added to the
    theme's folders included."""
    from mkdocs.config import load_config
    from mkdocs.structure.files import Files

    from careleaf.site.theme import CompiledTemplates, theme_env

    root = Path(__file__).resolve().parents[2]
    overrides = tmp_path / "overrides"
    shutil.copytree(root / "overrides", overrides)
    (overrides / ".hidden").mkdir()
    (overrides / ".hidden" / "x.css").write_text("p {}", encoding="utf-8")
    (overrides / "assets" / ".x.js").parent.mkdir(parents=True, exist_ok=True)
    (overrides / "assets" / ".x.js").write_text("", encoding="utf-8")
    (overrides / "assets" / "shown.js").write_text("", encoding="utf-8")
    config = load_config(str(root / "mkdocs.yml"), site_dir=str(tmp_path / "site"))
    config.theme.dirs[0] = str(overrides)
    theirs, ours = Files([]), Files([])
    theirs.add_files_from_theme(config.theme.get_env(), config)
    compiled = CompiledTemplates()
    ours.add_files_from_theme(theme_env(config.theme.get_env, compiled), config)
    listed = sorted(file.src_uri for file in ours)
    assert listed == sorted(file.src_uri for file in theirs)
    assert "assets/shown.js" in listed
    assert len(listed) > 20
    # Every environment of the theme shares the templates the engine compiled.
    assert theme_env(config.theme.get_env, compiled).bytecode_cache is compiled
