"""Property (issue 13): for random small repositories and random changes — edits, renames
from unchecked places, symlinks and their targets, attribute files, line breaks only YAML
sees, `kind: List` items that alias each other — every finding of a full scan of the head
that lies in a resource the change touched is also reported by `check --diff` in
`resource` mode.

"Touched" is decided here, independently of the gate: a resource (file, identity) is
touched when its content as a full scan reads it (links followed, List items expanded,
aliases resolved) existed nowhere in the base's full scan. That is weaker than the
gate's line-based rule (an edited comment also touches a resource), so the property
only asks for what no diff mode may miss.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import run_cli
from tests.sources.gitrepo import Repo

ODD_BREAKS = ("\u2028", "\u2029", "\x85", "\r")


@dataclass
class Pod:
    name: str
    host_pid: bool = False
    host_network: bool = False
    image: str = "example/app:1.0"

    def fields(self, indent: str) -> str:
        text = ""
        if self.host_pid:
            text += f"{indent}hostPID: true\n"
        if self.host_network:
            text += f"{indent}hostNetwork: true\n"
        return text + (f"{indent}containers:\n{indent}  - name: app\n"
                       f"{indent}    image: {self.image}\n")


@dataclass
class File:
    pods: list[Pod]
    as_list: bool = False     # a `kind: List`; its second item aliases the first's spec
    breaks: str = ""          # a comment full of line breaks only YAML sees, on top

    def render(self) -> str:
        top = f"# notes{self.breaks * 3}\n" if self.breaks else ""
        if not self.as_list:
            return top + "---\n".join(
                f"apiVersion: v1\nkind: Pod\nmetadata:\n  name: {pod.name}\n  namespace: shop\n"
                f"spec:\n{pod.fields('  ')}" for pod in self.pods)
        items = []
        for index, pod in enumerate(self.pods):
            head = (f"  - apiVersion: v1\n    kind: Pod\n    metadata: {{name: {pod.name}, "
                    f"namespace: shop}}\n")
            if index == 1:
                items.append(head + "    spec: *first\n")
            else:
                items.append(head + ("    spec: &first\n" if index == 0 else "    spec:\n")
                             + pod.fields("      "))
        return top + "apiVersion: v1\nkind: List\nitems:\n" + "".join(items)


@dataclass
class Tree:
    files: dict[str, File] = field(default_factory=dict)   # deploy/*.yaml, docs/*.md
    links: dict[str, str] = field(default_factory=dict)    # link path -> relative target
    attributes: str | None = None

    def copy(self) -> Tree:
        return Tree({k: File([Pod(**vars(p)) for p in f.pods], f.as_list, f.breaks)
                     for k, f in self.files.items()}, dict(self.links), self.attributes)

    def write(self, root: Path) -> None:
        for path in list(root.iterdir()):
            if path.name != ".git":
                shutil.rmtree(path) if path.is_dir() and not path.is_symlink() else path.unlink()
        for name, content in self.files.items():
            target = root / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content.render().encode())
        for name, target in self.links.items():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            os.symlink(target, root / name)
        if self.attributes:
            (root / ".gitattributes").write_text(self.attributes)

    def checked(self) -> dict[str, str]:
        """What a full scan reads: checked names, links resolved to their target's text."""
        texts = {name: f.render() for name, f in self.files.items()}
        seen = {name: text for name, text in texts.items() if name.endswith(".yaml")}
        for link, target in self.links.items():
            resolved = os.path.normpath(os.path.join(os.path.dirname(link), target))
            if resolved in texts:
                seen[link] = texts[resolved]
        return seen


def resources(tree: Tree) -> dict[tuple[str, str], list[str]]:
    """(file, pod name) -> the pod's content as YAML readers construct it."""
    found: dict[tuple[str, str], list[str]] = {}
    for name, text in tree.checked().items():
        for document in yaml.safe_load_all(text):
            items = document.get("items", []) if document.get("kind") == "List" else [document]
            for item in items:
                found.setdefault((name, item["metadata"]["name"]), []).append(
                    json.dumps(item, sort_keys=True))
    return found


NAMES = iter(range(10**9))


def pods(draw, count: int) -> list[Pod]:
    return [Pod(f"p{next(NAMES)}", draw(st.booleans()), draw(st.booleans()),
                draw(st.sampled_from(["example/app:1.0", "example/app:2.0"])))
            for _ in range(count)]


@st.composite
def scenarios(draw) -> tuple[Tree, Tree]:
    base = Tree()
    for index in range(draw(st.integers(1, 3))):
        base.files[f"deploy/f{index}.yaml"] = File(pods(draw, draw(st.integers(1, 2))),
                                                   draw(st.booleans()),
                                                   draw(st.sampled_from(("",) + ODD_BREAKS)))
    base.files["docs/parked.md"] = File(pods(draw, 1))
    if draw(st.booleans()):
        base.links["deploy/linked.yaml"] = "../docs/parked.md"
    head = base.copy()
    for _ in range(draw(st.integers(1, 4))):
        action = draw(st.sampled_from(["edit", "edit", "breaks", "rename", "unpark", "link",
                                       "attributes", "list"]))
        names = sorted(n for n in head.files if n.startswith("deploy/"))
        if action == "edit" and names:
            target = head.files[draw(st.sampled_from(sorted(head.files)))]
            pod = draw(st.sampled_from(target.pods))
            setattr(pod, draw(st.sampled_from(["host_pid", "host_network"])),
                    draw(st.booleans()))
            pod.image = draw(st.sampled_from(["example/app:1.0", "example/app:3.0"]))
        elif action == "breaks" and names:
            head.files[draw(st.sampled_from(names))].breaks = draw(st.sampled_from(ODD_BREAKS))
        elif action == "rename" and names:
            old = draw(st.sampled_from(names))
            head.files[f"deploy/moved{next(NAMES)}.yaml"] = head.files.pop(old)
        elif action == "unpark" and "docs/parked.md" in head.files:
            head.files["deploy/unparked.yaml"] = head.files.pop("docs/parked.md")
            head.links = {k: v for k, v in head.links.items() if v != "../docs/parked.md"}
        elif action == "link" and names:
            head.links[f"deploy/link{next(NAMES)}.yaml"] = os.path.relpath(
                draw(st.sampled_from(sorted(head.files))), "deploy")
        elif action == "attributes":
            head.attributes = draw(st.sampled_from(["*.yaml -diff\n", "* binary\n",
                                                    "*.md diff=x\n"]))
        elif action == "list" and names:
            head.files[draw(st.sampled_from(names))].as_list = True
    return base, head


def _findings(run) -> list[tuple]:
    assert run.exit_code in (0, 1), run.stderr
    return [(f["rule"], f["file"], f["line"], f["resource"]["name"] if f["resource"] else None)
            for f in run.json()["findings"]]


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(scenarios())
def test_diff_reports_every_finding_of_a_touched_resource(scenario):
    base, head = scenario
    with tempfile.TemporaryDirectory() as tmp:
        repo = Repo(Path(tmp) / "repo")
        base.write(repo.root)
        repo.commit(message="base")
        repo.git("checkout", "-q", "-b", "change")
        head.write(repo.root)
        repo.git("add", "-A")
        repo.git("commit", "-q", "--allow-empty", "-m", "change")
        options = ("check", "--format", "json", "--select", "pss", "--pss-warn-level", "none")
        full = _findings(run_cli(*options, ".", cwd=repo.root))
        diff = Counter(_findings(run_cli(*options, "--diff", "main", cwd=repo.root)))
    before = {content for contents in resources(base).values() for content in contents}
    touched = {key for key, contents in resources(head).items()
               if any(content not in before for content in contents)}
    missing = [f for f in full if (f[1], f[3]) in touched and not diff[f]]
    assert not missing, (missing, sorted(touched))
