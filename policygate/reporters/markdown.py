"""Put untrusted text into GitHub Markdown without it becoming markup.

File names, manifest values and policy messages come from the pull request, so they
could @-mention a team, inject HTML or images, close a code block, break a table or
blow up a comment's size. Everything untrusted goes through one of these functions.
"""
from __future__ import annotations

import re

# A word joiner after "@" stops GitHub from turning "@org/team" into a mention (which
# notifies people) while the text still reads the same.
_NO_MENTION = "@\u2060"
_PUNCTUATION = re.compile(r"([\\`*_{}\[\]()#+\-.!|~=\"'$:])")
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029\x85]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def cap(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:max(0, limit - 1)] + "…"


def fence_for(text: str, minimum: int) -> str:
    """A backtick fence longer than any backtick run in `text`, so `text` cannot close it."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    return "`" * max(minimum, longest + 1)


def _clean(text: str) -> str:
    return _CONTROL.sub("\ufffd", text)


def escape_text(text: str, limit: int = 1000) -> str:
    """Inline prose: no markup, no HTML, no mentions, no line breaks."""
    text = _LINE_BREAKS.sub(" ", _clean(cap(text, limit)))
    text = text.replace("&", "&amp;")  # before anything emits an entity: "&#64;" stays text
    text = _PUNCTUATION.sub(r"\\\1", text).replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("@", _NO_MENTION)


def code_span(text: str, limit: int = 300, *, table: bool = True) -> str:
    """Inline code, fenced longer than any backtick run inside. In a table cell `|` must
    be escaped (GitHub splits cells before it sees the span); outside a table the escape
    would show, so `table=False` leaves it."""
    text = _LINE_BREAKS.sub(" ", _clean(cap(text, limit)))
    if table:
        text = text.replace("|", "\\|")
    text = text.replace("@", _NO_MENTION)
    fence = fence_for(text, 1)
    padding = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    return f"{fence}{padding}{text}{padding}{fence}"


def fenced_block(text: str, info: str = "", limit: int = 20_000) -> str:
    """A code block the content cannot close: the fence is longer than any backtick run."""
    text = _clean(cap(text, limit)).replace("@", _NO_MENTION)
    fence = fence_for(text, 3)
    return f"{fence}{info}\n{text.rstrip(chr(10))}\n{fence}"


def table_cell(text: str, limit: int = 300) -> str:
    """Prose in a table cell."""
    return escape_text(text, limit).replace("\\|", "&#124;")
