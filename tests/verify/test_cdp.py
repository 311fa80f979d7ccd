"""The verifier's own DevTools client: what a page may do while it is proven (start a worker,
register a service worker, open a dialog, crash), and a browser that dies, does not answer or
cannot start, each of which ends in a sentence rather than a hang or a traceback."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from careleaf.verify import browser, cdp
from careleaf.verify.browser import Chromium
from careleaf.verify.page import Page
from careleaf.verify.prover import PageProver, Wanted
from careleaf.verify.readback import UnreadableOutput

PAGE = '<!doctype html><html lang="en"><head><title>t</title></head><body>{}</body></html>'
FILES = {
    # The page shows what its worker read with importScripts and fetch.
    "worker.html": PAGE.format(
        '<p id="t"></p><script>new Worker("w.js").onmessage = '
        '(e) => { document.getElementById("t").textContent = e.data; };</script>'
    ),
    "w.js": 'importScripts("lib.js"); fetch("data.json").then((r) => r.json())'
    ".then((d) => postMessage(self.greeting + ' ' + d.name));",
    "lib.js": "self.greeting = 'Hello';",
    "data.json": '{"name": "from the worker"}',
    # Registering a service worker whose script does not exist fails, unless it is blocked.
    "sw.html": PAGE.format(
        '<p id="t"></p><script>navigator.serviceWorker.register("sw.js").then((r) => '
        '{ document.getElementById("t").textContent = "registered: " + r; });</script>'
    ),
    "dialog.html": PAGE.format(
        '<script>alert("wait"); confirm("sure?");</script><p id="t">Hello there</p>'
    ),
    "plain.html": PAGE.format('<p id="t">Hello there</p>'),
}
HELLO = [Wanted("t", "Hello there", "#t")]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cdp")
    for name, text in FILES.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def chromium() -> Iterator[Chromium]:
    with Chromium() as running:
        yield running


def test_a_worker_s_requests_are_answered_from_the_site(site: Path, chromium: Chromium) -> None:
    with PageProver(site, chromium) as prover:
        found = prover.check({"worker.html": [Wanted("t", "Hello from the worker", "#t")]})
    assert found == {"worker.html": {}}


def test_a_service_worker_is_not_registered(site: Path, chromium: Chromium) -> None:
    with PageProver(site, chromium) as prover:
        found = prover.check({"sw.html": [Wanted("t", "registered: undefined", "#t")]})
    assert found == {"sw.html": {}}


def test_a_dialog_is_dismissed_and_a_missing_page_named(site: Path, chromium: Chromium) -> None:
    with PageProver(site, chromium) as prover:
        found = prover.check({"dialog.html": HELLO, "gone.html": HELLO})
    assert found == {"dialog.html": {}, "gone.html": {"": ["the page does not load (404)"]}}


def test_two_sites_proven_at_once_share_the_browser_s_page_limit(
    site: Path, chromium: Chromium, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two provers at once (a build's two verifications) each get their pages proven, and
    never are more than PAGES_AT_ONCE pages open between them."""
    import threading

    lock = threading.Lock()
    open_now: list[int] = [0]
    most: list[int] = [0]
    opened, closed = Page.open, Page.close

    def counting_open(page: Page, context: str) -> None:
        with lock:
            open_now[0] += 1
            most[0] = max(most[0], open_now[0])
        opened(page, context)

    def counting_close(page: Page) -> None:
        closed(page)
        with lock:
            open_now[0] -= 1

    monkeypatch.setattr(Page, "open", counting_open)
    monkeypatch.setattr(Page, "close", counting_close)

    def prove() -> dict[str, dict[str, list[str]]]:
        with PageProver(site, chromium) as prover:
            return prover.check({"plain.html": HELLO, "dialog.html": HELLO, "worker.html": []})

    with ThreadPoolExecutor(2) as pool:
        futures = [pool.submit(prove) for _ in range(2)]
        results = [future.result(timeout=120) for future in futures]
    expected = {"plain.html": {}, "dialog.html": {}, "worker.html": {}}
    assert results == [expected, expected]
    assert most[0] == browser.PAGES_AT_ONCE and open_now[0] == 0


def test_small_sites_share_the_browser_and_a_large_one_has_it_alone(
    site: Path, chromium: Chromium, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two sites with a page each to prove (a build after an edit) have their pages open at
    the same time; two sites with more pages than PAGES_AT_ONCE never do (each context has
    a renderer process of its own)."""
    import threading

    lock = threading.Lock()
    open_in: dict[str, int] = {}
    most_contexts = [0]
    meet = threading.Barrier(2, timeout=20)
    opened, closed = Page.open, Page.close

    def counting_open(page: Page, context: str) -> None:
        with lock:
            open_in[context] = open_in.get(context, 0) + 1
            page.context_id = context  # type: ignore[attr-defined]
            most_contexts[0] = max(most_contexts[0], len(open_in))
        opened(page, context)
        if small:
            meet.wait()  # both sites' pages are open now, or this times out and fails

    def counting_close(page: Page) -> None:
        closed(page)
        with lock:
            context = page.context_id  # type: ignore[attr-defined]
            open_in[context] -= 1
            if not open_in[context]:
                del open_in[context]

    monkeypatch.setattr(Page, "open", counting_open)
    monkeypatch.setattr(Page, "close", counting_close)

    def prove(pages: dict[str, list[Wanted]]) -> dict[str, dict[str, list[str]]]:
        with PageProver(site, chromium) as prover:
            return prover.check(pages)

    small = True
    with ThreadPoolExecutor(2) as pool:
        futures = [pool.submit(prove, {"plain.html": HELLO}) for _ in range(2)]
        assert [f.result(timeout=120) for f in futures] == [{"plain.html": {}}] * 2
    assert most_contexts[0] == 2

    small, most_contexts[0] = False, 0
    large = {"plain.html": HELLO, "dialog.html": HELLO, "worker.html": []}
    with ThreadPoolExecutor(2) as pool:
        futures = [pool.submit(prove, large) for _ in range(2)]
        results = [f.result(timeout=120) for f in futures]
    assert results == [{"plain.html": {}, "dialog.html": {}, "worker.html": {}}] * 2
    assert most_contexts[0] == 1 and not open_in


def test_a_crashed_page_is_a_failure_of_the_page(
    site: Path, chromium: Chromium, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Chromium never answers a command to a crashed page: the page fails at once."""
    loaded = Page.wait_loaded

    def crash_after_load(page: Page) -> bool:
        done = loaded(page)
        page.browser.post("Page.crash", None, page.session)
        return done

    monkeypatch.setattr(Page, "wait_loaded", crash_after_load)
    start = time.monotonic()
    with PageProver(site, chromium) as prover:
        found = prover.check({"plain.html": HELLO})
    assert found == {"plain.html": {"": ["the page crashed Chromium's renderer"]}}
    assert time.monotonic() - start < 10
    monkeypatch.undo()
    with PageProver(site, chromium) as prover:
        assert prover.check({"plain.html": HELLO}) == {"plain.html": {}}


def test_a_browser_that_dies_is_the_verifier_s_message(site: Path) -> None:
    with Chromium() as dying, PageProver(site, dying) as prover:
        os.killpg(dying.browser().process.pid, signal.SIGKILL)
        with pytest.raises(UnreadableOutput, match=r"cannot prove the pages: Chromium was ended"):
            prover.check({"plain.html": HELLO})


def test_a_browser_that_does_not_answer_times_out() -> None:
    start = time.monotonic()
    with pytest.raises(cdp.BrowserGone, match=r"did not answer Browser.getVersion within 0.5 s"):
        cdp.launch("/bin/sh", ["-c", "sleep 30"], 0.5)
    assert time.monotonic() - start < 5


def test_a_browser_that_cannot_start_says_why() -> None:
    with pytest.raises(cdp.BrowserGone, match=r"exited with status 3: no display here"):
        cdp.launch("/bin/sh", ["-c", "echo 'no display here' >&2; exit 3"], 5)
    with pytest.raises(cdp.BrowserGone, match=r"cannot run /nonexistent/chromium"):
        cdp.launch("/nonexistent/chromium", [], 5)
