"""Proves protected elements on the built pages as a reader sees them, in headless Chromium."""

from __future__ import annotations

import base64
import contextlib
import json
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from careleaf.verify import cdp
from careleaf.verify.readback import UnreadableOutput, normalise

# Debian's headless build of Chromium (package chromium-headless-shell): the same Blink as the
# desktop browser, without its window and browser UI, which took about 400 MB more memory.
CHROMIUM = "/usr/bin/chromium-headless-shell"
# Chromium's own background traffic is off, so every request comes from the page (the tests'
# browser starts with these too).
QUIET_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
CHROMIUM_ARGS = [
    # No host can be reached (the site itself is answered by request interception).
    "--host-resolver-rules=MAP * ~NOTFOUND",
    *QUIET_ARGS,
    # Pages are shown as they were when Playwright drove this browser (these are among its
    # switches): a mouse as the pointer (the hover and pointer media queries), scrollbars that
    # take no width from the layout, colours in sRGB, and no timers slowed down in a page that
    # is not in front (several are open at once).
    "--blink-settings=primaryHoverType=2,availableHoverTypes=2,"
    "primaryPointerType=4,availablePointerTypes=4",
    "--hide-scrollbars",
    "--force-color-profile=srgb",
    "--disable-background-timer-throttling",
    "--disable-backgrounding-occluded-windows",
    "--disable-renderer-backgrounding",
    # A page that navigates away is not kept in memory for going back to it.
    "--disable-back-forward-cache",
    # A build opens a clinic's pages a few at a time: one renderer process serves them all (on
    # a machine of a few cores more would not be faster, only take more memory), a new page's
    # blank document included (else each page starts a renderer of its own for it, about
    # 100 MB, until it navigates), and no spare one is started ahead of time.
    "--process-per-site",
    "--renderer-process-limit=1",
    "--disable-features=SpareRendererForSitePerProcess",
    # Fewer processes, each with its own copy of Chromium's memory: no zygote to fork
    # renderers from, and the GPU (software) and network services inside the browser process.
    "--no-zygote",
    "--in-process-gpu",
    "--enable-features=NetworkServiceInProcess2",
]
VIEWPORT_WIDTH, VIEWPORT_HEIGHT = 1280, 900
# How many times a browser is started before a build gives up on it (see `Chromium.browser`).
LAUNCH_ATTEMPTS = 2
# How long Chromium may take to answer one command before it is taken for hung.
COMMAND_TIMEOUT_S = 30.0
# How long a page may take to load, and how long it is watched afterwards for scripts that
# change it (timers, observers) before its elements are measured.
LOAD_TIMEOUT_MS = 15_000
SETTLE_MS = 300
# How many pages are open at once. Each open page holds its document and scripts in the
# renderer (about 40 MB for a page of the site), and a page waits SETTLE_MS after it loads:
# with two, one page loads or is measured while the other settles.
PAGES_AT_ONCE = 2
# How many sites' pages are proven at once, their pages counted together against
# PAGES_AT_ONCE. Each site's pages have a browser context, and so a renderer process, of
# their own: a site with more pages to prove than PAGES_AT_ONCE (a full build's) has the
# browser to itself, as with two such sites at once the 20-clinic build's peak memory rose
# from 526 to 646 MB for a clinic's turn about 4% shorter. Sites with that many pages or
# fewer (a build after an edit proves a page or two per clinic) share it: their pages' loads
# and settling overlap, where one site at a time waited for each page in turn.
SITES_AT_ONCE = 2
# The smallest text a patient is expected to read, in CSS pixels (as drawn, after transforms),
# and the WCAG 2 AA contrast for body text.
MIN_FONT_PX = 9.0
MIN_CONTRAST = 4.5


@dataclass(frozen=True)
class Wanted:
    """One protected element a page must show.

    Attributes:
        key: what the report calls it (an item id, or ``block/item/field``).
        text: the text it must show.
        selector: the CSS selector that finds it (see `careleaf.verify.readback.locate`).
    """

    key: str
    text: str
    selector: str


# The site is served from its folder by the browser's own request interception, under this
# origin: no socket is opened, so a build verifies in a sandbox without a network (even
# loopback), and nothing else is reachable.
ORIGIN = "http://careleaf.localhost"
_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".ttf": "font/ttf",
    ".pdf": "application/pdf",
    ".xml": "application/xml",
    ".txt": "text/plain; charset=utf-8",
}


def _serve_file(site_dir: Path, url: str) -> tuple[int, str, bytes] | None:
    """The answer to one request of the browser, from the site folder (and nothing outside
    it): status, content type and body; `None` for another origin, which is refused."""
    parts = urlsplit(url)
    if f"{parts.scheme}://{parts.netloc}" != ORIGIN:
        return None
    target = (site_dir / unquote(parts.path).lstrip("/")).resolve()
    if target.is_dir():
        target = target / "index.html"
    if not target.is_relative_to(site_dir) or not target.is_file():
        return 404, "text/plain", b"not found"
    return 200, _TYPES.get(target.suffix.lower(), "application/octet-stream"), target.read_bytes()


class Chromium:
    """One headless Chromium, started when first asked for and kept until `stop`.

    One Chromium serves a whole build's clinics instead of starting again for each.
    `careleaf.verify.verifier` runs the work that uses it in `thread`, so that Chromium proves the
    pages while the PDFs are read; leaving the context manager stops the browser after that
    work. No more than `PAGES_AT_ONCE` pages are open at any time, whoever opened them
    (`pages`), and up to `SITES_AT_ONCE` sites' pages are proven at once (`turns`).
    """

    def __init__(self) -> None:
        self._browser: cdp.Browser | None = None
        self._starting = threading.Lock()
        self.pages = threading.BoundedSemaphore(PAGES_AT_ONCE)
        self.turns = _Turns()
        self.thread = ThreadPoolExecutor(SITES_AT_ONCE, thread_name_prefix="chromium")

    def browser(self) -> cdp.Browser:
        """The running browser (started now if need be).

        Raises:
            UnreadableOutput: Chromium is not installed or does not start.
        """
        with self._starting:
            if self._browser is not None:
                return self._browser
            if not Path(CHROMIUM).exists():
                raise UnreadableOutput(
                    f"cannot prove the pages: Chromium is not installed at {CHROMIUM} "
                    "(run .ci/install-system-packages)"
                )
            # Chromium has been seen to crash while starting, once in several hundred starts (a
            # segmentation fault before its first page, on a busy CI machine): a browser that
            # does not start is tried once more before the build fails.
            for _ in range(LAUNCH_ATTEMPTS):
                try:
                    self._browser = cdp.launch(CHROMIUM, CHROMIUM_ARGS, COMMAND_TIMEOUT_S)
                except cdp.BrowserGone as error:
                    failure = error
                else:
                    return self._browser
            raise UnreadableOutput(f"cannot start Chromium: {failure}")

    def stop(self) -> None:
        """Close the browser, if it was started."""
        if self._browser is not None:
            self._browser.close()
            self._browser = None

    def __enter__(self) -> Chromium:
        return self

    def __exit__(self, *exc: object) -> None:
        """Stop the browser once the work queued in its threads is done."""
        self.thread.shutdown()
        self.stop()


class _Turns:
    """Whose pages the browser proves: several small sites' at once, or one large site's
    alone (see `SITES_AT_ONCE`). A large site waiting goes before small ones that come after
    it, so that a stream of small sites never keeps it waiting."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._small = 0  # small sites proving now
        self._large = False  # a large site proving now
        self._large_waiting = 0

    @contextlib.contextmanager
    def turn(self, pages: int) -> Iterator[None]:
        """Wait for a turn for a site with ``pages`` pages to prove, and hold it."""
        large = pages > PAGES_AT_ONCE
        with self._changed:
            if large:
                self._large_waiting += 1
                self._changed.wait_for(lambda: not self._large and not self._small)
                self._large_waiting -= 1
                self._large = True
            else:
                self._changed.wait_for(lambda: not self._large and not self._large_waiting)
                self._small += 1
        try:
            yield
        finally:
            with self._changed:
                if large:
                    self._large = False
                else:
                    self._small -= 1
                self._changed.notify_all()


# Blocks service workers, as Playwright's ``service_workers="block"`` did: a page's
# registration does nothing, so no worker outlives the page or answers its requests.
_NO_SERVICE_WORKERS = (
    "if (navigator.serviceWorker) navigator.serviceWorker.register = async () => {};"
)
# Sent to every page before it loads.
_PAGE_SETUP: list[tuple[str, dict[str, Any]]] = [
    ("Page.enable", {}),
    # Tells which document fired its load event (the page's own, not the blank one before).
    ("Page.setLifecycleEventsEnabled", {"enabled": True}),
    # Every request of the page is answered by `_Page._serve`, those of its workers too (the
    # search worker's scripts): Chromium pauses them in the page's session.
    ("Fetch.enable", {"patterns": [{"urlPattern": "*"}]}),
    (
        "Emulation.setDeviceMetricsOverride",
        {
            "width": VIEWPORT_WIDTH,
            "height": VIEWPORT_HEIGHT,
            "screenWidth": VIEWPORT_WIDTH,
            "screenHeight": VIEWPORT_HEIGHT,
            "deviceScaleFactor": 1,
            "mobile": False,
        },
    ),
    # Each page behaves as the one the reader looks at, though several are open.
    ("Emulation.setFocusEmulationEnabled", {"enabled": True}),
    ("Page.addScriptToEvaluateOnNewDocument", {"source": _NO_SERVICE_WORKERS}),
]


class _Page:
    """One page of a prover's browser context, open in a target of its own: it is served from
    the site folder, and what happens to it while it loads is noted.

    `_on_event` runs in the thread that reads Chromium's pipe; the rest in the page's own.
    """

    def __init__(self, browser: cdp.Browser, site_dir: Path, url: str) -> None:
        self.browser = browser
        self.site_dir = site_dir
        self.url = url
        self.target: str | None = None
        self.session = ""
        self.loader = ""  # the page's own document, once it is navigated to
        # Below: what the events tell, under `changed`.
        self.changed = threading.Condition()
        self.arrived = False  # the main frame holds the page (before, the blank one)
        self.navigations: list[str] = []  # where it went from there
        self.status: int | None = None  # the answer to the page's own request
        self.loaded: set[str] = set()  # the documents that have fired their load event
        self.crashed = False

    def open(self, context: str) -> None:
        """Open a blank page in ``context`` and make it ready to load the URL."""
        self.target = self.browser.send(
            "Target.createTarget", {"url": "about:blank", "browserContextId": context}
        )["targetId"]
        self.session = self.browser.send(
            "Target.attachToTarget", {"targetId": self.target, "flatten": True}
        )["sessionId"]
        self.browser.listen(self.session, self._on_event)
        for method, params in _PAGE_SETUP:
            self.send(method, params)

    def send(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """Run one command in the page's session."""
        return self.browser.send(method, params, self.session)

    def navigate(self) -> str | None:
        """Load the page's URL: why it does not load, if it does not."""
        try:
            result = self.send("Page.navigate", {"url": self.url})
        except cdp.ProtocolError as error:
            return f"the page does not load: {error}"
        if result.get("errorText"):
            return f"the page does not load: {result['errorText']}"
        if self.status is None or not 200 <= self.status < 300:
            return f"the page does not load ({self.status or 'no response'})"
        self.loader = result["loaderId"]
        return None

    def wait_loaded(self) -> bool:
        """Wait until the page has loaded, navigated away or crashed (`False`: it did none of
        these in time)."""
        with self.changed:
            return self.changed.wait_for(
                lambda: self.loader in self.loaded or bool(self.navigations) or self.crashed,
                LOAD_TIMEOUT_MS / 1000,
            )

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page (a promise is awaited).

        Raises:
            cdp.ProtocolError: the expression threw, or the page cannot run it.
        """
        result = self.send(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
        )
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            thrown = details.get("exception", {}).get("description") or details.get("text")
            raise cdp.ProtocolError(str(thrown).split("\n")[0])
        return result["result"].get("value")

    def close(self) -> None:
        """Close the page, if it was opened."""
        if self.target is not None:
            self.browser.send("Target.closeTarget", {"targetId": self.target})

    def _on_event(self, method: str, params: dict[str, Any]) -> None:
        """One event of the page (in the pipe's reader thread: it only posts commands, never
        waits for them)."""
        if method == "Fetch.requestPaused":
            self._serve(params)
        elif method == "Page.frameNavigated" and "parentId" not in params["frame"]:
            self._went(params["frame"]["url"] + params["frame"].get("urlFragment", ""))
        elif method == "Page.navigatedWithinDocument" and params["frameId"] == self.target:
            self._went(params["url"])
        elif method == "Page.lifecycleEvent" and params["name"] == "load":
            if params["frameId"] == self.target:
                with self.changed:
                    self.loaded.add(params["loaderId"])
                    self.changed.notify_all()
        elif method == "Inspector.targetCrashed":
            with self.changed:
                self.crashed = True
                self.changed.notify_all()
        elif method == "Page.javascriptDialogOpening":
            # An alert or confirm would stop the page until someone answers: dismissed.
            self.browser.post("Page.handleJavaScriptDialog", {"accept": False}, self.session)

    def _went(self, url: str) -> None:
        """Note where the main frame went if it left the page being checked (a redirect is a
        failure: the reader would not see this page at all)."""
        with self.changed:
            if url.split("#")[0] == self.url:
                self.arrived = True
            elif self.arrived:  # not a late event of the blank page
                self.navigations.append(url)
                self.changed.notify_all()

    def _serve(self, params: dict[str, Any]) -> None:
        """Answer one paused request from the site folder."""
        answer = _serve_file(self.site_dir, params["request"]["url"])
        if answer is None:
            self.browser.post(
                "Fetch.failRequest",
                {"requestId": params["requestId"], "errorReason": "BlockedByClient"},
                self.session,
            )
            return
        status, kind, body = answer
        if params.get("resourceType") == "Document" and params.get("frameId") == self.target:
            with self.changed:
                self.status = self.status or status
        self.browser.post(
            "Fetch.fulfillRequest",
            {
                "requestId": params["requestId"],
                "responseCode": status,
                "responseHeaders": [{"name": "Content-Type", "value": kind}],
                "body": base64.b64encode(body).decode(),
            },
            self.session,
        )


class PageProver:
    """A fresh browser context of one headless Chromium, over one served site, for a whole
    verification run.

    Use as a context manager; `check` opens the pages and returns what is wrong with each
    wanted element.
    """

    def __init__(self, site_dir: Path, chromium: Chromium | None = None) -> None:
        self.site_dir = Path(site_dir).resolve()
        self.base = ORIGIN
        # A Chromium kept for many sites (a build's clinics), or one for this prover alone.
        self.chromium = chromium
        self.own: Chromium | None = None
        self._context: str | None = None

    def __enter__(self) -> PageProver:
        if self.chromium is None:
            self.own = self.chromium = Chromium()
        try:
            self.browser = self.chromium.browser()
            self._context = self.browser.send("Target.createBrowserContext")["browserContextId"]
            # A page that starts a download saves nothing.
            self.browser.send(
                "Browser.setDownloadBehavior",
                {"behavior": "deny", "browserContextId": self._context},
            )
        except (cdp.ProtocolError, cdp.BrowserGone) as error:
            self.__exit__(None, None, None)
            raise UnreadableOutput(f"cannot start Chromium: {error}") from None
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        if self._context is not None:
            try:
                self.browser.send(
                    "Target.disposeBrowserContext", {"browserContextId": self._context}
                )
            except (cdp.ProtocolError, cdp.BrowserGone):
                pass  # the browser is gone, and its contexts with it
            self._context = None
        if self.own is not None:
            self.own.stop()

    def check(self, pages: Mapping[str, Sequence[Wanted]]) -> dict[str, dict[str, list[str]]]:
        """Open pages and check every wanted element on each, as rendered.

        Each page loads, is watched for `SETTLE_MS` (a script that changes a page after it
        loaded has run by then), is measured and is closed; `PAGES_AT_ONCE` are open at once,
        so that one settles while the next loads.

        Args:
            pages: page path inside the site folder (``es/safety/index.html``) -> the
                elements it must show.

        Returns:
            Page path -> key -> the failed properties (short sentences); a key with no failure
            is absent. The key ``""`` holds failures of the page itself (it does not load, or
            navigates away).

        Raises:
            UnreadableOutput: Chromium exited, refused to open a page or stopped answering.
        """
        assert self.chromium is not None, "a prover checks pages inside its `with` block"
        with (
            self.chromium.turns.turn(len(pages)),
            ThreadPoolExecutor(PAGES_AT_ONCE, thread_name_prefix="page") as pool,
        ):
            proofs = {path: pool.submit(self._prove, path, pages[path]) for path in pages}
            try:
                return {path: proof.result() for path, proof in proofs.items()}
            except (cdp.ProtocolError, cdp.BrowserGone) as error:
                pool.shutdown(cancel_futures=True)
                raise UnreadableOutput(f"cannot prove the pages: {error}") from None

    def _prove(self, path: str, wanted: Sequence[Wanted]) -> dict[str, list[str]]:
        """Open one page, let it settle, and say what is wrong with each wanted element."""
        assert self._context is not None, "a prover checks pages inside its `with` block"
        assert self.chromium is not None
        # The page counts against the browser's limit from opening until it is closed.
        with self.chromium.pages:
            page = _Page(self.browser, self.site_dir, f"{self.base}/{path}")
            try:
                page.open(self._context)
                failure = page.navigate()
                if failure is not None:
                    return {"": [failure]}
                if not page.wait_loaded():
                    return {"": [f"the page does not load within {LOAD_TIMEOUT_MS // 1000} s"]}
                try:
                    # Looked at before the page settles: the refresh may be aborted by then.
                    refresh = page.evaluate(f"({_REFRESH})()")
                except cdp.ProtocolError:  # the page is being replaced: it navigates away
                    refresh = [] if page.navigations else ["(navigation while loading)"]
                if refresh:
                    page.navigations.append(
                        f'<meta http-equiv="refresh" content="{refresh[0]}">, which sends the '
                        "reader away"
                    )
                time.sleep(SETTLE_MS / 1000)
                return self._measure(page, wanted)
            finally:
                page.close()

    def _measure(self, page: _Page, wanted: Sequence[Wanted]) -> dict[str, list[str]]:
        """What is wrong with each wanted element of one loaded, settled page."""
        problems: dict[str, list[str]] = {}
        if page.crashed:
            return {"": [cdp.PAGE_CRASHED]}
        if page.navigations:
            problems[""] = [f"the page navigates away to {target}" for target in page.navigations]
        argument = {
            "items": [{"key": w.key, "selector": w.selector} for w in wanted],
            "minFont": MIN_FONT_PX,
        }
        try:
            facts = page.evaluate(f"({_PROBE})({json.dumps(argument)})")
            hidden_from_ax = self._ax_ignored(page, wanted)
        except cdp.ProtocolError as error:
            problems.setdefault("", []).append(f"the browser could not check the page: {error}")
            return problems
        for want in wanted:
            fact = facts[want.key]
            failed = list(fact["failures"])
            if fact["found"] and want.key in hidden_from_ax:
                failed.append(f"not exposed in the accessibility tree ({hidden_from_ax[want.key]})")
            if fact["found"]:
                for contrast, where in fact["contrasts"]:
                    if contrast < MIN_CONTRAST:
                        failed.append(
                            f"text contrast {contrast:.2f}:1 against its background "
                            f"(at least {MIN_CONTRAST}:1) in {where}"
                        )
                        break
                shown = normalise(fact["text"])
                if shown != normalise(want.text):
                    failed.append(f"rendered text is {shown!r}, expected {normalise(want.text)!r}")
            if failed:
                problems[want.key] = failed
        return problems

    def _ax_ignored(self, page: _Page, wanted: Sequence[Wanted]) -> dict[str, str]:
        """Key -> why Chromium's accessibility tree leaves the element out (absent: exposed)."""
        page.send("DOM.enable")
        page.send("Accessibility.enable")
        root = page.send("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
        ignored = {}
        for want in wanted:
            found = page.send("DOM.querySelectorAll", {"nodeId": root, "selector": want.selector})
            nodes = found["nodeIds"]
            if len(nodes) != 1:
                continue  # absent or duplicated: the probe already says so
            tree = page.send(
                "Accessibility.getPartialAXTree", {"nodeId": nodes[0], "fetchRelatives": False}
            )["nodes"]
            node: dict[str, Any] = tree[0] if tree else {"ignored": True}
            if node.get("ignored"):
                reasons = [r.get("name", "") for r in node.get("ignoredReasons") or []]
                ignored[want.key] = ", ".join(reasons) or "ignored"
        return ignored


_REFRESH = (
    "() => [...document.querySelectorAll('meta[http-equiv]')]"
    ".filter(m => m.httpEquiv.toLowerCase() === 'refresh').map(m => m.content)"
)
# Runs in the page: for each wanted element, what a reader gets from it. Only facts come back
# (and the failed properties that need no threshold); the verdict stays in Python.
_PROBE = r"""
({items, minFont}) => {
  // Make every element hit-testable, so that an overlay with pointer-events: none is seen.
  const probeStyle = document.createElement('style');
  probeStyle.textContent = '*, *::before, *::after { pointer-events: auto !important; }';
  document.head.appendChild(probeStyle);
  const parse = (c) => {
    const m = c.match(/rgba?\(([^)]+)\)/);
    if (!m) return null;
    const p = m[1].split(/[ ,\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const over = (top, below) => {
    const a = top[3];
    return [0, 1, 2].map(i => top[i] * a + below[i] * (1 - a)).concat([1]);
  };
  const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (el.classList.length ? '.' + [...el.classList].join('.') : '');
  // The colour behind an element: its own and its ancestors' backgrounds, composited over
  // the canvas (white). A background image cannot be proven to leave the text readable.
  const background = (el) => {
    const layers = [];
    for (let n = el; n; n = n.parentElement) {
      const s = getComputedStyle(n);
      if (s.backgroundImage !== 'none') return {image: name(n)};
      const c = parse(s.backgroundColor);
      if (c && c[3] > 0) { layers.push(c); if (c[3] >= 1) break; }
    }
    let colour = [255, 255, 255, 1];
    for (const layer of layers.reverse()) colour = over(layer, colour);
    return {colour};
  };
  const opacity = (el) => {
    let o = 1;
    for (let n = el; n; n = n.parentElement) o *= Number(getComputedStyle(n).opacity);
    return o;
  };
  // The text as rendered: generated content included, hidden parts left out.
  const generated = (el, pseudo) => {
    const s = getComputedStyle(el, pseudo);
    if (!s.content || s.content === 'none' || s.content === 'normal') return '';
    if (s.display === 'none') return '';
    let out = '';
    const re = new RegExp([/"((?:[^"\\]|\\.)*)"/, /'((?:[^'\\]|\\.)*)'/,
                           /attr\(\s*([\w-]+)\s*\)/, /(counters?\([^)]*\))/]
                          .map(r => r.source).join('|'), 'g');
    let m;
    while ((m = re.exec(s.content))) {
      if (m[1] !== undefined || m[2] !== undefined) {
        out += (m[1] ?? m[2]).replace(/\\([0-9a-fA-F]{1,6})\s?/g,
          (_, h) => String.fromCodePoint(parseInt(h, 16))).replace(/\\(.)/g, '$1');
      } else if (m[3]) out += el.getAttribute(m[3]) || '';
      else out += '\u0000' + m[4];
    }
    return out;
  };
  const rendered = (node) => {
    if (node.nodeType === Node.TEXT_NODE) return node.data;
    if (node.nodeType !== Node.ELEMENT_NODE) return '';
    const s = getComputedStyle(node);
    if (s.display === 'none') return '';
    if (!node.checkVisibility({opacityProperty: true, visibilityProperty: true})) {
      return '';
    }
    let out = generated(node, '::before');
    for (const child of node.childNodes) out += rendered(child);
    out += generated(node, '::after');
    const block = !s.display.startsWith('inline') && s.display !== 'contents';
    return block ? ' ' + out + ' ' : out;
  };
  const textRects = (el) => {
    const out = [];
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let t = walker.nextNode(); t; t = walker.nextNode()) {
      if (!t.data.trim()) continue;
      const range = document.createRange();
      range.selectNodeContents(t);
      for (const r of range.getClientRects()) if (r.width > 0 && r.height > 0) out.push([t, r]);
    }
    return out;
  };
  // Whether an element (or one of its pseudo-elements) paints a box that hides what is below.
  const paints = (el, pseudo) => {
    const s = getComputedStyle(el, pseudo);
    if (pseudo && (s.content === 'none' || s.content === 'normal')) return false;
    const bg = parse(s.backgroundColor);
    return ((bg && bg[3] > 0) || s.backgroundImage !== 'none') && Number(s.opacity) > 0;
  };
  const REPLACED = ['IMG', 'SVG', 'CANVAS', 'VIDEO', 'IFRAME', 'OBJECT', 'EMBED'];
  const result = {};
  for (const {key, selector} of items) {
    const fact = {found: false, failures: [], contrasts: [], text: ''};
    result[key] = fact;
    const found = document.querySelectorAll(selector);
    if (found.length === 0) { fact.failures.push('not in the page (DOM)'); continue; }
    // More than one is the static check's verdict (duplicated); the first is proven here.
    const el = found[0];
    fact.found = true;
    fact.text = rendered(el);
    const closedDetails = el.closest('details:not([open])');
    if (closedDetails && !el.closest('summary')) fact.failures.push('inside a closed <details>');
    const dialog = el.closest('dialog');
    if (dialog && !dialog.open) fact.failures.push('inside a closed <dialog>');
    if (!el.checkVisibility({opacityProperty: true, visibilityProperty: true,
                             contentVisibilityAuto: true})) {
      fact.failures.push('not visible (checkVisibility: display, visibility or opacity)');
    }
    const ariaHidden = el.closest('[aria-hidden="true"], [inert]');
    if (ariaHidden) fact.failures.push(`hidden from assistive technology by ${name(ariaHidden)}`);
    for (let n = el; n; n = n.parentElement) {
      const s = getComputedStyle(n);
      if (s.clipPath !== 'none') {
        fact.failures.push(`clipped by clip-path on ${name(n)}`); break;
      }
      if (s.filter !== 'none') { fact.failures.push(`filter "${s.filter}" on ${name(n)}`); break; }
      if (s.clip && s.clip !== 'auto' && s.position === 'absolute') {
        fact.failures.push(`clipped by clip on ${name(n)}`); break;
      }
    }
    const box = el.getBoundingClientRect();
    const docW = document.documentElement.scrollWidth, docH = document.documentElement.scrollHeight;
    const left = box.left + scrollX, top = box.top + scrollY;
    if (box.width < 1 || box.height < 1) {
      fact.failures.push(`empty box (${box.width.toFixed(1)} x ${box.height.toFixed(1)} px)`);
    } else if (left < 0 || top < 0 || left + box.width > docW + 1 || top + box.height > docH + 1) {
      fact.failures.push(
        `its box is outside the document (at ${left.toFixed(0)}, ${top.toFixed(0)})`);
    }
    // The scale transforms give it: the box as drawn against the box as laid out.
    const scale = el.offsetHeight > 0 ? box.height / el.offsetHeight : 1;
    const rects = textRects(el);
    if (!rects.length && !fact.failures.length) fact.failures.push('no text drawn');
    const seenStyles = new Set();
    let smallest = Infinity, coverName = null, clipName = null;
    for (let k = 0; k < rects.length; k++) {
      // Measured afresh: hit-testing may have scrolled the page since.
      const [textNode, r] = textRects(el)[k] || rects[k];
      const parent = textNode.parentElement;
      if (!seenStyles.has(parent)) {
        seenStyles.add(parent);
        const s = getComputedStyle(parent);
        smallest = Math.min(smallest, parseFloat(s.fontSize) * scale);
        let fg = parse(s.webkitTextFillColor) || parse(s.color) || [0, 0, 0, 1];
        const back = background(parent);
        if (back.image) {
          fact.contrasts.push([0, `text on a background image (${back.image})`]);
        } else {
          fg = [fg[0], fg[1], fg[2], fg[3] * opacity(parent)];
          const shown = over(fg, back.colour);
          const [a, b] = [lum(shown), lum(back.colour)];
          fact.contrasts.push([(Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05), name(parent)]);
        }
      }
      // Clipped by an ancestor's overflow: the visible part of the text box shrinks.
      for (let n = parent; n && n !== document.documentElement && !clipName; n = n.parentElement) {
        const s = getComputedStyle(n);
        if (s.overflowX === 'visible' && s.overflowY === 'visible') continue;
        const c = n.getBoundingClientRect();
        if (r.left < c.left - 1 || r.right > c.right + 1 || r.top < c.top - 1 ||
            r.bottom > c.bottom + 1) {
          if (n.scrollHeight > n.clientHeight + 1 || n.scrollWidth > n.clientWidth + 1) {
            if (s.overflowY !== 'hidden' && s.overflowY !== 'clip' && s.overflowX !== 'hidden' &&
                s.overflowX !== 'clip') continue;  // the reader can scroll to it
          }
          clipName = name(n);
        }
      }
      // Covered: hit-test points across each line of text.
      if (!coverName) {
        let q = r;
        // Hit-testing sees only the viewport; mid-viewport, no sticky header or footer is on it.
        if (r.top < innerHeight * 0.25 || r.bottom > innerHeight * 0.75) {
          window.scrollTo(0, Math.max(0, r.top + scrollY - innerHeight / 2));
          const moved = textRects(el)[k];
          q = moved ? moved[1] : r;
        }
        for (const fx of [0.1, 0.3, 0.5, 0.7, 0.9]) {
          const x = q.left + q.width * fx, y = q.top + q.height / 2;
          if (x < 0 || y < 0 || x >= innerWidth || y >= innerHeight) continue;
          const stack = document.elementsFromPoint(x, y);
          for (const top of stack) {
            if (top === parent || parent.contains(top)) break;
            if (top.contains(parent)) {
              // An ancestor hit above its own text: one of its pseudo-elements lies on top.
              const pseudo = ['::before', '::after'].find(p => paints(top, p));
              if (pseudo) { coverName = name(top) + pseudo; break; }
              continue;
            }
            const s = getComputedStyle(top);
            const drawn = paints(top, null) || REPLACED.includes(top.tagName.toUpperCase()) ||
              [...top.childNodes].some(c => c.nodeType === 3 && c.data.trim());
            if (drawn && Number(s.opacity) > 0) { coverName = name(top); break; }
          }
          if (coverName) break;
        }
      }
    }
    if (clipName) fact.failures.push(`clipped by the overflow of ${clipName}`);
    if (coverName) fact.failures.push(`covered by ${coverName}`);
    if (smallest < minFont) {
      fact.failures.push(`font size ${smallest.toFixed(1)} px as drawn (at least ${minFont} px)`);
    }
  }
  probeStyle.remove();
  window.scrollTo(0, 0);
  return result;
}
"""
