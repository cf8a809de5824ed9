"""The in-process engines (opa, regorus) behind a forked worker, with one fixed query.

Why a worker: the Go runtime is multi-threaded and must not be started before a fork,
an out-of-memory or fatal error in Go or Rust ends the process that loaded it, and
neither engine has a timeout. So the engine is loaded in a child made by
policygate.rego.process after the fork; a crash or a hang becomes a failure naming the
document, never "no findings", and the next batch gets a fresh child.

Why one query: OPA compiles the whole program once per distinct query string (49
Gatekeeper templates asked rule by rule took 8 s on the first evaluation, one query
0.3 s). Every evaluation of a run uses the same query: group k's rule refs are evaluated
`with input as d` for each document d of `input.s<k>`, so a batch of documents costs one
call. Only when a batch fails does the worker fall back to one document, then one rule,
at a time, so the failure is pinned to its document and rule and the rest still count.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from policygate.rego.policyset import PolicyError
from policygate.rego.process import ForkedWorker, Progress, WorkerCrash, WorkerError, WorkerTimeout
from policygate.rego.runtime import (UNDEFINED, CompileFailed, Functions, Problem, QueryFailed,
                                     open_runtime)

# One rule's answer: ("value", json) | ("undefined", None) | ("error", message).
RuleAnswer = tuple[str, Any]
# One item to evaluate: (group index, input value).
Item = tuple[int, Any]
BATCH = 64                  # documents per query: bounds the engine's heap per call


def batch_query(groups: Sequence[Sequence[str]]) -> str:
    slots = []
    for index, refs in enumerate(groups):
        rules = ", ".join(f"[v | v := {ref} with input as d]" for ref in refs)
        slots.append(f"[[{rules}] | some d in input.s{index}]")
    return f"x := [{', '.join(slots)}]"


def rule_query(ref: str) -> str:
    return f"x := [v | v := {ref}]"


def _answer(values: list[Any]) -> RuleAnswer:
    return ("value", values[0]) if values else ("undefined", None)


class Located:
    """Engine problems in the files as written: `file:line[:col]: message`.

    Engines see the compiled text (converted from v0, context rewritten, isolated);
    `modules` map it back."""

    def __init__(self, modules: Sequence[Any], display: Callable[[str], str] = str) -> None:
        self._modules = {module.name: module for module in modules}
        self._display = display

    def __call__(self, problem: Problem) -> str:
        module = self._modules.get(problem.file)
        if module is None:
            return f"{self._display(problem.file)}:{problem.line}: {problem.message}"
        line, column = module.position(_offset(module.text, problem.line, problem.column or 1))
        where = f"{line}:{column}" if problem.column is not None else f"{line}"
        return f"{self._display(module.name)}:{where}: {problem.message}"

    def message(self, failure: QueryFailed) -> str:
        if failure.problem is None:
            return failure.message
        return self(failure.problem)


def _offset(text: str, line: int, column: int) -> int:
    start = 0
    for _ in range(max(0, line - 1)):
        found = text.find("\n", start)
        if found < 0:
            break
        start = found + 1
    return start + max(0, column - 1)


class Evaluator:
    """Worker side: answers a list of items with one query, falling back on failure."""

    def __init__(self, runtime: Any, groups: Sequence[Sequence[str]], located: Located,
                 progress: Progress) -> None:
        self._runtime, self._groups = runtime, [list(g) for g in groups]
        self._located, self._progress = located, progress
        self._query = batch_query(self._groups)

    def __call__(self, items: Sequence[Item]) -> list[list[RuleAnswer]]:
        self._progress.set(-1)
        try:
            return self._batch(items)
        except QueryFailed:
            pass
        answers = []
        for position, item in enumerate(items):
            self._progress.set(position)
            try:
                answers.extend(self._batch([item]))
            except QueryFailed:
                answers.append(self._per_rule(*item))
        return answers

    def _batch(self, items: Sequence[Item]) -> list[list[RuleAnswer]]:
        slots: dict[str, list[Any]] = {}
        for group, value in items:
            slots.setdefault(f"s{group}", []).append(value)
        result = self._runtime.query(self._query, slots).value
        if result is UNDEFINED:
            raise QueryFailed("the engine returned no result for the batch query")
        taken = [0] * len(self._groups)
        answers = []
        for group, _ in items:
            row = result[group][taken[group]]
            taken[group] += 1
            answers.append([_answer(values) for values in row])
        return answers

    def _per_rule(self, group: int, value: Any) -> list[RuleAnswer]:
        answers: list[RuleAnswer] = []
        for ref in self._groups[group]:
            try:
                result = self._runtime.query(rule_query(ref), value).value
            except QueryFailed as failure:
                answers.append(("error", self._located.message(failure)))
                continue
            answers.append(_answer(result if isinstance(result, list) else []))
        return answers


def evaluator_setup(engine: str, modules: Sequence[Any], data: dict[str, Any],
                    groups: Sequence[Sequence[str]], functions: Callable[[], Functions],
                    located: Located) -> Callable[[Progress], tuple[Any, float]]:
    """Runs in the child: load the engine, compile the query once, answer batches."""
    def setup(progress: Progress) -> tuple[Any, float]:
        started = time.perf_counter()
        runtime = open_runtime(engine, functions())
        query = batch_query(groups)
        try:
            runtime.load([(m.name, m.text) for m in modules], data)
            runtime.compile(query)
        except CompileFailed as failure:
            raise CompileProblems([located(p) for p in failure.problems]) from None
        return Evaluator(runtime, groups, located, progress), time.perf_counter() - started
    return setup


class CompileProblems(Exception):
    """Compile errors, already located (`file:line:col: message`), for the parent."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.payload = ("compile", problems)


class EvaluationFailed(Exception):
    """The worker could not answer: it crashed, hung, or could not start."""

    def __init__(self, reason: str, item: int = -1, output: str = "",
                 timed_out: bool = False) -> None:
        super().__init__(reason)
        self.reason, self.item, self.output, self.timed_out = reason, item, output, timed_out


class InProcessBackend:
    """An engine in a forked worker: compiled once per process that evaluates."""

    def __init__(self, engine: str, setup: Callable[[Progress], tuple[Any, float]],
                 compile_timeout: float = 120.0) -> None:
        self.name = engine
        self._setup = setup
        self._compile_timeout = compile_timeout
        self._worker: ForkedWorker | None = None

    def start(self) -> float:
        """Compile in a child; compile errors and crashes become PolicyError (exit 2)."""
        try:
            return self._spawn()
        except WorkerCrash as crash:
            output = f"; engine output: {crash.output}" if crash.output else ""
            raise PolicyError([f"the {self.name} engine {crash.reason} while compiling the "
                               f"policies{output}"]) from None

    def _spawn(self) -> float:
        worker = ForkedWorker(self._setup)
        try:
            seconds = worker.start(self._compile_timeout)
        except WorkerError as error:
            worker.kill()
            payload = error.args[0]
            if isinstance(payload, tuple) and payload[0] == "compile":
                raise PolicyError(payload[1]) from None
            raise PolicyError([f"the {self.name} engine could not load the policies: "
                               f"{payload}"]) from None
        self._worker = worker
        return float(seconds)

    def fork_copy(self) -> InProcessBackend:
        return InProcessBackend(self.name, self._setup, self._compile_timeout)

    def evaluate(self, items: Sequence[Item], timeout: float
                 ) -> list[list[RuleAnswer] | EvaluationFailed]:
        """Answers per item, or the failure of that item; `timeout` is per item.

        When a batch crashes or hangs, its items are asked again one at a time, so the
        failure is the document's that caused it and the others are still judged."""
        try:
            return list(self._call(items, timeout * len(items)))
        except EvaluationFailed as failure:
            if len(items) == 1:
                return [failure]
            if 0 <= failure.item < len(items) and not failure.timed_out:
                # The worker knew which item: keep the others' answers by asking again.
                return [failure if index == failure.item else self._one(item, timeout)
                        for index, item in enumerate(items)]
        return [self._one(item, timeout) for item in items]

    def _one(self, item: Item, timeout: float) -> list[RuleAnswer] | EvaluationFailed:
        try:
            return self._call([item], timeout)[0]
        except EvaluationFailed as failure:
            return failure

    def _call(self, items: Sequence[Item], timeout: float) -> list[list[RuleAnswer]]:
        try:
            if self._worker is None or not self._worker.alive:
                self._spawn()
            assert self._worker is not None
            return self._worker.call(list(items), timeout)
        except WorkerCrash as crash:
            self._worker = None
            raise EvaluationFailed(f"{self.name} {crash.reason}", crash.progress, crash.output,
                                   timed_out=isinstance(crash, WorkerTimeout)) from None
        except WorkerError as error:
            raise EvaluationFailed(str(error.args[0])) from None
        except PolicyError as error:
            raise EvaluationFailed("; ".join(error.problems)) from None

    def close(self) -> None:
        if self._worker is not None:
            self._worker.close()
            self._worker = None
