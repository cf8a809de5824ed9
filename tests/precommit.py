"""The real pre-commit framework running this checkout's hooks, with one hook environment.

`pre-commit try-repo` commits the working tree into a fresh shadow repository on every
call, so every call has a new revision and installs a new hook environment (15-30 s
each). Instead the session snapshots the checkout once — tracked and untracked files, as
try-repo takes them — into a repository at one commit, and every test points a config
at that commit: pre-commit installs the hook environment once, in one PRE_COMMIT_HOME.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class HookRepository:
    """This checkout as a hook repository: where, at which commit, and the shared home."""

    path: Path
    rev: str
    home: Path

    def run(self, work: Path, hook: str, *args: str) -> subprocess.CompletedProcess[str]:
        """`pre-commit run HOOK ARGS` in the repository `work`, with only our hooks."""
        config = work.parent / f"{work.name}-pre-commit-config.yaml"
        config.write_text(f"repos:\n  - repo: {self.path}\n    rev: {self.rev}\n    hooks:\n"
                          f"      - id: policygate\n      - id: policygate-test\n")
        env = {**os.environ, "PRE_COMMIT_HOME": str(self.home), "PRE_COMMIT_COLOR": "never"}
        return subprocess.run([sys.executable, "-m", "pre_commit", "run", "-c", str(config),
                               hook, "--verbose", *args], cwd=work, env=env,
                              capture_output=True, text=True, timeout=600)


def snapshot(target: Path, home: Path) -> HookRepository:
    """Commit what is on disk in this checkout (not ignored) into a repository at `target`."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others",
                             "--exclude-standard"], cwd=PROJECT, capture_output=True,
                            check=True).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = PROJECT / name
        if not os.path.lexists(source):
            continue  # deleted in the working tree
        destination = target / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        if source.is_symlink():
            destination.symlink_to(os.readlink(source))
        else:
            shutil.copy2(source, destination)

    def git(*args: str) -> str:
        return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com",
                               *args], cwd=target, capture_output=True, text=True,
                              check=True).stdout.strip()

    git("init", "-q")
    git("add", "-A")
    git("commit", "-q", "-m", "snapshot of the working tree")
    return HookRepository(target, git("rev-parse", "HEAD"), home)
