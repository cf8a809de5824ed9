"""`.policygate.yaml`: find it, validate it, turn it into typed settings.

Errors name the file, line and key and suggest the closest valid key, because a config
typo that is silently ignored weakens the gate without anybody noticing. jsonschema is
slow to import, so a config that validated once is remembered by content hash and the
pre-commit path skips the import on later runs.
"""
from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from policygate.cache import cache_file, remember
from policygate.locate import locate
from policygate.model import Document, Severity, format_path
from policygate.parsers.yaml import Limits
from policygate.suggest import did_you_mean

if TYPE_CHECKING:
    import datetime

CONFIG_NAME = ".policygate.yaml"
SCHEMA_PATH = Path(__file__).parent / "schemas" / "config.schema.json"


class ConfigError(Exception):
    """A config problem; str() is the one-line message, starting with file:line."""


@dataclass(slots=True)
class RuleSetting:
    enabled: bool | None = None
    severity: Severity | None = None
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class ConfigException:
    """One entry of `exceptions:`; `line` is where it is written, for messages."""

    rules: tuple[str, ...]
    reason: str
    files: tuple[str, ...] = ()
    kind: str | None = None
    namespace: str | None = None
    name: str | None = None
    owner: str | None = None
    expires: datetime.date | None = None
    line: int = 0
    index: int = 0


@dataclass(slots=True)
class Config:
    path: str | None = None
    rules: dict[str, RuleSetting] = field(default_factory=dict)
    pss: dict[str, Any] = field(default_factory=dict)
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    limits: Limits = field(default_factory=Limits)
    exceptions: tuple[ConfigException, ...] = ()
    sections: dict[str, Any] = field(default_factory=dict)  # images, policies, approvals, ...
    document: Document | None = None  # the parsed file, so findings can point at a setting

    def line_of(self, *path: Any) -> int:
        """Line of a setting (or of its nearest existing parent); 1 without a file."""
        return locate(self.document, path).line if self.document is not None else 1


def normalize_path(path: str) -> str:
    """One spelling per path: `./policy`, `policy/`, `policy//` and `x/../policy` are all
    `policy` (the repository root is `.`), so a configured path matches the changed files
    that git names without those decorations."""
    import posixpath

    return posixpath.normpath(path) if path else "."


# Configured paths of the gate's own inputs: (section, key) lists normalised on load.
_GATE_PATH_KEYS = (("policies", "dirs"), ("policies", "data"), ("gatekeeper", "dirs"),
                   ("approvals", "gate_files"))


def _normalized_sections(data: dict[str, Any]) -> dict[str, Any]:
    sections = {key: data[key] or {} for key in ("images", "policies", "approvals", "gatekeeper",
                                                 "github", "gitlab", "diff", "actions", "gitops",
                                                 "kubernetes", "rego", "render", "suppressions")
                if key in data}
    for section, key in _GATE_PATH_KEYS:
        values = sections.get(section, {}).get(key)
        if values:
            sections[section] = {**sections[section], key: [normalize_path(v) for v in values]}
    return sections


def policy_paths(config: Config) -> tuple[str, ...]:
    """Files and directories the config loads policies from (Rego, data, Gatekeeper)."""
    policies = config.sections.get("policies") or {}
    gatekeeper = config.sections.get("gatekeeper") or {}
    return tuple(policies.get("dirs") or ()) + tuple(policies.get("data") or ()) + \
        tuple(gatekeeper.get("dirs") or ())


def find_config(root: Path) -> Path | None:
    candidate = root / CONFIG_NAME
    return candidate if candidate.is_file() else None


def _schema_errors(data: Any, document: Document, display: str, raw: bytes) -> None:
    """Validate against the JSON schema, unless these exact bytes validated before."""
    import hashlib

    schema_bytes = SCHEMA_PATH.read_bytes()
    marker = cache_file("valid-config", hashlib.sha256(schema_bytes + b"\0" + raw).hexdigest())
    if marker is not None and marker.exists():
        return
    import jsonschema

    schema = json.loads(schema_bytes)
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        # One line per problem (the most relevant branch of each), in file order.
        described = {}
        for error in errors:
            best = jsonschema.exceptions.best_match([error])
            message = _describe(best, document, display)
            described[message] = locate(document, tuple(best.absolute_path)).line
        raise ConfigError("\n".join(sorted(described, key=described.__getitem__)))
    remember(marker)


def _position(document: Document, path: tuple[Any, ...], display: str) -> str:
    location = locate(document, path)
    return f"{display}:{location.line}:{location.column}"


def _where(path: tuple[Any, ...]) -> str:
    return f"in `{format_path(path)}`" if path else "at the top level"


_RULE_SETTING_HELP = ("use off, error, warning, note, true/false, or a mapping with "
                      "enabled/severity/params")


def _describe(error: Any, document: Document, display: str) -> str:
    path = tuple(error.absolute_path)
    if error.validator == "oneOf" and len(path) == 2 and path[0] == "rules":
        hint = did_you_mean(str(error.instance), ["off", "error", "warning", "note"])
        return (f"{_position(document, path, display)}: `{format_path(path)}` is "
                f"{error.instance!r}: {_RULE_SETTING_HELP}{hint}")
    if error.validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        unknown = sorted(set(error.instance) - set(allowed))[0]
        return (f"{_position(document, path + (unknown,), display)}: unknown key {unknown!r} "
                f"{_where(path)}{did_you_mean(unknown, allowed)} (valid keys: {', '.join(allowed)})")
    if error.validator == "required":
        return f"{_position(document, path, display)}: {error.message} {_where(path)}"
    if error.validator in ("enum", "const"):
        options = error.validator_value if error.validator == "enum" else [error.validator_value]
        value = error.instance
        hint = did_you_mean(str(value), [str(o) for o in options])
        return (f"{_position(document, path, display)}: `{format_path(path)}` is {value!r}, "
                f"expected one of {', '.join(map(str, options))}{hint}")
    expected = error.schema.get("x-expected") if isinstance(error.schema, dict) else None
    if expected:  # a format (dates, versions, URLs): say what to write, not the regex
        return (f"{_position(document, path, display)}: `{format_path(path)}` is "
                f"{error.instance!r}: expected {expected}")
    return f"{_position(document, path, display)}: `{format_path(path) or 'config'}`: {error.message}"


def _check_rule_pattern(pattern: str, document: Document, path: tuple[Any, ...],
                        display: str) -> None:
    from policygate.rules import known_pattern, unknown_pattern

    if not known_pattern(pattern):
        raise ConfigError(f"{_position(document, path, display)}: {unknown_pattern(pattern)}")


def _check_params(pattern: str, params: dict[str, Any], document: Document,
                  display: str) -> None:
    """Each parameter must be one that a rule under `pattern` declares, with a value its
    schema accepts: a misspelt parameter silently ignored would be a silent pass."""
    if not params:
        return
    import jsonschema

    from policygate.rules import all_rules, rule_matches

    declared = {param.name: param for rule in all_rules() if rule_matches(rule.id, pattern)
                for param in rule.params}
    for name, value in params.items():
        path: tuple[Any, ...] = ("rules", pattern, "params", name)
        if name not in declared:
            valid = (f" (valid: {', '.join(sorted(declared))})" if declared
                     else " (it takes none)")
            raise ConfigError(f"{_position(document, path, display)}: {pattern} has no "
                              f"parameter {name!r}{did_you_mean(name, sorted(declared))}{valid}")
        validator = jsonschema.Draft202012Validator(declared[name].schema)
        error = jsonschema.exceptions.best_match(validator.iter_errors(value))
        if error is not None:
            path += tuple(error.absolute_path)
            raise ConfigError(f"{_position(document, path, display)}: `{format_path(path)}`: "
                              f"{error.message}")


def _check_pod_spec_paths(section: dict[str, Any], document: Document, display: str) -> None:
    """Each declared path must parse: a typo would silently check nothing."""
    from policygate.podspecs.declared import parse_pattern

    for index, entry in enumerate(section.get("pod_spec_paths") or ()):
        for number, text in enumerate(entry["paths"]):
            try:
                parse_pattern(text)
            except ValueError as error:
                path = ("kubernetes", "pod_spec_paths", index, "paths", number)
                raise ConfigError(f"{_position(document, path, display)}: `{format_path(path)}`: "
                                  f"{error} (write it like spec.template.spec, with [*] for "
                                  f"every list item)") from None


def _rule_setting(value: Any) -> RuleSetting:
    if value is False or value == "off":
        return RuleSetting(enabled=False)
    if value is True:
        return RuleSetting(enabled=True)
    if isinstance(value, str):
        return RuleSetting(severity=Severity.parse(value))
    severity = value.get("severity")
    return RuleSetting(enabled=value.get("enabled"),
                       severity=Severity.parse(severity) if severity else None,
                       params=dict(value.get("params") or {}))


def _exceptions(entries: list[dict[str, Any]], document: Document,
                display: str) -> tuple[ConfigException, ...]:
    result = []
    for index, entry in enumerate(entries):
        rules = tuple(entry["rules"]) if "rules" in entry else (entry["rule"],)
        for position, pattern in enumerate(rules):
            key_path = ("exceptions", index) + (("rules", position) if "rules" in entry else ("rule",))
            _check_rule_pattern(pattern, document, key_path, display)
        expires = None
        if "expires" in entry:
            import datetime

            try:
                expires = datetime.date.fromisoformat(entry["expires"])
            except ValueError as error:
                path = ("exceptions", index, "expires")
                raise ConfigError(f"{_position(document, path, display)}: `{format_path(path)}` "
                                  f"is {entry['expires']!r}, which is not a date ({error}): "
                                  f"expected YYYY-MM-DD, for example 2027-06-30") from None
        result.append(ConfigException(
            rules=rules, reason=entry["reason"], files=tuple(entry.get("files", ())),
            kind=entry.get("kind"), namespace=entry.get("namespace"), name=entry.get("name"),
            owner=entry.get("owner"), expires=expires,
            line=locate(document, ("exceptions", index)).line, index=index + 1))
    return tuple(result)


def load_config(path: Path, display: str) -> Config:
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ConfigError(f"{display}: cannot read the config: {error.strerror}") from None
    return parse_config(raw, display)


def parse_config(raw: bytes, display: str) -> Config:
    """Validate and type a config given as bytes (from disk, or from the base commit)."""
    from policygate.parsers import parse_bytes

    parsed = parse_bytes(raw, display, Limits())
    if parsed.findings:
        problem = parsed.findings[0]
        raise ConfigError(f"{display}:{problem.location.line}:{problem.location.column}: "
                          f"{problem.message}")
    if not parsed.documents:
        return Config(path=display)
    if len(parsed.documents) > 1:
        raise ConfigError(f"{display}:{parsed.documents[1].start_line}:1: the config must be a "
                          f"single YAML document")
    document = parsed.documents[0]
    for duplicate in document.problems:
        raise ConfigError(f"{display}:{duplicate.location.line}:{duplicate.location.column}: "
                          f"{duplicate.message}")
    data = document.data
    if not isinstance(data, dict):
        raise ConfigError(f"{display}:{document.start_line}:1: the config must be a mapping of "
                          f"settings (rules:, pss:, paths:, exceptions:, ...)")
    _schema_errors(data, document, display, raw)
    rules = {}
    for pattern, value in (data.get("rules") or {}).items():
        _check_rule_pattern(pattern, document, ("rules", pattern), display)
        rules[pattern] = _rule_setting(value)
        _check_params(pattern, rules[pattern].params, document, display)
    _check_pod_spec_paths(data.get("kubernetes") or {}, document, display)
    paths = data.get("paths") or {}
    limits = dataclasses.replace(Limits(), **(data.get("limits") or {}))
    return Config(
        path=display, rules=rules, pss=dict(data.get("pss") or {}),
        include=tuple(paths.get("include") or ()), exclude=tuple(paths.get("exclude") or ()),
        limits=limits, exceptions=_exceptions(data.get("exceptions") or [], document, display),
        document=document, sections=_normalized_sections(data))


def starter_config() -> str:
    return (Path(__file__).parent / "data" / "starter.policygate.yaml").read_text(encoding="utf-8")
