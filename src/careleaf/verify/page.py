"""One page open in Chromium for a proof: served from the site folder, and watched while it
loads (where it goes, whether it loads or crashes)."""

from __future__ import annotations

import base64
import threading
from importlib import resources
from pathlib import Path
from typing import Any

from careleaf.verify import cdp
from careleaf.verify.site_server import serve_file

VIEWPORT_WIDTH, VIEWPORT_HEIGHT = 1280, 900
# How long a page may take to load.
LOAD_TIMEOUT_MS = 15_000
# Blocks service workers (see the script's own comment).
_NO_SERVICE_WORKERS = (
    resources.files("careleaf.verify").joinpath("no-service-workers.js").read_text("utf-8")
)
# Sent to every page before it loads.
_PAGE_SETUP: list[tuple[str, dict[str, Any]]] = [
    ("Page.enable", {}),
    # Tells which document fired its load event (the page's own, not the blank one before).
    ("Page.setLifecycleEventsEnabled", {"enabled": True}),
    # Every request of the page is answered by `Page._serve`, those of its workers too (the
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


class Page:
    """One page of a prover's browser context (`careleaf.verify.prover.PageProver`), open in
    a target of its own: it is served from the site folder (`careleaf.verify.site_server`),
    and what happens to it while it loads is noted.

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
        answer = serve_file(self.site_dir, params["request"]["url"])
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
