"""The few git operations the gate needs, through the real `git` binary.

Everything is read from commits or the index — never from the working tree — so the
gate judges exactly what is being committed or merged. Errors carry the command that
fixes them, because the usual cause in CI is a shallow checkout.

What git prints must not depend on anything a change or a machine can set: a
`.gitattributes` in the change (`*.yaml -diff`, `binary`, `diff=driver`) would turn hunks
into "Binary files differ" and blind every line-based filter, and config or environment
(`diff.noprefix`, `diff.interHunkContext`, `GIT_DIFF_OPTS=--unified=5`, an external diff
driver) would change the shape of the output the parsers read. So every diff is a text
diff with explicit options, command-line `-c` settings win over every config file and
`GIT_CONFIG_*` variable, and the variables that change output without config are
dropped. Variables that say *which* repository and index to read (GIT_DIR,
GIT_INDEX_FILE, set by git for hooks) are kept.
"""
from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from policygate.sources import GitError

EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
_BASE_GIT = ("git", "-c", "core.quotepath=off", "-c", "diff.noprefix=false",
             "-c", "diff.mnemonicprefix=false", "-c", "diff.relative=false",
             "-c", "diff.srcPrefix=a/", "-c", "diff.dstPrefix=b/", "-c", "color.ui=false")
# --text: attributes cannot make a file binary; --no-textconv/--no-ext-diff: no driver
# rewrites it; explicit prefixes, context and rename detection: config cannot reshape it.
DIFF_OPTIONS = ("--no-color", "--no-ext-diff", "--no-textconv", "--text", "-M",
                "--src-prefix=a/", "--dst-prefix=b/", "--inter-hunk-context=0", "--no-relative")
# Environment variables that change git's output or object view without being config.
_DROPPED_ENV = frozenset({"GIT_DIFF_OPTS", "GIT_EXTERNAL_DIFF", "GIT_ICASE_PATHSPECS",
                          "GIT_GLOB_PATHSPECS", "GIT_NOGLOB_PATHSPECS", "GIT_LITERAL_PATHSPECS",
                          "GIT_ATTR_SOURCE", "GIT_REPLACE_REF_BASE"})


def git_environment() -> dict[str, str]:
    """The caller's environment minus what reshapes git's output; replace refs off, so
    the gate reads the objects the commits really name."""
    environment = {k: v for k, v in os.environ.items() if k not in _DROPPED_ENV}
    environment["GIT_NO_REPLACE_OBJECTS"] = "1"
    return environment


class Started:
    """A git command running in the background; `output()` waits for it. A thread drains
    its output as it comes, so it never stalls on a full pipe while nobody reads (and no
    temporary file, whose module costs more to import than the command takes)."""

    def __init__(self, process: subprocess.Popen[bytes], args: tuple[str, ...]) -> None:
        import threading

        self.process, self.args = process, args
        self._chunks: list[bytes] = []
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()

    def _drain(self) -> None:
        assert self.process.stdout is not None
        self._chunks.append(self.process.stdout.read())

    def output(self) -> bytes:
        self._reader.join()
        assert self.process.stderr is not None
        stderr = self.process.stderr.read()
        self.process.wait()
        if self.process.returncode != 0:
            message = stderr.decode(errors="replace").strip().splitlines()
            raise GitError(f"`git {' '.join(self.args[:3])}` failed: "
                           f"{message[-1] if message else f'exit code {self.process.returncode}'}")
        return b"".join(self._chunks)

    def stop(self) -> None:
        """For a run that ends before it needs the output."""
        self.process.kill()
        self._reader.join()
        self.process.wait()


class Git:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.environment = git_environment()

    def run(self, *args: str, stdin: bytes | None = None, check: bool = True) -> bytes:
        try:
            process = subprocess.run([*_BASE_GIT, *args], cwd=self.root, input=stdin,
                                     capture_output=True, env=self.environment)
        except FileNotFoundError:
            raise GitError("git is not installed or not on PATH") from None
        if check and process.returncode != 0:
            message = process.stderr.decode(errors="replace").strip().splitlines()
            raise GitError(f"`git {' '.join(args[:3])}` failed: "
                           f"{message[-1] if message else f'exit code {process.returncode}'}")
        return process.stdout

    def start(self, *args: str) -> Started:
        """Run a command in the background (it overlaps the commands after it)."""
        try:
            process = subprocess.Popen([*_BASE_GIT, *args], cwd=self.root, env=self.environment,
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        except FileNotFoundError:
            raise GitError("git is not installed or not on PATH") from None
        return Started(process, args)

    def commit(self, revision: str) -> str | None:
        output = self.run("rev-parse", "--verify", "--quiet", "--end-of-options",
                          f"{revision}^{{commit}}", check=False)
        return output.decode().strip() or None

    def is_shallow(self) -> bool:
        return self.run("rev-parse", "--is-shallow-repository").strip() == b"true"

    def merge_base(self, base: str, head: str) -> str | None:
        output = self.run("merge-base", base, head, check=False)
        return output.decode().strip() or None

    def blob_sizes(self, object_ids: list[str]) -> dict[str, int]:
        """Sizes without reading contents, so a huge blob is refused before it is loaded."""
        if not object_ids:
            return {}
        unique = list(dict.fromkeys(object_ids))
        output = self.run("cat-file", "--batch-check",
                          stdin="".join(f"{o}\n" for o in unique).encode())
        sizes = {}
        for line in output.decode().splitlines():
            parts = line.split()
            if len(parts) == 3:
                sizes[parts[0]] = int(parts[2])
        return sizes

    def _batch(self, specs: list[str]) -> list[bytes | None]:
        """`git cat-file --batch` for many objects at once; None for a missing object or
        one that is not a blob (a directory)."""
        output = self.run("cat-file", "--batch", stdin="".join(f"{s}\n" for s in specs).encode())
        contents: list[bytes | None] = []
        position = 0
        for _ in specs:
            header_end = output.index(b"\n", position)
            header = output[position:header_end].split()
            position = header_end + 1
            if len(header) < 3:  # "<spec> missing"
                contents.append(None)
                continue
            size = int(header[2])
            contents.append(output[position:position + size] if header[1] == b"blob" else None)
            position += size + 1
        return contents

    def read_blobs(self, object_ids: list[str]) -> dict[str, bytes]:
        """Contents of many blobs with one process; a missing blob is an error."""
        unique = list(dict.fromkeys(object_ids))
        blobs: dict[str, bytes] = {}
        for object_id, content in zip(unique, self._batch(unique) if unique else []):
            if content is None:
                raise GitError(f"object {object_id} is missing from the repository")
            blobs[object_id] = content
        return blobs

    def read_paths(self, commit: str, paths: list[str]) -> dict[str, bytes | None]:
        """Files at a commit (None where absent), with one process."""
        specs = [f"{commit}:{path}" for path in paths]
        return dict(zip(paths, self._batch(specs) if specs else []))


def missing_base_message(base: str, shallow: bool) -> str:
    """How to get a revision this clone lacks, as a command that works for its kind:
    the server knows branch and tag names and full commit IDs, not `HEAD~1`."""
    remote_ref = base.split("/", 1)[1] if base.startswith("origin/") else base
    relative = any(mark in base for mark in ("~", "^", "@{")) or base in ("HEAD", "@")
    # An abbreviated commit ID cannot be fetched by name either; a full one (40 or 64) can.
    short_id = re.fullmatch(r"[0-9a-f]{4,63}", base) is not None and len(base) not in (40, 64)
    if relative or short_id:
        fix = ("fetch more history with `git fetch --deepen=50` (repeat as needed)" if shallow
               else "check the name: the history has no such commit")
        what = "shallow clone" if shallow else "repository"
        return (f"base {base!r} is not in this {what}: {fix}"
                + (" or use `fetch-depth: 0` with actions/checkout" if shallow else ""))
    if shallow:
        return (f"base {base!r} is not in this shallow clone: fetch it with "
                f"`git fetch origin {remote_ref}` (or use `fetch-depth: 0` with actions/checkout)")
    return (f"base {base!r} is not a commit in this repository: fetch it with "
            f"`git fetch origin {remote_ref}`, or check the name")


def missing_merge_base_message(base: str, shallow: bool) -> str:
    if shallow:
        return (f"no merge base between {base!r} and HEAD: the clone is shallow; fetch more "
                f"history with `git fetch --deepen=100` (repeat as needed) or use "
                f"`fetch-depth: 0` with actions/checkout")
    return f"no merge base between {base!r} and HEAD: the histories are unrelated"
