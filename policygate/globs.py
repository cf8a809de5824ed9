"""Path globs as platform engineers write them in config: `apps/**/prod/*.yaml`.

`*` and `?` stay inside one path segment, `**` spans segments, and a pattern without a
slash matches a file name anywhere (like .gitignore), so `*.json` needs no `**/`.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache


def translate(body: str) -> str:
    """The regex for a glob body: `*` and `?` within a segment, `**` across segments."""
    regex: list[str] = []
    index = 0
    while index < len(body):
        char = body[index]
        if body.startswith("**/", index):
            regex.append("(?:[^/]+/)*")
            index += 3
        elif body.startswith("**", index):
            regex.append(".*")
            index += 2
        elif char == "*":
            regex.append("[^/]*")
            index += 1
        elif char == "?":
            regex.append("[^/]")
            index += 1
        elif char == "[" and body.find("]", index + 1) != -1:
            end = body.find("]", index + 1)
            content = body[index + 1:end]
            regex.append(f"[{'^' + content[1:] if content.startswith('!') else content}]")
            index = end + 1
        else:
            regex.append(re.escape(char))
            index += 1
    return "".join(regex)


@lru_cache(maxsize=1024)
def compile_glob(pattern: str) -> re.Pattern[str]:
    anchored = "/" in pattern.rstrip("/")
    body = pattern.strip("/") if anchored else pattern.rstrip("/")
    prefix = "" if anchored else "(?:.*/)?"
    # A pattern naming a directory also matches everything below it.
    return re.compile(f"{prefix}{translate(body)}(?:/.*)?\\Z")


@lru_cache(maxsize=256)
def _compile_name(pattern: str) -> re.Pattern[str]:
    return re.compile(f"{translate(pattern)}\\Z")


def match_name(pattern: str, name: str) -> bool:
    """A whole name (a branch, a namespace) against a glob: `release/*` matches
    `release/1.0` but neither `release/1.0/x` nor `team/release/1.0`."""
    return _compile_name(pattern).match(name) is not None


def glob_match(pattern: str, path: str) -> bool:
    return compile_glob(pattern).match(path) is not None


def match_any(patterns: Iterable[str], path: str) -> bool:
    return any(glob_match(pattern, path) for pattern in patterns)
