"""Shared fixtures: complete sample projects copied into a temporary folder."""

from __future__ import annotations

import fcntl
import functools
import hashlib
import http.server
import json
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from careleaf.verify.browser import CHROMIUM, QUIET_ARGS

REPO = Path(__file__).resolve().parents[1]
# What every project needs besides its own content: the theme overrides and the fonts.
# Sample projects take them from the repository.
SHARED = ("fonts", "overrides")
SHARED_FILES = ("handouts/print.css", "handouts/form.css")
# The protected safety items of the real project: they must reach every output.
SIDE_EFFECTS = (
    "soreness",
    "bleeding",
    "bruising",
    "fainting",
    "worse-symptoms",
    "drowsiness",
    "headache",
    "nausea",
    "infection",
    "nerve-damage",
    "pneumothorax",
)
# "Do not have dry needling if": the reasons never to needle (or never there).
CONTRAINDICATIONS = ("needle-phobia", "previous-reaction", "lymphoedema", "skin-infection")
# "Tell your therapist first if": the precautions, and a free-text "anything else".
PRECAUTIONS = (
    "bleeding-disorders",
    "implanted-device",
    "heart-valve",
    "fainting-or-fits",
    "pregnancy",
    "metal-allergy",
    "diabetes",
    "weak-immune-system",
    "cancer",
    "blood-borne-infection",
    "lung-disease",
    "recent-surgery",
    "chest-implants",
    "numbness",
    "anything-else",
)
PROJECT_PARTS = ("careleaf.yml", "mkdocs.yml", "content", "docs", "handouts", "clinics", *SHARED)


def copy_project(source: Path, dest: Path) -> Path:
    """Copy a project (its own files, plus the shared ones it lacks) to ``dest``."""
    dest.mkdir(parents=True)
    for part in PROJECT_PARTS:
        origin = source / part if (source / part).exists() else REPO / part
        target = dest / part
        if origin.is_dir():
            shutil.copytree(origin, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(origin, target)
    for part in SHARED_FILES:
        if not (dest / part).exists():
            shutil.copy2(REPO / part, dest / part)
    return dest


@pytest.fixture
def mini(tmp_path: Path) -> Path:
    """A copy of tests/projects/mini: small, complete, quick to build."""
    return copy_project(REPO / "tests" / "projects" / "mini", tmp_path / "mini")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the real project in this repository."""
    return copy_project(REPO, tmp_path / "project")


def edit(path: Path, old: str, new: str) -> None:
    """Replace one exact piece of a file; fail loudly if it is not there."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def built_once(factory: pytest.TempPathFactory, name: str, make: Callable[[Path], None]) -> Path:
    """A folder ``make`` fills once for the whole run, shared by pytest-xdist's workers.

    Each worker process has a temporary folder of its own, inside the run's: the first worker
    to ask makes the folder there, under a lock; the others wait for it, then read the same one.
    """
    base = factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent
    folder, done = base / name, base / f"{name}.done"
    with (base / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file is closed
        if not done.exists():
            shutil.rmtree(folder, ignore_errors=True)  # what a failed attempt left
            folder.mkdir()
            make(folder)
            done.touch()
    return folder


@pytest.fixture(scope="session")
def real_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The real project, built once for the whole run: (project, site). Read it, never edit."""
    from careleaf.site.engine import build_site

    def make(folder: Path) -> None:
        project = copy_project(REPO, folder / "project")
        build_site(project, "example", project / "site")

    project = built_once(tmp_path_factory, "real", make) / "project"
    return project, project / "site"


@pytest.fixture(scope="session")
def zensical_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The real project built with Zensical as its site engine, once for the whole run:
    (project, site). Read it, never edit."""
    from careleaf.options import BuildOptions
    from careleaf.site.engine import build_site

    def make(folder: Path) -> None:
        project = copy_project(REPO, folder / "project")
        build_site(project, "example", project / "site", BuildOptions(engine="zensical"))

    project = built_once(tmp_path_factory, "real-zensical", make) / "project"
    return project, project / "site"


@pytest.fixture(scope="session")
def arabic_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """tests/projects/arabic (one right-to-left language) built once for the whole run:
    (project, site). Read it, never edit."""
    from careleaf.site.engine import build_site

    def make(folder: Path) -> None:
        project = copy_project(REPO / "tests" / "projects" / "arabic", folder / "project")
        build_site(project, "demo", project / "site")

    project = built_once(tmp_path_factory, "arabic", make) / "project"
    return project, project / "site"


@pytest.fixture(scope="session")
def arabic_zensical_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """`arabic_site` with Zensical as its site engine, once for the whole run: (project,
    site). Read it, never edit."""
    from careleaf.options import BuildOptions
    from careleaf.site.engine import build_site

    def make(folder: Path) -> None:
        project = copy_project(REPO / "tests" / "projects" / "arabic", folder / "project")
        build_site(project, "demo", project / "site", BuildOptions(engine="zensical"))

    project = built_once(tmp_path_factory, "arabic-zensical", make) / "project"
    return project, project / "site"


@pytest.fixture(scope="session")
def all_clinics(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real project built for every clinic, as `careleaf build --clinic all` builds it
    (``SOURCE_DATE_EPOCH=1700000000``), once for the whole run: its ``dist/`` folder, one
    site per clinic. Read it, never edit."""
    from click.testing import CliRunner

    from careleaf.cli.main import main

    def make(folder: Path) -> None:
        project = copy_project(REPO, folder / "project")
        with pytest.MonkeyPatch.context() as env:
            env.setenv("SOURCE_DATE_EPOCH", "1700000000")
            result = CliRunner().invoke(
                main, ["--project", str(project), "build", "--clinic", "all"]
            )
        assert result.exit_code == 0, result.output

    return built_once(tmp_path_factory, "all-clinics", make) / "project" / "dist"


def search_index(folder: Path) -> tuple[dict, list[dict]]:
    """One language's search index in a built site's ``folder``, from either engine: (its
    config, its entries, each with ``location``, ``title`` and ``text``). MkDocs writes
    ``search/search_index.json`` (entries under ``docs``), Zensical ``search.json`` (``items``)."""
    mkdocs = folder / "search" / "search_index.json"
    path = mkdocs if mkdocs.is_file() else folder / "search.json"
    index = json.loads(path.read_text(encoding="utf-8"))
    return index["config"], index["docs" if path == mkdocs else "items"]


def snapshot(folder: Path) -> dict[str, str]:
    """Relative path -> SHA-256 of every file under ``folder``: two trees equal byte for byte."""
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def approve(root: Path) -> None:
    """Re-pin a project's protected English, as `careleaf protect` does after review."""
    from careleaf.editorial.protect import approve as approve_pins

    approve_pins(root)


def marked(page) -> dict[str, str]:  # noqa: ANN001 (a BeautifulSoup document)
    """Protected key -> text of every ``data-protected`` element of a parsed page."""
    return {el["data-protected"]: el.get_text() for el in page.select("[data-protected]")}


def shown(library, lang: str, blocks, clinic: str | None = None) -> dict[str, str]:  # noqa: ANN001
    """Protected key -> the text a language shows, for every protected field of ``blocks``."""
    from careleaf.content.shown import protected_texts

    texts: dict[str, str] = {}
    for block_id in blocks:
        texts.update(
            protected_texts(library, lang, block_id, library.clinics[clinic] if clinic else None)
        )
    return texts


def anchors(library, blocks) -> set[str]:  # noqa: ANN001
    """The PDF named destinations of every protected field of ``blocks``."""
    from careleaf.content.project import protected_anchor

    return {protected_anchor(k) for b in blocks for k in library.project.protected_keys(b)}


CHROMIUM_ARGS = [
    *QUIET_ARGS,
    # No host but this machine resolves, so no test request can leave it, whatever a page asks.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]


@pytest.fixture(scope="session")
def browser() -> Iterator:
    """One headless Debian Chromium for the whole run (Playwright's sync API)."""
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Chromium is missing: run `make test`, which installs it"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


class HostLike(_Quiet):
    """Answers an address that has no file as a host set up for a careleaf site does: with
    status 404 and the 404 page of the language folder the address is in (else the root's)."""

    def send_error(self, code: int, message: str | None = None, explain: str | None = None):
        root = Path(self.directory)
        first = self.path.lstrip("/").split("/", 1)[0]
        page = root / first / "404.html"
        if code != 404 or not page.is_file() and not (page := root / "404.html").is_file():
            return super().send_error(code, message, explain)
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def serve(
    folder: Path, handler_class: type[http.server.SimpleHTTPRequestHandler] = _Quiet
) -> tuple[str, http.server.ThreadingHTTPServer]:
    """Serve a folder over HTTP on 127.0.0.1 from a thread: (base URL, server to shut down).
    ``handler_class``: how requests are answered (`HostLike`: missing ones with the 404 page)."""
    handler = functools.partial(handler_class, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}", server


# careleaf's site engines (`careleaf.site.engine.ENGINES`): a test of what any engine's site
# must show takes `engine_built`, `engine_url` or `engine_site`, and runs once per engine.
ENGINES = ("mkdocs", "zensical")


@pytest.fixture(scope="session", params=ENGINES)
def engine_built(request: pytest.FixtureRequest) -> tuple[Path, Path]:
    """The real project's site as each site engine built it, once per engine for the whole run
    (`real_site`, `zensical_site`): (project, site). Read it, never edit."""
    return request.getfixturevalue("real_site" if request.param == "mkdocs" else "zensical_site")


@pytest.fixture(scope="session", params=ENGINES)
def arabic_engine_built(request: pytest.FixtureRequest) -> tuple[Path, Path]:
    """tests/projects/arabic as each site engine built it (`arabic_site`,
    `arabic_zensical_site`): (project, site). Read it, never edit."""
    name = "arabic_site" if request.param == "mkdocs" else "arabic_zensical_site"
    return request.getfixturevalue(name)


@pytest.fixture
def engine_name(request: pytest.FixtureRequest, engine_built: tuple[Path, Path]) -> str:
    """The site engine that built `engine_built` for this test: "mkdocs" or "zensical"."""
    return request.node.callspec.params["engine_built"]


@pytest.fixture(scope="session")
def engine_url(engine_built: tuple[Path, Path]) -> Iterator[str]:
    """`engine_built`'s site served over HTTP: its base URL."""
    url, server = serve(engine_built[1])
    yield url
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def engine_site(engine_built: tuple[Path, Path], engine_url: str) -> tuple[str, Path, Path]:
    """The real project's site as each site engine built it, served: (base URL, project,
    site folder). A test that takes it runs once per engine."""
    return engine_url, *engine_built


@pytest.fixture(scope="session")
def site_url(real_site) -> Iterator[str]:
    """The real project's built site, served over HTTP."""
    url, server = serve(real_site[1])
    yield url
    server.shutdown()
    server.server_close()
