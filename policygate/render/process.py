"""Run a renderer (kustomize, helm) as a contained subprocess.

A pull request's files are data; the renderer must not turn them into actions. So a
render runs with an empty environment (no PATH: kustomize cannot exec `git` for a remote
base, helm finds no plugins; no credentials or kubeconfig are inherited), an HTTP proxy
that goes nowhere, a private HOME, a wall-clock limit and a file-size limit on its
output enforced by the kernel (RLIMIT_FSIZE), so a hostile chart cannot fill the disk
or the gate's memory.

Processes are started without threads (the scan may fork worker processes, and forking
a threaded process can deadlock): `RenderQueue` starts up to one process per core and
is polled between files by the scan, so renders run while the files are checked.
"""
from __future__ import annotations

import functools
import os
import resource
import selectors
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

# Goes nowhere: port 9 (discard) on loopback refuses. Go and curl honour these names.
_NO_NETWORK_PROXY = "http://127.0.0.1:9"


@dataclass(slots=True)
class Outcome:
    """What a finished renderer produced."""

    stdout: bytes
    stderr: str
    exit_code: int | None          # None: it was stopped (time limit)
    timed_out: bool = False
    too_large: bool = False


@functools.cache
def scratch_dir() -> str | None:
    """A memory-backed directory for render trees and outputs when there is one with
    room (creating a few hundred small files on a disk-backed /tmp costs seconds);
    None: the system's temporary directory."""
    try:
        stats = os.statvfs("/dev/shm")
    except OSError:
        return None
    room = stats.f_bavail * stats.f_frsize
    return "/dev/shm" if room > 512 * 1024 * 1024 and os.access("/dev/shm", os.W_OK) else None


def contained_env(home: str) -> dict[str, str]:
    env = {"PATH": "", "HOME": home, "LANG": "C.UTF-8", "TMPDIR": home,
           "XDG_CONFIG_HOME": os.path.join(home, "config"),
           "XDG_CACHE_HOME": os.path.join(home, "cache"),
           "XDG_DATA_HOME": os.path.join(home, "data"),
           "KUBECONFIG": os.path.join(home, "no-kubeconfig"),
           "GIT_CONFIG_NOSYSTEM": "1", "GIT_ALLOW_PROTOCOL": "none"}
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy",
                 "all_proxy"):
        env[name] = _NO_NETWORK_PROXY
    env["NO_PROXY"] = env["no_proxy"] = ""
    return env


def _limit_output(max_bytes: int) -> Callable[[], None]:
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (max_bytes + 1, max_bytes + 1))
    return apply


@dataclass(slots=True)
class _Job:
    argv: Sequence[str]
    cwd: str
    done: Callable[[Outcome], None]
    process: subprocess.Popen[bytes] | None = None
    stdout: object = None
    stderr: object = None
    home: tempfile.TemporaryDirectory[str] | None = None
    started: float = 0.0


@dataclass
class RenderQueue:
    """Renderer processes, at most `slots` at a time, each with its own limits."""

    timeout: float
    max_bytes: int
    slots: int = field(default_factory=lambda: max(1, len(os.sched_getaffinity(0))))
    _waiting: list[_Job] = field(default_factory=list)
    _running: list[_Job] = field(default_factory=list)

    def submit(self, argv: Sequence[str], cwd: str, done: Callable[[Outcome], None]) -> None:
        self._waiting.append(_Job(argv, cwd, done))
        self.poll()

    def poll(self) -> None:
        """Collect finished processes and start waiting ones; never blocks."""
        for job in list(self._running):
            assert job.process is not None
            if job.process.poll() is not None:
                self._finish(job)
            elif time.monotonic() - job.started > self.timeout:
                job.process.kill()
                job.process.wait()
                self._finish(job, timed_out=True)
        while self._waiting and len(self._running) < self.slots:
            self._start(self._waiting.pop(0))

    def drain(self) -> None:
        """Wait for every render (each still bounded by its own time limit)."""
        while self._waiting or self._running:
            self.poll()
            if self._running:
                deadline = min(job.started for job in self._running) + self.timeout
                self._wait_any(max(0.0, deadline - time.monotonic()))

    def _wait_any(self, timeout: float) -> None:
        """Sleep until any running renderer exits (or `timeout`): pidfds wake at once;
        Popen.wait() would poll in sleeps of up to 50 ms per process."""
        if not hasattr(os, "pidfd_open"):
            job = self._running[0]
            assert job.process is not None
            try:
                job.process.wait(timeout=min(timeout, 0.05))
            except subprocess.TimeoutExpired:
                pass
            return
        descriptors = []
        with selectors.DefaultSelector() as selector:
            try:
                for job in self._running:
                    assert job.process is not None
                    descriptor = os.pidfd_open(job.process.pid)
                    descriptors.append(descriptor)
                    selector.register(descriptor, selectors.EVENT_READ)
                selector.select(timeout)
            except OSError:
                time.sleep(min(timeout, 0.01))   # a process is already gone: poll() will see it
            finally:
                for descriptor in descriptors:
                    os.close(descriptor)

    def _start(self, job: _Job) -> None:
        job.home = tempfile.TemporaryDirectory(prefix="policygate-home-", dir=scratch_dir())
        job.stdout = tempfile.TemporaryFile(dir=scratch_dir())
        job.stderr = tempfile.TemporaryFile(dir=scratch_dir())
        job.started = time.monotonic()
        try:
            job.process = subprocess.Popen(
                list(job.argv), cwd=job.cwd, stdin=subprocess.DEVNULL, stdout=job.stdout,
                stderr=job.stderr, env=contained_env(job.home.name),
                preexec_fn=_limit_output(self.max_bytes))
        except OSError as error:
            self._close(job)
            job.done(Outcome(b"", f"cannot run {job.argv[0]}: {error.strerror}", 127))
            return
        self._running.append(job)

    def _finish(self, job: _Job, timed_out: bool = False) -> None:
        self._running.remove(job)
        assert job.process is not None
        job.stdout.seek(0)   # type: ignore[attr-defined]
        stdout = job.stdout.read(self.max_bytes + 1)  # type: ignore[attr-defined]
        job.stderr.seek(0)   # type: ignore[attr-defined]
        stderr = job.stderr.read(64 * 1024).decode("utf-8", "replace")  # type: ignore[attr-defined]
        self._close(job)
        too_large = len(stdout) > self.max_bytes
        job.done(Outcome(b"" if too_large else stdout, stderr,
                         None if timed_out else job.process.returncode, timed_out, too_large))

    @staticmethod
    def _close(job: _Job) -> None:
        for handle in (job.stdout, job.stderr):
            if handle is not None:
                handle.close()  # type: ignore[attr-defined]
        if job.home is not None:
            job.home.cleanup()


def tool_version(path: str, argv: Sequence[str], parse: Callable[[str], str]) -> str:
    """A renderer's version, asked once per binary (the answer is cached by the binary's
    path, size and modification time: asking kubectl costs ~40 ms every run)."""
    import hashlib

    from policygate.cache import cache_file, remember

    try:
        stat = os.stat(path)
    except OSError:
        return "unknown"
    key = hashlib.sha256(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\0{' '.join(argv)}"
                         .encode()).hexdigest()
    cached = cache_file("tool-version", key)
    if cached is not None and cached.is_file():
        return cached.read_text(encoding="utf-8").strip() or "unknown"
    try:
        output = subprocess.run([path, *argv], capture_output=True, timeout=20, env=contained_env(
            tempfile.gettempdir())).stdout.decode("utf-8", "replace")
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    version = parse(output) or "unknown"
    if version != "unknown":
        remember(cached, version)
    return version
