"""Evaluate reviews: each item asks one template's `violation` rule about one input.

Two backends, one contract (`review(items, timeout)` -> one answer per item):
- regopy: the program and `data.inventory` are compiled once into a bundle, in a forked
  helper (policygate.rego.process) so a rego-cpp crash or hang is an error naming the
  review, never a silent pass. Data is compiled in because regopy has no way to add
  data to a built bundle, and passing the inventory with every input would make each
  query cost as much as the whole inventory (quadratic over a scan).
- opa: the program and the inventory are uploaded to an OPA server under a run-unique
  prefix (policygate.rego.server), one POST per review, deleted at the end.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from policygate.gatekeeper.program import Program
from policygate.rego.policyset import PolicyError

# One answer: ("value", json) | ("undefined", None) | ("error", message).
Answer = tuple[str, Any]
# One item: (index of the template's rule set, the input {"review", "parameters"}).
Item = tuple[int, Any]


class ReviewFailed(Exception):
    """The backend could not answer; `item` indexes the batch when it knows which."""

    def __init__(self, reason: str, item: int = -1, timed_out: bool = False) -> None:
        super().__init__(reason)
        self.reason, self.item, self.timed_out = reason, item, timed_out


class Backend(Protocol):
    name: str

    def start(self) -> None:
        """Compile or upload; raises PolicyError with `file:line` problems."""
        ...

    def review(self, items: Sequence[Item], timeout: float) -> list[Answer]:
        """Raises ReviewFailed; the items after `item` were not evaluated."""
        ...

    def close(self) -> None:
        ...


def _child_setup(program: Program, data: dict[str, Any]) -> Callable[[Any], Any]:
    """Runs in the forked child: compile, then answer batches of items."""
    from policygate.rego.embedded import compile_bundle, entrypoint
    from policygate.rego.rewrite import prepare

    prepared = prepare(program.modules, False)
    entrypoints = [entrypoint(rule_set) for rule_set in program.rule_sets]

    def setup(progress: Any) -> tuple[Callable[[Any], Any], float]:
        import regopy

        from policygate.rego.embedded import decode_output, make_input, quiet_interpreter

        regopy.set_default_log_level("None")
        started = time.perf_counter()
        _, bundle = compile_bundle(prepared, data, entrypoints)
        api = regopy.rego_shared
        runner = quiet_interpreter()

        def answer(items: Sequence[Item]) -> list[Answer]:
            answers = []
            for position, (index, value) in enumerate(items):
                progress.set(position)
                pointer = make_input(api, value)
                try:
                    code = api.rego.regoSetInput(runner._impl, pointer)
                finally:
                    api.rego_free_input(pointer)
                if code:
                    answers.append(("error", f"regopy refused the input (code {code})"))
                    continue
                output = api.rego_bundle_query_entrypoint(runner._impl, bundle._impl,
                                                          entrypoints[index])
                try:
                    answers.append(decode_output(api, output))
                finally:
                    api.rego_free_output(output)
            return answers
        return answer, time.perf_counter() - started
    return setup


class RegopyBackend:
    name = "regopy"

    def __init__(self, program: Program, data: dict[str, Any],
                 compile_timeout: float = 120.0) -> None:
        self._program = program
        self._setup = _child_setup(program, data)
        self._compile_timeout = compile_timeout
        self._worker: Any = None

    def start(self) -> None:
        from policygate.rego.process import WorkerCrash

        try:
            self._spawn()
        except WorkerCrash as crash:
            output = f"; engine output: {crash.output}" if crash.output else ""
            raise PolicyError([f"regopy {crash.reason} while compiling the Gatekeeper "
                               f"templates; check them with `gator verify`, or use an OPA "
                               f"server (gatekeeper.engine: opa){output}"]) from None

    def _spawn(self) -> None:
        from policygate.rego.process import ForkedWorker, WorkerError

        worker = ForkedWorker(self._setup)
        try:
            worker.start(self._compile_timeout)
        except WorkerError as error:
            worker.kill()
            payload = error.args[0]
            if isinstance(payload, tuple) and payload[0] == "compile":
                raise PolicyError(self._program.clean(payload[1])) from None
            raise PolicyError([f"regopy could not load the Gatekeeper templates: "
                               f"{payload}"]) from None
        self._worker = worker

    def review(self, items: Sequence[Item], timeout: float) -> list[Answer]:
        from policygate.rego.process import WorkerCrash, WorkerError, WorkerTimeout

        try:
            if self._worker is None or not self._worker.alive:
                self._spawn()
            return list(self._worker.call(list(items), timeout))
        except WorkerCrash as crash:
            self._worker = None
            output = f"; engine output: {crash.output}" if crash.output else ""
            raise ReviewFailed(f"regopy {crash.reason}{output}", crash.progress,
                               isinstance(crash, WorkerTimeout)) from None
        except WorkerError as error:
            raise ReviewFailed(str(error.args[0])) from None
        except PolicyError as error:
            raise ReviewFailed("; ".join(error.problems)) from None

    def close(self) -> None:
        if self._worker is not None:
            self._worker.close()
            self._worker = None


class OpaBackend:
    name = "opa"

    def __init__(self, program: Program, data: dict[str, Any], settings: Any) -> None:
        from policygate.rego.server import ServerBackend

        self._program = program
        self._server = ServerBackend(program.policy_set(data), settings)

    def start(self) -> None:
        try:
            self._server.start()
        except PolicyError as error:
            raise PolicyError(self._program.clean(error.problems)) from None

    def review(self, items: Sequence[Item], timeout: float) -> list[Answer]:
        from policygate.rego.engine import EvaluationFailed

        answers: list[Answer] = []
        for position, (index, value) in enumerate(items):
            try:
                answers.append(self._server.evaluate_rule(value, index, timeout))
            except EvaluationFailed as failure:
                raise ReviewFailed(failure.reason, position, failure.timed_out) from None
        return answers

    def close(self) -> None:
        self._server.shutdown()


def make_backend(engine: str, program: Program, data: dict[str, Any],
                 settings: Any = None) -> Backend:
    if engine == "opa":
        return OpaBackend(program, data, settings)
    return RegopyBackend(program, data)
