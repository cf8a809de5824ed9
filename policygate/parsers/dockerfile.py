"""Dockerfiles and Containerfiles, read the way BuildKit reads them, with positions.

The document's data is the instruction list Conftest gives Rego policies for a
Dockerfile (`input[i].Cmd == "from"`, `input[i].Value[0]`), so existing policies run
unchanged: one entry per instruction with `Cmd` (lower-case), `Flags` (`--platform=...`),
`Value` (the arguments), `Stage` (0-based index of the build stage), `JSON` (exec form),
`Original` (the instruction as written, continuations joined) and `StartLine`/`EndLine`.
Values are kept as written: substituting `ARG` defaults is the reader's job, because
what a variable means depends on where it is used (only global ARGs reach `FROM`).

Syntax handled like BuildKit: parser directives at the top (`# escape=` changes the
line-continuation character), comment lines (also inside continuations), empty
continuation lines, heredocs (`RUN <<EOF ... EOF`, whose body is never read as
instructions) and case-insensitive instruction names. A Dockerfile has no syntax error
the gate needs to report: BuildKit rejects a broken file when it is built, and the rules
only need the instructions that are there.

There is no node tree, so the parser records `positions` for every path it produces:
`(i,)` the instruction, `(i, "Cmd")` its keyword, `(i, "Flags", k)` and `(i, "Value", k)`
each word.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass

from policygate.classify import DOCKERFILE
from policygate.model import Document, FieldPath, Location
from policygate.parsers.lines import source_lines
from policygate.parsers.yaml import Limits, ParsedFile, limit_finding

_DIRECTIVE = re.compile(r"#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.*?)\s*\Z")
_HEREDOC = re.compile(r"<<(-?)([\"']?)([A-Za-z_][A-Za-z0-9_]*)\2")
_HEREDOC_COMMANDS = frozenset({"run", "copy", "add"})
# Instructions whose shell form is one string (the rest of the line), like BuildKit.
_SHELL_FORM = frozenset({"run", "cmd", "entrypoint", "shell", "healthcheck"})
_EXEC_FORM = frozenset({"run", "cmd", "entrypoint", "shell", "volume", "copy", "add"})
_FLAG_COMMANDS = frozenset({"from", "run", "copy", "add", "healthcheck"})


@dataclass(slots=True)
class _Word:
    text: str
    offset: int                  # index into the logical line


@dataclass(slots=True)
class _Logical:
    """One instruction with its continuation lines joined, and where each character is."""

    text: str
    places: list[tuple[int, int]]   # (line, column), 1-based, per character
    first_line: int
    last_line: int


def _escape_directive(lines: list[str]) -> tuple[str, int]:
    """The escape character and the index of the first line after the directives."""
    escape, seen, index = "\\", set(), 0
    while index < len(lines):
        match = _DIRECTIVE.match(lines[index])
        if match is None or match.group(1).lower() in seen:
            break
        name, value = match.group(1).lower(), match.group(2)
        seen.add(name)
        if name == "escape" and value in ("\\", "`"):
            escape = value
        index += 1
    return escape, index


def _is_filler(line: str) -> bool:
    stripped = line.strip()
    return not stripped or stripped.startswith("#")


def _logical_lines(lines: list[str], start: int, escape: str) -> list[_Logical]:
    continuation = re.compile(re.escape(escape) + r"[ \t]*\Z")
    result: list[_Logical] = []
    index = start
    while index < len(lines):
        if _is_filler(lines[index]):
            index += 1
            continue
        chars: list[str] = []
        places: list[tuple[int, int]] = []
        first = index
        while True:
            line = lines[index]
            match = continuation.search(line)
            body = line[:match.start()] if match else line
            chars.append(body)
            places.extend((index + 1, column + 1) for column in range(len(body)))
            last = index
            index += 1
            if match is None:
                break
            while index < len(lines) and _is_filler(lines[index]):
                index += 1
            if index >= len(lines):
                break
        logical = _Logical("".join(chars), places, first + 1, last + 1)
        if logical.text.strip():  # a lone continuation character is no instruction
            result.append(logical)
            index = _skip_heredocs(lines, index, logical.text)
    return result


def _skip_heredocs(lines: list[str], index: int, instruction: str) -> int:
    """Skip the bodies of `<<EOF` heredocs that follow a RUN/COPY/ADD instruction."""
    if instruction.split(None, 1)[0].lower() not in _HEREDOC_COMMANDS:
        return index
    for match in _HEREDOC.finditer(instruction):
        strip_tabs, delimiter = match.group(1) == "-", match.group(3)
        while index < len(lines):
            line = lines[index].lstrip("\t") if strip_tabs else lines[index]
            index += 1
            if line == delimiter:
                break
    return index


def _words(text: str, escape: str) -> list[_Word]:
    """Split on whitespace outside quotes; quotes and escapes are kept in the word."""
    words: list[_Word] = []
    position, length = 0, len(text)
    while position < length:
        while position < length and text[position].isspace():
            position += 1
        if position >= length:
            break
        begin, quote = position, None
        while position < length and (quote is not None or not text[position].isspace()):
            char = text[position]
            if char == escape and quote != "'":
                position += 2
                continue
            if char in "'\"":
                quote = None if quote == char else (quote or char)
            position += 1
        words.append(_Word(text[begin:min(position, length)], begin))
    return words


def _exec_form(rest: str) -> list[str] | None:
    if not rest.startswith("["):
        return None
    try:
        value = json.loads(rest)
    except ValueError:
        return None
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return value
    return None


def _instruction(logical: _Logical, index: int, stage: int, escape: str,
                 positions: dict[FieldPath, Location]) -> dict[str, object]:
    def place(offset: int) -> Location:
        line, column = logical.places[offset]
        return Location(line, column, line)

    words = _words(logical.text, escape)
    keyword = words[0]
    command = keyword.text.lower()
    positions[(index,)] = Location(*logical.places[keyword.offset], logical.last_line)
    positions[(index, "Cmd")] = place(keyword.offset)
    rest = words[1:]
    flags: list[str] = []
    if command in _FLAG_COMMANDS:
        while rest and rest[0].text.startswith("--"):
            positions[(index, "Flags", len(flags))] = place(rest[0].offset)
            flags.append(rest.pop(0).text)
    arguments_start = rest[0].offset if rest else len(logical.text)
    arguments = logical.text[arguments_start:].rstrip()
    exec_form = _exec_form(arguments) if command in _EXEC_FORM else None
    if exec_form is not None:
        value: list[str] = exec_form
        positions[(index, "Value")] = place(arguments_start)
    elif command in _SHELL_FORM:
        value = [arguments] if arguments else []
        if arguments:
            positions[(index, "Value", 0)] = place(arguments_start)
    else:
        value = [word.text for word in rest]
        for number, word in enumerate(rest):
            positions[(index, "Value", number)] = place(word.offset)
    return {"Cmd": command, "SubCmd": "", "Flags": flags, "Value": value, "Stage": stage,
            "JSON": exec_form is not None, "Original": logical.text.strip(),
            "StartLine": logical.first_line, "EndLine": logical.last_line}


def parse_dockerfile(text: str, file: str, limits: Limits) -> ParsedFile:
    lines = source_lines(text)
    escape, start = _escape_directive(lines)
    logical_lines = _logical_lines(lines, start, escape)
    if len(logical_lines) > limits.max_nodes:
        return ParsedFile([], [limit_finding(file, "max_nodes", limits.max_nodes,
                                             "number of instructions")], text)
    instructions: list[dict[str, object]] = []
    positions: dict[FieldPath, Location] = {}
    stage = -1
    for logical in logical_lines:
        if logical.text.split(None, 1)[0].lower() == "from":
            stage += 1
        instructions.append(_instruction(logical, len(instructions), max(stage, 0), escape,
                                         positions))
    if not instructions:
        return ParsedFile([], [], text)
    document = Document(file, 0, instructions, None, logical_lines[0].first_line, len(lines),
                        kind=DOCKERFILE, positions=positions)
    return ParsedFile([document], [], text)
