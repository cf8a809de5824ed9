"""Run one check from resolved options: config, sources, engines, pipeline, approvals.

`policygate check` and `policygate pr` both come here, so a check behaves the same
wherever it runs; the CLI only parses options. In pull-request mode every policy input
— the config, Rego policies and data, Gatekeeper objects, the baseline, the approval
rules — comes from the trusted base commit, whatever path the command line names.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from policygate.config import Config, ConfigError, find_config, load_config
from policygate.model import Finding, Report, Severity
from policygate.rules import known_pattern, unknown_pattern
from policygate.settings import build_settings
from policygate.sources import GitError
from policygate.sources.files import repo_root

if TYPE_CHECKING:
    from policygate.approvals.run import ApprovalRun
    from policygate.trusted import BaseInputs
    from policygate.prmode import PullRequestSetup
    from policygate.render.diffmode import DiffRenders
    from policygate.sources.changes import ChangeSet
    from policygate.sources.select import SourceSelection


class RunError(Exception):
    """The run cannot happen or cannot finish (exit 2); the message may span lines."""


@dataclass
class CheckOptions:
    """`check` options; None means "not given" and lets the config decide."""

    paths: tuple[str, ...] = ()
    config_file: str | None = None
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    pss_level: str | None = None
    pss_warn_level: str | None = None
    pss_version: str | None = None
    filter_mode: str | None = None
    baseline_file: str | None = None
    jobs: int | None = None
    diff_range: str | None = None
    staged: bool = False
    rego: Any = None                      # policygate.rego.setup.RegoOptions
    gatekeeper: tuple[str, ...] = ()      # --gatekeeper DIR: templates and constraints
    stdin_name: str | None = None         # --stdin-filename: the name `-` is reported under


@dataclass(slots=True)
class CheckRun:
    report: Report
    config: Config
    notices: list[str] = field(default_factory=list)
    approvals: ApprovalRun | None = None
    changes: ChangeSet | None = None      # the diff (--diff, --staged, PR mode)


def load_local_config(config_file: str | None, root: Path) -> Config:
    path = Path(config_file) if config_file else find_config(root)
    if path is None:
        return Config()
    if config_file and not path.is_file():
        raise RunError(f"{config_file}: config file not found")
    try:
        return load_config(path, config_file or path.name)
    except ConfigError as error:
        raise RunError(str(error)) from None


def _validate_patterns(options: CheckOptions, pr_mode: bool = False) -> None:
    for pattern in options.select + options.ignore:
        if not known_pattern(pattern):
            raise RunError(unknown_pattern(pattern))
    if options.diff_range and options.staged:
        raise RunError("--diff and --staged are exclusive: pick the range or the index")
    from policygate.sources.streams import STDIN, is_stream, refusal

    streams = [t for t in options.paths if is_stream(t)]
    if streams and (options.diff_range or options.staged):
        raise RunError(f"{streams[0]} is a stream: streams are checked whole, without "
                       f"--diff or --staged")
    if options.paths.count(STDIN) > 1:
        raise RunError("- (standard input) can be given only once")
    if options.stdin_name and STDIN not in options.paths:
        raise RunError("--stdin-filename names what `-` reads: give `-` as a path")
    if not (options.diff_range or options.staged or pr_mode):  # a diff names git paths
        for target in options.paths:
            if target not in streams and not Path(target).exists():
                raise RunError(f"{target}: no such file or directory")
            problem = refusal(target)
            if problem is not None:
                raise RunError(problem)


def _split_streams(options: CheckOptions, config: Config) -> tuple[list[Any], tuple[str, ...]]:
    """(streams read now, the other paths): a stream can be read only once."""
    from policygate.sources.streams import StreamError, is_stream, read_streams

    targets = [t for t in options.paths if is_stream(t)]
    if not targets:
        return [], options.paths
    try:
        streams = read_streams(targets, config.limits.max_file_bytes, options.stdin_name)
    except StreamError as error:
        raise RunError(str(error)) from None
    return streams, tuple(t for t in options.paths if t not in targets)


def _pr_range(pr: PullRequestSetup, root: Path | None) -> str:
    """The PR's change, read from its commits (the head is data, never executed)."""
    from policygate.sources.git import Git

    if root is None:
        raise RunError("pull-request mode needs a clone of the repository: check it out "
                       "(actions/checkout) before running policygate")
    git = Git(root)  # prmode.ensure_commits has fetched what it could
    head_ref = (f"refs/merge-requests/{pr.pr.number}/head" if pr.pr.platform == "gitlab"
                else f"pull/{pr.pr.number}/head")
    for commit, ref in ((pr.pr.head.sha, head_ref),
                        (pr.pr.base.sha, pr.pr.base.ref)):
        if git.commit(commit) is None:
            raise RunError(f"commit {commit[:12]} of the pull request is not in this clone and "
                           f"could not be fetched: run `git fetch origin {ref}` first (or "
                           f"check out with `fetch-depth: 0`)")
    return _pr_diff(pr)


def _pr_diff(pr: PullRequestSetup) -> str:
    return f"{pr.pr.base.sha}...{pr.pr.head.sha}"


def _diff_context(selection: SourceSelection) -> dict[str, Any]:
    changes = selection.changes
    if changes is None:
        return {}
    return {"diff": {
        "base": changes.base, "head": changes.head,
        "files": [{"path": c.path, "status": c.status_word, "previous_path": c.old_path
                   if c.status in "RC" else None} for c in changes.changes],
        "deleted": changes.deleted}}


def _engines(options: CheckOptions, config: Config, config_dir: Path, root: Path | None,
             run_context: dict[str, Any], repo_policy: Any = None) -> Any:
    """Rego and Gatekeeper engines from the options and config; None (nothing imported)
    when neither is configured. `repo_policy` is where `gatekeeper.from_repo` reads
    (the base commit in PR mode; the working tree when None)."""
    engines = _rego_engines(options, config, config_dir, root, run_context)
    if not options.gatekeeper and "gatekeeper" not in config.sections:
        return engines
    from policygate.gatekeeper.setup import Scope, build_engine
    from policygate.rego.policyset import PolicyError
    from policygate.rego.setup import Engines

    scope = Scope(root, config.include, config.exclude, config.limits, repo_policy)
    try:
        engine, notices = build_engine(config.sections.get("gatekeeper"), options.gatekeeper,
                                       options.rego.opa_url if options.rego else None,
                                       config_dir, scope,
                                       options.rego.engine if options.rego else None,
                                       config.sections.get("rego"))
    except PolicyError as error:
        if engines:
            engines.close()
        raise RunError(str(error)) from None
    engines = engines or Engines()
    engines.engines.append(engine)
    engines.notices.extend(n for n in notices if n not in engines.notices)
    return engines


def _inventories(engines: Any, root: Path | None, config: Config, selection: SourceSelection,
                 renders: Any) -> Any:
    """A change's cluster around what it touches (policygate.inventory), for the combined
    engines that read it: the head's, and the base's in `new` mode; None otherwise (also
    when the change touches nothing to judge: no cluster is read or rendered for it)."""
    if engines is None or selection.changes is None or root is None or not (
            selection.sources or (renders is not None and any(
                judged.render.reported for judged in renders.session.renders))):
        return None
    from policygate.inventory import change_inventories, cluster_need

    need = cluster_need(engines.engines)
    if need is None:
        return None
    try:
        return change_inventories(root, config, selection, renders, need)
    except GitError as error:
        raise RunError(str(error)) from None


def _rego_engines(options: CheckOptions, config: Config, config_dir: Path, root: Path | None,
                  run_context: dict[str, Any]) -> Any:
    """Rego engines from the options and `policies:`; None (nothing imported) without."""
    rego = options.rego
    given = rego is not None and any(v not in (None, (), False) for v in
                                     dataclasses.astuple(rego))
    if not given and "policies" not in config.sections:
        return None
    from policygate.rego.policyset import PolicyError
    from policygate.rego.setup import RegoOptions, build_engines

    try:
        engines = build_engines(rego or RegoOptions(), config.sections.get("policies"),
                                config_dir, root, config.sections.get("rego"))
    except PolicyError as error:
        raise RunError(str(error)) from None
    for engine in engines.engines:
        engine.run_context = run_context
    return engines


def _base_policy_inputs(inputs: BaseInputs, options: CheckOptions,
                        config: Config) -> tuple[CheckOptions, Config]:
    """PR mode: the run's policy sources (options first, else the config's entries) as
    config sections over the base commit's files (trusted.BaseInputs); the options no
    longer name any path, so nothing is read from the working tree."""
    import posixpath

    config_dir = posixpath.dirname(config.path) if config.path and \
        not Path(config.path).is_absolute() else "."
    sections = dict(config.sections)
    rego = options.rego
    wanted = (("policies", "dirs", "--policy", rego.policies if rego else ()),
              ("policies", "data", "--data", rego.data if rego else ()),
              ("gatekeeper", "dirs", "--gatekeeper", options.gatekeeper))
    for section, key, option, given_paths in wanted:
        entries = (sections.get(section) or {}).get(key)
        if given_paths:
            values = inputs.section_paths(option, given_paths)
        elif entries:
            values = inputs.section_paths(f"{section}.{key}", entries, config_dir)
        else:
            continue
        sections[section] = {**(sections.get(section) or {}), key: values}
    if rego is not None:
        rego = dataclasses.replace(rego, policies=(), data=())
    return (dataclasses.replace(options, rego=rego, gatekeeper=()),
            dataclasses.replace(config, sections=sections))


def _repo_policy(pr: PullRequestSetup, inputs: BaseInputs, root: Path, config: Config,
                 selection: SourceSelection, renders: DiffRenders | None) -> Any:
    """`gatekeeper.from_repo` in PR mode: the base commit's templates and constraints
    judge the pull request, whatever its own files say. The files that hold them at the
    base, and the files the pull request changes that hold them at its head, are the
    gate's own (approval/policy-changed). Trees the change's renders listed already
    (`renders`) are read again, not listed again."""
    from policygate.gatekeeper.loader import holds_policy
    from policygate.gatekeeper.repo import GitFiles, policy_files
    from policygate.render.tree import GitTree

    sides = [described.side.tree for described in renders.sides.values()] if renders else []
    listed = {tree.revision: tree for tree in sides if isinstance(tree, GitTree)}
    state = GitFiles(root, pr.pr.base.sha, config.include, config.exclude,
                     listed.get(pr.pr.base.sha))
    inputs.paths += [name for name, _ in policy_files(state, config.limits)]
    changes = selection.changes
    if changes is not None:
        changed = [c.path for c in changes.changes if not c.deleted]
        head = listed.get(changes.head) or GitTree(state.tree.git, changes.head)
        heads = head.read_many(changed)
        inputs.paths += [path for path, raw in heads.items()
                         if raw is not None and holds_policy(raw, path, config.limits)]
    return state


def _baseline(options: CheckOptions, inputs: BaseInputs | None) -> Any:
    """The `--baseline` file: in PR mode from the base commit (a PR that rewrites its
    baseline would otherwise bless its own violations)."""
    from policygate.baseline import BaselineError, parse_baseline, read_baseline
    from policygate.trusted import GateInputError, repo_path

    given = options.baseline_file or ""
    try:
        path = repo_path(given, inputs.root) if inputs is not None else None
        if inputs is not None and path is not None:
            return parse_baseline(inputs.read("--baseline", path), path)
        return read_baseline(Path(given))
    except (BaselineError, GateInputError) as error:
        raise RunError(str(error)) from None


def _new_suppressions(report: Report, changes: ChangeSet, root: Path, options: CheckOptions,
                      config: Config, pr: PullRequestSetup | None, approvals: ApprovalRun | None,
                      same_diff: ChangeSet | None) -> list[Finding]:
    """Judge the suppressions the change added (policygate.suppress.introduced): comments
    and annotations, and — outside PR mode, where the run read the working tree's config
    — config exceptions the base commit's config did not have."""
    from policygate.sources.git import Git
    from policygate.suppress.introduced import EXCEPTION, Introduced, review_new_suppressions

    kinds = {f.suppression.kind for f in report.suppressed if f.suppression is not None}
    if pr is not None:
        kinds.discard(EXCEPTION)
    if not kinds & {"comment", "annotation", EXCEPTION}:
        return []
    introduced = approvals.introduced if approvals is not None and same_diff is not None \
        and approvals.introduced is not None else Introduced(Git(root), changes)
    severity = Severity.ERROR
    if pr is None:
        path, base = _base_config(options, changes, root)
        severity = _new_suppression_severity(config, base)
        if path is not None:
            import datetime

            from policygate.suppress.exceptions import live_exceptions

            introduced.config_file = path
            introduced.base_exceptions = live_exceptions(
                base.exceptions if base is not None else (), datetime.date.today())
    return review_new_suppressions(report, introduced, pr is not None, approvals, severity)


def _base_config(options: CheckOptions, changes: ChangeSet, root: Path
                 ) -> tuple[str | None, Config | None]:
    """(the config's repository path, the base commit's version of it) for a run without
    PR facts, which reads the working tree's config. The path is None for a config outside
    the repository (no change can bring it); the config None when the base's cannot be
    read — which loosens nothing: it is taken as having no exceptions and the strictest
    `suppressions.new`."""
    from policygate.approvals.run import trusted_config
    from policygate.config import CONFIG_NAME
    from policygate.sources.git import EMPTY_TREE
    from policygate.trusted import GitBaseReader, repo_path

    path = repo_path(options.config_file, root) if options.config_file else CONFIG_NAME
    if path is None:
        return None, Config()
    if changes.base == EMPTY_TREE:
        return path, Config()
    try:
        return path, trusted_config(GitBaseReader(root, changes.base), path)
    except (ConfigError, GitError):
        return path, None


def _new_suppression_severity(config: Config, base: Config | None) -> Severity:
    """`suppressions.new` as the base commit's config says it — or the working config,
    when that is stricter: a change can tighten it, never loosen it."""
    levels = [(of.sections.get("suppressions") or {}).get("new", "note")
              for of in (config, base) if of is not None]
    return Severity.ERROR if base is None or "error" in levels else Severity.NOTE


def checked_repository(paths: tuple[str, ...]) -> Path | None:
    """The git work tree that holds the checked paths — its config, its names — wherever
    the shell is: `cd ~ && policygate check ~/repo/deploy` is a check of ~/repo. Without
    paths (or only streams) it is the current directory's. Paths in two repositories (or
    in one and outside any) are two checks, each with its own config: an error."""
    import os

    from policygate.sources.streams import is_stream

    targets = [target for target in paths if not is_stream(target)]
    if not targets:
        return repo_root(Path.cwd().resolve())
    found: dict[Path | None, str] = {}
    for target in targets:
        found.setdefault(repo_root(Path(os.path.abspath(target))), target)
    if len(found) > 1:
        where = [f"{target} (in {root})" if root else f"{target} (in no git repository)"
                 for root, target in found.items()]
        raise RunError(f"the paths are in different repositories: {' and '.join(where[:2])}; "
                       f"each repository has its own config, so check them in separate runs")
    return next(iter(found))


def run_checks(options: CheckOptions, pr: PullRequestSetup | None = None) -> CheckRun:
    _validate_patterns(options, pr is not None)
    root = repo_root(Path.cwd().resolve()) if pr is not None else checked_repository(options.paths)
    config = pr.config if pr is not None else load_local_config(options.config_file,
                                                                root or Path.cwd())
    try:
        settings = build_settings(config, options.select, options.ignore, options.pss_level,
                                  options.pss_warn_level, options.pss_version)
    except ValueError as error:
        raise RunError(str(error)) from None
    if pr is None:
        return _run(options, None, None, config, settings, root)
    from policygate.trusted import BaseInputs, GateInputError

    inputs = BaseInputs(pr.reader, pr.head, root)
    try:
        return _run(options, pr, inputs, config, settings, root)
    except GateInputError as error:
        raise RunError(str(error)) from None
    finally:
        inputs.close()


def _run(options: CheckOptions, pr: PullRequestSetup | None, inputs: BaseInputs | None,
         config: Config, settings: Any, root: Path | None) -> CheckRun:
    from policygate.pipeline import run_check
    from policygate.sources.select import SourceSelection, select_sources

    if options.baseline_file:
        settings = dataclasses.replace(settings, baseline=_baseline(options, inputs),
                                       baseline_path=options.baseline_file)
    engine_options, engine_config = options, config
    if inputs is not None:
        engine_options, engine_config = _base_policy_inputs(inputs, options, config)
    diff_range = options.diff_range
    if pr is not None and diff_range is None and not options.staged:
        diff_range = _pr_range(pr, root)
    mode = options.filter_mode or (config.sections.get("diff") or {}).get("filter_mode",
                                                                          "resource")
    settings = dataclasses.replace(settings, filter_mode=mode)
    streams, paths = _split_streams(options, config)
    try:
        selection = select_sources(paths, root, config.include, config.exclude,
                                   diff_range, options.staged, mode,
                                   config.limits.max_file_bytes) \
            if paths or not streams else SourceSelection([])
        if selection.changes is not None and root is not None \
                and settings.enabled("pss/namespace-admission"):
            from policygate.namespaces import previous_namespaces

            settings.context.namespaces.previous = previous_namespaces(
                selection.changes, root, settings.limits)
    except GitError as error:
        raise RunError(str(error)) from None

    renders = diff_renders = None
    if selection.changes is None:
        from policygate.render.start import prepare_renders

        renders = prepare_renders(paths or (() if streams else (".",)), root, config,
                                  selection, streams)
    elif root is not None:
        from policygate.render.start import prepare_change_renders

        diff_renders = prepare_change_renders(root, config, selection, mode, paths)
        renders = diff_renders.session if diff_renders is not None else None

    approval_run = None
    run_context = _diff_context(selection)
    # The run's diff is the PR's own when it covered the PR range and every path.
    same_diff = selection.changes if pr is not None and diff_range == _pr_diff(pr) \
        and not options.paths else None
    repo_policy = None
    if pr is not None:
        assert inputs is not None  # run_checks gives a pull-request run its base inputs
        if root is not None and (config.sections.get("gatekeeper") or {}).get("from_repo"):
            repo_policy = _repo_policy(pr, inputs, root, config, selection, diff_renders)
        from policygate.approvals.report import result_json
        from policygate.approvals.run import run_approvals

        try:
            approval_run = run_approvals(pr.pr, pr.reader, root, config, pr.read_head, same_diff,
                                         diff_renders.touched if diff_renders and same_diff
                                         else None, tuple(inputs.paths))
        except ConfigError as error:
            raise RunError(str(error)) from None
        run_context["pr"] = {**pr.pr.to_json(), "approvals": result_json(
            approval_run.result) if approval_run.result else None}
    if inputs is not None:
        config_dir = inputs.tree
    else:
        config_dir = (Path(options.config_file).resolve().parent if options.config_file
                      else (root or Path.cwd()))
    engines = _engines(engine_options, engine_config, config_dir, root, run_context,
                       repo_policy)
    try:
        inventories = _inventories(engines, root, config, selection, diff_renders)
        report = run_check(selection.sources, settings, jobs=options.jobs,
                           full_scan=selection.full_scan, notes=selection.notes,
                           base_sources=selection.base_sources,
                           engines=engines.engines if engines else (), renders=renders,
                           inventories=inventories)
    finally:
        if engines:
            engines.close()
    if engines and engines.rego_engine:
        from policygate.rego.choice import report_fields

        report.rego_engine = report_fields(engines.rego_engine)
    extra: list[Finding] = []
    if selection.changes is not None and root is not None and report.suppressed:
        extra += _new_suppressions(report, selection.changes, root, options, config, pr,
                                   approval_run, same_diff)
    if approval_run is not None:
        extra += approval_run.findings
    if extra:
        report.findings = sorted(report.findings + settings.configure_all(extra),
                                 key=Finding.sort_key)
    return CheckRun(report, config, list(engines.notices) if engines else [], approval_run,
                    selection.changes)
