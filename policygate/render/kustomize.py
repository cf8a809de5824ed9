"""Run the real kustomize (`kustomize build`, or `kubectl kustomize`) on a private copy.

The kustomization is never built in place: its inputs (known from the graph) are
copied into a temporary tree with a wrapper kustomization next to them that adds
`buildMetadata: [originAnnotations, transformerAnnotations]` (so every rendered object
says where it came from) and any options a GitOps object sets. The user's files are
untouched, and the build sees nothing but repository files.

The flags that could run code or reach out are forced off explicitly, whatever the
version's defaults: no alpha plugins (exec and container KRM functions, Go plugins), no
helm inflation, no function network, and the load restrictor on (a file outside a
kustomization's own directory is refused).
"""
from __future__ import annotations

import functools
import json
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from policygate.render.process import tool_version

WRAPPER_DIR = "__policygate_render__"
_SAFE_FLAGS = ("--load-restrictor=LoadRestrictionsRootOnly", "--enable-alpha-plugins=false",
               "--enable-helm=false", "--network=false")


@dataclass(frozen=True, slots=True)
class Kustomize:
    command: tuple[str, ...]   # ("/usr/bin/kubectl", "kustomize") or (".../kustomize", "build")
    name: str                  # "kubectl kustomize" or "kustomize"
    version: str

    def argv(self, directory: str) -> list[str]:
        extra = ("--enable-exec=false",) if self.name == "kustomize" else ()
        return [*self.command, directory, *_SAFE_FLAGS, *extra]


def _parse_version(output: str) -> str:
    if output.lstrip().startswith("{"):  # kubectl version -o json
        try:
            return str(json.loads(output).get("kustomizeVersion") or "")
        except ValueError:
            return ""
    match = re.search(r"v?\d+\.\d+\.\d+", output)
    return match.group(0) if match else ""


def find_kustomize(preferred: str | None = None) -> Kustomize | None:
    """`kustomize` on PATH, else `kubectl` (which embeds kustomize); `preferred` is the
    config's `render.kustomize.command` (kustomize, kubectl, or a path to either)."""
    for candidate in [preferred] if preferred else ["kustomize", "kubectl"]:
        path = shutil.which(candidate)
        if path is not None:
            return _kustomize(path)
    return None


@functools.cache
def _kustomize(path: str) -> Kustomize:
    if Path(path).name.startswith("kubectl"):
        version = tool_version(path, ["version", "--client", "-o", "json"], _parse_version)
        return Kustomize((path, "kustomize"), "kubectl kustomize", version)
    return Kustomize((path, "build"), "kustomize", tool_version(path, ["version"],
                                                               _parse_version))


def wrapper_kustomization(resources: list[str], options: dict[str, Any]) -> bytes:
    """The temporary overlay: the target (or, for a directory without a kustomization,
    its manifests), build metadata, and GitOps options (JSON is YAML, and never needs
    quoting rules)."""
    wrapper: dict[str, Any] = {
        "apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization",
        "resources": [os.path.relpath(r or ".", WRAPPER_DIR) for r in resources],
        "buildMetadata": ["originAnnotations", "transformerAnnotations"]}
    wrapper.update(options)
    return json.dumps(wrapper, indent=1).encode()


_KLOG = re.compile(r'err=(?:"((?:[^"\\]|\\.)*)"|<\s*(.*?)\s*>\s*$)', re.DOTALL)
# The error chain of the wrapper including the target: not the author's concern.
_WRAPPER_CHAIN = re.compile(r"^accumulating resources: accumulation err='accumulating resources "
                            r"from '[^']*': '[^']*' must resolve to a file': recursed "
                            r"accumulation of path '[^']*': ")


def failure_message(stderr: str, tree_dir: Path) -> str:
    """kustomize's own words, without klog framing, the wrapper's part of the error
    chain, or the private tree's paths."""
    lines = [line for line in stderr.splitlines()
             if line.strip() and not line.startswith("# Warning")]
    text = "\n".join(lines) or "no message"
    match = _KLOG.search(text)
    if match:
        quoted, block = match.groups()
        text = block if block is not None else \
            quoted.replace('\\"', '"').replace("\\\\", "\\")
    text = " ".join(text.split())
    text = text.replace(f"{tree_dir}/{WRAPPER_DIR}/", "").replace(f"{tree_dir}/", "")
    text = text.replace(str(tree_dir), ".")
    text = _WRAPPER_CHAIN.sub("", re.sub(r"^Error: ", "", text))
    return text.strip()
