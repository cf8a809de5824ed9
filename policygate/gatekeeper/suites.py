"""gator Suite files (test.gatekeeper.sh/v1alpha1, kind Suite) -> plain data.

Read the way `gator verify` reads them: files that are not Suites are ignored, paths
inside a suite are relative to the suite file, and a case's own mistakes (no object, no
assertions, a bad `violations` value) are that case's error when it runs — the other
cases still run. Each test and case keeps its line, so the report points into the suite.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from policygate.gatekeeper.objects import policy_kind
from policygate.locate import locate
from policygate.model import Document
from policygate.parsers import parse_bytes
from policygate.parsers.yaml import Limits

_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True, slots=True)
class Assertion:
    violations: Any = "yes"                 # "yes" | "no" | a count, as written
    message: str | None = None              # a regular expression (searched, case-sensitive)


@dataclass(frozen=True, slots=True)
class Case:
    name: str
    line: int
    object: str | None = None
    inventory: tuple[str, ...] = ()
    assertions: tuple[Assertion, ...] = ()
    skip: bool = False
    problem: str | None = None              # why the case cannot run (reported as its error)


@dataclass(frozen=True, slots=True)
class Test:
    name: str
    line: int
    template: str | None = None
    constraint: str | None = None
    cases: tuple[Case, ...] = ()
    invalid: bool = False
    skip: bool = False
    expansion: str | None = None


@dataclass(frozen=True, slots=True)
class Suite:
    file: str                               # display name
    directory: Path                         # where its relative paths start
    tests: tuple[Test, ...] = ()
    skip: bool = False
    problem: str | None = None              # the file cannot be read as a Suite
    line: int = 1                           # where the problem is


def suite_files(target: str, display: str) -> list[tuple[str, str]]:
    """(path, display) of the YAML files under a file or directory, recursively."""
    if os.path.isfile(target):
        return [(target, display)]
    found = []
    for current, dirs, files in os.walk(target):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.endswith(_SUFFIXES):
                full = os.path.join(current, name)
                shown = os.path.normpath(os.path.join(display, os.path.relpath(full, target)))
                found.append((full, shown.replace(os.sep, "/")))
    return found


def read_suite(path: str, display: str, limits: Limits = Limits()) -> Suite | None:
    """The Suite in a file, or None when the file holds no Suite (gator ignores it)."""
    directory = Path(path).parent
    try:
        with open(path, "rb") as handle:
            raw = handle.read(limits.max_file_bytes + 1)
    except OSError as error:
        return Suite(display, directory, problem=f"cannot read the suite: {error.strerror}")
    if b"Suite" not in raw:
        return None
    parsed = parse_bytes(raw, display, limits)
    suites = [d for d in parsed.documents if policy_kind(d.data) == "suite"]
    if not suites:
        if parsed.findings and b"test.gatekeeper.sh" in raw:
            first = parsed.findings[0]
            line = first.location.line if first.location else 1
            return Suite(display, directory, problem=first.message, line=line)
        return None
    document = suites[0]
    data = document.data
    tests = data.get("tests") or []
    if not isinstance(tests, list):
        return Suite(display, directory, problem="`tests` must be a list",
                     line=locate(document, ("tests",)).line)
    return Suite(display, directory, tuple(_test(document, index, item)
                                           for index, item in enumerate(tests)),
                 skip=data.get("skip") is True)


def _line(document: Document, *path: Any) -> int:
    return locate(document, path).line


def _test(document: Document, index: int, item: Any) -> Test:
    line = _line(document, "tests", index)
    if not isinstance(item, dict):
        return Test(f"#{index + 1}", line, cases=(Case("", line, problem="a test must be a "
                                                                        "mapping"),))
    name = str(item.get("name") or f"#{index + 1}")
    cases = item.get("cases") or []
    if not isinstance(cases, list):
        cases = []
    return Test(name, line, _string(item.get("template")), _string(item.get("constraint")),
                tuple(_case(document, index, number, case) for number, case in enumerate(cases)),
                invalid=item.get("invalid") is True, skip=item.get("skip") is True,
                expansion=_string(item.get("expansion")))


def _string(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _case(document: Document, test: int, index: int, item: Any) -> Case:
    line = _line(document, "tests", test, "cases", index)
    if not isinstance(item, dict):
        return Case(f"#{index + 1}", line, problem="a case must be a mapping")
    name = str(item.get("name") or f"#{index + 1}")
    inventory = item.get("inventory") or []
    if not isinstance(inventory, list) or not all(isinstance(p, str) for p in inventory):
        return Case(name, line, problem="inventory must be a list of file paths")
    assertions = item.get("assertions") or []
    if not isinstance(assertions, list) or not all(isinstance(a, dict) for a in assertions):
        return Case(name, line, problem="assertions must be a list of {violations, message}")
    problem = None
    if not _string(item.get("object")):
        problem = "the case must define `object`"
    elif not assertions:
        problem = "assertions must be non-empty"
    message = [a.get("message") for a in assertions]
    if problem is None and any(m is not None and not isinstance(m, str) for m in message):
        problem = "an assertion's `message` must be a string (a regular expression)"
    return Case(name, line, _string(item.get("object")), tuple(inventory),
                tuple(Assertion(a.get("violations", "yes"), a.get("message"))
                      for a in assertions),
                skip=item.get("skip") is True, problem=problem)
