"""Benchmark Rego evaluation: 10,000 documents × a 10-rule policy set, per backend.

Prints the compile time and µs per document for
- regopy: the RegoEngine in this process (document → forked regopy child → results),
  i.e. what one pipeline worker pays per document;
- regopy, whole scan: `policygate check --policy` over the documents as files, all
  cores (process start, parsing and built-in rules included);
- opa (fake server): the OPA backend over HTTP to tests/rego/fake_opa.py — measures
  the client and HTTP round trip; the server side is regopy in query mode, so a real
  OPA would differ; pass --opa-url to measure a real server instead.
Numbers, not assertions: the budget (≤ 200 µs/document) lives in DESIGN.md.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from policygate.engines import DocumentRef  # noqa: E402
from policygate.model import ResourceId  # noqa: E402

RULES = [
    'input.kind == "Deployment"\n  not input.metadata.labels.team\n  msg := "no team label"',
    'input.kind == "Deployment"\n  input.spec.replicas < 2\n  msg := "fewer than 2 replicas"',
    'some c in input.spec.template.spec.containers\n  endswith(c.image, ":latest")\n  msg := sprintf("%s uses latest", [c.name])',
    'some c in input.spec.template.spec.containers\n  not c.resources.limits.memory\n  msg := sprintf("%s has no memory limit", [c.name])',
    'some c in input.spec.template.spec.containers\n  not c.readinessProbe\n  msg := sprintf("%s has no readiness probe", [c.name])',
    'some c in input.spec.template.spec.containers\n  c.securityContext.privileged\n  msg := sprintf("%s is privileged", [c.name])',
    'input.metadata.namespace == "default"\n  msg := "default namespace"',
    'input.spec.template.spec.hostNetwork\n  msg := "host network"',
    'some c in input.spec.template.spec.containers\n  some e in c.env\n  contains(upper(e.name), "PASSWORD")\n  e.value\n  msg := "plain password"',
    'not startswith(input.apiVersion, "apps/")\n  msg := "not an apps/ object"',
]
POLICY = "package main\n\n" + "\n\n".join(f"deny contains msg if {{\n  {body}\n}}" for body in RULES) + "\n"


def document(index: int) -> dict:
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": f"app-{index}", "namespace": "shop" if index % 7 else "default",
                     "labels": {"app": f"app-{index}", **({"team": "shop"} if index % 3 else {})}},
        "spec": {"replicas": index % 4, "template": {"spec": {"containers": [
            {"name": "app", "image": "ghcr.io/acme/app:1.0" if index % 5 else "nginx:latest",
             "resources": {"limits": {"memory": "128Mi"}} if index % 2 else {},
             "env": [{"name": "LOG_LEVEL", "value": "info"}]},
            {"name": "sidecar", "image": "ghcr.io/acme/proxy:2.1", "readinessProbe": {"tcpSocket": {"port": 80}}},
        ]}}}}


def refs(count: int) -> list[DocumentRef]:
    return [DocumentRef(f"deploy/app-{i // 10}.yaml", i % 10, i % 10, "kubernetes",
                        ResourceId("apps/v1", "Deployment", "shop", f"app-{i}"), document(i))
            for i in range(count)]


def engine_for(policy_dir: Path, opa_url: str | None):
    from policygate.rego.setup import RegoOptions, build_engines

    options = RegoOptions(policies=(str(policy_dir),), opa_url=opa_url)
    return build_engines(options, {}, Path.cwd(), None)


def per_document(policy_dir: Path, documents: list[DocumentRef], opa_url: str | None) -> tuple[float, float, int]:
    engines = engine_for(policy_dir, opa_url)
    engine = engines.engines[0]
    findings = 0
    started = time.perf_counter()
    for ref in documents:
        result = engine.check_document(ref)
        if result.failures:
            raise SystemExit(f"engine failure: {result.failures[0]}")
        findings += len(result.violations)
    elapsed = time.perf_counter() - started
    engines.close()
    return engine.compile_seconds, elapsed / len(documents) * 1e6, findings


def whole_scan(policy_dir: Path, count: int) -> float:
    import yaml

    with tempfile.TemporaryDirectory(prefix="policygate-bench-rego-") as tmp:
        root = Path(tmp)
        for start in range(0, count, 10):
            docs = [document(i) for i in range(start, min(count, start + 10))]
            (root / f"app-{start // 10}.yaml").write_text(yaml.safe_dump_all(docs))
        command = [sys.executable, "-m", "policygate", "check", "--select", "rego", "--format",
                   "json", "--policy", str(policy_dir), "."]
        started = time.perf_counter()
        process = subprocess.run(command, cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        elapsed = time.perf_counter() - started
        if process.returncode not in (0, 1):
            raise SystemExit(process.stderr.decode())
    return elapsed / count * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--documents", type=int, default=10_000)
    parser.add_argument("--opa-url", help="a real OPA server to measure (default: the fake)")
    parser.add_argument("--skip-scan", action="store_true")
    args = parser.parse_args()
    documents = refs(args.documents)
    cores = len(os.sched_getaffinity(0))
    with tempfile.TemporaryDirectory(prefix="policygate-bench-policy-") as tmp:
        policy_dir = Path(tmp)
        (policy_dir / "rules.rego").write_text(POLICY)
        compile_s, us, findings = per_document(policy_dir, documents, None)
        print(f"regopy        compile {compile_s * 1000:7.1f} ms   {us:8.1f} µs/document "
              f"(one process; {findings} findings)")
        if not args.skip_scan:
            print(f"regopy scan                       {whole_scan(policy_dir, args.documents):8.1f} "
                  f"µs/document (policygate check, {cores} cores, everything included)")
        fake = None
        url = args.opa_url
        if url is None:
            from tests.rego.fake_opa import FakeOpa

            fake = FakeOpa()
            url = fake.url
        try:
            sample = documents[: min(len(documents), 2000)] if fake else documents
            compile_s, us, findings = per_document(policy_dir, sample, url)
            label = "opa (fake)" if fake else "opa"
            print(f"{label:13} upload  {compile_s * 1000:7.1f} ms   {us:8.1f} µs/document "
                  f"({len(sample)} documents; {findings} findings)")
        finally:
            if fake is not None:
                fake.stop()


if __name__ == "__main__":
    main()
