"""Run `policygate` as its own process and measure it: hostile inputs are about time
and memory, and those belong to that process, not to the test runner."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Measured:
    exit_code: int
    stdout: str
    stderr: str
    seconds: float
    peak_mib: float

    def findings(self) -> list[dict]:
        return json.loads(self.stdout)["findings"]


def run_measured(*args: str, cwd: Path, timeout: float = 120) -> Measured:
    """Wall time and peak RSS of this one child (os.wait4 gives its own rusage)."""
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "policygate", *args], cwd=cwd,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    output: dict[str, bytes] = {}
    readers = [threading.Thread(target=lambda name, pipe: output.__setitem__(name, pipe.read()),
                                args=(name, pipe))
               for name, pipe in (("out", process.stdout), ("err", process.stderr))]
    for reader in readers:
        reader.start()
    timer = threading.Timer(timeout, process.kill)
    timer.start()
    try:
        _, status, usage = os.wait4(process.pid, 0)
    finally:
        timer.cancel()
    for reader in readers:
        reader.join()
    elapsed = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if elapsed >= timeout:
        raise AssertionError(f"policygate {' '.join(args)} hung for {timeout} s")
    return Measured(process.returncode, output["out"].decode(errors="replace"),
                    output["err"].decode(errors="replace"), elapsed, usage.ru_maxrss / 1024)
