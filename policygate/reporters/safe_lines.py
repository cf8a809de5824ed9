"""No line the gate prints may become a GitHub Actions workflow command.

The Actions runner reads every line a step prints (it splits at LF, CR and CRLF). A line
that starts with `::` after leading whitespace is a command (`::stop-commands::`,
`::add-mask::`, `::error`), and `##[command]` is one anywhere in a line (the runner's
first syntax, still accepted). A manifest named `::stop-commands::tok.yaml`, or a
message quoting `##[add-mask]…`, could otherwise switch off or forge what the log shows.
Everything the gate prints except its own annotations (reporters.github_report) passes
through `defuse`, which escapes the character that would start a command in the
output's own syntax: a JSON or XML parser and a Markdown renderer read the same text,
and plain text shows the backslash escape that file names already use for control
characters.
"""
from __future__ import annotations

import re

# (what replaces the first ':' of a leading '::', what replaces the second '#' of '##[')
_ESCAPES = {"text": ("\\x3a", "\\x23"), "json": ("\\u003a", "\\u0023"),
            "xml": ("&#58;", "&#35;"), "markdown": ("\\:", "\\#")}
# `::` at the start of a runner line, after any whitespace but line breaks.
_COMMAND = r"(?:\A|(?<=[\r\n]))([^\S\r\n]*):(?=:)"


def defuse(text: str, style: str = "text") -> str:
    colon, hash_mark = _ESCAPES[style]
    if "::" in text:
        text = re.sub(_COMMAND, lambda match: match.group(1) + colon, text)
    if "##[" in text:
        text = text.replace("##[", "#" + hash_mark + "[")
    return text
