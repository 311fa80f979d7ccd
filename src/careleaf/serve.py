"""Serve a built preview on this computer, and rebuild it whenever the project's files change."""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

# What a preview is built from (the preview itself, in .preview/, is not watched).
WATCHED = ("careleaf.yml", "mkdocs.yml", "content", "docs", "handouts", "clinics")


def snapshot(root: Path) -> dict[str, int]:
    """Every watched file of the project with its modification time, by path."""
    files: dict[str, int] = {}
    for name in WATCHED:
        path = root / name
        found = [path] if path.is_file() else sorted(path.rglob("*")) if path.is_dir() else []
        for file in found:
            if file.is_file():
                files[file.relative_to(root).as_posix()] = file.stat().st_mtime_ns
    return files


def serve(
    folder: Path,
    address: tuple[str, int],
    root: Path,
    rebuild: Callable[[], None],
    ready: Callable[[], None],
    *,
    interval: float = 1.0,
) -> None:
    """Serve ``folder`` until Ctrl+C; call ``rebuild`` after a watched file of ``root`` changes.

    ``ready`` is called once the server listens.

    ``rebuild`` replaces ``folder``'s content (a failed rebuild should leave it as it was); the
    server reads the folder afresh for every request.

    Raises:
        OSError: the address cannot be listened on.
    """
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(folder))
    server = ThreadingHTTPServer(address, handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        ready()
        seen = snapshot(root)
        while True:
            time.sleep(interval)
            now = snapshot(root)
            if now != seen:
                rebuild()
                seen = snapshot(root)
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()
        server.server_close()
