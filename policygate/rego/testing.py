"""`policygate test`: run Rego unit tests (`test_*` rules) the way `opa test` does.

Tests run in query mode in a forked regopy child (bundles crash on `with`, queries do
not). A test that crashes the engine is reported as that test's error, the child is
restarted, and the remaining tests still run — one broken test never hides the others.
"""
from __future__ import annotations

import json
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from policygate.rego.policyset import Module, PolicyError, read_modules, rego_files
from policygate.rego.process import ForkedWorker, Progress, WorkerCrash, WorkerError
from policygate.rego.withs import TestPlan, nest, plan_test, strip_withs

PASS, FAIL, ERROR, SKIP = "PASS", "FAIL", "ERROR", "SKIPPED"


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


@dataclass(slots=True)
class TestReport:
    results: list[TestResult] = field(default_factory=list)

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
            if pattern is not None and not pattern.search(f"{case.ref}"):
                continue
            cases.setdefault((case.package, case.name), case)
    return list(cases.values())


def _test_setup(modules: Sequence[tuple[str, str]], outlines: Sequence[Any],
                stripped: Sequence[str]) -> Any:
    def setup(progress: Progress) -> tuple[Any, Any]:
        import regopy
        from regopy import RegoError

        from policygate.rego.checks import check_policy_set
        from policygate.rego.embedded import CompileProblems, quiet_interpreter

        regopy.set_default_log_level("None")
        interpreter = quiet_interpreter()
        problems: list[str] = []
        for name, text in modules:
            try:
                interpreter.add_module(name, text)
            except RegoError as error:
                problems.append(str(error))
        if problems:
            raise CompileProblems(problems)
        found = check_policy_set(list(outlines), interpreter.is_builtin)
        if found:
            raise CompileProblems([("check", index, p.offset, p.message) for index, p in found])
        runnable = [(name, text) for (name, _), text in zip(modules, stripped)]
        return (lambda request: _run_one(runnable, *request)), None
    return setup


def _run_one(modules: Sequence[tuple[str, str]], ref: str, package: str, module_index: int,
             plan: TestPlan) -> tuple[str, Any]:
    """Child side: one test in a fresh interpreter, its `with` values applied by hand."""
    from regopy import Input, RegoError, rego_shared

    from policygate.rego.embedded import decode_output, quiet_interpreter

    def interpreter_with(data: dict[str, Any] | None) -> Any:
        interpreter = quiet_interpreter()
        for index, (name, text) in enumerate(modules):
            interpreter.add_module(name, plan.text if index == module_index else text)
        if data:
            interpreter.add_data(data)
        return interpreter

    def query(interpreter: Any, text: str) -> tuple[str, Any]:
        output = rego_shared.rego_query(interpreter._impl, text)
        try:
            return decode_output(rego_shared, output)
        finally:
            rego_shared.rego_free_output(output)

    if plan.problem:
        return "error", plan.problem
    try:
        interpreter = interpreter_with(None)
        input_value: Any = None
        has_input = False
        overrides: dict[str, Any] = {}
        for helper, target in zip(plan.helpers, plan.targets):
            status, value = query(interpreter, f"data.{package}.{helper}")
            if status != "value":
                return "error", f"the value given `with {'.'.join(target)}` is {status}: {value}"
            if target[0] == "input":
                input_value = _set_path(input_value, target[1:], value)
                has_input = True
            else:
                _merge_into(overrides, nest(target[1:], value))
        if overrides:
            interpreter = interpreter_with(overrides)
        if has_input:
            interpreter.set_input(Input(input_value))
        return query(interpreter, ref)
    except RegoError as error:
        return "error", " ".join(str(error).split())[:300]


def _set_path(base: Any, path: tuple[str, ...], value: Any) -> Any:
    if not path:
        return value
    base = dict(base) if isinstance(base, dict) else {}
    base[path[0]] = _set_path(base.get(path[0]), path[1:], value)
    return base


def _merge_into(target: dict[str, Any], addition: Any) -> None:
    for key, value in addition.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge_into(target[key], value)
        else:
            target[key] = value


def _compile_problems(payload: list[Any], modules: Sequence[Module]) -> list[str]:
    from policygate.rego.embedded import _format_errors
    from policygate.rego.rewrite import prepare

    prepared = prepare(modules, context=False)
    problems = []
    for item in payload:
        if isinstance(item, tuple) and item[0] == "check":
            module = modules[item[1]]
            line, column = module.position(item[2])
            problems.append(f"{module.path}:{line}:{column}: {item[3]}")
        else:
            problems.extend(_format_errors(str(item), prepared, "rego_parse_error"))
    return problems


def run_tests(files: Sequence[tuple[str, str]], run: str | None = None,
              v0_compatible: bool = False, timeout: float = 30.0) -> TestReport:
    """Run every selected test; raises PolicyError for policies that do not compile."""
    modules, _ = read_modules(files, v0_compatible)
    cases = discover(modules, run)
    report = TestReport()
    todo = [c for c in cases if not c.name.startswith("todo_")]
    report.results.extend(TestResult(c, SKIP) for c in cases if c.name.startswith("todo_"))
    if not todo:
        return report
    setup = _test_setup([(m.path, m.text) for m in modules], [m.outline for m in modules],
                        [strip_withs(m.text, m.outline.tokens, m.outline.rules) for m in modules])
    worker: ForkedWorker | None = None
    for case in todo:
        started = time.perf_counter()
        try:
            if worker is None:
                worker = ForkedWorker(setup)
                worker.start(timeout)
            status, payload = worker.call(_request(case, modules), timeout)
        except WorkerError as error:
            payload = error.args[0]
            if isinstance(payload, tuple) and payload[0] == "compile":
                if worker is not None:
                    worker.kill()
                raise PolicyError(_compile_problems(payload[1], modules)) from None
            report.results.append(TestResult(case, ERROR, time.perf_counter() - started,
                                             str(payload)))
            continue
        except WorkerCrash as crash:
            worker = None
            output = f"; engine output: {crash.output}" if crash.output else ""
            report.results.append(TestResult(case, ERROR, time.perf_counter() - started,
                                             f"regopy {crash.reason} running this test{output}"))
            continue
        seconds = time.perf_counter() - started
        if status == "error":
            report.results.append(TestResult(case, ERROR, seconds, str(payload)))
        elif status == "value" and payload is not False:
            report.results.append(TestResult(case, PASS, seconds))
        else:
            why = "false" if status == "value" else "undefined"
            report.results.append(TestResult(case, FAIL, seconds, f"the test is {why}"))
    if worker is not None:
        worker.close()
    return report


def _request(case: TestCase, modules: Sequence[Module]) -> tuple[Any, ...]:
    index = next(i for i, m in enumerate(modules) if m.path == case.file)
    module = modules[index]
    rule = next(r for r in module.outline.rules if r.name == case.name)
    return case.ref, case.package, index, plan_test(module.text, module.outline.tokens,
                                                    module.outline.rules, rule)


def collect_test_files(paths: Sequence[str], display: Any) -> list[tuple[str, str]]:
    import os
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


def render(report: TestReport, format_name: str) -> str:
    order = {c: i for i, c in enumerate(r.case for r in report.results)}
    results = sorted(report.results, key=lambda r: (r.case.file, r.case.line, order[r.case]))
    total = len(results)
    if format_name == "json":
        return json.dumps({
            "version": 1,
            "summary": {"total": total, "pass": report.count(PASS), "fail": report.count(FAIL),
                        "error": report.count(ERROR), "skip": report.count(SKIP)},
            "tests": [{"package": r.case.package, "name": r.case.name, "file": r.case.file,
                       "line": r.case.line, "result": r.status.lower(),
                       "duration_ms": round(r.seconds * 1000, 3), "message": r.message or None}
                      for r in results]}, indent=2) + "\n"
    lines = []
    for result in results:
        detail = f": {result.message}" if result.message and result.status != PASS else ""
        timing = f" ({result.seconds * 1000:.1f}ms)" if result.status != SKIP else ""
        lines.append(f"{result.case.file}:{result.case.line}: {result.case.ref}: "
                     f"{result.status}{timing}{detail}")
    lines.append("-" * 80)
    for status in (PASS, FAIL, ERROR, SKIP):
        if report.count(status):
            lines.append(f"{status}: {report.count(status)}/{total}")
    return "\n".join(lines) + "\n"
