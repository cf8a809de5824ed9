"""Pick the parser for a file and apply the limits every parser shares.

YAML (and JSON, a subset of it) is the default; formats with their own syntax register
a name predicate and a parse function in `_PARSERS`.
"""
from __future__ import annotations

from collections.abc import Callable

import importlib

from policygate.parsers.formats import YAML_SUFFIXES, is_dockerfile
from policygate.parsers.decoding import decode
from policygate.parsers.yaml import Limits, ParsedFile, limit_finding, parse_yaml

ParseFunction = Callable[[str, str, Limits], ParsedFile]
# (file-name predicate, "module:function") tried in order before the YAML default; the
# parser module is imported only when a file of its format is read.
_PARSERS: list[tuple[Callable[[str], bool], str]] = [
    (is_dockerfile, "policygate.parsers.dockerfile:parse_dockerfile"),
]


def _parser_for(name: str) -> ParseFunction:
    for matches, target in _PARSERS:
        if matches(name):
            module, _, function = target.partition(":")
            return getattr(importlib.import_module(module), function)
    return parse_yaml


def handles(name: str) -> bool:
    """Is a file with this base name one the gate understands (walked directories)?"""
    return name.endswith(YAML_SUFFIXES) or any(matches(name) for matches, _ in _PARSERS)


def parse_bytes(raw: bytes, file: str, limits: Limits) -> ParsedFile:
    if len(raw) > limits.max_file_bytes:
        return ParsedFile([], [limit_finding(file, "max_file_bytes", limits.max_file_bytes,
                                             "file size (in bytes)")])
    decoded = decode(raw, file)
    if decoded.text is None:
        return ParsedFile([], decoded.findings)
    parsed = _parser_for(file.rpartition("/")[2])(decoded.text, file, limits)
    if decoded.findings:
        parsed.findings[:0] = decoded.findings
    return parsed
