"""The published folder is replaced in one step (`careleaf.build.publish.publish`): a reader
never finds it missing or mixed, and the previous build is kept until the next publish."""

from __future__ import annotations

import json
import os
import sys
import threading
from pathlib import Path

import pytest

from careleaf.build import publish as publishing
from careleaf.build.publish import exchange, old_dir, publish, staging_dir


def staged(final: Path, tag: str) -> Path:
    """A small built tree beside ``final``: several pages and a manifest, all saying ``tag``."""
    built = staging_dir(final)
    for page in ("", "es/", "bn/", "a/", "b/"):
        (built / page).mkdir(parents=True, exist_ok=True)
        (built / page / "index.html").write_text(tag, encoding="utf-8")
    (built / "careleaf-manifest.json").write_text(json.dumps({"tag": tag}), encoding="utf-8")
    return built


def read_at(folder: int, name: str) -> str:
    """A small file's text, inside the open folder ``folder``."""
    fd = os.open(name, os.O_RDONLY, dir_fd=folder)
    try:
        return os.read(fd, 1 << 16).decode()
    finally:
        os.close(fd)


def still_named(site: Path, folder: int) -> bool:
    """Whether ``site`` still names the open folder ``folder``."""
    try:
        now = os.stat(site)
    except FileNotFoundError:
        return False
    opened = os.fstat(folder)
    return opened.st_nlink > 0 and (opened.st_dev, opened.st_ino) == (now.st_dev, now.st_ino)


def poll(
    site: Path, stop: threading.Event, seen: list[str], problems: list[str], pause: float
) -> None:
    """Look at ``site`` until ``stop``: every time its home page must be there, and the
    manifest must parse and name the same build as the page (through one open folder, so
    that both are read from the tree the path named at that moment)."""
    while not stop.is_set():
        try:
            folder = os.open(site, os.O_RDONLY | os.O_DIRECTORY)
        except FileNotFoundError:
            problems.append("the site folder was missing")
            continue
        try:
            tag = read_at(folder, "index.html")
            named = json.loads(read_at(folder, "careleaf-manifest.json"))["tag"]
        except (OSError, ValueError) as error:
            # A tree retired since it was opened (being removed two publishes later, file by
            # file, on a loaded machine) is no problem: the path named a whole tree when it
            # was opened. Only the tree the path still names must be whole.
            if still_named(site, folder):
                problems.append(f"unreadable: {error!r}")
            continue
        finally:
            os.close(folder)
        if tag != named:
            problems.append(f"a mixed tree: page {tag!r}, manifest {named!r}")
        seen.append(tag)
        stop.wait(pause)


def publish_many(site: Path, times: int, pause: float = 0.001) -> list[str]:
    """Publish ``times`` builds into ``site`` while a thread polls it (every ``pause``
    seconds); returns what it found wrong."""
    publish(staged(site, "build 0"), site)
    stop = threading.Event()
    seen: list[str] = []
    problems: list[str] = []
    reader = threading.Thread(target=poll, args=(site, stop, seen, problems, pause))
    reader.start()
    try:
        for n in range(1, times + 1):
            publish(staged(site, f"build {n}"), site)
            # The previous build is kept beside it, whole, until the next publish.
            assert (old_dir(site) / "careleaf-manifest.json").is_file()
            assert json.loads((old_dir(site) / "careleaf-manifest.json").read_text()) == {
                "tag": f"build {n - 1}"
            }
    finally:
        stop.set()
        reader.join()
    assert (site / "index.html").read_text() == f"build {times}"
    assert len(set(seen)) > 1  # the reader did see builds change
    return problems


def test_a_reader_never_sees_a_missing_or_mixed_site_during_publishes(tmp_path: Path) -> None:
    assert publish_many(tmp_path / "site", 300) == []
    assert not staging_dir(tmp_path / "site").exists()


def test_the_two_renames_it_replaced_leave_moments_without_a_site(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where the swap is not available (`exchange` returns False), publishing falls back to
    two renames, which a reader can catch between: what this test shows the swap avoids."""
    monkeypatch.setattr(publishing, "exchange", lambda first, second: False)
    # The reader polls without a pause, and Python lets it run as soon as the publisher
    # waits in a system call (the window between the renames is one system call long).
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        # A few rounds at most: the window is short, and a loaded machine may miss it once.
        for attempt in range(5):
            problems = publish_many(tmp_path / f"site{attempt}", 300, pause=0)
            if "the site folder was missing" in problems:
                break
    finally:
        sys.setswitchinterval(interval)
    assert "the site folder was missing" in problems


def test_exchange_swaps_two_folders(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    (first / "one").touch()
    (second / "two").touch()
    assert exchange(first, second)  # Linux, on a filesystem that can (tmp_path)
    assert [p.name for p in first.iterdir()] == ["two"]
    assert [p.name for p in second.iterdir()] == ["one"]
    with pytest.raises(FileNotFoundError):
        exchange(first, tmp_path / "missing")


def test_a_crash_between_the_fallbacks_renames_keeps_the_old_build(tmp_path: Path) -> None:
    """No site, and the last build kept beside it (a crash between the fallback's two
    renames): the next publish puts the new one in place and keeps the old one still."""
    site = tmp_path / "site"
    kept = staged(site, "build 0")
    kept.rename(old_dir(site))
    publish(staged(site, "build 1"), site)
    assert (site / "index.html").read_text() == "build 1"
    assert (old_dir(site) / "index.html").read_text() == "build 0"
