"""`careleaf serve`: a live preview of one clinic's site, on MkDocs' live-reload server.

Every source folder is watched; an edit rebuilds only the sites and handouts it reaches, with
the pipeline's own phases (`careleaf.build.preview.Preview`).
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import watchdog.events
from mkdocs.livereload import LiveReloadServer

from careleaf import compat
from careleaf.build.preview import Affected, Preview, affected, next_round, watch_list
from careleaf.build.publish import old_dir
from careleaf.errors import CareleafError
from careleaf.options import BuildOptions
from careleaf.site.engine import show_mkdocs_messages, site_engine

log = logging.getLogger("mkdocs.careleaf")


class PreviewServer(LiveReloadServer):
    """MkDocs' live-reload server, told which files changed so that it rebuilds only those."""

    def __init__(
        self, preview: Preview, host: str, port: int, ready: Callable[[], None] = lambda: None
    ) -> None:
        super().__init__(builder=self._rebuild, host=host, port=port, root=str(preview.site))
        self.preview = preview
        self.ready = ready
        self.changed: set[Path] = set()
        # What earlier rounds left to rebuild (`careleaf.build.preview.next_round`).
        self.later = Affected()

    def server_activate(self) -> None:
        """Listen, then say so (``ready``): MkDocs' server binds its address only once it is
        told to serve, and a request sent before that is refused."""
        super().server_activate()
        self.ready()

    def watch_sources(self, paths: list[Path]) -> None:
        """Watch these files and folders, remembering each file that changes."""
        handler = watchdog.events.FileSystemEventHandler()
        handler.on_any_event = self._on_event  # type: ignore[method-assign]
        for path in paths:
            compat.watch_path(self, path, handler)

    def _on_event(self, event: watchdog.events.FileSystemEvent) -> None:
        if event.is_directory:
            return
        with compat.rebuild_lock(self):
            for name in (event.src_path, getattr(event, "dest_path", "")):
                if name:
                    self.changed.add(Path(os.fsdecode(name)))
            compat.request_rebuild(self)

    def _rebuild(self) -> None:
        with compat.rebuild_lock(self):
            changed, self.changed = self.changed, set()
        started = time.perf_counter()
        try:
            library = self.preview.library(changed)
            wanted = affected(self.preview.root, library, changed, self.preview.languages(library))
            now, later = next_round(wanted, self.later, fresh=bool(changed))
            self.preview.build(library, now)
        except CareleafError as error:
            self.later = Affected()
            log.error(
                "careleaf: the preview was not rebuilt; still serving the last good site:\n%s",
                error,
            )
            return
        log.info(
            "careleaf: rebuilt %s in %.1f s",
            ", ".join(now.sites) or "the handouts",
            time.perf_counter() - started,
        )
        self.later = later
        if later.sites or later.handouts:
            with compat.rebuild_lock(self):
                compat.request_rebuild(self)


def serve(
    root: Path,
    clinic_id: str,
    host: str = "127.0.0.1",
    port: int = 8000,
    options: BuildOptions = BuildOptions(),
    *,
    site: Path | None = None,
    ready: Callable[[], None] = lambda: None,
) -> None:
    """Serve a live preview of one clinic's site until interrupted.

    Every source folder is watched (`careleaf.build.preview.watch_list`); an edit rebuilds
    only the sites and handouts it reaches (`careleaf.build.preview.affected`).
    ``options.preview``: a language's marked preview instead (it and the source language),
    kept in ``site`` after it stops; by default the site is served from a temporary folder.
    ``ready`` is called once the server listens.

    Raises:
        BuildError: the first build failed (later failures are shown, and the last good
            site is served).
        OSError: the address cannot be listened on.
    """
    # The server's lines (where it serves, what it rebuilt) are the preview's interface.
    show_mkdocs_messages(logging.INFO)
    built = Preview(
        root,
        clinic_id,
        site_engine(root, options),
        options,
        site=site,
        progress=lambda event: log.info("careleaf: %s", event),
    )
    try:
        library = built.library()
        languages = tuple(built.languages(library))
        built.build(library, Affected(languages, languages))
        server = PreviewServer(built, host, port, ready)
        server.watch_sources(watch_list(root, library))
        server.serve()
    except KeyboardInterrupt:
        pass
    finally:
        if "server" in locals():
            server.shutdown()
        shutil.rmtree(built.work, ignore_errors=True)
        if site is None:
            shutil.rmtree(built.site, ignore_errors=True)
            # The rebuild before the last one, kept beside it (`publish`): temporary too.
            shutil.rmtree(old_dir(built.site), ignore_errors=True)
