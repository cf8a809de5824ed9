"""What the text report may do on the device it is written to.

A person at a terminal gets colour, lines wrapped to the window and a one-line verdict
when the check is clean; a pipe, a file or a CI log gets plain, unwrapped lines and
silence when clean, so scripts and editors read the same bytes every time. Colour
follows the common conventions: `--color always|never` wins, then NO_COLOR (any
non-empty value switches colour off), then FORCE_COLOR (any non-empty value switches it
on, even in a pipe), then TERM=dumb, then whether the output is a terminal.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TextIO

COLOR_CHOICES = ("auto", "always", "never")


@dataclass(frozen=True, slots=True)
class Terminal:
    tty: bool = False             # a person is reading: say "clean" out loud
    color: bool = False
    width: int | None = None      # wrap to this many columns; None: never wrap
    quiet: bool = False           # findings only: no verdict line, no summary
    elapsed: float | None = None  # seconds the run took, for the verdict line


PLAIN = Terminal()


def use_color(option: str, is_tty: bool, env: Mapping[str, str]) -> bool:
    if option != "auto":
        return option == "always"
    if env.get("NO_COLOR"):
        return False
    if env.get("FORCE_COLOR"):
        return True
    return is_tty and env.get("TERM") != "dumb"


def detect(stream: TextIO, color: str = "auto", quiet: bool = False,
           elapsed: float | None = None, env: Mapping[str, str] | None = None) -> Terminal:
    """The Terminal for writing to `stream` (normally sys.stdout)."""
    env = os.environ if env is None else env
    try:
        is_tty = stream.isatty()
    except (AttributeError, ValueError):
        is_tty = False
    width = None
    if is_tty:
        import shutil

        width = shutil.get_terminal_size().columns
    return Terminal(tty=is_tty, color=use_color(color, is_tty, env), width=width, quiet=quiet,
                    elapsed=elapsed)
