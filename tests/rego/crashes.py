"""Crash the engine worker the way a Go or Rust fatal error does: the process dies.

OPA's and regorus's fatal errors need gigabytes of memory to provoke (`bits.lsh(1,
100000000000)` allocates 12 GB before Go gives up), too much for a test machine. So the
test makes one document slow to judge, and this thread kills the worker (a child of the
test process) with SIGKILL, as the kernel does a process out of memory, once it has spent
CPU time on it: the same death, at a known document, through the real worker and the real
crash → failure path.
"""
from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

# A rule that spins for seconds on the document marked `slow` and is instant otherwise.
SLOW_RULE = ('count([a | some a in numbers.range(1, 4000); some b in numbers.range(1, 4000); '
             'a == b]) < 0')


def processes() -> dict[int, list[str]]:
    """Every process: pid -> the fields of /proc/PID/stat after the command name
    (fields[1] is the parent's pid, [11]/[12] CPU ticks, [21] RSS pages)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            found[int(entry.name)] = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
    return found


def _children(parent: int) -> list[int]:
    return [pid for pid, fields in processes().items() if int(fields[1]) == parent]


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class WorkerKiller(threading.Thread):
    """Kills every child process (of this process, or of `parent`: the engine worker of a
    policygate the test started) that spends `cpu` seconds of CPU, with `sig`: a crash
    that happens again when the document is asked again, as a real one does."""

    def __init__(self, sig: int = signal.SIGKILL, cpu: float = 0.7, limit: float = 60.0,
                 parent: int | None = None) -> None:
        super().__init__(daemon=True)
        self.sig, self.cpu, self.limit, self.parent = sig, cpu, limit, parent
        self.killed: list[int] = []
        self._done = threading.Event()

    def run(self) -> None:
        deadline = time.monotonic() + self.limit
        while not self._done.is_set() and time.monotonic() < deadline:
            for pid in _children(self.parent or os.getpid()):
                if pid not in self.killed and _cpu_seconds(pid) >= self.cpu:
                    os.kill(pid, self.sig)
                    self.killed.append(pid)
            time.sleep(0.02)

    def __enter__(self) -> WorkerKiller:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self.join(5)
