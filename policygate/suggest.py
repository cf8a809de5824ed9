"""`did you mean …?`: the closest valid name for a typo, in one place for every message."""
from __future__ import annotations

from collections.abc import Iterable


def did_you_mean(word: str, options: Iterable[str]) -> str:
    """` — did you mean 'x'?`, or "" when nothing is close enough to be a typo of `word`."""
    import difflib

    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f" — did you mean {close[0]!r}?" if close else ""
