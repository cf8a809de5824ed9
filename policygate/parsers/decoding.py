"""Bytes to text, one YAML document at a time.

kubectl, Argo CD and Flux split a stream at `---` lines before they decode anything, so
a stray NUL or Latin-1 byte in one document (often a trailing comment) costs only that
document: the others are applied. Reading the file as a whole would let that byte hide
every document from the gate; instead the bad part becomes an error at its line, blanked
out so the good parts keep their line numbers, and only a file where no document decodes
at all is treated as binary.
"""
from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from functools import cache

from policygate.model import Finding, Location, Severity

_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"))


@dataclass(slots=True)
class Decoded:
    """The text to parse (None when nothing in the file decodes) and what was lost."""

    text: str | None
    findings: list[Finding] = field(default_factory=list)


def _finding(rule: str, severity: Severity, message: str, file: str, line: int,
             column: int = 1) -> Finding:
    return Finding(rule=rule, severity=severity, message=message, file=file,
                   location=Location(line, column, line), source="parser")


@cache
def _document_start() -> re.Pattern[bytes]:
    # A `---` line, as kubectl's YAML reader and the YAML grammar both split documents.
    return re.compile(rb"^---(?=[ \t\r\n]|\Z)", re.MULTILINE)


@cache
def _line_content() -> re.Pattern[bytes]:
    return re.compile(rb"[^\r\n]+")


def _position(raw: bytes, offset: int) -> tuple[int, int]:
    line = raw.count(b"\n", 0, offset) + 1
    return line, offset - (raw.rfind(b"\n", 0, offset) + 1) + 1


def _problem(chunk: bytes) -> tuple[int, str] | None:
    """(offset in the chunk, what is wrong) for the first undecodable byte, else None."""
    nul = chunk.find(b"\0")
    try:
        chunk.decode("utf-8")
    except UnicodeDecodeError as error:
        if nul == -1 or error.start < nul:
            return error.start, "not valid UTF-8"
    return (nul, "a NUL byte (binary content)") if nul != -1 else None


def _has_content(chunk: bytes) -> bool:
    """Does the part hold more than `---`, blank lines and comments?"""
    for line in chunk.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith(b"#") and stripped != b"---":
            return True
    return False


def decode(raw: bytes, file: str) -> Decoded:
    """Decode like YAML readers do: BOM-aware, UTF-8 otherwise, document by document."""
    encoding = "utf-8"
    for bom, name in _BOMS:
        if raw.startswith(bom):
            encoding = name
            break
    if encoding in ("utf-16", "utf-32"):
        return _decode_whole(raw, file, encoding)
    body = raw[len(codecs.BOM_UTF8):] if encoding == "utf-8-sig" else raw
    if b"\0" not in body:
        try:
            return Decoded(body.decode("utf-8"))
        except UnicodeDecodeError:
            pass
    return _decode_parts(body, raw, file)


def _decode_whole(raw: bytes, file: str, encoding: str) -> Decoded:
    """UTF-16/32 files cannot be split on bytes; they decode whole or not at all."""
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as error:
        line, column = _position(raw, error.start)
        return Decoded(None, [_finding(
            "parse/invalid-encoding", Severity.ERROR,
            f"not valid {encoding.upper()} at byte {error.start}: save the file as UTF-8",
            file, line, column)])
    if "\0" in text:
        return Decoded(None, [_finding("parse/binary-file", Severity.NOTE,
                                       "binary content (NUL character); file skipped", file, 1)])
    return Decoded(text)


def _decode_parts(body: bytes, raw: bytes, file: str) -> Decoded:
    skipped = len(raw) - len(body)  # a UTF-8 BOM: offsets in messages count it
    starts = [match.start() for match in _document_start().finditer(body)]
    bounds = ([0] if not starts or starts[0] != 0 else []) + starts + [len(body)]
    parts: list[bytes] = []
    findings: list[Finding] = []
    first_bad: int | None = None
    decoded_content = False
    for number, (start, end) in enumerate(zip(bounds, bounds[1:]), start=1):
        chunk = body[start:end]
        problem = _problem(chunk)
        if problem is None:
            parts.append(chunk)
            decoded_content = decoded_content or _has_content(chunk)
            continue
        offset, what = problem
        offset += start
        first_bad = offset if first_bad is None else first_bad
        line, column = _position(body, offset)
        findings.append(_finding(
            "parse/invalid-encoding", Severity.ERROR,
            f"{what} at byte {offset + skipped} in document {number}: that document was not "
            f"checked (tools that apply the file reject it too) — save it as UTF-8 text",
            file, line, column))
        # Keep the `---` and every line break, so later documents keep their lines.
        marker = b"---" if chunk.startswith(b"---") else b""
        parts.append(marker + _line_content().sub(b"", chunk[len(marker):]))
    if decoded_content:
        return Decoded(b"".join(parts).decode("utf-8"), findings)
    if b"\0" in body:
        line, _ = _position(body, body.index(b"\0"))
        return Decoded(None, [_finding("parse/binary-file", Severity.NOTE,
                                       "binary content (NUL byte); file skipped", file, line)])
    assert first_bad is not None
    line, column = _position(body, first_bad)
    return Decoded(None, [_finding(
        "parse/invalid-encoding", Severity.ERROR,
        f"not valid UTF-8 at byte {first_bad + skipped}: save the file as UTF-8", file, line, column)])
