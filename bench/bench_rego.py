"""Benchmark Rego evaluation: a 10-rule policy set on each engine.

Per engine (opa, regorus, and an OPA server):
- import: a fresh interpreter importing the engine and creating one (the Go runtime or
  the Rust library loads then; this happens in the worker, after the fork);
- compile: RegoEngine.start(), i.e. forking the worker and compiling the policy set;
- single / batched: µs per document through the RegoEngine (document -> worker -> results),
  one document per call, then 64 per call (what a file with many documents gets);
- scan: `policygate check --engine E` over N documents as files (10 per file, all cores,
  process start, parsing and built-in rules included): µs per document and the peak RSS
  of the whole process tree (sampled every 20 ms), at each --scan size.
Numbers, not assertions: the budgets (≤ 200 µs/document, ≤ 300 MB for 20,000 resources)
and the last measured numbers are in the README's "Benchmarks" section.
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


def engine_for(policy_dir: Path, engine: str, opa_url: str | None):
    from policygate.rego.setup import RegoOptions, build_engines

    options = RegoOptions(policies=(str(policy_dir),), opa_url=opa_url,
                          engine=None if opa_url else engine)
    return build_engines(options, {}, Path.cwd(), None)


def per_document(policy_dir: Path, documents: list[DocumentRef], engine: str,
                 opa_url: str | None, batch: int) -> tuple[float, float, int]:
    engines = engine_for(policy_dir, engine, opa_url)
    rego = engines.engines[0]
    findings = 0
    started = time.perf_counter()
    for start in range(0, len(documents), batch):
        for result in rego.check_documents(documents[start:start + batch]):
            if result.failures:
                raise SystemExit(f"engine failure: {result.failures[0]}")
            findings += len(result.violations)
    elapsed = time.perf_counter() - started
    engines.close()
    return rego.compile_seconds, elapsed / len(documents) * 1e6, findings


IMPORT = {"opa": "from opa_bindings import OpaEngine; OpaEngine()",
          "regorus": "import regorus; regorus.Engine()"}


def import_ms(engine: str) -> float:
    code = (f"import time; t = time.perf_counter(); {IMPORT[engine]}; "
            f"print(time.perf_counter() - t)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout) * 1000


def _tree_rss(root: int) -> int:
    """Sum of the RSS (bytes) of `root` and its descendants."""
    from tests.rego.crashes import processes

    table = processes()
    tree, frontier = {root}, [root]
    while frontier:
        current = frontier.pop()
        children = [pid for pid, fields in table.items() if int(fields[1]) == current]
        tree.update(children)
        frontier.extend(children)
    return sum(int(table[pid][21]) * os.sysconf("SC_PAGE_SIZE") for pid in tree if pid in table)


def whole_scan(policy_dir: Path, count: int, engine: str) -> tuple[float, float]:
    """(µs per document, peak RSS MiB of the process tree) of `policygate check`."""
    import yaml

    with tempfile.TemporaryDirectory(prefix="policygate-bench-rego-") as tmp:
        root = Path(tmp)
        for start in range(0, count, 10):
            docs = [document(i) for i in range(start, min(count, start + 10))]
            (root / f"app-{start // 10}.yaml").write_text(yaml.safe_dump_all(docs))
        command = [sys.executable, "-m", "policygate", "check", "--select", "rego", "--format",
                   "json", "--engine", engine, "--policy", str(policy_dir), "."]
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=root, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.PIPE)
        peak = 0
        while process.poll() is None:
            peak = max(peak, _tree_rss(process.pid))
            time.sleep(0.02)
        elapsed = time.perf_counter() - started
        if process.returncode not in (0, 1):
            raise SystemExit(process.stderr.read().decode() if process.stderr else "failed")
    return elapsed / count * 1e6, peak / 2**20


def main() -> None:
    from policygate.rego.choice import IN_PROCESS, installed
    from policygate.rego.inprocess import BATCH

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--documents", type=int, default=10_000)
    parser.add_argument("--scan", default="10000,20000",
                        help="document counts for the whole-scan runs (comma list)")
    parser.add_argument("--opa-url", help="a real OPA server to measure (default: the test "
                                          "server of tests/rego/opa_server.py)")
    parser.add_argument("--skip-scan", action="store_true")
    args = parser.parse_args()
    documents = refs(args.documents)
    engines = [name for name in IN_PROCESS if installed(name)]
    with tempfile.TemporaryDirectory(prefix="policygate-bench-policy-") as tmp:
        policy_dir = Path(tmp)
        (policy_dir / "rules.rego").write_text(POLICY)
        for engine in engines:
            compile_s, single, findings = per_document(policy_dir, documents, engine, None, 1)
            _, batched, _ = per_document(policy_dir, documents, engine, None, BATCH)
            print(f"{engine:8} import {import_ms(engine):6.1f} ms  compile "
                  f"{compile_s * 1000:6.1f} ms  single {single:6.1f} µs/document  batched "
                  f"{batched:6.1f} µs/document ({len(documents)} documents, {findings} "
                  f"findings)")
            if args.skip_scan:
                continue
            for count in (int(c) for c in args.scan.split(",")):
                us, rss = whole_scan(policy_dir, count, engine)
                print(f"{engine:8} scan {count:6d} documents {us:6.1f} µs/document, peak RSS "
                      f"{rss:6.1f} MiB (policygate check, whole process tree)")
        server = None
        url = args.opa_url
        if url is None:
            from tests.rego.opa_server import OpaServer

            server = OpaServer()
            url = server.url
        try:
            sample = documents[: min(len(documents), 2000)]
            compile_s, us, findings = per_document(policy_dir, sample, "server", url, 1)
            print(f"{'server':8} upload {compile_s * 1000:6.1f} ms  {us:6.1f} µs/document "
                  f"({len(sample)} documents over HTTP; {findings} findings)")
        finally:
            if server is not None:
                server.stop()


if __name__ == "__main__":
    main()
