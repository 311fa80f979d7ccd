"""Faults during a build: killed at random moments, two at once, a full disk, a damaged cache
entry or manifest. After each, what is published verifies, and the next build succeeds.

A reader polls the published folder all along: at every moment it must find a whole tree, the
manifest's every file present with its recorded SHA-256 (`careleaf.build.publish.publish`).
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_swap import read_at

from careleaf.build.lock import output_lock
from careleaf.build.publish import staging_dir
from careleaf.cli.main import main

# Fixed, so that an unchanged project is left as it is and a cache entry is found again.
EPOCH = "1700000000"
MANIFEST = "careleaf-manifest.json"


def read_bytes_at(folder: int, name: str) -> bytes:
    """A file's bytes, inside the open folder ``folder``."""
    fd = os.open(name, os.O_RDONLY, dir_fd=folder)
    with os.fdopen(fd, "rb") as file:
        return file.read()


def whole(site: Path) -> str | None:
    """What is wrong with the tree ``site`` names now, or None when it is whole: its manifest
    and every file the manifest lists, with its SHA-256, read through one open folder (the
    tree the path named when it was opened). A tree retired while it was read is whole."""
    try:
        folder = os.open(site, os.O_RDONLY | os.O_DIRECTORY)
    except FileNotFoundError:
        return "the site folder was missing"
    try:
        files = json.loads(read_at(folder, MANIFEST))["files"]
        for name, sha in files.items():
            if hashlib.sha256(read_bytes_at(folder, name)).hexdigest() != sha:
                return f"a mixed tree: {name} is not the file its manifest lists"
    except (OSError, ValueError, KeyError) as error:
        if os.fstat(folder).st_nlink > 0:
            return f"not a whole tree: {error!r}"
    finally:
        os.close(folder)
    return None


@contextmanager
def watched(site: Path) -> Iterator[tuple[list[str], set[int]]]:
    """Poll ``site`` from a thread while the block runs; yields what it found wrong, and the
    trees it saw (their inode numbers: each publish puts another folder in place)."""
    stop = threading.Event()
    problems: list[str] = []
    trees: set[int] = set()

    def poll() -> None:
        while not stop.is_set():
            problem = whole(site)
            if problem:
                problems.append(problem)
            else:
                trees.add(site.stat().st_ino)
            stop.wait(0.02)

    reader = threading.Thread(target=poll)
    reader.start()
    try:
        yield problems, trees
    finally:
        stop.set()
        reader.join()


def kill_group(build: subprocess.Popen[str]) -> None:
    """SIGKILL a build started in its own session, with its workers and browser."""
    try:
        os.killpg(build.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass  # it had ended
    build.communicate()


def start(project: Path, *args: str) -> subprocess.Popen[str]:
    """`careleaf build` of ``project`` in a session of its own (so that it can be killed whole)."""
    code = "import sys; from careleaf.cli.main import main; sys.exit(main())"
    return subprocess.Popen(
        [sys.executable, "-c", code, "--project", str(project), "build", "-q", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def succeeds(build: subprocess.Popen[str]) -> str:
    """Wait for a build; it must succeed. Returns what it said on stderr."""
    _, err = build.communicate(timeout=300)
    assert build.returncode == 0, err
    return err


def waits(build: subprocess.Popen[str], events: Path) -> None:
    """Wait until a build's events file says it waits for another build's lock."""
    deadline = time.monotonic() + 120
    while '"Waiting"' not in (events.read_text() if events.exists() else ""):
        assert build.poll() is None, "the build ended without waiting"
        assert time.monotonic() < deadline, "the build did not wait within 120 s"
        time.sleep(0.05)


def verified(project: Path, site: Path) -> None:
    """`careleaf verify` passes on ``site``."""
    result = CliRunner().invoke(main, ["--project", str(project), "verify", str(site)])
    assert result.exit_code == 0, result.output


def killed_at(build: subprocess.Popen[str], events: Path, after: str, delay: float) -> None:
    """Kill a build (`kill_group`) ``delay`` seconds after its events file says ``after``
    (at once if it ends first)."""
    while build.poll() is None and after not in (events.read_text() if events.exists() else ""):
        time.sleep(0.01)
    time.sleep(delay)
    kill_group(build)


def test_builds_killed_at_random_moments_never_leave_the_site_missing_or_mixed(
    mini: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Each build is killed (SIGKILL, its workers and browser with it) at a moment drawn
    from a seeded generator: over the whole length of an unkilled build, or within a second
    of the verification's start, around the swap. Without SOURCE_DATE_EPOCH every build dates
    its PDFs now, so each one renders and publishes."""
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    site = mini / "site"
    began = time.monotonic()
    succeeds(start(mini))
    length = time.monotonic() - began
    with watched(site) as (problems, trees):
        for seed in (1, 2, 3, 4):
            draw = random.Random(seed)
            events = tmp_path / f"events-{seed}.jsonl"
            build = start(mini, "--events", str(events))
            if seed % 2:
                killed_at(build, events, "", draw.uniform(0.1, length))
            else:
                killed_at(build, events, '"Verifying"', draw.uniform(0, 1))
            assert whole(site) is None
            verified(mini, site)
        succeeds(start(mini))
    assert problems == []
    assert len(trees) > 1  # it saw the site replaced
    verified(mini, site)
    assert not staging_dir(site).exists()


def test_two_builds_a_second_apart_both_end_well_one_waiting(
    mini: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two builds a second apart, while the folder's lock is held (here by the test, standing
    for a long build: on a quiet machine the small project builds in about two seconds, too
    fast for two builds to meet by timing alone): both wait, saying for whom, then each
    publishes a whole site in turn."""
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    site = mini / "site"
    succeeds(start(mini))
    with watched(site) as (problems, trees):
        with output_lock([site], wait=False, progress=lambda event: None):
            # The lock is let go once both builds wait for it: on a busy machine a build can
            # take seconds to get as far as the lock.
            builds = []
            for number in (1, 2):
                events = mini.parent / f"events-{number}.jsonl"
                builds.append(start(mini, "--events", str(events)))
                waits(builds[-1], events)
                time.sleep(1)
        said = [succeeds(build) for build in builds]
    # Each waited (for the test, or for the other build that took the lock before it).
    assert all("careleaf: waiting for pid " in words for words in said)
    assert any(f"waiting for pid {os.getpid()} (" in words for words in said)
    assert problems == []
    assert len(trees) == 3  # the first build's, then each one's
    verified(mini, site)


def test_a_damaged_cache_entry_is_rendered_again(
    mini: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cached PDF whose bytes were damaged (its record intact) is not published: the next
    build that needs it renders it again, and the site verifies."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    site = mini / "site"
    result = CliRunner().invoke(main, ["--project", str(mini), "build", "-q"])
    assert result.exit_code == 0, result.output
    # The mini project's one handout, in its standard and large-print editions: both damaged.
    pdfs = sorted((mini / ".careleaf-cache").glob("??/*.pdf"))
    assert len(pdfs) == 2
    for pdf in pdfs:
        pdf.write_bytes(pdf.read_bytes()[:-300] + b"\0" * 300)
    # A page edit: the site is built again, the handout (same key) is taken from the cache.
    index = mini / "docs" / "en" / "index.md"
    index.write_text(index.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["--project", str(mini), "build", "-q"])
    assert result.exit_code == 0, result.output
    verified(mini, site)


@pytest.mark.parametrize(
    ("damaged", "damage"),
    [("manifest", "truncated"), ("manifest", "removed"), ("record", "not json")],
)
def test_a_damaged_manifest_or_build_record_is_built_again(
    mini: Path, monkeypatch: pytest.MonkeyPatch, damaged: str, damage: str
) -> None:
    """The published manifest, or the record of the build that the next build compares the
    project with, damaged: the next build succeeds, and what it publishes verifies."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    site = mini / "site"
    result = CliRunner().invoke(main, ["--project", str(mini), "build", "-q"])
    assert result.exit_code == 0, result.output
    (record,) = (mini / ".careleaf-cache" / "builds").glob("*.json")
    path = site / MANIFEST if damaged == "manifest" else record
    if damage == "truncated":
        path.write_bytes(path.read_bytes()[:100])
    elif damage == "not json":
        path.write_text("\x00{", encoding="utf-8")
    else:
        path.unlink()
    assert (whole(site) is None) == (damaged == "record")
    result = CliRunner().invoke(main, ["--project", str(mini), "build", "-q"])
    assert result.exit_code == 0, result.output
    assert whole(site) is None
    verified(mini, site)


# Run inside a user and mount namespace of its own (`unshare`): a small tmpfs holds the output
# folder. The first build fits; the next one fills the disk; once the tmpfs is grown again,
# a third one succeeds. It prints one JSON record of what it found.
FULL_DISK = """
import json, os, subprocess, sys
from pathlib import Path
project, out = sys.argv[1], Path(sys.argv[2])
site = out / "site"
def careleaf(*args):
    code = "import sys; from careleaf.cli.main import main; sys.exit(main())"
    run = subprocess.run([sys.executable, "-c", code, "--project", project, *args],
                         capture_output=True, text=True)
    return run.returncode, run.stderr + run.stdout
def mount(size):
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}k", "tmpfs", str(out)], check=True)
def tree():
    return sorted((str(p), p.read_bytes()) for p in site.rglob("*") if p.is_file())
mount(65536)
found = {"first": careleaf("build", "-q", "-d", str(site))}
used = sum(p.stat().st_size for p in out.rglob("*") if p.is_file()) // 1024
subprocess.run(["mount", "-o", f"remount,size={used * 3 // 2}k", str(out)], check=True)
before = tree()
found["full"] = careleaf("build", "-q", "-d", str(site))
found["same"] = tree() == before
found["left"] = sorted(p.name for p in out.iterdir())
found["verify_full"] = careleaf("verify", str(site))
subprocess.run(["mount", "-o", f"remount,size={used * 4}k", str(out)], check=True)
found["next"] = careleaf("build", "-q", "-d", str(site))
found["verify_next"] = careleaf("verify", str(site))
print(json.dumps(found))
"""
UNSHARE = ["unshare", "--user", "--map-root-user", "--mount"]


def test_a_full_disk_fails_the_build_and_leaves_the_site_as_it_was(
    mini: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if subprocess.run([*UNSHARE, "true"], capture_output=True).returncode != 0:
        pytest.skip("no user namespaces here: a tmpfs cannot be mounted")
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)  # every build publishes again
    out = tmp_path / "out"
    out.mkdir()
    run = subprocess.run(
        [*UNSHARE, sys.executable, "-c", FULL_DISK, str(mini), str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr
    found = json.loads(run.stdout)
    assert found["first"][0] == 0, found["first"][1]
    code, said = found["full"]
    assert code == 1 and "No space left on device; the build stopped" in said, said
    assert "Traceback" not in said
    assert found["same"] and found["left"] == ["site"]  # no staging folder left
    assert found["verify_full"][0] == 0, found["verify_full"][1]
    assert found["next"][0] == 0, found["next"][1]
    assert found["verify_next"][0] == 0, found["verify_next"][1]
