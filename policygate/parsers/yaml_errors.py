"""YAML syntax errors in plain words.

libyaml and PyYAML describe what the parser expected ("while parsing a block mapping:
did not find expected key"); a person fixing a manifest needs what is wrong with the line
and how to fix it. Each message here names the usual cause and the fix; an error this
table does not know keeps the parser's own words.
"""
from __future__ import annotations

import re
from dataclasses import dataclass



@dataclass(frozen=True, slots=True)
class SyntaxProblem:
    """What the parser said, and where (1-based, git's numbering)."""

    context: str | None
    problem: str
    line_text: str            # the source line the problem is on
    column: int
    context_line: int | None  # where the construct that failed started


def _at(problem: SyntaxProblem) -> str:
    return problem.line_text[problem.column - 1:problem.column]


def _opened(problem: SyntaxProblem, what: str) -> str:
    return f" ({what} on line {problem.context_line})" if problem.context_line else ""


def _name_after(problem: SyntaxProblem, sigil: str) -> str:
    """The anchor or alias name written at the problem's column (`*web` -> `web`)."""
    text = problem.line_text[problem.column - 1:]
    text = text[1:] if text.startswith(sigil) else text
    match = re.match(r"[^\s,\[\]{}]+", text)
    return match.group() if match else "?"


def _cannot_start(problem: SyntaxProblem) -> str:
    character = _at(problem)
    if character == "\t":
        return "tabs are not allowed for indentation in YAML: use spaces"
    if character in ("@", "`"):
        return (f"a value cannot start with {character!r} (YAML reserves it): put the value "
                f"in quotes")
    shown = repr(character) if character else "this character"
    return f"a value cannot start with {shown}: put the value in quotes"


def plain_words(problem: SyntaxProblem) -> str | None:
    """The plain-words message, or None to keep the parser's own."""
    context, text = problem.context or "", problem.problem
    if "cannot start any token" in text:
        return _cannot_start(problem)
    if text.startswith("mapping values are not allowed"):
        return ("a ':' here would start a key where none can be: indent the line under the "
                "key it belongs to, or put a value that contains ': ' in quotes")
    if "flow mapping" in context:
        return (f"a {{...}} mapping is not closed: add the missing '}}' or a ',' between its "
                f"entries{_opened(problem, 'it opens')}")
    if "flow sequence" in context:
        return (f"a [...] list is not closed: add the missing ']' or a ',' between its "
                f"items{_opened(problem, 'it opens')}")
    if "block mapping" in context:
        return (f"this line is not indented like the keys of its mapping"
                f"{_opened(problem, 'the mapping starts')}: keys of one mapping start at the "
                f"same column, and a nested value is indented further")
    if "block collection" in context:
        return (f"a list item was expected here{_opened(problem, 'the list starts')}: items "
                f"of one list start with '- ' at the same column")
    if "quoted scalar" in context:
        return (f"a quoted string is not closed{_opened(problem, 'it opens')}: add the "
                f"closing quote")
    if "simple key" in context:
        return ("a key without ':' (or a key longer than 1024 characters): add ': ' after "
                "the key, or indent the line so it continues the value above")
    if "undefined alias" in text:
        name = _name_after(problem, "*")
        return f"the alias *{name} refers to no anchor: define &{name} earlier in this document"
    if "duplicate anchor" in context:
        return (f"the anchor &{_name_after(problem, '&')} is defined twice in this document"
                f"{_opened(problem, 'first')}: rename one")
    if "anchor" in context or "alias" in context:
        return "an anchor (&) or alias (*) needs a name right after it, such as &base or *base"
    if "document start" in text:
        return ("content after the end of a document: start a new document with a '---' "
                "line, or indent the line under its key")
    if "block scalar" in context:
        return ("a '|' or '>' block starts on the next line: nothing but an indicator such as "
                "|- or >2 may follow it on this line")
    if "tag" in context:
        return "a tag (!...) is not written correctly: quote the value if it is not a tag"
    if "directive" in context:
        return ("a line starting with '%' is a directive, and only %YAML and %TAG exist: put "
                "the value in quotes")
    if "document separator" in text:
        return (f"a '---' line ends the document inside an unclosed value"
                f"{_opened(problem, 'it opens')}: close it before the '---'")
    return None
