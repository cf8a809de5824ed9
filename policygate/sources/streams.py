"""Manifests that arrive as a stream: `-` (standard input), a FIFO, `/dev/stdin`, or a
process substitution (`policygate check <(helm template charts/web)`).

A stream is read once, up to the size limit, and checked like a file under its display
name (`<stdin>`, or `--stdin-filename NAME` so reports and config patterns see a real
path). Anything that is neither a regular file, a directory nor a stream is refused:
a run never "checks 0 files" and passes because a path could not be read.
"""
from __future__ import annotations

import os
import stat
import sys
from collections.abc import Sequence
from dataclasses import dataclass

STDIN = "-"
STDIN_DISPLAY = "<stdin>"


class StreamError(Exception):
    """A stream that cannot be read (exit 2)."""


@dataclass(slots=True)
class Stream:
    display: str
    content: bytes


def is_stream(target: str) -> bool:
    """`-`, or a path that is a pipe or a character device (after symlinks)."""
    if target == STDIN:
        return True
    try:
        mode = os.stat(target).st_mode
    except OSError:
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISCHR(mode)


def refusal(target: str) -> str | None:
    """Why a named path cannot be checked at all (a socket, a block device), or None."""
    try:
        mode = os.stat(target).st_mode
    except OSError:
        return None
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode) or stat.S_ISFIFO(mode) or stat.S_ISCHR(mode):
        return None
    return f"{target}: not a regular file, directory or stream: nothing to read"


def read_streams(targets: Sequence[str], max_bytes: int, stdin_name: str | None
                 ) -> list[Stream]:
    """Read every stream target, each at most `max_bytes` + 1 bytes (the parser reports
    the size limit; the rest of an endless stream is never read)."""
    streams = []
    for target in targets:
        try:
            if target == STDIN:
                content = sys.stdin.buffer.read(max_bytes + 1)
            else:
                with open(target, "rb") as handle:
                    content = handle.read(max_bytes + 1)
        except OSError as error:
            raise StreamError(f"{target}: cannot read the stream: {error.strerror}") from None
        display = stdin_name or (STDIN_DISPLAY if target == STDIN else target)
        streams.append(Stream(display, content))
    return streams
