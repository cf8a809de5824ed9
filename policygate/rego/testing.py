"""`policygate test`: run Rego unit tests (`test_*` rules) the way `opa test` and
`conftest verify` do — on the run's engine, with `--data`, `--run`, `--coverage`, and the
`print()` output of a test that fails.

Tests run in the engine's worker (policygate.rego.process): a test that crashes the
engine is that test's error, the worker is restarted, and the remaining tests still run.
On OPA every test is one fixed query whose rule is named by a custom function, so the
program compiles once for all tests (a query per test compiles it once per test); regorus
evaluates a dynamic reference to a package by evaluating the whole package, so there each
test is its own query, which costs regorus nothing to prepare.
"""
from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from policygate.rego.policyset import Module, PolicyError, read_modules, rego_files
from policygate.rego.process import ForkedWorker, Progress, WorkerCrash, WorkerError

PASS, FAIL, ERROR, SKIP = "PASS", "FAIL", "ERROR", "SKIPPED"
_SELECT = "policygate.test.selected"      # custom function naming the test to run


@dataclass(frozen=True, slots=True)
class TestCase:
    package: str
    name: str
    file: str
    line: int

    @property
    def ref(self) -> str:
        return f"data.{self.package}.{self.name}"


@dataclass(frozen=True, slots=True)
class TestResult:
    case: TestCase
    status: str
    seconds: float = 0.0
    message: str = ""
    prints: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class FileCoverage:
    covered: tuple[int, ...]
    not_covered: tuple[int, ...]

    @property
    def percent(self) -> float:
        total = len(self.covered) + len(self.not_covered)
        return 100.0 * len(self.covered) / total if total else 100.0


@dataclass(slots=True)
class TestReport:
    engine: str = ""
    results: list[TestResult] = field(default_factory=list)
    coverage: dict[str, FileCoverage] | None = None

    def count(self, status: str) -> int:
        return sum(1 for result in self.results if result.status == status)

    @property
    def passed(self) -> bool:
        return not any(r.status in (FAIL, ERROR) for r in self.results)


def discover(modules: Sequence[Module], run: str | None = None) -> list[TestCase]:
    """`test_*` rules (and `todo_test_*`, reported as skipped), once per package and name."""
    pattern = re.compile(run) if run else None
    cases: dict[tuple[str, str], TestCase] = {}
    for module in modules:
        for rule in module.outline.rules:
            if not rule.name.startswith(("test_", "todo_test_")):
                continue
            case = TestCase(module.package, rule.name, module.path,
                            module.position(module.outline.tokens[rule.start].start)[0])
            if pattern is not None and not pattern.search(case.ref):
                continue
            cases.setdefault((case.package, case.name), case)
    return list(cases.values())


def _query(engine: str, case: TestCase) -> str:
    if engine != "opa":
        return f"x := [v | v := {case.ref}]"
    depth = case.package.count(".") + 1
    parts = [f"p{i} := {_SELECT}({i})" for i in range(depth)]
    path = "".join(f"[p{i}]" for i in range(depth))
    return "; ".join(parts + [f"n := {_SELECT}(-1)", f"x := [v | v := data{path}[n]]"])


class _Runner:
    """Worker side: the engine with every module loaded; answers one test per request."""

    def __init__(self, engine: str, modules: Sequence[Module], data: dict[str, Any],
                 coverage: bool) -> None:
        from policygate.rego.builtins import BaseDirectory, conftest_functions
        from policygate.rego.inprocess import Located
        from policygate.rego.runtime import CompileFailed, open_runtime

        self._engine, self._coverage = engine, coverage
        self._base = BaseDirectory()
        self._current: list[str] = []
        functions = conftest_functions(self._base)
        functions[_SELECT] = (1, lambda index: self._current[int(index)])
        self._runtime = open_runtime(engine, functions)
        self._located = Located(modules)
        self._files = {m.path: m for m in modules}
        try:
            self._runtime.load([(m.path, m.text) for m in modules], data)
            if engine == "opa":
                self._runtime.compile(_query(engine, TestCase("a", "test_a", "", 0)))
        except CompileFailed as failure:
            from policygate.rego.inprocess import CompileProblems

            raise CompileProblems([self._located(p) for p in failure.problems]) from None
        self._lines: dict[str, tuple[set[int], set[int]]] = {}

    def __call__(self, request: Any) -> Any:
        if request == "coverage":
            return self._coverage_report()
        case: TestCase = request
        from policygate.rego.runtime import QueryFailed

        self._current = case.package.split(".") + [case.name]     # the name is index -1
        self._base.path = os.path.dirname(case.file) or "."
        try:
            answer = self._runtime.query(_query(self._engine, case), None, self._coverage)
        except QueryFailed as failure:
            return "error", self._located.message(failure), ()
        if self._coverage:
            self._merge(self._runtime.coverage)
        values = answer.value if isinstance(answer.value, list) else []
        return ("value", values[0], answer.prints) if values else \
            ("undefined", None, answer.prints)

    def _merge(self, report: Any) -> None:
        """Per file, the union of the lines any test ran (OPA: per evaluation; regorus:
        cumulative), in the engine's text."""
        if not report:
            return
        files = report["files"]
        entries = files.items() if isinstance(files, dict) else ((f["path"], f) for f in files)
        for name, entry in entries:
            covered, missed = self._lines.setdefault(name, (set(), set()))
            covered.update(_rows(entry.get("covered")))
            missed.update(_rows(entry.get("not_covered")))

    def _coverage_report(self) -> dict[str, FileCoverage]:
        result = {}
        for name, (covered, missed) in sorted(self._lines.items()):
            module = self._files.get(name)
            if module is None:
                continue
            written = {_written_line(module, row) for row in covered}
            not_run = {_written_line(module, row) for row in missed} - written
            result[name] = FileCoverage(tuple(sorted(written)), tuple(sorted(not_run)))
        return result


def _rows(ranges: Any) -> set[int]:
    """Lines of OPA's `{start: {row}, end: {row}}` ranges or regorus's line numbers."""
    rows: set[int] = set()
    for item in ranges or ():
        if isinstance(item, int):
            rows.add(item)
        else:
            rows.update(range(item["start"]["row"], item["end"]["row"] + 1))
    return rows


def _written_line(module: Module, row: int) -> int:
    from policygate.rego.inprocess import _offset

    return module.position(_offset(module.text, row, 1))[0]


def _setup(engine: str, modules: Sequence[Module], data: dict[str, Any],
           coverage: bool) -> Callable[[Progress], tuple[Any, Any]]:
    def setup(progress: Progress) -> tuple[Any, Any]:
        return _Runner(engine, modules, data, coverage), None
    return setup


def run_tests(files: Sequence[tuple[str, str]], run: str | None = None,
              v0_compatible: bool = False, engine: str = "opa", data: dict[str, Any] | None = None,
              coverage: bool = False, timeout: float = 30.0) -> TestReport:
    """Run every selected test; raises PolicyError for policies that do not compile."""
    modules, _ = read_modules(files, v0_compatible, allow_network=True)
    cases = discover(modules, run)
    report = TestReport(engine)
    todo = [c for c in cases if not c.name.startswith("todo_")]
    report.results.extend(TestResult(c, SKIP) for c in cases if c.name.startswith("todo_"))
    if not todo:
        return report
    setup = _setup(engine, modules, data or {}, coverage)
    worker: ForkedWorker | None = None
    for case in todo:
        started = time.perf_counter()
        try:
            if worker is None:
                worker = ForkedWorker(setup)
                worker.start(timeout)
            status, payload, prints = worker.call(case, timeout)
        except WorkerError as error:
            payload = error.args[0]
            if isinstance(payload, tuple) and payload[0] == "compile":
                if worker is not None:
                    worker.kill()
                raise PolicyError(payload[1]) from None
            report.results.append(TestResult(case, ERROR, time.perf_counter() - started,
                                             str(payload)))
            continue
        except WorkerCrash as crash:
            worker = None
            output = f"; engine output: {crash.output}" if crash.output else ""
            report.results.append(TestResult(case, ERROR, time.perf_counter() - started,
                                             f"the {engine} engine {crash.reason} running "
                                             f"this test{output}"))
            continue
        report.results.append(_result(case, status, payload, prints,
                                      time.perf_counter() - started))
    if worker is not None:
        if coverage:
            report.coverage = worker.call("coverage", timeout)
        worker.close()
    return report


def _result(case: TestCase, status: str, payload: Any, prints: tuple[str, ...],
            seconds: float) -> TestResult:
    if status == "error":
        return TestResult(case, ERROR, seconds, str(payload), prints)
    if status == "value" and payload is not False:
        return TestResult(case, PASS, seconds, prints=prints)
    why = "false" if status == "value" else "undefined"
    return TestResult(case, FAIL, seconds, f"the test is {why}", prints)


def collect_test_files(paths: Sequence[str], display: Any) -> list[tuple[str, str]]:
    from pathlib import Path

    files: list[tuple[str, str]] = []
    problems = []
    for path in paths:
        if not os.path.exists(path):
            problems.append(f"{path}: no such file or directory")
            continue
        shown = display(path)
        files.extend((file, shown if file == path else
                      Path(shown, os.path.relpath(file, path)).as_posix())
                     for file in rego_files(path, include_tests=True))
    if problems:
        raise PolicyError(problems)
    return files


def _ranges(lines: Sequence[int]) -> str:
    """`3-5, 9`."""
    spans: list[list[int]] = []
    for line in lines:
        if spans and line == spans[-1][1] + 1:
            spans[-1][1] = line
        else:
            spans.append([line, line])
    return ", ".join(f"{a}-{b}" if a != b else f"{a}" for a, b in spans)


def render(report: TestReport, format_name: str) -> str:
    order = {c: i for i, c in enumerate(r.case for r in report.results)}
    results = sorted(report.results, key=lambda r: (r.case.file, r.case.line, order[r.case]))
    total = len(results)
    if format_name == "json":
        payload: dict[str, Any] = {
            "version": 1,
            "engine": report.engine,
            "summary": {"total": total, "pass": report.count(PASS), "fail": report.count(FAIL),
                        "error": report.count(ERROR), "skip": report.count(SKIP)},
            "tests": [{"package": r.case.package, "name": r.case.name, "file": r.case.file,
                       "line": r.case.line, "result": r.status.lower(),
                       "duration_ms": round(r.seconds * 1000, 3), "message": r.message or None,
                       "prints": list(r.prints)}
                      for r in results]}
        if report.coverage is not None:
            payload["coverage"] = {name: {"covered": list(c.covered),
                                          "not_covered": list(c.not_covered),
                                          "percent": round(c.percent, 1)}
                                   for name, c in report.coverage.items()}
        return json.dumps(payload, indent=2) + "\n"
    lines = []
    for result in results:
        detail = f": {result.message}" if result.message and result.status != PASS else ""
        timing = f" ({result.seconds * 1000:.1f}ms)" if result.status != SKIP else ""
        lines.append(f"{result.case.file}:{result.case.line}: {result.case.ref}: "
                     f"{result.status}{timing}{detail}")
        if result.status in (FAIL, ERROR):
            lines.extend(f"  print: {text}" for text in result.prints)
    lines.append("-" * 80)
    for status in (PASS, FAIL, ERROR, SKIP):
        if report.count(status):
            lines.append(f"{status}: {report.count(status)}/{total}")
    if report.coverage is not None:
        lines.append("-" * 80)
        for name, cover in report.coverage.items():
            missed = f"; not covered: {_ranges(cover.not_covered)}" if cover.not_covered else ""
            lines.append(f"{name}: {cover.percent:.1f}% covered "
                         f"({len(cover.covered)}/{len(cover.covered) + len(cover.not_covered)} "
                         f"lines){missed}")
    return "\n".join(lines) + "\n"
