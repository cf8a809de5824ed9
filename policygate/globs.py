"""Path globs as platform engineers write them in config: `apps/**/prod/*.yaml`.

`*` and `?` stay inside one path segment, `**` spans segments, and a pattern without a
slash matches a file name anywhere (like .gitignore), so `*.json` needs no `**/`.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache


@lru_cache(maxsize=1024)
def compile_glob(pattern: str) -> re.Pattern[str]:
    anchored = "/" in pattern.rstrip("/")
    body = pattern.strip("/") if anchored else pattern.rstrip("/")
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
        elif char == "[":
            end = body.find("]", index + 1)
            if end == -1:
                regex.append(re.escape(char))
                index += 1
            else:
                content = body[index + 1:end]
                if content.startswith("!"):
                    content = "^" + content[1:]
                regex.append(f"[{content}]")
                index = end + 1
        else:
            regex.append(re.escape(char))
            index += 1
    prefix = "" if anchored else "(?:.*/)?"
    # A pattern naming a directory also matches everything below it.
    return re.compile(f"{prefix}{''.join(regex)}(?:/.*)?\\Z")


def glob_match(pattern: str, path: str) -> bool:
    return compile_glob(pattern).match(path) is not None


def match_any(patterns: Iterable[str], path: str) -> bool:
    return any(glob_match(pattern, path) for pattern in patterns)
