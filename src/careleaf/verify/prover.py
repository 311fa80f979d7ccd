"""Proves protected elements on the built pages as a reader sees them, in headless Chromium."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from careleaf.verify import cdp
from careleaf.verify.browser import PAGES_AT_ONCE, Chromium
from careleaf.verify.page import LOAD_TIMEOUT_MS, Page
from careleaf.verify.readback import UnreadableOutput, normalise
from careleaf.verify.site_server import ORIGIN

# How long a page is watched after it loads for scripts that change it (timers, observers)
# before its elements are measured.
SETTLE_MS = 300
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


# Run in the page: where its refresh sends the reader, and for each wanted element what a
# reader gets from it (the scripts say more).
_REFRESH = resources.files("careleaf.verify").joinpath("refresh.js").read_text("utf-8")
_PROBE = resources.files("careleaf.verify").joinpath("probe.js").read_text("utf-8")


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
            page = Page(self.browser, self.site_dir, f"{self.base}/{path}")
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

    def _measure(self, page: Page, wanted: Sequence[Wanted]) -> dict[str, list[str]]:
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

    def _ax_ignored(self, page: Page, wanted: Sequence[Wanted]) -> dict[str, str]:
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
