"""Previewing a draft language: `careleaf serve --lang` and `careleaf build --lang --draft`."""

from __future__ import annotations

import io
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner
from conftest import REPO, copy_project
from pypdf import PdfReader

from careleaf.cli.main import main
from careleaf.cli.preview import PREVIEW_DIR

CARELEAF = Path(sys.executable).parent / "careleaf"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def fetch(url: str) -> BeautifulSoup:
    with urllib.request.urlopen(url, timeout=30) as response:
        assert response.status == 200
        return BeautifulSoup(response.read().decode("utf-8"), "html.parser")


def preview_notice(page: BeautifulSoup) -> str:
    notice = page.select_one("[data-careleaf-preview]")
    assert notice is not None, "the page is not marked as a preview"
    return notice.get_text(" ", strip=True)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201 (a generator fixture)
    """A copy of the project with French started, served by `careleaf serve --lang fr`."""
    root = copy_project(REPO, tmp_path_factory.mktemp("preview") / "project")
    result = CliRunner().invoke(main, ["-p", str(root), "translate", "fr", "--name", "Français"])
    assert result.exit_code == 0, result.output
    port = free_port()
    log = (root.parent / "serve.log").open("w", encoding="utf-8")
    process = subprocess.Popen(
        [str(CARELEAF), "-p", str(root), "serve", "--lang", "fr", "-a", f"127.0.0.1:{port}"],
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        # Ctrl+C stops it, even when the tests run where SIGINT is ignored (a job started in
        # the background by a script inherits that, and Python keeps it).
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()  # the build comes first; then the server says where
        assert line.startswith("Serving the preview of 'fr'"), line + (
            root.parent / "serve.log"
        ).read_text(encoding="utf-8")
        yield root, f"http://127.0.0.1:{port}"
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)
        if process.stdout is not None:
            process.stdout.close()
        log.close()


def test_serve_shows_a_draft_language_marked_as_a_preview(served: tuple[Path, str]) -> None:
    root, url = served
    page = fetch(f"{url}/fr/is-it-safe/")
    assert "PREVIEW of Français (fr)" in preview_notice(page)
    assert page.find("html")["lang"] == "fr"
    assert page.select_one('meta[name="robots"][content="noindex"]') is not None
    # Every page says so, the source language's too; the handouts are there.
    assert "PREVIEW" in preview_notice(fetch(f"{url}/"))
    assert "PREVIEW" in preview_notice(fetch(f"{url}/fr/handouts/"))
    with urllib.request.urlopen(f"{url}/fr/handouts/aftercare.pdf", timeout=30) as response:
        pdf = PdfReader(io.BytesIO(response.read()))
    # Every page of every handout too.
    assert all("PREVIEW: not published" in page.extract_text() for page in pdf.pages)


def test_a_preview_never_touches_the_published_site(served: tuple[Path, str]) -> None:
    root, _ = served
    assert not (root / "site").exists()
    preview = root / PREVIEW_DIR / "fr"
    assert (preview / "fr" / "index.html").is_file()
    # French is not published: a normal build leaves it out, and says nothing of a preview.
    assert "published: false" in (root / "careleaf.yml").read_text(encoding="utf-8")
    pages = sorted(preview.rglob("*.html"))
    assert pages and all("data-careleaf-preview" in p.read_text(encoding="utf-8") for p in pages)
    pdfs = sorted(preview.rglob("*.pdf"))
    # Three handouts, each in its standard and large-print editions, in English and in French.
    assert len(pdfs) == 12 and sum("large-print" in p.parts for p in pdfs) == 6
    for pdf in pdfs:
        # The large-print footer may wrap the notice: compared with its whitespace made one space.
        texts = [" ".join(p.extract_text().split()) for p in PdfReader(pdf).pages]
        assert all("PREVIEW: not published" in text for text in texts), pdf


def test_a_normal_build_is_not_a_preview(engine_built: tuple[Path, Path]) -> None:
    _, site = engine_built
    for page in (site / "index.html", site / "es" / "is-it-safe" / "index.html"):
        assert "data-careleaf-preview" not in page.read_text(encoding="utf-8")
    for pdf in (site / "handouts" / "aftercare.pdf", site / "es" / "handouts" / "aftercare.pdf"):
        assert all("PREVIEW" not in p.extract_text() for p in PdfReader(pdf).pages)
    assert not (site / "fr").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["build", "--lang", "fr"], "--lang and --draft go together"),
        (["build", "--draft"], "--lang and --draft go together"),
        (["build", "--lang", "es", "--draft", "-d", "site"], "never into the published folder"),
        (["build", "--lang", "xx", "--draft"], "'xx' is not a language of the project"),
        (["serve", "--lang", "xx"], "'xx' is not a language of the project"),
        (["serve", "--lang", "es", "-a", "nowhere"], "give an address as IP:PORT"),
    ],
)
def test_preview_refuses_what_it_cannot_do(project: Path, args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, ["-p", str(project), *args])
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
    assert not (project / "site").exists() and not (project / PREVIEW_DIR).exists()


def test_serve_rebuilds_when_a_translation_changes(served: tuple[Path, str]) -> None:
    root, url = served
    page = root / "docs" / "fr" / "index.md"
    text = page.read_text(encoding="utf-8")
    body_start = text.index("\n---\n") + len("\n---\n")  # after the front matter
    page.write_text(
        text[:body_start] + text[body_start:].replace("# ", "# La puncture sèche — ", 1),
        encoding="utf-8",
    )
    deadline = time.monotonic() + 300
    while "La puncture sèche" not in fetch(f"{url}/fr/").get_text():
        assert time.monotonic() < deadline, "the preview was not rebuilt"
        time.sleep(2)
    assert "PREVIEW" in preview_notice(fetch(f"{url}/fr/"))
