"""A small Chrome DevTools Protocol client that drives Chromium over --remote-debugging-pipe."""

from __future__ import annotations

import fcntl
import itertools
import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import IO, Any

# Called with an event's method and parameters, in the thread that reads the pipe: it must not
# wait for an answer of Chromium (that thread would be waiting for itself).
Listener = Callable[[str, dict[str, Any]], None]


class ProtocolError(Exception):
    """Chromium answered a command with an error."""


# Why a crashed page answers no more (the prover reports it for the page as it is).
PAGE_CRASHED = "the page crashed Chromium's renderer"


class BrowserGone(Exception):
    """Chromium cannot answer any more: it exited, or it did not answer in time."""


def launch(executable: str, args: Sequence[str], timeout: float) -> Browser:
    """Start Chromium with its protocol on a pipe, and wait until it answers.

    Args:
        executable: the Chromium program.
        args: its command-line switches (``--remote-debugging-pipe`` and a profile folder of
            its own are added).
        timeout: how long Chromium may take to answer one command, in seconds.

    Raises:
        BrowserGone: Chromium cannot be run, exits while starting or does not answer.
    """
    profile = tempfile.mkdtemp(prefix="careleaf-chromium-")
    # Chromium reads commands from its fd 3 and writes answers and events to its fd 4. Its ends
    # are moved above fd 4 first, so that placing one cannot overwrite the other.
    command_out, command_in = os.pipe()
    event_out, event_in = os.pipe()
    child_ends = [fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 5) for fd in (command_out, event_in)]
    os.close(command_out)
    os.close(event_in)

    def place_pipes() -> None:  # in the child, before Chromium starts
        os.dup2(child_ends[0], 3)
        os.dup2(child_ends[1], 4)

    # Chromium logs to stderr, even when all is well: kept out of the terminal, for the message
    # when it fails.
    stderr = tempfile.TemporaryFile()
    try:
        process = subprocess.Popen(
            [executable, *args, "--remote-debugging-pipe", f"--user-data-dir={profile}"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            preexec_fn=place_pipes,
            # Closing the child's other descriptors would close fds 3 and 4 too; Python opens
            # its own as not inherited, so Chromium gets no other.
            close_fds=False,
            # Its own process group: `Browser.close` can end Chromium's whole tree (the
            # program may be a script that runs Chromium), and Ctrl-C reaches only careleaf.
            start_new_session=True,
        )
    except OSError as error:
        for fd in (command_in, event_out):
            os.close(fd)
        stderr.close()
        shutil.rmtree(profile, ignore_errors=True)
        raise BrowserGone(f"cannot run {executable}: {error.strerror}") from None
    finally:
        for fd in child_ends:
            os.close(fd)
    browser = Browser(process, command_in, event_out, stderr, profile, timeout)
    try:
        browser.send("Browser.getVersion")
    except BrowserGone:
        browser.close()
        raise
    return browser


class Browser:
    """A running Chromium and the protocol connection over its pipe (see `launch`).

    Commands may be sent from any thread. One thread reads the pipe: it hands each answer to
    the command waiting for it (by ``id``) and each event to the listener of its session
    (``sessionId``; `None` for the browser's own events). A session whose page crashed
    answers no more: its commands fail at once.
    """

    def __init__(
        self,
        process: subprocess.Popen[bytes],
        commands: int,
        events: int,
        stderr: IO[bytes],
        profile: str,
        timeout: float,
    ) -> None:
        self.process = process
        self.timeout = timeout
        self._commands = commands  # -1 once closed, under `_write_lock`
        self._stderr = stderr
        self._profile = profile
        self._ids = itertools.count(1)
        self._lock = threading.Lock()  # guards the fields below
        self._pending: dict[int, tuple[Future[dict[str, Any]], str | None]] = {}
        self._listeners: dict[str | None, Listener] = {}
        self._crashed: set[str | None] = set()
        self._gone: str | None = None
        self._write_lock = threading.Lock()  # one message at a time on the pipe
        self._reader = threading.Thread(
            target=self._read, args=(events,), name="cdp-reader", daemon=True
        )
        self._reader.start()

    def listen(self, session: str | None, listener: Listener) -> None:
        """Send the events of ``session`` to ``listener`` from now on (until it is detached)."""
        with self._lock:
            self._listeners[session] = listener

    def send(
        self, method: str, params: dict[str, Any] | None = None, session: str | None = None
    ) -> dict[str, Any]:
        """Run one command and return its result.

        Args:
            method: the command (``Page.navigate``).
            params: its parameters.
            session: the session of the target it is for (`None`: the browser itself).

        Raises:
            ProtocolError: Chromium refused the command (its message), or the session's page
                crashed.
            BrowserGone: Chromium exited, or did not answer within the timeout.
        """
        future: Future[dict[str, Any]] = Future()
        number = self._write(method, params, session, future)
        try:
            return future.result(self.timeout)
        except TimeoutError:
            with self._lock:
                self._pending.pop(number, None)
            raise BrowserGone(
                f"Chromium did not answer {method} within {self.timeout:g} s"
            ) from None

    def post(
        self, method: str, params: dict[str, Any] | None = None, session: str | None = None
    ) -> None:
        """Send one command without waiting for its answer (an event listener's way: see
        `Listener`); a failure is not reported."""
        try:
            self._write(method, params, session, None)
        except (ProtocolError, BrowserGone):
            pass  # the command that waits next says so

    def close(self) -> None:
        """Close the browser: politely first, then by ending its processes."""
        try:
            self.send("Browser.close")
            self.process.wait(timeout=self.timeout)
        except (ProtocolError, BrowserGone, subprocess.TimeoutExpired):
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass  # all of it has exited already
            self.process.wait()
        with self._write_lock:
            os.close(self._commands)
            self._commands = -1
        self._reader.join()
        self._stderr.close()
        shutil.rmtree(self._profile, ignore_errors=True)

    def _write(
        self,
        method: str,
        params: dict[str, Any] | None,
        session: str | None,
        future: Future[dict[str, Any]] | None,
    ) -> int:
        message: dict[str, Any] = {"method": method, "params": params or {}}
        if session is not None:
            message["sessionId"] = session
        with self._lock:
            if self._gone is not None:
                raise BrowserGone(self._gone)
            if session in self._crashed:
                raise ProtocolError(PAGE_CRASHED)
            message["id"] = number = next(self._ids)
            if future is not None:
                self._pending[number] = (future, session)
        data = memoryview(json.dumps(message).encode() + b"\0")
        with self._write_lock:
            try:
                while data and self._commands >= 0:
                    data = data[os.write(self._commands, data) :]
            except OSError:
                pass  # Chromium has exited: the reader thread fails the command, saying why
        return number

    def _read(self, events: int) -> None:
        """Read messages until Chromium closes the pipe, then fail whatever still waits."""
        buffer = bytearray()
        try:
            while chunk := os.read(events, 1 << 16):
                buffer += chunk
                *messages, rest = buffer.split(b"\0")
                buffer = bytearray(rest)
                for message in messages:
                    self._dispatch(json.loads(message))
            reason = self._exit_reason()
        except Exception as error:  # say, a listener failed: its request would wait forever
            reason = f"a message of Chromium could not be handled: {error!r}"
        finally:
            os.close(events)
        with self._lock:
            self._gone = reason
            pending, self._pending = self._pending, {}
        for future, _session in pending.values():
            future.set_exception(BrowserGone(reason))

    def _dispatch(self, message: dict[str, Any]) -> None:
        if "id" in message:
            with self._lock:
                future, _session = self._pending.pop(message["id"], (None, None))
            if future is None:
                return  # a posted command's answer
            if "error" in message:
                future.set_exception(ProtocolError(message["error"].get("message", "error")))
            else:
                future.set_result(message.get("result", {}))
            return
        method, params = message["method"], message.get("params", {})
        session = message.get("sessionId")
        if method == "Inspector.targetCrashed":
            self._crash(session)
        elif method == "Target.detachedFromTarget":  # a closed page: forgotten
            with self._lock:
                self._crashed.discard(params["sessionId"])
                self._listeners.pop(params["sessionId"], None)
        with self._lock:
            listener = self._listeners.get(session)
        if listener is not None:
            listener(method, params)

    def _crash(self, session: str | None) -> None:
        """Fail the commands waiting in a session whose page crashed, and those sent to it
        later: Chromium would never answer them."""
        with self._lock:
            self._crashed.add(session)
            numbers = [number for number, (_f, s) in self._pending.items() if s == session]
            waiting = [self._pending.pop(number)[0] for number in numbers]
        for future in waiting:
            future.set_exception(ProtocolError(PAGE_CRASHED))

    def _exit_reason(self) -> str:
        """Why the pipe closed, with the last lines Chromium wrote to stderr."""
        try:
            code = self.process.wait(timeout=self.timeout)
        except subprocess.TimeoutExpired:
            return "Chromium closed its pipe"
        # Debian's program is a script, which reports Chromium's signal as 128 + its number.
        number = -code if code < 0 else code - 128
        if 0 < number < signal.NSIG:
            reason = f"Chromium was ended by signal {number} ({signal.strsignal(number)})"
        else:
            reason = f"Chromium exited with status {code}"
        # Read without moving the file's offset, which Chromium shares.
        fd = self._stderr.fileno()
        text = os.pread(fd, os.fstat(fd).st_size, 0).decode(errors="replace")
        lines = [line.strip() for line in text.split("\n")]
        last = " / ".join([line for line in lines if line][-3:])
        return f"{reason}: {last[-500:]}" if last else reason
