"""What a policy may call beyond OPA's built-ins, and what it may not call at all.

- Conftest's `parse_config(parser, text)`, `parse_config_file(path)` and
  `parse_combined_config_files(paths)`, for YAML and JSON (other formats are an error
  naming the format), so Conftest unit tests that read fixtures run unchanged. Paths are
  relative to a base directory: the directory of the test file being run (`policygate
  test`), or of the first policy source (`check`) — Conftest uses the calling module's.
- Network built-ins (`http.send`, `net.lookup_ip_addr`) are refused when the policies
  load: OPA really makes those requests, and a gate that judges a pull request must not
  reach out from it. `rego.allow_network: true` allows them.
"""
from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from policygate.rego.lexer import IDENT, Token

NETWORK_BUILTINS = ("http.send", "net.lookup_ip_addr")
CONFIG_PARSERS = ("yaml", "json")
_SUFFIXES = {".yaml": "yaml", ".yml": "yaml", ".json": "json"}


class BaseDirectory:
    """Where relative paths of parse_config_file point; the test runner moves it."""

    def __init__(self, path: str = ".") -> None:
        self.path = path

    def resolve(self, path: str) -> str:
        return path if os.path.isabs(path) else os.path.join(self.path, path)


def _documents(parser: str, text: str, where: str) -> list[Any]:
    from policygate.parsers import parse_bytes
    from policygate.parsers.yaml import Limits

    if parser not in CONFIG_PARSERS:
        raise ValueError(f"the {parser!r} parser is not available in policygate (it reads "
                         f"{' and '.join(CONFIG_PARSERS)}): {where}")
    parsed = parse_bytes(text.encode("utf-8"), where, Limits())
    if parsed.findings:
        raise ValueError(f"{where}: {parsed.findings[0].message}")
    return [document.data for document in parsed.documents]


def _parse(parser: str, text: str, where: str) -> Any:
    """One document as itself, several as a list (Conftest's parse_config_file)."""
    documents = _documents(parser, text, where)
    return documents[0] if len(documents) == 1 else documents


def _parser_for(path: str) -> str:
    suffix = os.path.splitext(path)[1].lower()
    if suffix not in _SUFFIXES:
        raise ValueError(f"{path}: no parser for {suffix or 'files without a suffix'} in "
                         f"policygate (it reads .yaml, .yml and .json)")
    return _SUFFIXES[suffix]


def _read(path: str) -> str:
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def conftest_functions(base: BaseDirectory) -> dict[str, tuple[int, Any]]:
    """Conftest's parsing built-ins as engine custom functions (name -> (arity, fn))."""
    def parse_config(parser: str, text: str) -> Any:
        return _parse(str(parser).lower(), text, "parse_config")

    def parse_config_file(path: str) -> Any:
        full = base.resolve(path)
        return _parse(_parser_for(full), _read(full), full)

    def parse_combined_config_files(paths: Sequence[str]) -> Any:
        # One entry per document, as Conftest's --combine input has: a policy that looks
        # for a Service beside a Deployment must find it in a file holding both.
        return [{"path": full, "contents": document}
                for full in map(base.resolve, paths)
                for document in _documents(_parser_for(full), _read(full), full)]

    return {"parse_config": (2, parse_config), "parse_config_file": (1, parse_config_file),
            "parse_combined_config_files": (1, parse_combined_config_files)}


def network_calls(tokens: Sequence[Token]) -> list[tuple[Token, str]]:
    """Calls of network built-ins: (first token, name). A `with http.send as mock` that
    replaces one in a test is not a call."""
    found = []
    for index, token in enumerate(tokens):
        if token.kind != IDENT or (index > 0 and tokens[index - 1].is_op(".")):
            continue
        for name in NETWORK_BUILTINS:
            parts = name.split(".")
            span = 2 * len(parts) - 1
            window = tokens[index:index + span + 1]
            if len(window) == span + 1 and [t.text for t in window[:span:2]] == parts and \
                    all(t.is_op(".") for t in window[1:span:2]) and window[span].is_op("("):
                found.append((token, name))
    return found
