"""From the `gatekeeper:` config section (and `check --gatekeeper DIR`) to a started engine.

Policy objects come from `gatekeeper.dirs` (relative to the config file; `--gatekeeper`
relative to the current directory) and, with `from_repo: true`, from the files of the
repository — all of them, whatever paths a run checks, because a constraint in an
unchanged file still applies to a changed one (pre-commit passes only the staged files).
For the same reason a diff's review sees the whole described cluster: `data.inventory`
and the Namespaces come from every file of the repository (read only when a template or
a namespaceSelector needs them), while only the changed objects are judged.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from policygate.gatekeeper.cluster import is_object
from policygate.parsers.yaml import Limits
from policygate.rego.policyset import PolicyError

DEFAULT_USER = {"username": "policygate", "groups": ["system:authenticated"]}


@dataclass(frozen=True, slots=True)
class Scope:
    """The repository a run belongs to, and whether it checks only a change."""

    root: Path | None = None
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    partial: bool = False           # a diff: the checked files are only the change
    limits: Limits = field(default_factory=Limits)

    def files(self) -> list[tuple[str, str]]:
        """(path, display) of every file a full check of the repository would read."""
        from policygate.sources.files import collect

        top = str(self.root) if self.root is not None else "."
        sources, _ = collect((top,), self.root, self.include, self.exclude)
        return [(source.path, source.display) for source in sources]


class ContextObjects:
    """The objects of the files a diff leaves out, read once when first needed."""

    def __init__(self, scope: Scope) -> None:
        self._scope = scope

    def objects(self, skip: set[str]) -> list[dict[str, Any]]:
        from policygate.parsers import parse_bytes

        found = []
        for path, display in self._scope.files():
            if display in skip:
                continue
            try:
                with open(path, "rb") as handle:
                    raw = handle.read(self._scope.limits.max_file_bytes + 1)
            except OSError:
                continue                # the scan reports unreadable files it checks
            parsed = parse_bytes(raw, display, self._scope.limits)
            found.extend(d.data for d in parsed.documents if is_object(d.data))
        return found


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
    from policygate.gatekeeper.loader import load_policy
    from policygate.gatekeeper.program import build_program

    section = dict(section or {})
    files = (_dirs(dirs_option, Path.cwd(), scope.root) if dirs_option
             else _dirs(section.get("dirs") or (), config_dir, scope.root))
    if not files and not section.get("from_repo"):
        raise PolicyError(["gatekeeper: set `dirs` (where the ConstraintTemplates and "
                           "Constraints are) or `from_repo: true`, or pass --gatekeeper DIR"])
    if section.get("from_repo"):
        known = {display for _, display in files}
        in_repo = [f for f in scope.files() if f[1] not in known]
        policy = load_policy(in_repo, strict=False, limits=scope.limits,
                             extra=load_policy(files, strict=True, limits=scope.limits,
                                               checked=False))
    else:
        policy = load_policy(files, strict=True, limits=scope.limits)
    if not policy.templates:
        where = ", ".join(sorted({d.rpartition("/")[0] or d for _, d in files})) or "the repository"
        raise PolicyError([f"gatekeeper: no ConstraintTemplates found in {where}"])
    rego = dict(rego or {})
    program = build_program(policy.templates, bool(rego.get("allow_network", False)))
    settings = _settings(section, opa_url_option, engine_option or rego.get("engine"))
    engine = GatekeeperEngine(policy, program, settings,
                              ContextObjects(scope) if scope.partial else None)
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
