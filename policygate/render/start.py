"""The runner's entry to rendering: plan the renders of a check and start them.

Files a render consumes leave the plain scan here (a patch is never judged alone, a
template never parsed as YAML), and the renders start before the scan so both run at
once. Nothing is imported or started for a repository with nothing to render.
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from policygate.render.plan import RenderPlan, plan_paths
from policygate.render.session import RenderSession, RenderTools

if TYPE_CHECKING:
    from policygate.config import Config
    from policygate.sources.select import SourceSelection


def start_plan(plan: RenderPlan, config: Config) -> RenderSession:
    from policygate.render.helm import add_chart
    from policygate.render.overlays import add_overlay

    session = RenderSession(config.limits, RenderTools.from_config(config.sections.get("render")))
    for request in plan.requests:
        if request.engine == "helm":
            add_chart(session, request, plan.tree)
        else:
            add_overlay(session, request, plan.graph, plan.tree)
    return session


def prepare_renders(targets: Sequence[str], root: Path | None, config: Config,
                    selection: SourceSelection) -> RenderSession | None:
    """Plan and start the renders of a paths check; None when there is nothing to render."""
    base = root or Path.cwd()
    plan = plan_paths(targets, base)
    if not plan.requests and not plan.consumed:
        return None
    selection.sources = [s for s in selection.sources if s.display not in plan.consumed]
    return start_plan(plan, config)
