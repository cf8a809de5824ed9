"""`$VAR` / `${VAR:-default}` substitution for compose files and Dockerfile `FROM` lines.

At check time nobody knows the environment or the `--build-arg`s, so a variable is either
known (a Dockerfile `ARG` default) or unknown. An unknown variable is taken to be unset:
`${TAG:-1.27}` is checked as `1.27`, the value that runs unless someone overrides it,
and a reference that still depends on an unknown value (`$BASE`) cannot be judged —
`expand` returns None and the site is skipped rather than guessed.

Both syntaxes support `$NAME`, `${NAME}` and the modifiers `:-`, `-`, `:+`, `+`, `:?`, `?`
(nested defaults included); anything else (`${NAME%suffix}`) counts as unknown.
Compose escapes `$` as `$$`; a Dockerfile escapes it with its escape character and also
removes quotes, like BuildKit's word processing.
"""
from __future__ import annotations

import re
from collections.abc import Callable

# name -> value; None: unknown (declared without a default, or set only at build/run time).
Lookup = Callable[[str], str | None]

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_MODIFIERS = (":-", ":+", ":?", "-", "+", "?")


class _Unknown(Exception):
    """The result depends on a value only known at build or run time."""


class _Expander:
    def __init__(self, text: str, lookup: Lookup, escape: str | None, quotes: bool) -> None:
        self.text = text
        self.lookup = lookup
        self.escape = escape          # Dockerfile escape character; None for compose
        self.quotes = quotes

    def run(self) -> str:
        return self._until(0, stop=None)[0]

    def _until(self, position: int, stop: str | None) -> tuple[str, int]:
        """Expand from `position` up to an unnested `stop` character (or the end)."""
        text, out = self.text, []
        quote: str | None = None
        while position < len(text):
            char = text[position]
            if stop is not None and char == stop and quote is None:
                return "".join(out), position
            if self.escape is not None and char == self.escape and quote != "'" \
                    and position + 1 < len(text):
                out.append(text[position + 1])
                position += 2
            elif self.quotes and char in "'\"" and quote in (None, char):
                quote = None if quote == char else char
                position += 1
            elif char == "$" and quote != "'":
                value, position = self._variable(position)
                out.append(value)
            else:
                out.append(char)
                position += 1
        if stop is not None:
            raise _Unknown  # unterminated ${...}
        return "".join(out), position

    def _variable(self, position: int) -> tuple[str, int]:
        text = self.text
        following = text[position + 1:position + 2]
        if self.escape is None and following == "$":       # compose: $$ is a literal $
            return "$", position + 2
        if following != "{":
            match = _NAME.match(text, position + 1)
            if match is None:
                return "$", position + 1
            return self._value(match.group()), match.end()
        match = _NAME.match(text, position + 2)
        if match is None:
            raise _Unknown
        name, cursor = match.group(), match.end()
        if text.startswith("}", cursor):
            return self._value(name), cursor + 1
        modifier = next((m for m in _MODIFIERS if text.startswith(m, cursor)), None)
        if modifier is None:
            raise _Unknown  # ${NAME%...}, ${NAME/...}: not evaluated
        word, end = self._until(cursor + len(modifier), stop="}")
        return self._modified(name, modifier, word), end + 1

    def _value(self, name: str) -> str:
        value = self.lookup(name)
        if value is None:
            raise _Unknown
        return value

    def _modified(self, name: str, modifier: str, word: str) -> str:
        value = self.lookup(name)          # unknown is taken to be unset
        is_set = value is not None and (value != "" or not modifier.startswith(":"))
        if modifier.endswith("-"):
            return value if is_set and value is not None else word
        if modifier.endswith("+"):
            return word if is_set else ""
        if not is_set or value is None:    # ${NAME:?error}: fails unless set
            raise _Unknown
        return value


def expand(text: str, lookup: Lookup, *, escape: str | None = None,
           quotes: bool = False) -> str | None:
    """The substituted text, or None when it depends on an unknown value."""
    if "$" not in text and not quotes and escape is None:
        return text
    try:
        return _Expander(text, lookup, escape, quotes).run()
    except _Unknown:
        return None


def compose_lookup(name: str) -> str | None:
    """Compose reads the environment and `.env` at run time: every variable is unknown."""
    return None
