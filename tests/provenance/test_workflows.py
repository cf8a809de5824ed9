"""GitHub workflows: `uses:` of actions and reusable workflows (action/not-pinned), and the
images they run (docker:// steps, job containers, service containers)."""
from __future__ import annotations

from tests.conftest import assert_clean
from tests.provenance.helpers import DIGEST, assert_findings, check

SHA = "11bd71901bbe5b1630ceea73d27597364c9af683"
WORKFLOW = ".github/workflows/ci.yml"

ACTIONS = f"""on: push
jobs:
  build:
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@{SHA} # v4.2.2
      - name: Set up Go
        uses: actions/setup-go@v5  # <- action/not-pinned
      - uses: github/codeql-action/init@main  # <- action/not-pinned
      - uses: someone/tool@a1b2c3d  # <- action/not-pinned
      - uses: someone/noref  # <- action/not-pinned
      - uses: ./.github/actions/local
      - uses: docker://alpine:3.21@{DIGEST}
      - run: echo done
  release:
    uses: acme/platform/.github/workflows/release.yml@v2  # <- action/not-pinned
  pinned-release:
    uses: acme/platform/.github/workflows/release.yml@{SHA}
  local-release:
    uses: ./.github/workflows/release.yml
"""


def test_actions_must_be_pinned_to_a_full_sha(write):
    files = {WORKFLOW: ACTIONS}
    findings = assert_findings(check(write, files, "action"), files, "error")
    assert findings[0]["message"] == (
        'job "build" step 2 ("Set up Go") uses actions/setup-go@v5, which follows \'v5\', a tag '
        'or branch that can be moved to other code: pin the full commit SHA, `uses: '
        'actions/setup-go@<40-hex sha> # v5` — get it with `gh api '
        'repos/actions/setup-go/commits/v5 --jq .sha`')
    assert findings[0]["fix"] == "actions/setup-go@<40-hex sha> # v5"
    assert "repos/github/codeql-action/commits/main" in findings[1]["message"]
    assert "pins only an abbreviated SHA (a1b2c3d)" in findings[2]["message"]
    assert "has no @ref" in findings[3]["message"]
    assert findings[4]["message"].startswith(
        'job "release" (reusable workflow) uses acme/platform/.github/workflows/release.yml@v2')


def test_pinned_local_and_docker_uses_pass(write):
    files = {WORKFLOW: f"""on: push
jobs:
  build:
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@{SHA}
      - uses: ./local
      - uses: docker://alpine:3.21
      - uses: ${{{{ matrix.action }}}}
"""}
    assert_clean(check(write, files, "action"))


def test_exempt_owners_may_use_tags(write):
    files = {WORKFLOW: ACTIONS.replace("setup-go@v5  # <- action/not-pinned", "setup-go@v5")
                              .replace("init@main  # <- action/not-pinned", "init@main")}
    config = "actions:\n  pinning:\n    exempt: [actions/*, GitHub/codeql-action]\n"
    assert_findings(check(write, files, "action", config=config), files, "error")


def test_workflows_outside_github_workflows_are_not_workflows(write):
    assert_clean(check(write, {"ci/workflow.yml": ACTIONS}, "action"))


IMAGES = f"""on: push
jobs:
  test:
    runs-on: ubuntu-24.04
    container: node:22  # <- image/not-pinned
    services:
      redis:
        image: redis  # <- image/latest-tag,image/not-pinned
      db:
        image: postgres:16.4@{DIGEST}
    steps:
      - uses: docker://alpine:3.21  # <- image/not-pinned
      - uses: docker://Alpine  # <- image/invalid-reference
  lint:
    runs-on: ubuntu-24.04
    container:
      image: ghcr.io/acme/lint:1.0  # <- image/not-pinned
      credentials: {{username: bot}}
  matrix:
    runs-on: ubuntu-24.04
    container: ${{{{ matrix.image }}}}
"""


def test_workflow_images_need_digests_by_default(write):
    files = {WORKFLOW: IMAGES}
    findings = assert_findings(check(write, files, "image"), files)
    assert findings[0]["message"].startswith(
        'job "test" container image node:22 is not pinned to a digest')


def test_pinned_workflow_images_pass(write):
    files = {WORKFLOW: f"""on: push
jobs:
  test:
    runs-on: ubuntu-24.04
    container: {{image: "node:22@{DIGEST}"}}
    services:
      db: {{image: "postgres:16.4@{DIGEST}"}}
    steps:
      - uses: docker://alpine:3.21@{DIGEST}
"""}
    assert_clean(check(write, files, "image"))


def test_untrusted_workflow_images(write):
    files = {WORKFLOW: f"""on: push
jobs:
  test:
    runs-on: ubuntu-24.04
    container: ghcr.io/acme/ci:1@{DIGEST}
    steps:
      - uses: docker://someone/tool:1@{DIGEST}  # <- image/untrusted-registry
"""}
    assert_findings(check(write, files, "image", config="images:\n  allowed: [ghcr.io/acme]\n"),
                    files, "error")
