"""The headless Chromium that proves the pages: started when first needed, shared by a build's
clinics, with how many pages and sites it proves at once."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from careleaf.verify import cdp
from careleaf.verify.readback import UnreadableOutput

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
# How many times a browser is started before a build gives up on it (see `Chromium.browser`).
LAUNCH_ATTEMPTS = 2
# How long Chromium may take to answer one command before it is taken for hung.
COMMAND_TIMEOUT_S = 30.0
# How many pages are open at once. Each open page holds its document and scripts in the
# renderer (about 40 MB for a page of the site), and a page waits after it loads
# (`careleaf.verify.prover.SETTLE_MS`): with two, one page loads or is measured while the
# other settles.
PAGES_AT_ONCE = 2
# How many sites' pages are proven at once, their pages counted together against
# PAGES_AT_ONCE. Each site's pages have a browser context, and so a renderer process, of
# their own: a site with more pages to prove than PAGES_AT_ONCE (a full build's) has the
# browser to itself, as with two such sites at once the 20-clinic build's peak memory rose
# from 526 to 646 MB for a clinic's turn about 4% shorter. Sites with that many pages or
# fewer (a build after an edit proves a page or two per clinic) share it: their pages' loads
# and settling overlap, where one site at a time waited for each page in turn.
SITES_AT_ONCE = 2


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
