"""One build at a time per output folder (`careleaf.build.lock`): a second build waits, or
with --no-wait fails at once naming the other process; a killed holder's lock is taken."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from careleaf.build.lock import lock_file, output_lock
from careleaf.cli.main import main
from careleaf.errors import BuildError
from careleaf.site.engine import build_site

# A process that holds a folder's lock until it is killed (it says "held" once it does).
HOLDER = """
import sys, time
from pathlib import Path
from careleaf.build.lock import output_lock
with output_lock([Path(sys.argv[1])]):
    print("held", flush=True)
    time.sleep(600)
"""


def hold(folder: Path) -> subprocess.Popen[str]:
    """Start a process that holds ``folder``'s lock; returns once it holds it."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(folder)], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None and holder.stdout.readline() == "held\n"
    return holder


def stop(holder: subprocess.Popen[str]) -> None:
    """Kill a holder (if it still runs) and close its pipe."""
    holder.kill()
    holder.wait()
    assert holder.stdout is not None
    holder.stdout.close()


def careleaf(project: Path, *args: str) -> subprocess.Popen[str]:
    """`careleaf --project PROJECT ARGS...` in a process of its own."""
    code = "import sys; from careleaf.cli.main import main; sys.exit(main())"
    return subprocess.Popen(
        [sys.executable, "-c", code, "--project", str(project), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_builds_at_once_both_end_well_and_one_waits_naming_the_other(mini: Path) -> None:
    """Two builds of one folder started at once, after a build holding its lock was killed
    with SIGKILL (its lock file left behind): both take the lock in turn."""
    site = mini / "site"
    killed = hold(site)
    os.kill(killed.pid, signal.SIGKILL)
    stop(killed)
    assert lock_file(site).read_text().startswith(f"{killed.pid}\n")
    first, second = (careleaf(mini, "build", "-q", "-d", str(site)) for _ in range(2))
    ends = {build.pid: build.communicate(timeout=120) for build in (first, second)}
    assert first.returncode == 0, ends[first.pid]
    assert second.returncode == 0, ends[second.pid]
    said = {pid: err for pid, (_, err) in ends.items() if "waiting for" in err}
    # Exactly one waited, said so once, and named the other (pid, command) and the folder.
    assert len(said) == 1, ends
    waiter, message = next(iter(said.items()))
    other = first.pid if waiter == second.pid else second.pid
    assert message.count("waiting for") == 1
    assert f"waiting for pid {other} (" in message and "build -q" in message
    assert f"building into {site}" in message
    assert (site / "index.html").is_file() and (site / "careleaf-manifest.json").is_file()
    assert not lock_file(site).exists()  # the last holder removed it as it finished


def test_no_wait_fails_at_once_naming_the_other_process(mini: Path) -> None:
    site = mini / "site"
    holder = hold(site)
    try:
        started = time.monotonic()
        result = CliRunner().invoke(
            main, ["--project", str(mini), "build", "--no-wait", "-d", str(site)]
        )
        assert time.monotonic() - started < 10
    finally:
        stop(holder)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and not isinstance(result.exception, BuildError)
    assert f"{site} is being built by pid {holder.pid} (" in result.output
    assert "--no-wait" in result.output
    assert not site.exists()


def test_no_wait_applies_to_every_entry_point_of_the_pipeline(mini: Path) -> None:
    """`build_site` is what plain `mkdocs build` (the plugin) and `build --draft` run."""
    site = mini / "site"
    holder = hold(site)
    try:
        with pytest.raises(BuildError, match=rf"is being built by pid {holder.pid} "):
            build_site(mini, "demo", site, wait=False)
    finally:
        stop(holder)


def test_a_holder_killed_with_sigkill_leaves_a_lock_the_next_build_takes(
    tmp_path: Path,
) -> None:
    site = tmp_path / "site"
    holder = hold(site)
    with pytest.raises(BuildError):
        with output_lock([site], wait=False):
            pass
    os.kill(holder.pid, signal.SIGKILL)
    stop(holder)
    # Its file stays (it could not remove it), with its pid: the kernel released the lock.
    assert lock_file(site).read_text().startswith(f"{holder.pid}\n")
    with output_lock([site], wait=False):
        assert lock_file(site).read_text().startswith(f"{os.getpid()}\n")
    assert not lock_file(site).exists()


def test_a_waiting_build_is_told_once_and_gets_the_lock_when_it_is_released(
    tmp_path: Path,
) -> None:
    site = tmp_path / "site"
    holder = hold(site)
    told: list[object] = []
    try:
        # The holder is killed a moment after this one starts waiting.
        killer = subprocess.Popen(["sh", "-c", f"sleep 0.5; kill -9 {holder.pid}"])
        with output_lock([site], progress=told.append):
            assert lock_file(site).read_text().startswith(f"{os.getpid()}\n")
        killer.wait()
    finally:
        stop(holder)
    assert [str(event) for event in told] == [
        f"waiting for pid {holder.pid} (-c {site}), which is building into {site}"
    ]
