"""Evaluate reviews: each item asks one template's `violation` rule about one input.

Two backends, one contract (`review(items, timeout)` -> one answer or failure per item):
- in-process (opa, regorus; policygate.rego.inprocess): the program and `data.inventory`
  are compiled once in the engine's worker, and every review of the run is the same
  query (one slot per template), so OPA compiles the program once however many
  templates there are; a crash or a hang is the failure of the review that caused it.
- server: the program and the inventory are uploaded to an OPA server under a run-unique
  prefix (policygate.rego.server), one POST per review, deleted at the end.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from policygate.gatekeeper.program import Program
from policygate.rego.policyset import PolicyError

# One answer: ("value", json) | ("undefined", None) | ("error", message).
Answer = tuple[str, Any]
# One item: (index of the template's rule set, the input {"review", "parameters"}).
Item = tuple[int, Any]


class ReviewFailed(Exception):
    """The backend could not answer one item."""

    def __init__(self, reason: str, timed_out: bool = False) -> None:
        super().__init__(reason)
        self.reason, self.timed_out = reason, timed_out


class Backend(Protocol):
    name: str

    def start(self) -> None:
        """Compile or upload; raises PolicyError with `file:line` problems."""
        ...

    def review(self, items: Sequence[Item], timeout: float) -> list[Answer | ReviewFailed]:
        """`timeout` is per item."""
        ...

    def close(self) -> None:
        ...


class InProcessBackend:
    def __init__(self, engine: str, program: Program, data: dict[str, Any]) -> None:
        from policygate.rego.rewrite import prepare
        from policygate.rego.setup import in_process_backend

        self.name = engine
        self._program = program
        self._backend = in_process_backend(
            engine, prepare(program.modules, False), data,
            [[rule_set.ref] for rule_set in program.rule_sets], ".",
            lambda name: program.files.get(name, name))

    def start(self) -> None:
        if self.name == "regorus":
            from policygate.rego.gaps import refuse_on_regorus

            refuse_on_regorus(self._program.modules,
                              lambda m: self._program.files.get(m.name, m.name))
        try:
            self._backend.start()
        except PolicyError as error:
            raise PolicyError(self._program.clean(error.problems)) from None

    def review(self, items: Sequence[Item], timeout: float) -> list[Answer | ReviewFailed]:
        from policygate.rego.inprocess import EvaluationFailed

        answers: list[Answer | ReviewFailed] = []
        for answer in self._backend.evaluate(items, timeout):
            if isinstance(answer, EvaluationFailed):
                output = f"; engine output: {answer.output}" if answer.output else ""
                answers.append(ReviewFailed(f"{answer.reason}{output}", answer.timed_out))
            else:
                answers.append(answer[0])
        return answers

    def close(self) -> None:
        self._backend.close()


class ServerBackend:
    name = "server"

    def __init__(self, program: Program, data: dict[str, Any], settings: Any) -> None:
        from policygate.rego.server import ServerBackend as Server

        self._program = program
        self._server = Server(program.policy_set(data), settings)

    def start(self) -> None:
        try:
            self._server.start()
        except PolicyError as error:
            raise PolicyError(self._program.clean(error.problems)) from None

    def review(self, items: Sequence[Item], timeout: float) -> list[Answer | ReviewFailed]:
        from policygate.rego.inprocess import EvaluationFailed

        answers: list[Answer | ReviewFailed] = []
        for index, value in items:
            try:
                answers.append(self._server.evaluate_rule(value, index, timeout))
            except EvaluationFailed as failure:
                answers.append(ReviewFailed(failure.reason, failure.timed_out))
        return answers

    def close(self) -> None:
        self._server.shutdown()


def make_backend(engine: str, program: Program, data: dict[str, Any],
                 settings: Any = None) -> Backend:
    if engine == "server":
        return ServerBackend(program, data, settings)
    return InProcessBackend(engine, program, data)
