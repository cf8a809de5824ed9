"""The text report as people see it: on a real terminal (a pseudo-terminal) and in a pipe.

A clean run says so on a terminal and nothing in a pipe; colour follows --color,
NO_COLOR, FORCE_COLOR and TERM; findings on one line of one resource are grouped; long
messages wrap on a terminal only; the summary ends with counts per rule and a hint.
"""
from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import run_cli

RED, YELLOW, GREEN, BOLD, RESET = "\033[31m", "\033[33m", "\033[32m", "\033[1m", "\033[0m"

CLEAN = """apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: shop}
data: {mode: fast}
"""

# Four restricted-level controls fail at the container's securityContext; one baseline
# control on the line of `privileged`.
POD = """apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels: {pod-security.kubernetes.io/enforce: baseline, pod-security.kubernetes.io/warn: restricted}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop}
spec:
  containers:
    - name: web
      image: nginx:1.27
      securityContext:
        privileged: true
"""

SUPPRESSED = """apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop}
spec:
  hostNetwork: true  # policygate: ignore[pss/host-namespaces] the ingress controller
  securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
  containers:
    - name: web
      image: nginx:1.27
      securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
"""

CONTEXT = ('[namespace "shop" enforces baseline (latest): label '
           'pod-security.kubernetes.io/enforce on its Namespace at pod.yaml:1]')
WARN_CONTEXT = ('[namespace "shop" warns at restricted (latest): label '
                'pod-security.kubernetes.io/warn on its Namespace at pod.yaml:1]')


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "TERM",
                                                          "COLUMNS")}
    return {**env, "TERM": "xterm", **extra}


def on_terminal(cwd: Path, *args: str, columns: int = 200, **env: str) -> tuple[int, str]:
    """Run the real CLI with stdout on a pseudo-terminal of `columns` columns."""
    primary, secondary = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "policygate", "check", *args], cwd=cwd,
                               stdout=secondary, stderr=subprocess.DEVNULL,
                               env=_env(COLUMNS=str(columns), **env))
    os.close(secondary)
    chunks = []
    while True:
        try:
            chunk = os.read(primary, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(primary)
    return process.wait(timeout=60), b"".join(chunks).decode().replace("\r\n", "\n")


def in_pipe(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "policygate", "check", *args], cwd=cwd,
                          capture_output=True, text=True, env=_env(**env), timeout=60)


# Item 4: a clean run says so on a terminal, and only there.

def test_a_clean_run_on_a_terminal_says_so_in_one_line(write):
    root = write({"settings.yaml": CLEAN})
    code, out = on_terminal(root, "settings.yaml", NO_COLOR="1")
    assert code == 0
    assert re.fullmatch(r"✓ 1 file, 1 resource, 0 findings \(\d+\.\d\d s\)\n", out), out
    coloured = on_terminal(root, "settings.yaml")[1]
    assert coloured.startswith(f"{GREEN}✓{RESET} 1 file, 1 resource, 0 findings (")


def test_a_clean_run_in_a_pipe_prints_nothing(write):
    run = in_pipe(write({"settings.yaml": CLEAN}), "settings.yaml")
    assert (run.returncode, run.stdout) == (0, "")


def test_a_clean_run_counts_what_was_suppressed(write):
    code, out = on_terminal(write({"pod.yaml": SUPPRESSED}), "pod.yaml", NO_COLOR="1")
    assert code == 0
    assert re.fullmatch(r"✓ 1 file, 1 resource, 0 findings, 1 suppressed \(\d+\.\d\d s\)\n", out)


def test_quiet_is_silent_when_clean_and_prints_only_findings_otherwise(write):
    root = write({"settings.yaml": CLEAN, "pod.yaml": POD})
    assert on_terminal(root, "--quiet", "settings.yaml") == (0, "")
    run = in_pipe(root, "-q", "--select", "pss/privileged", "pod.yaml")
    assert run.returncode == 1
    assert run.stdout == (f'pod.yaml:15:9: error [pss/privileged] container "web" runs privileged '
                          f'(securityContext.privileged=true): remove the field or set it to '
                          f'false {CONTEXT}\n')


# Item 5: colour conventions.

@pytest.mark.parametrize(("where", "args", "env", "coloured"), [
    ("terminal", (), {}, True),
    ("terminal", (), {"NO_COLOR": "1"}, False),
    ("terminal", (), {"NO_COLOR": ""}, True),           # empty means unset (no-color.org)
    ("terminal", (), {"TERM": "dumb"}, False),
    ("terminal", ("--color", "never"), {}, False),
    ("terminal", ("--color", "always"), {"NO_COLOR": "1"}, True),   # the flag wins
    ("pipe", (), {}, False),
    ("pipe", (), {"FORCE_COLOR": "1"}, True),
    ("pipe", (), {"FORCE_COLOR": "1", "NO_COLOR": "1"}, False),     # NO_COLOR wins
    ("pipe", ("--color", "always"), {}, True),
    ("pipe", ("--color", "never"), {"FORCE_COLOR": "1"}, False),
])
def test_colour_follows_the_flag_then_no_color_then_force_color_then_the_device(
        write, where, args, env, coloured):
    root = write({"pod.yaml": POD})
    check = (*args, "--select", "pss/privileged", "pod.yaml")
    out = on_terminal(root, *check, **env)[1] if where == "terminal" \
        else in_pipe(root, *check, **env).stdout
    line = "pod.yaml:15:9: error [pss/privileged]"
    painted = f"{BOLD}pod.yaml:15:9{RESET}: {RED}error{RESET} [pss/privileged]"
    assert (painted in out, line in out) == (coloured, not coloured), out


# Item 6: grouped, wrapped on a terminal only, counted per rule, with a hint.

def test_findings_on_one_line_of_one_resource_are_grouped_under_it_on_a_terminal(write):
    code, out = on_terminal(write({"pod.yaml": POD}), "pod.yaml", columns=1000, NO_COLOR="1")
    assert code == 1
    assert out == (
        "pod.yaml:14:7: 4 findings in Pod/shop/web\n"
        '  warning [pss/privilege-escalation] container "web" must set '
        "securityContext.allowPrivilegeEscalation=false but does not set it: add "
        "allowPrivilegeEscalation: false\n"
        '  warning [pss/restricted-capabilities] container "web" does not drop ALL '
        '(securityContext.capabilities.drop): add "ALL" to capabilities.drop\n'
        '  warning [pss/run-as-non-root] container "web" does not set '
        "securityContext.runAsNonRoot=true and neither does the pod: set runAsNonRoot: true "
        "in the container or the pod\n"
        '  warning [pss/seccomp-required] container "web" has no seccomp profile '
        "(securityContext.seccompProfile unset and the pod sets none): set "
        "seccompProfile.type to RuntimeDefault or Localhost in the pod or the container\n"
        f"  {WARN_CONTEXT}\n"
        'pod.yaml:15:9: error [pss/privileged] container "web" runs privileged '
        f"(securityContext.privileged=true): remove the field or set it to false {CONTEXT}\n"
        "\n"
        "1 error, 4 warnings in 1 file (1 file, 2 resources checked)\n"
        "\n"
        "  1  error    pss/privileged\n"
        "  1  warning  pss/privilege-escalation\n"
        "  1  warning  pss/restricted-capabilities\n"
        "  1  warning  pss/run-as-non-root\n"
        "  1  warning  pss/seccomp-required\n"
        "\n"
        "Why, and how to fix: policygate explain RULE (e.g. policygate explain "
        "pss/privileged)\n")


def test_in_a_pipe_every_finding_keeps_its_own_line(write):
    """CI logs, editors' quickfix lists and problem matchers read one finding a line."""
    run = in_pipe(write({"pod.yaml": POD}), "pod.yaml")
    assert run.returncode == 1
    heads = [line.split(" [")[0] + " [" + line.split(" [")[1].split("]")[0] + "]"
             for line in run.stdout.split("\n\n")[0].splitlines()]
    assert heads == ["pod.yaml:14:7: warning [pss/privilege-escalation]",
                     "pod.yaml:14:7: warning [pss/restricted-capabilities]",
                     "pod.yaml:14:7: warning [pss/run-as-non-root]",
                     "pod.yaml:14:7: warning [pss/seccomp-required]",
                     "pod.yaml:15:9: error [pss/privileged]"]


def test_a_single_finding_keeps_the_one_line_form_editors_link(write):
    run = in_pipe(write({"pod.yaml": POD}), "--select", "pss/privileged", "pod.yaml")
    assert run.stdout.splitlines()[0].startswith(
        'pod.yaml:15:9: error [pss/privileged] container "web" runs privileged')


def test_long_messages_wrap_to_the_terminal_and_never_in_a_pipe(write):
    root = write({"pod.yaml": POD})
    args = ("--select", "pss/privileged,pss/run-as-non-root", "--color", "never", "pod.yaml")
    code, out = on_terminal(root, *args, columns=60)
    assert code == 1
    assert out.split("\n\n")[0] == (
        'pod.yaml:14:7: warning [pss/run-as-non-root] container "web"\n'
        "    does not set securityContext.runAsNonRoot=true and\n"
        "    neither does the pod: set runAsNonRoot: true in the\n"
        '    container or the pod [namespace "shop" warns at\n'
        "    restricted (latest): label\n"
        "    pod-security.kubernetes.io/warn on its Namespace at\n"
        "    pod.yaml:1]\n"
        'pod.yaml:15:9: error [pss/privileged] container "web" runs\n'
        "    privileged (securityContext.privileged=true): remove the\n"
        '    field or set it to false [namespace "shop" enforces\n'
        "    baseline (latest): label\n"
        "    pod-security.kubernetes.io/enforce on its Namespace at\n"
        "    pod.yaml:1]")
    assert all(len(line) <= 60 for line in out.splitlines())
    piped = in_pipe(root, *args, COLUMNS="60").stdout
    assert piped.splitlines()[0] == (
        'pod.yaml:14:7: warning [pss/run-as-non-root] container "web" does not set '
        "securityContext.runAsNonRoot=true and neither does the pod: set runAsNonRoot: true "
        f"in the container or the pod {WARN_CONTEXT}")


def test_rule_counts_are_sorted_by_severity_then_count(write):
    root = write({"a.yaml": POD, "b.yaml": POD.replace("name: web,", "name: api,")})
    run = run_cli("check", "--select", "pss/privileged,pss/run-as-non-root", "a.yaml", "b.yaml",
                  cwd=root)
    assert run.stdout.split("\n\n")[-2:] == [
        "  2  error    pss/privileged\n  2  warning  pss/run-as-non-root",
        "Why, and how to fix: policygate explain RULE (e.g. policygate explain "
        "pss/privileged)\n"]
