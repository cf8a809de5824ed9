"""The in-process engine: regopy (rego-cpp), compiled once, evaluated in a forked child.

What regopy does and what we do about it:
- compiles `with` fine only in query mode and crashes on some inputs → the bundle is
  built and queried in a ForkedWorker; a crash names the rule and the document;
- prints errors on fd 1 → log level NONE, and the child's stdout/stderr are captured;
- builds its result JSON without escaping strings that came from the input → we read
  the JSON leniently and fall back to walking the result nodes;
- accepts unknown functions and unsafe variables silently → checks.py, before compiling;
- `Input(...)` conversion is slow in pure Python → `_input()` below talks to the C API
  directly (one call per value, no per-value wrappers).
One query per rule per document (never one query over a list: that is quadratic).
"""
from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Sequence
from typing import Any

from policygate.rego.checks import check_policy_set
from policygate.rego.policyset import PolicyError, PolicySet, RuleSet
from policygate.rego.process import ForkedWorker, Progress, WorkerCrash, WorkerError, WorkerTimeout
from policygate.rego.rewrite import Prepared

_ERROR_HEAD = re.compile(r"\(error (\d+):")
_ERROR_MESSAGE = re.compile(r"\(errormsg (\d+):")


class CompileProblems(Exception):
    """Compile errors, already formatted `file:line:col: message`."""

    def __init__(self, problems: list[Any]) -> None:
        super().__init__("\n".join(map(str, problems)))
        self.payload = ("compile", problems)


def entrypoint(rule_set: RuleSet) -> str:
    return f"{rule_set.package.replace('.', '/')}/{rule_set.name}"


# ---------------------------------------------------------------- runs in the child

def quiet_interpreter() -> Any:
    import regopy

    interpreter = regopy.Interpreter()
    interpreter.log_level = regopy.LogLevel.NONE
    return interpreter


def _sized(text: str, start: int) -> tuple[str, int]:
    """Read a rego-cpp `N:text` field at `start`: (text, end offset)."""
    colon = text.index(":", start)
    length = int(text[start:colon])
    raw = text[colon + 1:].encode("utf-8")[:length].decode("utf-8", "replace")
    return raw, colon + 1 + len(raw)


def error_messages(text: str) -> list[tuple[str | None, int | None, str]]:
    """(module name, byte offset, message) of each error in a rego-cpp error dump."""
    found = []
    for match in _ERROR_HEAD.finditer(text):
        name, end = _sized(text, match.start(1))
        offset = None
        position = re.match(r"\|(\d+)\|", text[end:])
        if position:
            offset = int(position.group(1))
        message_match = _ERROR_MESSAGE.search(text, end)
        message = _sized(text, message_match.start(1))[0] if message_match else "error"
        found.append((name, offset, message))
    if not found:
        message_match = _ERROR_MESSAGE.search(text)
        message = _sized(text, message_match.start(1))[0] if message_match else " ".join(
            text.split())[:300]
        found.append((None, None, message))
    return found


def _char_offset(text: str, byte_offset: int) -> int:
    return len(text.encode("utf-8")[:byte_offset].decode("utf-8", "ignore"))


def _format_errors(text: str, prepared: Sequence[Prepared], kind: str) -> list[str]:
    by_name = {p.name: p for p in prepared}
    problems = []
    for name, offset, message in error_messages(text):
        module = by_name.get(name or "")
        if module is not None and offset is not None:
            line, column = module.position(_char_offset(module.text, offset))
            problems.append(f"{module.name}:{line}:{column}: {kind}: {message}")
        else:
            problems.append(f"{name or 'policies'}: {kind}: {message}")
    return problems


def compile_bundle(prepared: Sequence[Prepared], data: dict[str, Any],
                   entrypoints: Sequence[str]) -> tuple[Any, Any]:
    """Compile the policy set; (interpreter, bundle) or CompileProblems."""
    from regopy import RegoError

    interpreter = quiet_interpreter()
    problems: list[str] = []
    for module in prepared:
        try:
            interpreter.add_module(module.name, module.text)
        except RegoError as error:
            problems.extend(_format_errors(str(error), prepared, "rego_parse_error"))
    if problems:
        raise CompileProblems(problems)
    for index, problem in check_policy_set([p.module.outline for p in prepared],
                                           interpreter.is_builtin):
        module = prepared[index].module
        line, column = module.position(problem.offset)
        problems.append(f"{module.path}:{line}:{column}: {problem.message}")
    if problems:
        raise CompileProblems(problems)
    if data:
        interpreter.add_data_json(json.dumps(data, ensure_ascii=False))
    bundle = interpreter.build(None, list(entrypoints))
    if not bundle.ok():
        raise CompileProblems(_culprits(prepared, data, entrypoints))
    return interpreter, bundle


def _culprits(prepared: Sequence[Prepared], data: dict[str, Any],
              entrypoints: Sequence[str]) -> list[str]:
    """regopy's build fails without a message: find the module that breaks it alone."""
    from regopy import RegoError

    blamed = []
    for module in prepared:
        interpreter = quiet_interpreter()
        try:
            interpreter.add_module(module.name, module.text)
            if not interpreter.build(None, [entrypoints[0]]).ok():
                blamed.append(module.name)
        except RegoError:
            blamed.append(module.name)
    names = ", ".join(blamed) or ", ".join(p.name for p in prepared)
    return [f"{names}: rego_compile_error: regopy could not compile the policy set and gave "
            f"no reason; check the policy with `opa check`, or run it on an OPA server "
            f"(--opa-url)"]


class Evaluator:
    """Child-side: set the input, query each rule, return plain JSON values."""

    def __init__(self, bundle: Any, entrypoints: Sequence[str], progress: Progress) -> None:
        from regopy import rego_shared

        self._api = rego_shared
        self._bundle = bundle
        self._entrypoints = list(entrypoints)
        self._progress = progress
        self._runner = quiet_interpreter()

    def __call__(self, value: Any) -> list[tuple[str, Any, float]]:
        api = self._api
        pointer = make_input(api, value)
        try:
            code = api.rego.regoSetInput(self._runner._impl, pointer)
        finally:
            api.rego_free_input(pointer)
        if code:
            raise RuntimeError(f"regopy refused the input (code {code})")
        results = []
        for index, name in enumerate(self._entrypoints):
            self._progress.set(index)
            started = time.perf_counter()
            output = api.rego_bundle_query_entrypoint(self._runner._impl, self._bundle._impl,
                                                      name)
            try:
                status, payload = decode_output(api, output)
            finally:
                api.rego_free_output(output)
            results.append((status, payload, time.perf_counter() - started))
        return results


def make_input(api: Any, value: Any) -> Any:
    """Build a regopy input value through the C API (raw strings, JSON semantics)."""
    lib = api.rego
    pointer = api.rego_new_input()
    string, integer, number = lib.regoInputString, lib.regoInputInt, lib.regoInputFloat
    boolean, null, item = lib.regoInputBoolean, lib.regoInputNull, lib.regoInputObjectItem
    obj, array = lib.regoInputObject, lib.regoInputArray

    def add(node: Any) -> int:
        kind = type(node)
        if kind is str:
            return string(pointer, node.encode("utf-8"))
        if kind is dict:
            for key, child in node.items():
                if add(key if type(key) is str else json_key(key)) or add(child) or item(pointer):
                    return 1
            return obj(pointer, len(node))
        if kind is list or kind is tuple:
            for child in node:
                if add(child):
                    return 1
            return array(pointer, len(node))
        if kind is bool:
            return boolean(pointer, node)
        if kind is int:
            if -2**63 <= node < 2**63:
                return integer(pointer, node)
            return number(pointer, float(node))
        if kind is float:
            return number(pointer, node) if node == node and abs(node) != float("inf") \
                else string(pointer, str(node).encode())
        if node is None:
            return null(pointer)
        return add(str(node))

    if add(value):
        api.rego_free_input(pointer)
        raise RuntimeError("regopy could not build the input document")
    return pointer


def json_key(key: Any) -> str:
    """Object keys are strings in JSON (and so for OPA): YAML `1:` or `true:` too."""
    return json.dumps(key) if key is None or isinstance(key, (bool, int, float)) else str(key)


def decode_output(api: Any, output: Any) -> tuple[str, Any]:
    """("value", v) | ("undefined", None) | ("error", message) for one query."""
    text = api.rego_output_string(output)
    if not api.rego_output_ok(output) or text.startswith("("):
        return "error", error_messages(text)[0][2]
    if text == "undefined":
        return "undefined", None
    try:
        parsed = json.loads(text, strict=False)
    except ValueError:
        # rego-cpp does not escape strings that came from the input: read the nodes.
        try:
            parsed = _from_nodes(api, api.rego_output_node(output))
        except Exception as error:  # the shape check below reports it
            return "error", f"unreadable engine output ({error}): {text[:200]}"
    if isinstance(parsed, list) and len(parsed) == 1:
        parsed = parsed[0]
    if not isinstance(parsed, dict) or not isinstance(parsed.get("expressions"), list) \
            or len(parsed["expressions"]) != 1:
        return "error", f"unexpected engine output: {text[:200]}"
    return "value", parsed["expressions"][0]


def _from_nodes(api: Any, node: Any) -> Any:
    """Results → {"expressions": [...]} from the node tree, strings unescaped leniently."""
    kinds = api.NodeKind

    def convert(pointer: Any) -> Any:
        kind = api.rego_node_type(pointer)
        size = api.rego_node_size(pointer)
        if kind in (kinds.Term, kinds.Scalar):
            return convert(api.rego_node_get(pointer, 0))
        if kind == kinds.String:
            raw = api.rego_node_value(pointer)
            try:
                return json.loads(f'"{raw}"', strict=False)
            except ValueError:
                return raw
        if kind == kinds.Int:
            return int(api.rego_node_value(pointer))
        if kind == kinds.Float:
            return float(api.rego_node_value(pointer))
        if kind == kinds.Boolean:
            return api.rego_node_value(pointer) == "true"
        if kind == kinds.Null:
            return None
        if kind == kinds.Object:
            result = {}
            for index in range(size):
                pair = api.rego_node_get(pointer, index)
                result[convert(api.rego_node_get(pair, 0))] = convert(api.rego_node_get(pair, 1))
            return result
        if kind in (kinds.Array, kinds.Set, kinds.Terms):
            return [convert(api.rego_node_get(pointer, i)) for i in range(size)]
        raise ValueError(f"unexpected node {kind.name}")

    results = node
    if api.rego_node_type(results) != kinds.Results or api.rego_node_size(results) != 1:
        raise ValueError("not a single result")
    result = api.rego_node_get(results, 0)
    terms = api.rego_node_get(result, 0)
    return {"expressions": convert(terms)}


def evaluator_setup(prepared: Sequence[Prepared], data: dict[str, Any],
                    entrypoints: Sequence[str]) -> Callable[[Progress], tuple[Any, Any]]:
    def setup(progress: Progress) -> tuple[Any, Any]:
        import regopy

        regopy.set_default_log_level("None")
        started = time.perf_counter()
        _, bundle = compile_bundle(prepared, data, entrypoints)
        return Evaluator(bundle, entrypoints, progress), time.perf_counter() - started
    return setup


def entrypoints_of(policy_set: PolicySet) -> list[str]:
    return [entrypoint(rule_set) for rule_set in policy_set.rule_sets]


class EmbeddedBackend:
    """regopy in a forked child: compiled once per process that evaluates."""

    name = "regopy"

    def __init__(self, policy_set: PolicySet, prepared: Sequence[Prepared],
                 compile_timeout: float = 120.0) -> None:
        self._setup = evaluator_setup(prepared, policy_set.data, entrypoints_of(policy_set))
        self._compile_timeout = compile_timeout
        self._worker: ForkedWorker | None = None

    def start(self) -> float:
        """Compile in a child; compile errors and crashes become PolicyError (exit 2)."""
        try:
            return self._spawn()
        except WorkerCrash as crash:
            output = f"; engine output: {crash.output}" if crash.output else ""
            raise PolicyError([f"regopy {crash.reason} while compiling the policies; check "
                               f"them with `opa check`, or use an OPA server "
                               f"(--opa-url){output}"]) from None

    def _spawn(self) -> float:
        worker = ForkedWorker(self._setup)
        try:
            seconds = worker.start(self._compile_timeout)
        except WorkerError as error:
            worker.kill()
            payload = error.args[0]
            if isinstance(payload, tuple) and payload[0] == "compile":
                raise PolicyError(payload[1]) from None
            raise PolicyError([f"regopy could not load the policies: {payload}"]) from None
        self._worker = worker
        return float(seconds)

    def fork_copy(self) -> EmbeddedBackend:
        copy = object.__new__(EmbeddedBackend)
        copy._setup, copy._compile_timeout, copy._worker = self._setup, self._compile_timeout, None
        return copy

    def evaluate(self, value: Any, timeout: float) -> list[tuple[str, Any, float]]:
        from policygate.rego.engine import EvaluationFailed

        try:
            if self._worker is None or not self._worker.alive:
                self._spawn()
            assert self._worker is not None
            return self._worker.call(value, timeout)
        except WorkerCrash as crash:
            self._worker = None
            raise EvaluationFailed(f"regopy {crash.reason}", crash.progress, crash.output,
                                   timed_out=isinstance(crash, WorkerTimeout)) from None
        except WorkerError as error:
            raise EvaluationFailed(str(error.args[0])) from None
        except PolicyError as error:
            raise EvaluationFailed("; ".join(error.problems)) from None

    def close(self) -> None:
        if self._worker is not None:
            self._worker.close()
            self._worker = None
