"""A forked helper process that runs native engine code so its crashes are survivable.

The engines are native code: OPA's Go runtime is multi-threaded (it must start after a
fork, never before) and ends the process on a fatal error such as running out of memory;
regorus aborts the same way; neither has a timeout; both may print on file descriptors
1 and 2 — which may be the JSON report we are writing. So the engine runs in a child made
with os.fork() (not multiprocessing: pool workers are daemonic and may not start
multiprocessing children): its stdout and stderr go to a capture file, a shared
`progress` cell says which item it is evaluating, and a crash or a hang becomes an exception that names what was running — the caller
turns it into a failure, never into "no findings".
"""
from __future__ import annotations

import mmap
import os
import signal
import socket
import struct
import sys
import tempfile
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any


class WorkerCrash(Exception):
    """The child died or hung; `progress` is the last step it announced."""

    def __init__(self, reason: str, progress: int, output: str) -> None:
        super().__init__(reason)
        self.reason, self.progress, self.output = reason, progress, output


class WorkerTimeout(WorkerCrash):
    pass


class WorkerError(Exception):
    """The child is alive but its handler raised; the message is the child's."""


class Progress:
    """One integer shared between parent and child (an anonymous shared mapping)."""

    def __init__(self) -> None:
        self._cell = mmap.mmap(-1, 8)

    def set(self, value: int) -> None:
        struct.pack_into("q", self._cell, 0, value)

    def get(self) -> int:
        return struct.unpack_from("q", self._cell, 0)[0]


# setup(progress) -> (handler, ready payload); runs in the child.
Setup = Callable[[Progress], "tuple[Callable[[Any], Any], Any]"]


def _describe_status(status: int) -> str:
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = f"signal {number}"
        return f"crashed ({name})"
    if os.WIFEXITED(status):
        return f"exited with status {os.WEXITSTATUS(status)}"
    return "stopped"


class ForkedWorker:
    def __init__(self, setup: Setup) -> None:
        self._setup = setup
        self.pid: int | None = None
        self._conn: Connection | None = None
        self.progress = Progress()
        self._capture = tempfile.TemporaryFile(prefix="policygate-engine-")

    def start(self, timeout: float) -> Any:
        """Fork and run setup; returns its ready payload."""
        parent_end, child_end = socket.socketpair()
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the child: never returns
            status = 0
            try:
                parent_end.close()
                os.dup2(self._capture.fileno(), 1)
                os.dup2(self._capture.fileno(), 2)
                # An inherited faulthandler (python -X faulthandler, pytest) would dump
                # "Fatal Python error" on the parent's terminal when the engine dies;
                # the parent names the signal, and the engine's own words are captured.
                import faulthandler

                faulthandler.disable()
                _serve(Connection(child_end.detach()), self._setup, self.progress)
            except BaseException:
                status = 70
            finally:
                os._exit(status)
        child_end.close()
        self.pid = pid
        self._conn = Connection(parent_end.detach())
        return self._receive(timeout)

    def call(self, message: Any, timeout: float) -> Any:
        if self._conn is None:
            raise WorkerCrash("not running", -1, "")
        self.progress.set(-1)
        try:
            self._conn.send(message)
        except OSError:
            self._reap_and_raise()
        return self._receive(timeout)

    def _receive(self, timeout: float) -> Any:
        assert self._conn is not None
        try:
            ready = self._conn.poll(max(0.0, timeout))
        except OSError:
            ready = True
        if not ready:
            progress = self.progress.get()
            self.kill()
            raise WorkerTimeout(f"did not finish within {timeout:g}s", progress, self.output())
        try:
            status, payload = self._conn.recv()
        except (EOFError, OSError):
            self._reap_and_raise()
        if status == "error":
            raise WorkerError(payload)
        return payload

    def _reap_and_raise(self) -> Any:
        progress = self.progress.get()
        status = self._wait(2.0)
        self._forget()
        reason = _describe_status(status) if status is not None else "stopped answering"
        raise WorkerCrash(reason, progress, self.output())

    def output(self, limit: int = 400) -> str:
        """The tail of what the engine printed (it is not allowed on our stdout)."""
        try:
            size = os.fstat(self._capture.fileno()).st_size
            text = os.pread(self._capture.fileno(), limit, max(0, size - limit))
        except OSError:
            return ""
        return " ".join(text.decode("utf-8", "replace").split())

    def _wait(self, timeout: float) -> int | None:
        if self.pid is None:
            return None
        deadline = time.monotonic() + timeout
        while True:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:
                return None
            if pid:
                return status
            if time.monotonic() > deadline:
                os.kill(self.pid, signal.SIGKILL)
                return os.waitpid(self.pid, 0)[1]
            time.sleep(0.005)

    def _forget(self) -> None:
        if self._conn is not None:
            self._conn.close()
        self._conn, self.pid = None, None

    def kill(self) -> None:
        if self.pid is not None:
            try:
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
        self._forget()

    def close(self) -> None:
        """Ask the child to exit (end of input), then reap it."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None
            self._wait(2.0)
            self.pid = None
        self._capture.close()

    @property
    def alive(self) -> bool:
        return self._conn is not None


def _serve(conn: Connection, setup: Setup, progress: Progress) -> None:
    try:
        handler, ready = setup(progress)
    except Exception as error:  # reported to the parent, which decides what it means
        conn.send(("error", _error_payload(error)))
        return
    conn.send(("ok", ready))
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        try:
            reply = ("ok", handler(message))
        except Exception as error:
            reply = ("error", _error_payload(error))
        conn.send(reply)


def _error_payload(error: Exception) -> Any:
    payload = getattr(error, "payload", None)
    return payload if payload is not None else f"{type(error).__name__}: {error}"
