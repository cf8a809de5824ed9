"""The Rego engines themselves, as loaded inside the worker process: OPA and regorus.

Each adapter does what Conftest's engine does — load modules and data, compile a query,
evaluate it on an input — and reports what the policies printed and which lines ran.
Nothing here runs in the main process: the Go runtime is multi-threaded and must start
after the fork, and a Go or Rust abort (out of memory, a fatal error) must end only the
worker (policygate.rego.process).

Where the two engines differ from `opa eval`, the adapter says so here:
- OPA's bindings evaluate with strict built-in errors (`to_number("x")` aborts the query)
  where `opa eval` makes that one expression undefined. `OpaRuntime.query` gives OPA's
  default back: when a built-in fails, the query is evaluated again with that built-in
  replaced (`with to_number as …`) by a wrapper that answers undefined where it errs.
- regorus raises built-in errors too and cannot replace built-ins; its error is reported
  as the document's runtime error with the fix (`--engine opa`), never as a pass.
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

# A custom function: name -> (arity, callable). Arguments and result are plain JSON.
Functions = dict[str, tuple[int, Callable[..., Any]]]

_OPA_ERROR = re.compile(r"^(?P<file>[^\n:]+):(?P<line>\d+): (?P<message>[a-z_]+: [^\n]*)"
                        r"(?:\n\t(?P<code>[^\n]*)\n\t(?P<caret> *)\^)?", re.M)
_REGORUS_ERROR = re.compile(r"--> (?P<file>[^\n]+):(?P<line>\d+):(?P<column>\d+)\n"
                            r"(?:.*\n)*?error: (?P<message>[^\n]*)")
# A built-in that failed (its own error, or an operand of the wrong type): `opa eval`
# makes the call undefined for both.
_BUILTIN_ERROR = re.compile(r"eval_(?:builtin|type)_error: ([A-Za-z_][A-Za-z0-9_.]*): ")
_LENIENT_PREFIX = "policygate.lenient."
_MAX_LENIENT = 16          # distinct built-ins made lenient in one query


@dataclass(frozen=True, slots=True)
class Problem:
    """One engine message about a module: where (in the text it was given) and what."""

    file: str
    line: int
    column: int | None
    message: str             # "rego_type_error: undefined function f"


class CompileFailed(Exception):
    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = list(problems)


class QueryFailed(Exception):
    """The query ran and failed (a conflict, a built-in error, a type error)."""

    def __init__(self, message: str, problem: Problem | None = None) -> None:
        super().__init__(message)
        self.message, self.problem = message, problem


class Undefined:
    def __repr__(self) -> str:
        return "UNDEFINED"


UNDEFINED: Any = Undefined()


@dataclass(frozen=True, slots=True)
class Answer:
    """What one query gave: its value (or UNDEFINED), and what it printed."""

    value: Any
    prints: tuple[str, ...] = ()


def opa_problems(text: str) -> list[Problem]:
    """Problems from OPA's error text (`file:line: code: message`, a caret for parse errors)."""
    found = []
    for match in _OPA_ERROR.finditer(text):
        column = len(match.group("caret").expandtabs()) + 1 if match.group("caret") is not None \
            else None
        found.append(Problem(match.group("file"), int(match.group("line")), column,
                             match.group("message")))
    return found


# OPA's message text for compile errors has no column; the name the message is about
# locates it on the reported line.
_NAMED = re.compile(r"undefined function ([\w.]+)|var ([\w.]+) is unsafe|undefined ref: "
                    r"([\w.]+)|^rego_type_error: ([\w.]+): |rego_recursion_error: rule "
                    r"([\w.]+)")


def with_columns(problems: Sequence[Problem], texts: dict[str, str]) -> list[Problem]:
    """Problems without a column get the column of the name their message names."""
    located = []
    for problem in problems:
        if problem.column is None and problem.file in texts:
            match = _NAMED.search(problem.message)
            name = next((g for g in match.groups() if g), None) if match else None
            lines = texts[problem.file].split("\n")
            if name and 0 < problem.line <= len(lines):
                # `data.pkg.f` is named `f` on the line that calls it
                short = name.rsplit(".", 1)[-1] if name.startswith("data.") else name
                found = re.search(rf"(?<![\w.]){re.escape(short)}(?!\w)", lines[problem.line - 1])
                if found:
                    problem = Problem(problem.file, problem.line, found.start() + 1,
                                      problem.message)
        located.append(problem)
    return located


# regorus refuses a variable that a body or comprehension uses before its own `:=` of the
# same name, which OPA compiles (Conftest's examples/combine does it): say it is regorus.
_USED_BEFORE = "used before definition"
_USED_BEFORE_FIX = ("; regorus refuses a variable used before its `:=` in the same body or "
                    "comprehension, which OPA accepts: rename one of them, or run with "
                    "--engine opa or an OPA server (--opa-url)")


def regorus_problems(text: str) -> list[Problem]:
    found = []
    for match in _REGORUS_ERROR.finditer(text):
        message = match.group("message").strip()
        if _USED_BEFORE in message:
            message = message.rstrip(".") + _USED_BEFORE_FIX
        found.append(Problem(match.group("file"), int(match.group("line")),
                             int(match.group("column")), message))
    return found


def _load_all(modules: Sequence[tuple[str, str]], add: Callable[[str, str], None],
              problems_of: Callable[[str, Exception], list[Problem]]) -> None:
    """Add every module; CompileFailed with the problems of all that fail to parse."""
    problems: list[Problem] = []
    for name, text in modules:
        try:
            add(name, text)
        except Exception as error:  # the engine's parse error, whatever its class
            problems.extend(problems_of(name, error))
    if problems:
        raise CompileFailed(problems)


def _opa_load_problems(name: str, error: Exception) -> list[Problem]:
    text = _strip_envelope(getattr(error, "message", str(error)))
    return opa_problems(text) or [Problem(name, 1, None, text)]


def _regorus_load_problems(name: str, error: Exception) -> list[Problem]:
    found = regorus_problems(str(error)) or [Problem(name, 1, None, _first_line(str(error)))]
    return [Problem(p.file, p.line, p.column, f"rego_parse_error: {p.message}") for p in found]


def _strip_envelope(text: str) -> str:
    """`prepare_error: bundle activation failed: 1 error occurred: x` -> `x`."""
    text = text.replace("bundle activation failed: ", "")
    return re.sub(r"^\d+ errors? occurred:\s*", "", text)


def _regorus_text(error: Exception) -> str:
    """regorus's error without the Rust backtrace it appends."""
    return str(error).split("\nStack backtrace:")[0]


class OpaRuntime:
    """OPA's Go engine (`opa/v1/rego`) through opa-golib-python-bindings."""

    name = "opa"

    def __init__(self, functions: Functions) -> None:
        from opa_bindings import OpaEngine

        self._engine = OpaEngine()
        self._prints: list[str] = []
        self._engine.print_handler = self._print
        self._own = set(functions)
        for name, (arity, function) in functions.items():
            self._engine.register_function(name, function, arity=arity)
        self._lenient: dict[str, str] = {}        # built-in -> its lenient wrapper
        self._texts: dict[str, str] = {}
        self.coverage: dict[str, Any] | None = None

    def _print(self, message: str, location: str) -> None:
        self._prints.append(f"{location}: {message}")

    def load(self, modules: Sequence[tuple[str, str]], data: dict[str, Any]) -> None:
        self._texts = dict(modules)
        _load_all(modules, self._engine.add_policy, _opa_load_problems)
        if data:
            self._engine.add_data(data)

    def compile(self, query: str) -> None:
        """Prepare `query` (type checks every module); raises CompileFailed."""
        from opa_bindings import OpaError

        try:
            self._engine.eval_query(query, {})
        except OpaError as error:
            if error.code in ("prepare_error", "parse_error"):
                text = _strip_envelope(error.message)
                raise CompileFailed(with_columns(opa_problems(text), self._texts) or [
                    Problem("query", 1, None, text)]) from None
            # A runtime error on an empty input is the documents' business, not a compile error.

    def query(self, query: str, value: Any, coverage: bool = False) -> Answer:
        """The value bound to `x` by `query` on input `value`; raises QueryFailed."""
        from opa_bindings import OpaError

        text = query
        while True:
            self._prints = []
            try:
                bindings = self._engine.eval_query(text, value, coverage=coverage)
            except OpaError as error:
                builtin = self._failed_builtin(error)
                wrapper = self._lenient_wrapper(builtin) if builtin else None
                if wrapper is None:
                    message = _strip_envelope(error.message)
                    problems = opa_problems(message)
                    raise QueryFailed(message, problems[0] if problems else None) from None
                text = f"{text} with {builtin} as {wrapper}"
                continue
            if coverage:
                self.coverage = self._engine.last_coverage
            value_out = bindings[0]["x"] if bindings else UNDEFINED
            return Answer(value_out, tuple(self._prints))

    def _failed_builtin(self, error: Any) -> str | None:
        if error.code != "eval_error":
            return None
        match = _BUILTIN_ERROR.search(error.message)
        if match is None or match.group(1) in self._own or len(self._lenient) >= _MAX_LENIENT:
            return None
        return match.group(1)

    def _lenient_wrapper(self, builtin: str) -> str | None:
        """A custom function that calls `builtin` and answers undefined where it errs;
        None when `builtin` is not a built-in OPA knows."""
        wrapper = self._lenient.get(builtin)
        if wrapper is not None:
            return wrapper
        from opa_bindings import OpaError

        arity = self._arity(builtin)
        if arity is None:
            return None
        call = f"x := {builtin}({', '.join(f'input[{i}]' for i in range(arity))})"
        engine = self._engine

        def lenient(*args: Any) -> Any:
            try:
                result = engine.eval_query(call, list(args))
            except OpaError:
                return None                 # None from a custom function is undefined
            return result[0]["x"] if result else None

        wrapper = f"{_LENIENT_PREFIX}{builtin}"
        engine.register_function(wrapper, lenient, arity=arity)
        self._lenient[builtin] = wrapper
        return wrapper

    def _arity(self, builtin: str) -> int | None:
        """A built-in's arity, from the type checker's answer to a call without arguments."""
        from opa_bindings import OpaError

        try:
            self._engine.eval_query(f"x := {builtin}()", {})
        except OpaError as error:
            match = re.search(r"want: \((.*)\)", error.message)
            if match:
                return _count_parameters(match.group(1))
        return None


def _count_parameters(text: str) -> int:
    """Top-level commas of a type signature `a: any<x, y>, b: string` + 1."""
    if not text.strip():
        return 0
    depth, count = 0, 1
    for char in text:
        if char in "<[{(":
            depth += 1
        elif char in ">]})":
            depth -= 1
        elif char == "," and depth == 0:
            count += 1
    return count


class RegorusRuntime:
    """Microsoft's regorus (Rust), the `gordon-to-regorus` build."""

    name = "regorus"

    def __init__(self, functions: Functions) -> None:
        import regorus

        self._engine = regorus.Engine()
        self._engine.set_rego_v0(False)
        self._engine.set_gather_prints(True)
        for name, (arity, function) in functions.items():
            self._engine.add_extension(name, arity, function)
        self.coverage: dict[str, Any] | None = None
        self._coverage_on = False

    def load(self, modules: Sequence[tuple[str, str]], data: dict[str, Any]) -> None:
        _load_all(modules, self._engine.add_policy, _regorus_load_problems)
        if data:
            self._engine.add_data_json(json.dumps(data))

    def compile(self, query: str) -> None:
        """regorus checks a rule only when it evaluates it (an unknown function in a rule
        no document reaches is never reported): run the query on an empty input."""
        try:
            self._engine.set_input_json("{}")
            self._engine.eval_query_as_json(query)
        except Exception as error:
            text = _regorus_text(error)
            raise CompileFailed(regorus_problems(text) or [
                Problem("query", 1, None, _first_line(text))]) from None

    def query(self, query: str, value: Any, coverage: bool = False) -> Answer:
        if coverage and not self._coverage_on:
            self._engine.set_enable_coverage(True)
            self._coverage_on = True
        try:
            self._engine.set_input_json(json.dumps(value))
            result = json.loads(self._engine.eval_query_as_json(query))
        except Exception as error:
            text = _regorus_text(error).strip()
            problems = regorus_problems(text)
            message = (f"{problems[0].file}:{problems[0].line}: {problems[0].message}"
                       if problems else _first_line(text))
            raise QueryFailed(message, problems[0] if problems else None) from None
        finally:
            prints = tuple(self._engine.take_prints())
        if coverage:
            self.coverage = json.loads(self._engine.get_coverage_report_as_json())
        rows = result.get("result") or []
        value_out = rows[0]["bindings"]["x"] if rows else UNDEFINED
        if _holds_undefined(value_out):
            raise QueryFailed("regorus returned an undefined value inside a result (it "
                              "writes it as the string \"<undefined>\"); run this policy with "
                              "--engine opa or an OPA server (--opa-url)")
        return Answer(value_out, prints)


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), text)


def _holds_undefined(value: Any) -> bool:
    if value == "<undefined>":
        return True
    if isinstance(value, list):
        return any(map(_holds_undefined, value))
    if isinstance(value, dict):
        return any(map(_holds_undefined, value.values()))
    return False


Runtime = OpaRuntime | RegorusRuntime


def open_runtime(name: str, functions: Functions) -> Runtime:
    """Load an engine (in the worker only)."""
    return OpaRuntime(functions) if name == "opa" else RegorusRuntime(functions)
