"""One run's renders: start them early, share identical ones, judge them at the end.

Renders are started before the files are scanned and polled between files, so the
renderer processes run while Python checks the plain manifests. Identical renders (the
same directory, options and input bytes, e.g. an overlay at the base and the head of a
change that did not touch it) run once: the content hash of the inputs is the key.
"""
from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from policygate.parsers.yaml import Limits
from policygate.render.process import Outcome, RenderQueue, scratch_dir
from policygate.render.request import Render, content_key, render_finding


@dataclass(slots=True)
class RenderTools:
    """Renderer commands from the config (None: look on PATH)."""

    kustomize: str | None = None
    helm: str | None = None

    @classmethod
    def from_config(cls, section: dict[str, Any] | None) -> RenderTools:
        section = section or {}
        return cls((section.get("kustomize") or {}).get("command"),
                   (section.get("helm") or {}).get("command"))


@dataclass(slots=True)
class Job:
    """What a render needs to run: its private tree and the command."""

    files: dict[str, bytes]       # written into the private tree (inputs + wrapper)
    argv: Callable[[Path], list[str]]
    message: Callable[[str, Path], str]  # the renderer's stderr -> one-line reason
    place: Callable[[str], tuple[str, int]] | None = None  # that reason -> file, line


@dataclass(slots=True)
class Judged:
    render: Render
    placer: Any
    judgement: Any = None


class RenderSession:
    def __init__(self, limits: Limits, tools: RenderTools | None = None) -> None:
        self.limits = limits
        self.tools = tools or RenderTools()
        self.queue = RenderQueue(limits.render_timeout_seconds, limits.max_render_bytes)
        self.renders: list[Judged] = []
        self._pending: dict[str, list[Render]] = {}
        self._done: dict[str, Render] = {}
        self._workdir: tempfile.TemporaryDirectory[str] | None = None
        self.keep: Any = None   # the diff filter of rendered findings (diff mode)
        self.problem_files: set[str] | None = None  # diff mode: where suppression problems count

    def add(self, render: Render, placer: Any, job: Job | None) -> Render:
        """Queue a render (or reuse an identical one); `job` None: it already failed."""
        self.renders.append(Judged(render, placer))
        if job is None or render.failures:
            return render
        key = content_key(render.request.engine, f"{render.renderer} {render.version}",
                          render.request, job.files)
        if key in self._done:
            self._copy(self._done[key], render)
        elif key in self._pending:
            self._pending[key].append(render)
        else:
            self._pending[key] = [render]
            self._start(key, render, job)
        return render

    @staticmethod
    def _copy(source: Render, target: Render) -> None:
        target.output, target.cached = source.output, True
        target.failures = [dataclasses.replace(f) for f in source.failures]

    def _start(self, key: str, render: Render, job: Job) -> None:
        if self._workdir is None:
            self._workdir = tempfile.TemporaryDirectory(prefix="policygate-render-",
                                                        dir=scratch_dir())
        tree = Path(self._workdir.name) / key[:20]
        for path, content in job.files.items():
            target = tree / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)

        def done(outcome: Outcome) -> None:
            renders = self._pending.pop(key)
            self._finish(renders[0], outcome, job, tree)
            self._done[key] = renders[0]
            for follower in renders[1:]:
                self._copy(renders[0], follower)

        self.queue.submit(job.argv(tree), str(tree), done)

    def _finish(self, render: Render, outcome: Outcome, job: Job, tree: Path) -> None:
        name = f"{render.renderer} {render.version}".strip()
        if outcome.timed_out:
            message = (f"{name} did not finish rendering {render.request.label} within "
                       f"{self.limits.render_timeout_seconds} s (limits.render_timeout_seconds)")
        elif outcome.too_large:
            message = (f"{name} output for {render.request.label} exceeds "
                       f"{self.limits.max_render_bytes:,} bytes (limits.max_render_bytes)")
        elif outcome.exit_code != 0:
            message = (f"{name} failed on {render.request.label} (exit code "
                       f"{outcome.exit_code}): {job.message(outcome.stderr, tree)}")
        else:
            render.output = outcome.stdout
            return
        file, line = job.place(message) if job.place is not None else (render.anchor, 1)
        render.failures.append(render_finding("render/failed", message, file, line))

    def poll(self) -> None:
        self.queue.poll()

    def finish(self, rule_set: Any) -> list[Judged]:
        """Wait for every render and judge each output (in the order they were asked),
        once: the --combine stage asks first, the report folds them in after. A context
        render is only read (policygate.inventory), never judged."""
        from policygate.render.judge import judge_render

        self.close()
        for judged in self.renders:
            if judged.judgement is None and judged.render.output is not None \
                    and not judged.render.failures and not judged.render.context:
                judged.judgement = judge_render(judged.render, judged.placer, rule_set)
        return self.renders

    def close(self) -> None:
        """Wait for the renderers, then remove the private trees."""
        try:
            self.queue.drain()
        finally:
            if self._workdir is not None:
                self._workdir.cleanup()
                self._workdir = None

    def merge(self, report: Any, rule_set: Any, plain: set[str]) -> None:
        from policygate.render.results import merge_renders

        merge_renders(report, self, rule_set, plain, self.keep, self.problem_files)
