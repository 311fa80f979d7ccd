"""The built site in Chromium under its Content-Security-Policy, sent as a host sends it (the
headers of ``_headers``) and as the pages carry it (``<meta>``): every page browsed, search
used in every language, the language switcher followed, and not one violation."""

from __future__ import annotations

import contextlib
import functools
import http.server
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page
from search_box import found

from careleaf.build.csp_pages import HEADERS_FILE

SEARCHES = {"": "pneumothorax", "es/": "neumotórax", "bn/": "নিউমোথোরাক্স"}
# Every violation the page's document reports, as a DOM event; sent to Python by a binding
# (which survives navigations, as the listener, added to every new document, does).
LISTEN = """document.addEventListener('securitypolicyviolation', (e) =>
  window.__cspViolation(`${location.pathname}: ${e.effectiveDirective} blocked ` +
    `${e.blockedURI || 'inline'} (${e.sourceFile}:${e.lineNumber})`));"""


def host_headers(site: Path) -> dict[str, str]:
    """The headers ``_headers`` sends on every path (``/*``), as Netlify reads the file."""
    lines = (site / HEADERS_FILE).read_text(encoding="utf-8").splitlines()
    assert lines[0] == "/*", lines
    return dict(line.strip().split(": ", 1) for line in lines[1:] if line.strip())


class _Host(http.server.SimpleHTTPRequestHandler):
    """Serves a folder with the headers of its ``_headers`` file, as a static host does."""

    headers_to_send: dict[str, str] = {}

    def end_headers(self) -> None:
        for name, value in self.headers_to_send.items():
            self.send_header(name, value)
        super().end_headers()

    def log_message(self, *args: object) -> None:
        pass


@contextlib.contextmanager
def host(site: Path) -> Iterator[str]:
    """Serve a built site with its headers on 127.0.0.1, from a thread; yields its base URL."""
    handler = type("Host", (_Host,), {"headers_to_send": host_headers(site)})
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(handler, directory=str(site))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def hosted(engine_built) -> Iterator[tuple[str, Path]]:
    """The real built site (each engine's), served with its headers: (base URL, site
    folder)."""
    with host(engine_built[1]) as url:
        yield url, engine_built[1]


@pytest.fixture
def watched(browser: Browser) -> Iterator[tuple[Page, list[str]]]:
    """A page whose every CSP violation is collected: the document's violation events, and
    Chromium's own reports (its log and its issues: those of workers too)."""
    page = browser.new_page()
    violations: list[str] = []
    page.expose_binding("__cspViolation", lambda _source, text: violations.append(text))
    page.add_init_script(LISTEN)
    session = page.context.new_cdp_session(page)
    session.on(
        "Log.entryAdded",
        lambda event: (
            violations.append(f"log: {event['entry']['text']}")
            if "Content Security Policy" in event["entry"]["text"]
            else None
        ),
    )
    session.on(
        "Audits.issueAdded",
        lambda event: (
            violations.append(f"issue: {event['issue']['details']}")
            if event["issue"]["code"] == "ContentSecurityPolicyIssue"
            else None
        ),
    )
    session.send("Log.enable")
    session.send("Audits.enable")
    yield page, violations
    page.close()


def visit(page: Page, url: str) -> None:
    page.goto(url)
    page.wait_for_load_state("networkidle")


def test_the_host_sends_the_full_policy_and_the_pages_carry_it(hosted) -> None:
    _url, site = hosted
    sent = host_headers(site)["Content-Security-Policy"]
    assert sent.endswith("; frame-ancestors 'none'")
    assert "'unsafe-inline'" not in sent and "'unsafe-eval'" not in sent
    for directive in ("object-src 'none'", "base-uri 'none'", "default-src 'none'"):
        assert directive in sent


def test_every_page_search_and_switcher_run_without_a_violation(hosted, watched) -> None:
    url, site = hosted
    page, violations = watched
    zensical = (site / "search.json").is_file()  # Zensical's search, else Material's
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 20
    for html in pages:
        visit(page, f"{url}/{html.relative_to(site).as_posix()}".removesuffix("index.html"))
        # The theme's script ran under the policy: it set up the search box (Material) or
        # the header's search button (Zensical's, which its script makes work).
        if not zensical:
            assert page.locator("input[data-md-component=search-query]").count() == 1, html
    for prefix, term in SEARCHES.items():
        visit(page, f"{url}/{prefix}")
        if zensical:
            # Zensical's worker answers under the policy: the safety page is found.
            assert f"/{prefix}is-it-safe/" in found(page, term), prefix
            continue
        box = page.locator("input[data-md-component=search-query]")
        box.click()
        box.press_sequentially(term, delay=20)
        page.keyboard.press("End")
        page.wait_for_selector(".md-search-result__item", timeout=10_000)
        with page.expect_navigation():
            page.keyboard.press("Enter")  # to the first result, highlighted
        page.wait_for_load_state("networkidle")
        assert page.locator("mark").count() > 0  # search.highlight ran on the result page
    visit(page, f"{url}/es/is-it-safe/")
    for lang, path in (("bn", "/bn/is-it-safe/"), ("en", "/is-it-safe/")):
        page.hover(".md-header__option .md-select")
        page.click(f'a.careleaf-alternate[hreflang="{lang}"]')
        page.wait_for_url(f"{url}{path}")
        page.wait_for_load_state("networkidle")
    assert violations == []


# The check's own proof: one engine's page is enough.
def test_an_injected_inline_script_is_blocked_and_reported(
    real_site, watched, tmp_path: Path
) -> None:
    """The listener hears a violation when there is one (else the test above proves nothing),
    and the policy stops the script."""
    page, violations = watched
    site = Path(shutil.copytree(real_site[1], tmp_path / "site"))
    target = site / "is-it-safe" / "index.html"
    text = target.read_text(encoding="utf-8")
    injected = "<script>document.title = 'injected'</script></body>"
    target.write_text(text.replace("</body>", injected), encoding="utf-8")
    with host(site) as url:
        visit(page, f"{url}/is-it-safe/")
        assert page.title() != "injected"
    assert any("/is-it-safe/: script-src-elem blocked inline" in v for v in violations)
