"""From `check` options and the `policies:` config section to ready Rego engines.

The command line wins over the config. Nothing here imports regopy, requests or
opa-python-client unless a policy set is actually configured: the pre-commit check
without policies pays nothing for Rego.
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


@dataclass(slots=True)
class Engines:
    engines: list[Any] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)

    def close(self) -> None:
        """End of the run: stop engine processes, delete what was uploaded to a server."""
        for engine in self.engines:
            engine.shutdown()


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
                 root: Path | None) -> Sources:
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
                   tuple(section.get("library") or ()))


def build_engines(options: RegoOptions, section: dict[str, Any] | None, config_dir: Path,
                  root: Path | None) -> Engines:
    """Load, compile (or upload) and start the Rego engine; raises PolicyError (exit 2).

    Returns no engine when no policies are configured at all."""
    section = dict(section or {})
    sources = sources_from(options, section, config_dir, root)
    opa_url = options.opa_url or section.get("opa_url")
    if not sources.policies and not sources.library and not opa_url:
        if sources.data:
            raise PolicyError(["--data needs policies: add --policy DIR (or policies.dirs)"])
        return Engines()
    from policygate.rego.engine import RegoEngine, TimeLimits
    from policygate.rego.policyset import load_policy_set

    timeouts = section.get("timeouts") or {}
    defaults = TimeLimits()
    limits = TimeLimits(document=float(timeouts.get("document", defaults.document)),
                        run=float(timeouts.get("run", defaults.run)))
    policy_set = load_policy_set(sources)
    combine = options.combine if options.combine is not None else bool(section.get("combine"))
    backend = _backend(policy_set, section, opa_url, timeouts)
    engine = RegoEngine(policy_set, backend, limits, combined=combine)
    engine.start()
    return Engines([engine], list(policy_set.notices))


def server_settings(section: dict[str, Any], opa_url: str,
                    timeouts: dict[str, Any]) -> Any:
    """ServerSettings from a config section's opa_* keys (`policies:`, `gatekeeper:`)."""
    from policygate.rego.server import ServerSettings

    return ServerSettings(url=opa_url, token_env=section.get("opa_token_env"),
                          tls_verify=section.get("opa_tls_verify", True),
                          timeout=float(timeouts.get("server", 10.0)),
                          mode=section.get("opa_mode", "upload"),
                          retries=int(section.get("opa_retries", 1)))


def _backend(policy_set: Any, section: dict[str, Any], opa_url: str | None,
             timeouts: dict[str, Any]) -> Any:
    engine = section.get("engine") or ("opa" if opa_url else "regopy")
    if engine == "opa":
        if not opa_url:
            raise PolicyError(["policies.engine is opa but no OPA server is set: add "
                               "--opa-url URL or policies.opa_url"])
        from policygate.rego.server import ServerBackend

        return ServerBackend(policy_set, server_settings(section, opa_url, timeouts))
    if not policy_set.modules:
        raise PolicyError(["no Rego policies to run: add --policy DIR, policies.dirs or "
                           "policies.library"])
    from policygate.rego.embedded import EmbeddedBackend
    from policygate.rego.rewrite import prepare

    return EmbeddedBackend(policy_set, prepare(policy_set.modules, policy_set.uses_context))
