"""The OPA server backend (opa-python-client): full OPA semantics, for scale-out.

Two modes:
- upload (default): the run's modules and data go to the server under a run-unique id
  (`policygate/<run>/…` policies, `data.policygate_runs.<run>` packages and data, see
  rewrite.py), plus one generated module that gathers every rule, so each document
  costs one `POST /v1/data/...`. The run deletes what it uploaded when it closes.
- server: the policies already live on the server (a team's OPA fleet, bundles); the
  rules to ask are read from `GET /v1/policies` and each namespace is queried as is.
  Per-document `data.policygate` context is not available in this mode.
Any transport problem, timeout or non-2xx answer is a failure (exit 2), never a pass.
"""
from __future__ import annotations

import os
import urllib.parse
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from policygate.rego.inprocess import EvaluationFailed, Item, RuleAnswer
from policygate.rego.lexer import LexError
from policygate.rego.outline import outline
from policygate.rego.policyset import Module, PolicyError, PolicySet, RuleSet, rule_sets
from policygate.rego.rewrite import Prepared, prepare

RUNS_ROOT = "policygate_runs"
EVAL_PACKAGE = "policygate_eval"


@dataclass(frozen=True, slots=True)
class ServerSettings:
    url: str
    token_env: str | None = None     # name of the environment variable holding the token
    tls_verify: bool | str = True    # False, True, or a CA bundle path
    timeout: float = 10.0            # seconds per HTTP request
    mode: str = "upload"             # "upload" | "server"
    retries: int = 1


def _client(settings: ServerSettings) -> Any:
    from opa_client import OpaClient

    parts = urllib.parse.urlsplit(settings.url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise PolicyError([f"--opa-url {settings.url!r}: use http://HOST:PORT or "
                           f"https://HOST:PORT"])
    if parts.path not in ("", "/"):
        raise PolicyError([f"--opa-url {settings.url!r}: a path prefix is not supported; "
                           f"give the server's root URL"])
    token = None
    if settings.token_env:
        token = os.environ.get(settings.token_env)
        if not token:
            raise PolicyError([f"the OPA token variable {settings.token_env} "
                               f"(policies.opa_token_env) is not set or empty"])
    https = parts.scheme == "https"
    port = parts.port or (443 if https else 80)
    ssl: bool | str = (settings.tls_verify or True) if https else False
    client = OpaClient(host=parts.hostname, port=port, ssl=ssl, token=token,
                       retries=settings.retries, timeout=settings.timeout)
    if https and settings.tls_verify is False:
        client._session.verify = False  # opa-python-client has no option for it
    return client


def _describe_error(error: Exception, url: str) -> tuple[str, bool]:
    """(message, timed out?) for a transport or HTTP error."""
    import requests

    if isinstance(error, requests.exceptions.Timeout):
        return f"the OPA server at {url} did not answer in time (policies.timeouts.server)", False
    if isinstance(error, requests.exceptions.SSLError):
        return (f"TLS error talking to {url}: {error}; set policies.opa_tls_verify to a CA "
                f"bundle (or false to skip verification)"), False
    if isinstance(error, requests.exceptions.ConnectionError):
        return f"cannot reach the OPA server at {url} (is it running?)", False
    if isinstance(error, requests.exceptions.HTTPError) and error.response is not None:
        response = error.response
        try:
            body = response.json()
            detail = body.get("message") or body.get("code") or response.text
        except ValueError:
            detail = response.text.strip()[:200]
        hint = " (check the token: policies.opa_token_env)" if response.status_code in (401, 403) else ""
        return f"the OPA server at {url} answered {response.status_code}: {detail}{hint}", False
    return f"talking to the OPA server at {url} failed: {type(error).__name__}: {error}", False


class ServerBackend:
    name = "server"

    def __init__(self, policy_set: PolicySet, settings: ServerSettings,
                 run_id: str | None = None) -> None:
        self._policy_set = policy_set
        self.settings = settings
        self.run = run_id or f"r{uuid.uuid4().hex[:16]}"
        self._client: Any = None
        self._uploaded: list[str] = []
        self._data_keys: list[str] = []
        self._owner = False
        self._query_path = ""
        self._keys: list[str] = []
        self._server_sets: tuple[RuleSet, ...] = ()

    @property
    def prefix(self) -> str:
        return f"{RUNS_ROOT}.{self.run}"

    # ----------------------------------------------------------------- set-up
    def start(self) -> float:
        import time

        started = time.perf_counter()
        self._client = _client(self.settings)
        if not self._client.check_health():
            raise PolicyError([f"cannot reach a healthy OPA server at {self.settings.url} "
                               f"(GET /health failed); start it or fix --opa-url"])
        self._owner = True
        try:
            # /health needs no token: ask something that does, so a bad token is named.
            probe = self._client._session.get(f"{self._client.root_url}/policies",
                                              timeout=self.settings.timeout)
            probe.raise_for_status()
            if self.settings.mode == "server":
                self._discover()
            else:
                self._upload()
        except PolicyError:
            self.shutdown()
            raise
        except Exception as error:
            self.shutdown()
            raise PolicyError([_describe_error(error, self.settings.url)[0]]) from None
        return time.perf_counter() - started

    def _upload(self) -> None:
        from opa_client.errors import RegoParseError

        modules = self._policy_set.modules
        roots = frozenset({m.outline.package[0] for m in modules} | set(self._policy_set.data))
        prepared = prepare(modules, self._policy_set.uses_context, self.prefix, roots)
        for key, value in self._policy_set.data.items():
            path = f"{self.prefix.replace('.', '/')}/{urllib.parse.quote(key, safe='')}"
            if isinstance(value, dict):
                self._client.update_or_create_data(value, path)
            else:
                self._put_data(path, value)
            self._data_keys.append(path)
        pending = list(prepared)
        errors: dict[str, list[dict[str, Any]]] = {}
        while pending:
            # A module that calls a function of a module not yet on the server fails to
            # compile there; retry until a round uploads nothing new.
            progress = []
            for module in pending:
                policy_id = f"policygate/{self.run}/{module.name}"
                try:
                    self._client.update_policy_from_string(module.text, policy_id,
                                                           rego_compat=False)
                except RegoParseError as error:
                    errors[module.name] = list(error.errors or [{"message": error.message}])
                    continue
                self._uploaded.append(policy_id)
                errors.pop(module.name, None)
                progress.append(module)
            pending = [m for m in pending if m not in progress]
            if not progress:
                break
        if pending:
            raise PolicyError(self._compile_problems(pending, errors))
        self._keys = [f"r{index}" for index in range(len(self._policy_set.rule_sets))]
        lines = [f"package {self.prefix}.{EVAL_PACKAGE}", ""]
        for key, rule_set in zip(self._keys, self._policy_set.rule_sets):
            lines.append(f"{key} := data.{self.prefix}.{rule_set.package}.{rule_set.name}")
        policy_id = f"policygate/{self.run}/{EVAL_PACKAGE}.rego"
        self._client.update_policy_from_string("\n".join(lines) + "\n", policy_id,
                                               rego_compat=False)
        self._uploaded.append(policy_id)
        self._query_path = f"{self.prefix}.{EVAL_PACKAGE}"

    def _put_data(self, path: str, value: Any) -> None:
        url = f"{self._client.root_url}/data/{path}"
        response = self._client._session.put(url, json=value, timeout=self.settings.timeout)
        response.raise_for_status()

    def _compile_problems(self, pending: Sequence[Prepared],
                          errors: dict[str, list[dict[str, Any]]]) -> list[str]:
        by_id = {f"policygate/{self.run}/{m.name}": m for m in pending}
        problems = []
        for module in pending:
            for error in errors.get(module.name, []):
                location = error.get("location") or {}
                target = by_id.get(location.get("file", ""), module)
                message = f"{error.get('code', 'rego_error')}: {error.get('message', '')}"
                if "row" in location:
                    offset = _offset(target.text, location["row"], location.get("col", 1))
                    line, column = target.position(offset)
                    problems.append(f"{target.name}:{line}:{column}: {message}")
                else:
                    problems.append(f"{target.name}: {message}")
        return problems or [f"{m.name}: the OPA server refused the module" for m in pending]

    def _discover(self) -> None:
        """Server mode: find the Conftest rules of the namespaces in the server's modules."""
        policies = self._client.get_policies_list()
        listing = self._client._session.get(f"{self._client.root_url}/policies",
                                            timeout=self.settings.timeout)
        listing.raise_for_status()
        modules = []
        for entry in listing.json().get("result", []):
            try:
                shape = outline(entry.get("raw", ""))
            except LexError:
                continue
            modules.append(Module(f"opa:{entry.get('id')}", entry.get("raw", ""), shape))
        namespaces = set(self._policy_set.namespaces)
        self._server_sets = tuple(rule_sets(modules, sorted(namespaces)))
        if not self._server_sets:
            raise PolicyError([f"the OPA server at {self.settings.url} has no deny, violation "
                               f"or warn rules in namespace {', '.join(sorted(namespaces))} "
                               f"({len(policies)} policies loaded there)"])

    @property
    def rule_sets(self) -> tuple[RuleSet, ...]:
        return self._server_sets or self._policy_set.rule_sets

    def fork_copy(self) -> ServerBackend:
        copy = ServerBackend(self._policy_set, self.settings, self.run)
        copy._query_path, copy._keys = self._query_path, self._keys
        copy._server_sets = self._server_sets
        return copy

    # ------------------------------------------------------------- evaluation
    def _connect(self, timeout: float) -> None:
        """The client of this process, with the request timeout for this evaluation."""
        if self._client is None:
            try:
                self._client = _client(self.settings)
            except PolicyError as error:
                raise EvaluationFailed("; ".join(error.problems)) from None
        self._client.timeout = min(self.settings.timeout, timeout)

    def evaluate(self, items: Sequence[Item], timeout: float
                 ) -> list[list[RuleAnswer] | EvaluationFailed]:
        """One request per item (the REST API takes one input)."""
        answers: list[list[RuleAnswer] | EvaluationFailed] = []
        for _, value in items:
            try:
                answers.append(self._evaluate_one(value, timeout))
            except EvaluationFailed as failure:
                answers.append(failure)
        return answers

    def _evaluate_one(self, value: Any, timeout: float) -> list[RuleAnswer]:
        self._connect(timeout)
        try:
            if self.settings.mode == "server":
                return self._ask_namespaces(value)
            response = self._client.query_rule(value, self._query_path)
            return self._answers(response, self._keys)
        except EvaluationFailed:
            raise
        except Exception as error:
            message, timed_out = _describe_error(error, self.settings.url)
            raise EvaluationFailed(message, timed_out=timed_out) from None

    def evaluate_rule(self, value: Any, index: int, timeout: float) -> RuleAnswer:
        """One uploaded rule set's answer (upload mode): for callers that ask one rule per
        input, like Gatekeeper's one template per review, instead of every rule."""
        self._connect(timeout)
        rule_set = self.rule_sets[index]
        try:
            response = self._client.query_rule(value, f"{self.prefix}.{rule_set.package}",
                                               rule_set.name)
        except Exception as error:
            message, timed_out = _describe_error(error, self.settings.url)
            raise EvaluationFailed(message, timed_out=timed_out) from None
        if not isinstance(response, dict):
            raise EvaluationFailed(f"unexpected answer from the OPA server: {str(response)[:200]}")
        return ("value", response["result"]) if "result" in response else ("undefined", None)

    def _answers(self, response: Any, keys: Sequence[str]) -> list[RuleAnswer]:
        if not isinstance(response, dict):
            raise EvaluationFailed(f"unexpected answer from the OPA server: {str(response)[:200]}")
        result = response.get("result", {})
        if not isinstance(result, dict):
            raise EvaluationFailed(f"unexpected result from the OPA server: {str(result)[:200]}")
        return [("value", result[key]) if key in result else ("undefined", None) for key in keys]

    def _ask_namespaces(self, value: Any) -> list[RuleAnswer]:
        answers: list[RuleAnswer] = []
        by_package: dict[str, list[RuleSet]] = {}
        for rule_set in self._server_sets:
            by_package.setdefault(rule_set.package, []).append(rule_set)
        results: dict[tuple[str, str], RuleAnswer] = {}
        for package, sets in by_package.items():
            response = self._client.query_rule(value, package)
            for rule_set, answer in zip(sets, self._answers(response, [s.name for s in sets])):
                results[(package, rule_set.name)] = answer
        for rule_set in self._server_sets:
            answers.append(results[(rule_set.package, rule_set.name)])
        return answers

    def close(self) -> None:
        """Release this process's connection; the uploaded policies stay for the run."""
        if self._client is not None:
            self._client.close_connection()
            self._client = None

    def shutdown(self) -> None:
        """End of the run: delete what this run uploaded (best effort), then close."""
        if self._owner and (self._uploaded or self._data_keys):
            if self._client is None:
                self._client = _client(self.settings)
            for policy_id in reversed(self._uploaded):
                try:
                    self._client.delete_policy(policy_id)
                except Exception:  # leftovers cost space on the server, not correctness
                    pass
            if self._data_keys:
                try:
                    self._client.delete_data(self.prefix.replace(".", "/"))
                except Exception:
                    pass
            self._uploaded, self._data_keys = [], []
        self.close()


def _offset(text: str, row: int, col: int) -> int:
    lines = text.split("\n")
    row = max(1, min(row, len(lines)))
    return sum(len(line) + 1 for line in lines[:row - 1]) + max(0, col - 1)

