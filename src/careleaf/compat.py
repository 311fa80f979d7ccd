"""Every reach into another library's private parts, in one place.

Each function here uses a name its library does not promise to keep; `tests/test_compat.py`
checks each name by itself, so that an upgrade that removes one fails a test that names it,
not a build in some far corner. Nothing here imports mkdocs: the site adapter passes its
objects in.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any


def stop_fork_server() -> None:
    """Stop the fork server that started the build's workers, when no more handouts are to
    render.

    It stays once its pool is shut down, holding WeasyPrint and careleaf imported (about 90 MB)
    for the next pool; a build needs no other pool, and its sites and verification come next.
    `multiprocessing` offers no public way to stop it: this uses the method CPython's own
    tests use (``multiprocessing.forkserver._forkserver._stop``), and does nothing where it
    is missing (a later pool starts a new server).
    """
    from multiprocessing import forkserver

    stop = getattr(getattr(forkserver, "_forkserver", None), "_stop", None)
    if callable(stop):
        stop()


def watch_path(server: Any, path: Path, handler: Any) -> None:
    """Have MkDocs' live-reload ``server`` watch ``path`` with a watchdog ``handler`` of our
    own (its ``watch`` rebuilds everything on any change; ours records which file changed).

    Uses the server's private ``_watched_paths`` (so that it lists the path when it starts)
    and its watchdog ``observer``.
    """
    server._watched_paths[str(path)] = 1
    server.observer.schedule(handler, str(path), recursive=path.is_dir())


def rebuild_lock(server: Any) -> threading.Condition:
    """The condition MkDocs' live-reload ``server`` guards its rebuilds with (private
    ``_rebuild_cond``)."""
    condition: threading.Condition = server._rebuild_cond
    return condition


def request_rebuild(server: Any) -> None:
    """Ask MkDocs' live-reload ``server`` for a rebuild, as its own file watcher does (private
    ``_want_rebuild``); call it holding `rebuild_lock`."""
    server._want_rebuild = True
    server._rebuild_cond.notify_all()


def cmudict_loader() -> Callable[[], Any] | None:
    """textstat's loader of the CMU pronouncing dictionary (private
    ``textstat.backend.utils._get_cmudict.get_cmudict``), or None where it is not there."""
    try:
        from textstat.backend.utils._get_cmudict import get_cmudict
    except ImportError:
        return None
    return get_cmudict


# Material for MkDocs' search worker, in its theme folder (the name carries a content hash).
MATERIAL_WORKERS = "assets/javascripts/workers"


@functools.cache
def material_search_worker(theme_dirs: tuple[str, ...]) -> str:
    """The path of Material's search worker in its theme (``theme_dirs``: the theme's
    folders, MkDocs' ``config.theme.dirs``), such as
    ``assets/javascripts/workers/search.a7633da7.min.js``: a name Material changes with every
    release.

    Raises:
        BuildError: no theme folder holds exactly one such worker.
    """
    from careleaf.errors import BuildError

    for folder in theme_dirs:
        found = sorted((Path(folder) / MATERIAL_WORKERS).glob("search.*.min.js"))
        if len(found) == 1:
            return f"{MATERIAL_WORKERS}/{found[0].name}"
    raise BuildError(
        f"Material's search worker ({MATERIAL_WORKERS}/search.*.min.js) is not in the theme: "
        "careleaf's search cannot extend it"
    )


def replace_search_worker(html: str, material: str, careleaf: str) -> str:
    """A page's HTML with its search worker changed from Material's (``material``, a path in
    the site) to careleaf's: Material's base.html names the worker once, in the page's
    ``__config`` JSON, at an address relative to the page that ends with that path.

    Raises:
        BuildError: the page does not name Material's worker exactly once.
    """
    from careleaf.errors import BuildError

    named = f'{material}"'
    if html.count(named) != 1:
        raise BuildError(
            f"the page does not name Material's search worker ({material}) once: careleaf's "
            "search cannot replace it"
        )
    return html.replace(named, f'{careleaf}"')


def mark_actual_text(marked: Callable[[str], bool]) -> None:
    """Have WeasyPrint write the text of each run of text ``marked`` picks as the run's
    ``/ActualText`` (PDF 32000-1, 14.9.4), so that copying, searching and screen readers get
    that text in logical order, not what the glyphs' ToUnicode map spells (in Bengali, a
    conjunct's glyph maps to one letter of its cluster, a vowel sign drawn first comes first).

    WeasyPrint draws each text box (one line of an inline box) with the private
    ``weasyprint.draw.draw_text``, inside the ``/Span <</MCID n>> BDC`` of its structure
    element when the PDF is tagged: the box's text goes into that property list, or, untagged,
    into a ``/Span`` of its own around the run. Installed once per process (the build's
    workers are forked with it), for one ``marked``: installing another raises ValueError,
    since every handout of the process would change. The same document gives the same bytes.
    """
    import pydyf
    from weasyprint import draw

    installed = getattr(draw.draw_text, "careleaf_actual_text", None)
    if installed is not None:
        if installed is not marked:
            raise ValueError("WeasyPrint already marks /ActualText for other runs of text")
        return
    original = draw.draw_text

    def draw_text(stream: Any, textbox: Any, *args: Any, **kwargs: Any) -> Any:
        text = textbox.text
        if not text.strip() or not marked(text):
            return original(stream, textbox, *args, **kwargs)
        ops = stream.stream
        if len(ops) >= 3 and ops[-1] == b"BDC" and isinstance(ops[-2], pydyf.Dictionary):
            ops[-2]["ActualText"] = pydyf.String(text)
            return original(stream, textbox, *args, **kwargs)
        stream.begin_marked_content("Span", pydyf.Dictionary({"ActualText": pydyf.String(text)}))
        try:
            return original(stream, textbox, *args, **kwargs)
        finally:
            stream.end_marked_content()

    draw_text.careleaf_actual_text = marked  # type: ignore[attr-defined]
    draw.draw_text = draw_text
