"""From the `gatekeeper:` config section (and `check --gatekeeper DIR`) to a started engine.

Policy objects come from `gatekeeper.dirs` (relative to the config file; `--gatekeeper`
relative to the current directory) and, with `from_repo: true`, from the files of the
repository — all of them, whatever paths a run checks, because a constraint in an
unchanged file still applies to a changed one (pre-commit passes only the staged files).
Which state of the repository they come from is policygate.gatekeeper.repo's business:
in a pull request the base commit's. (For the same reason a diff's review sees the
whole described cluster, the head's: policygate.inventory.)
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from policygate.gatekeeper.repo import DiskFiles, RepoFiles, policy_files
from policygate.parsers.yaml import Limits
from policygate.rego.policyset import PolicyError

DEFAULT_USER = {"username": "policygate", "groups": ["system:authenticated"]}


@dataclass(frozen=True, slots=True)
class Scope:
    """The repository a run belongs to and the state `from_repo` objects are read from
    (`policy`; the working tree when not given)."""

    root: Path | None = None
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    limits: Limits = field(default_factory=Limits)
    policy: RepoFiles | None = None

    def working_tree(self) -> RepoFiles:
        return DiskFiles(self.root, self.include, self.exclude, self.limits)


def _dirs(values: Sequence[str], base: Path, root: Path | None) -> list[tuple[str, str]]:
    from policygate.gatekeeper.loader import yaml_files
    from policygate.sources.files import display_name

    files: list[tuple[str, str]] = []
    problems = []
    for value in values:
        path = Path(value) if Path(value).is_absolute() else base / value
        shown = display_name(path, root, value)
        if not path.exists():
            problems.append(f"{shown}: Gatekeeper policy directory or file not found")
            continue
        files.extend(yaml_files(str(path), shown))
    if problems:
        raise PolicyError(problems)
    return files


def build_engine(section: dict[str, Any] | None, dirs_option: Sequence[str],
                 opa_url_option: str | None, config_dir: Path, scope: Scope,
                 engine_option: str | None = None, rego: dict[str, Any] | None = None
                 ) -> tuple[Any, list[str]]:
    """A started GatekeeperEngine and notices; raises PolicyError (exit 2)."""
    from policygate.gatekeeper.engine import GatekeeperEngine
    from policygate.gatekeeper.loader import load_policy, read_files
    from policygate.gatekeeper.program import build_program

    section = dict(section or {})
    files = (_dirs(dirs_option, Path.cwd(), scope.root) if dirs_option
             else _dirs(section.get("dirs") or (), config_dir, scope.root))
    if not files and not section.get("from_repo"):
        raise PolicyError(["gatekeeper: set `dirs` (where the ConstraintTemplates and "
                           "Constraints are) or `from_repo: true`, or pass --gatekeeper DIR"])
    given = read_files(files, scope.limits)
    if section.get("from_repo"):
        known = {display for _, display in files}
        in_repo = [f for f in policy_files(scope.policy or scope.working_tree(), scope.limits)
                   if f[0] not in known]
        policy = load_policy(in_repo, strict=False, limits=scope.limits,
                             extra=load_policy(given, strict=True, limits=scope.limits,
                                               checked=False))
    else:
        policy = load_policy(given, strict=True, limits=scope.limits)
    if not policy.templates:
        where = ", ".join(sorted({d.rpartition("/")[0] or d for _, d in files})) or "the repository"
        raise PolicyError([f"gatekeeper: no ConstraintTemplates found in {where}"])
    rego = dict(rego or {})
    program = build_program(policy.templates, bool(rego.get("allow_network", False)))
    settings = _settings(section, opa_url_option, engine_option or rego.get("engine"))
    engine = GatekeeperEngine(policy, program, settings)
    engine.start()
    from policygate.rego.choice import regorus_notice

    regorus = [regorus_notice()] if settings.engine == "regorus" else []
    return engine, _notices(policy) + regorus


def _settings(section: dict[str, Any], opa_url_option: str | None,
              requested: str | None) -> Any:
    from policygate.gatekeeper.engine import EngineSettings
    from policygate.rego.choice import choose

    timeouts = section.get("timeouts") or {}
    opa_url = opa_url_option or section.get("opa_url")
    engine = choose(requested, opa_url, "gatekeeper.opa_url")
    server = None
    if engine == "server":
        assert opa_url is not None
        from policygate.rego.setup import server_settings

        server = server_settings(section, opa_url, timeouts)
    defaults = EngineSettings()
    return EngineSettings(engine, server, dict(section.get("user_info") or DEFAULT_USER),
                          float(timeouts.get("document", defaults.document_timeout)),
                          float(timeouts.get("run", defaults.run_timeout)))


def _notices(policy: Any) -> list[str]:
    notices = []
    if not policy.constraints:
        notices.append("gatekeeper: the ConstraintTemplates have no Constraints, so they "
                       "check nothing")
    for constraint in policy.constraints:
        if constraint.action is None:
            notices.append(f"{constraint.origin.at()}: {constraint.kind} {constraint.name} is "
                           f"enforced only at other enforcement points (scoped "
                           f"enforcement), not at admission: not checked at commit time")
    return notices
