"""From `check` options and the `policies:`/`rego:` config sections to ready Rego engines.

The command line wins over the config. Nothing here imports an engine, requests or
opa-python-client unless a policy set is actually configured: the pre-commit check
without policies pays nothing for Rego, and the engines themselves load only in their
worker process.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from policygate.rego.policyset import PolicyError, Sources


@dataclass(frozen=True, slots=True)
class RegoOptions:
    """`check` options; empty/None means "not given" (the config decides)."""

    policies: tuple[str, ...] = ()
    data: tuple[str, ...] = ()
    namespaces: tuple[str, ...] = ()
    all_namespaces: bool | None = None
    combine: bool | None = None
    opa_url: str | None = None
    v0_compatible: bool | None = None
    engine: str | None = None       # auto | opa | regorus | server (rego.engine)


@dataclass(slots=True)
class Engines:
    engines: list[Any] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)

    def close(self) -> None:
        """End of the run: stop engine processes, delete what was uploaded to a server."""
        for engine in self.engines:
            engine.shutdown()

    @property
    def rego_engine(self) -> str | None:
        """The engine that judged the run's Rego (policies and Gatekeeper share it)."""
        return next((e.engine_name for e in self.engines if hasattr(e, "engine_name")), None)


def _display(path: Path, root: Path | None, given: str) -> str:
    from policygate.sources.files import display_name

    return display_name(path, root, given)


def _paths(given: Sequence[str], base: Path, root: Path | None) -> tuple[tuple[str, str], ...]:
    """(path on disk, display name): names relative to the repository root, like files."""
    result = []
    for value in given:
        path = Path(value) if Path(value).is_absolute() else base / value
        result.append((str(path), _display(path, root, value)))
    return tuple(result)


def sources_from(options: RegoOptions, section: dict[str, Any], config_dir: Path,
                 root: Path | None, allow_network: bool = False) -> Sources:
    cwd = Path.cwd()
    policies = (_paths(options.policies, cwd, root) if options.policies
                else _paths(section.get("dirs") or (), config_dir, root))
    data = (_paths(options.data, cwd, root) if options.data
            else _paths(section.get("data") or (), config_dir, root))
    namespaces = tuple(options.namespaces or section.get("namespaces") or ("main",))
    all_namespaces = (options.all_namespaces if options.all_namespaces is not None
                      else bool(section.get("all_namespaces", False)))
    v0 = (options.v0_compatible if options.v0_compatible is not None
          else bool(section.get("v0_compatible", False)))
    return Sources(policies, data, namespaces, all_namespaces, v0,
                   tuple(section.get("library") or ()), allow_network)


def build_engines(options: RegoOptions, section: dict[str, Any] | None, config_dir: Path,
                  root: Path | None, rego: dict[str, Any] | None = None) -> Engines:
    """Load, compile (or upload) and start the Rego engine; raises PolicyError (exit 2).

    Returns no engine when no policies are configured at all."""
    section = dict(section or {})
    rego = dict(rego or {})
    sources = sources_from(options, section, config_dir, root,
                           bool(rego.get("allow_network", False)))
    opa_url = options.opa_url or section.get("opa_url")
    if not sources.policies and not sources.library and not opa_url:
        if sources.data:
            raise PolicyError(["--data needs policies: add --policy DIR (or policies.dirs)"])
        return Engines()
    from policygate.rego.choice import choose, regorus_notice
    from policygate.rego.engine import RegoEngine, TimeLimits
    from policygate.rego.policyset import load_policy_set

    name = choose(options.engine or rego.get("engine"), opa_url, "policies.opa_url")
    timeouts = section.get("timeouts") or {}
    defaults = TimeLimits()
    limits = TimeLimits(document=float(timeouts.get("document", defaults.document)),
                        run=float(timeouts.get("run", defaults.run)))
    policy_set = load_policy_set(sources)
    combine = options.combine if options.combine is not None else bool(section.get("combine"))
    backend = _backend(name, policy_set, section, opa_url, timeouts, sources)
    engine = RegoEngine(policy_set, backend, limits, combined=combine)
    engine.start()
    notices = list(policy_set.notices) + ([regorus_notice()] if name == "regorus" else [])
    return Engines([engine], notices)


def server_settings(section: dict[str, Any], opa_url: str,
                    timeouts: dict[str, Any]) -> Any:
    """ServerSettings from a config section's opa_* keys (`policies:`, `gatekeeper:`)."""
    from policygate.rego.server import ServerSettings

    return ServerSettings(url=opa_url, token_env=section.get("opa_token_env"),
                          tls_verify=section.get("opa_tls_verify", True),
                          timeout=float(timeouts.get("server", 10.0)),
                          mode=section.get("opa_mode", "upload"),
                          retries=int(section.get("opa_retries", 1)))


def in_process_backend(name: str, modules: Any, data: dict[str, Any],
                       groups: list[list[str]], base: str,
                       display: Any = str) -> Any:
    """An opa/regorus engine in its worker, with Conftest's built-ins relative to `base`."""
    from policygate.rego.builtins import BaseDirectory, conftest_functions
    from policygate.rego.inprocess import InProcessBackend, Located, evaluator_setup

    setup = evaluator_setup(name, modules, data, groups,
                            lambda: conftest_functions(BaseDirectory(base)),
                            Located(modules, display))
    return InProcessBackend(name, setup)


def _backend(name: str, policy_set: Any, section: dict[str, Any], opa_url: str | None,
             timeouts: dict[str, Any], sources: Sources) -> Any:
    if name == "server":
        from policygate.rego.server import ServerBackend

        assert opa_url is not None
        return ServerBackend(policy_set, server_settings(section, opa_url, timeouts))
    if not policy_set.modules:
        raise PolicyError(["no Rego policies to run: add --policy DIR, policies.dirs or "
                           "policies.library"])
    from policygate.rego.rewrite import prepare

    if name == "regorus":
        from policygate.rego.gaps import refuse_on_regorus

        refuse_on_regorus(policy_set.modules)
    first = sources.policies[0][0] if sources.policies else "."
    base = first if Path(first).is_dir() else str(Path(first).parent)
    return in_process_backend(name, prepare(policy_set.modules, policy_set.uses_context),
                              policy_set.data, [[r.ref for r in policy_set.rule_sets]], base)
