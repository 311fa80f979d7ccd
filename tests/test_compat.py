"""Each private name `careleaf.compat` relies on, checked by itself: an upgrade that removes
one fails the test that names it."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
import watchdog.events

from careleaf import compat
from careleaf.errors import BuildError


def test_multiprocessing_forkserver_still_has_its_stop_method() -> None:
    from multiprocessing import forkserver

    assert callable(forkserver._forkserver._stop)


def test_mkdocs_livereload_server_still_has_the_attributes_the_preview_uses(
    tmp_path: Path,
) -> None:
    from mkdocs.livereload import LiveReloadServer

    server = LiveReloadServer(builder=lambda: None, host="127.0.0.1", port=0, root=str(tmp_path))
    try:
        assert isinstance(server._watched_paths, dict)
        assert isinstance(compat.rebuild_lock(server), threading.Condition)
        compat.watch_path(server, tmp_path, watchdog.events.FileSystemEventHandler())
        assert str(tmp_path) in server._watched_paths
        with compat.rebuild_lock(server):
            compat.request_rebuild(server)
        assert server._want_rebuild is True
    finally:
        server.server_close()


def test_textstat_still_has_its_cmu_dictionary_loader() -> None:
    loader = compat.cmudict_loader()
    assert loader is not None and hasattr(loader, "cache_clear")


def test_material_still_ships_one_search_worker_and_names_it_in_its_pages() -> None:
    import material

    templates = Path(material.__file__).parent / "templates"
    worker = compat.material_search_worker((str(templates),))
    assert (templates / worker).is_file()
    # base.html names it once, in the page's configuration, which careleaf rewrites.
    assert (templates / "base.html").read_text(encoding="utf-8").count(f'"{worker}"') == 1
    with pytest.raises(BuildError, match="not in the theme"):
        compat.material_search_worker((str(templates / "partials"),))


def test_weasyprint_still_draws_text_with_draw_text_inside_a_marked_span() -> None:
    import inspect

    from weasyprint import draw
    from weasyprint.pdf.stream import Stream

    assert callable(draw.draw_text)
    # Each text box is drawn inside `stream.marked(box, "Span")`, whose property list the
    # hook adds /ActualText to.
    assert "with stream.marked(child, 'Span'):" in inspect.getsource(draw.draw_inline_level)
    assert "begin_marked_content" in inspect.getsource(Stream.marked)


def test_marking_actual_text_wraps_weasyprint_once() -> None:
    from weasyprint import draw

    from careleaf.render.handouts import needs_actual_text

    compat.mark_actual_text(needs_actual_text)
    wrapped = draw.draw_text
    compat.mark_actual_text(needs_actual_text)
    assert draw.draw_text is wrapped and wrapped.careleaf_actual_text is needs_actual_text
    # Another choice of runs would change every handout the process renders: refused.
    with pytest.raises(ValueError, match="already marks /ActualText"):
        compat.mark_actual_text(lambda text: True)
