"""Count the GitLab API requests of `policygate mr`: a first run and a re-run.

A merge request with FILES changed files, each making FINDINGS containers privileged
(one pss/privileged finding each, on a changed line), in a real git repository, against
the local fake GitLab (tests/gitlab) through python-gitlab. Prints the requests per
endpoint and in total for the first run (everything is new) and for a re-run with the
same head (nothing to write), and the wall time of each run (no pacing between writes).
"""
from __future__ import annotations

import argparse
import collections
import io
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from policygate.gitlab.mr import MrRequest, run_mr  # noqa: E402
from policygate.runner import CheckOptions  # noqa: E402
from tests.gitlab.fixture import FakeGitLab  # noqa: E402
from tests.gitlab.mr_world import FAST  # noqa: E402
from tests.sources.gitrepo import Repo  # noqa: E402


def pod(name: str, containers: int, privileged: bool) -> str:
    lines = ["apiVersion: v1", "kind: Pod", f"metadata: {{name: {name}}}", "spec:",
             "  containers:"]
    for index in range(containers):
        lines += [f"    - name: c{index}", "      image: nginx:1.27",
                  "      securityContext:", f"        privileged: {str(privileged).lower()}"]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=20)
    parser.add_argument("--findings", type=int, default=5, help="findings per file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, FakeGitLab() as lab:
        repo = Repo(Path(tmp) / "gitops")
        names = [f"deploy/app{index:02}.yaml" for index in range(args.files)]
        base = repo.commit({name: pod(f"app{i}", args.findings, False)
                            for i, name in enumerate(names)}, "base")
        repo.git("checkout", "-q", "-b", "feature")
        head = repo.commit({name: pod(f"app{i}", args.findings, True)
                            for i, name in enumerate(names)}, "privileged")
        project = lab.add_project("acme/gitops", project_id=42)
        mr = lab.add_mr(project, 7, author="dave", head=head, base=base)
        for i, name in enumerate(names):
            mr.add_file(name, pod(f"app{i}", args.findings, False),
                        pod(f"app{i}", args.findings, True))
        mr.add_commit("Dave")
        env = {**lab.env(), "CI_MERGE_REQUEST_IID": "7", "CI_MERGE_REQUEST_PROJECT_ID": "42",
               "CI_PROJECT_ID": "42", "CI_COMMIT_SHA": head, "CI_PIPELINE_ID": "1",
               "CI_JOB_URL": f"{lab.url}/acme/gitops/-/jobs/1"}
        import os

        os.chdir(repo.root)
        request = MrRequest(check=CheckOptions(select=("pss/privileged",)),
                            codequality_file=str(Path(tmp) / "cq.json"))
        for label in ("first run", "re-run"):
            lab.clear_log()
            started = time.perf_counter()
            report = run_mr(request, env=env, out=io.StringIO(), say=lambda line: None,
                            client_settings=FAST)
            took = time.perf_counter() - started
            calls = lab.calls()
            by = collections.Counter(f"{r.method} {r.endpoint}" for r in calls)
            print(f"{label}: {len(report.findings)} findings on {args.files} files, "
                  f"{len(calls)} requests ({sum(r.method != 'GET' for r in calls)} writes), "
                  f"{took:.2f}s")
            for endpoint, count in sorted(by.items()):
                print(f"  {count:4d}  {endpoint}")
        print(f"discussions on the MR: {len(mr.diff_discussions())}")


if __name__ == "__main__":
    main()
