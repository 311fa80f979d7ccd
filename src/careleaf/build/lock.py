"""One build at a time per output folder: an exclusive `fcntl.flock` on a file beside it.

Every entry point that writes an output folder takes its lock: `careleaf build` and plain
`mkdocs build` (in the pipeline, `careleaf.build.pipeline.build`), `careleaf build --draft`
and each rebuild of `careleaf serve` (their preview folder), and `careleaf merge` (the merged
folder). The lock file is ``.<folder>.careleaf-lock`` beside the folder; it holds the
holder's pid and command, for the message a second build prints while it waits.

The kernel releases a flock when its holder exits, however it exits (SIGKILL included): a
lock file left by a killed build is taken at once by the next one. A holder removes the file
as it finishes, still holding it; whoever then gets the lock of a removed file locks the
file at the path again (`same_file`), so that two builds never hold two different files.
"""

from __future__ import annotations

import fcntl
import os
import sys
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from careleaf.build.events import Progress, Waiting, quiet
from careleaf.errors import BuildError
from careleaf.paths import beside


def lock_file(folder: Path) -> Path:
    """The lock file of an output folder: beside it, so that swapping the folder keeps it."""
    return beside(folder, "lock")


def holder(path: Path) -> str:
    """Who holds a lock file, as its holder wrote it (``pid 123 (careleaf build)``)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        text = ""
    pid, _, command = text.partition("\n")
    if not pid:
        # Between a holder's lock and its writing of its name: rare, and said so.
        return "another process (it has not written its pid yet)"
    return f"pid {pid} ({command or 'unknown command'})"


@contextmanager
def output_lock(
    folders: Iterable[Path], *, wait: bool = True, progress: Progress = quiet
) -> Iterator[None]:
    """Hold the lock of each output folder while the block runs.

    Folders are locked in the order of their resolved paths, so that two builds locking
    overlapping sets cannot each hold one the other waits for. A folder another process
    holds: with ``wait``, its `Waiting` event is reported once and the build waits;
    without, `BuildError` at once.

    Raises:
        BuildError: another process holds a folder's lock (``wait=False``), naming the
            process and the folder; or the lock file cannot be created.
    """
    unique = {Path(folder).resolve(): Path(folder) for folder in folders}
    with ExitStack() as held:
        for resolved in sorted(unique):
            held.enter_context(_locked(unique[resolved], wait=wait, progress=progress))
        yield


@contextmanager
def _locked(folder: Path, *, wait: bool, progress: Progress) -> Iterator[None]:
    """Hold one folder's lock (see `output_lock`)."""
    path = lock_file(folder)
    said = False
    while True:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as error:
            raise BuildError(
                f"{path}: cannot create the lock of {folder}: {error.strerror}"
            ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            other = holder(path)
            if not wait:
                os.close(fd)
                raise BuildError(
                    f"{folder} is being built by {other} (lock file {path}): try again once "
                    "it has finished, or leave out --no-wait to wait for it"
                ) from None
            if not said:
                progress(Waiting(str(folder), other))
                said = True
            fcntl.flock(fd, fcntl.LOCK_EX)
        if same_file(fd, path):
            break
        # Its holder removed it as it finished: the lock is now whatever file is there.
        os.close(fd)
    try:
        # Who holds it now, for the message of the next build that has to wait.
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n{command()}\n".encode(), 0)
        yield
    finally:
        # Removed while still held (a waiter then sees it gone and locks a new one), so that
        # no lock file stays beside the output; a killed holder's file is taken over as is.
        path.unlink(missing_ok=True)
        os.close(fd)


def same_file(fd: int, path: Path) -> bool:
    """Whether an open file is still the one at ``path`` (not removed or replaced since)."""
    try:
        there = os.stat(path)
    except FileNotFoundError:
        return False
    here = os.fstat(fd)
    return (here.st_dev, here.st_ino) == (there.st_dev, there.st_ino)


def command() -> str:
    """This process's command line, as a person would have typed it (shortened)."""
    args = [Path(sys.argv[0]).name, *sys.argv[1:]] if sys.argv and sys.argv[0] else ["python"]
    text = " ".join(args)
    return text if len(text) <= 200 else text[:197] + "..."
