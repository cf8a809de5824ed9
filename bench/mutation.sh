#!/usr/bin/env bash
# Mutation testing: does the suite notice when the code is quietly wrong?
#
# mutmut changes one thing at a time in the modules where a silent break costs most
# (filtering, baselines, suppressions, severities and exit codes, reporters, approvals,
# diff reading, the PSS rules), runs the tests that reach the changed function, and counts
# the changes no test noticed. bench/mutation_score.py prints the score per module, less
# the equivalent mutants in bench/mutation-equivalent.txt, and lists the survivors.
#
#   bench/mutation.sh                          every module ([tool.mutmut] in pyproject.toml)
#   bench/mutation.sh policygate/filtering.py policygate/suppress   the modules a change touches
#   bench/mutation.sh --fresh ...              forget earlier results (mutants/) first
#
# Not part of .ci/run: a whole run (4,767 mutants) took 32 minutes on 2 cores shared with other
# jobs; a module or two take a few minutes. The tester lives in its own
# venv (.venv-mutation, the `mutation` extra), made here on first use. JOBS=N sets the number
# of test processes (default 2). Exit 1 when a module scores below 90 %.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.venv-mutation
if [ ! -x "$venv/bin/mutmut" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q -e '.[dev,mutation]'
    # As in .ci/run: OPA's engine on Pythons its metadata excludes (the tests use both).
    "$venv/bin/pip" install -q --ignore-requires-python opa-golib-python-bindings || true
fi

if [ "${1:-}" = "--fresh" ]; then
    shift
    rm -rf mutants
fi

# mutmut names a mutant after its module: policygate/suppress -> policygate.suppress.*
names=()
for target in "$@"; do
    target=${target%/}
    target=${target%.py}
    names+=("${target//\//.}.*")
done

# Tests write git repositories and manifests by the thousand: keep them in memory.
scratch=$(mktemp -d "$( [ -d /dev/shm ] && echo /dev/shm || echo "${TMPDIR:-/tmp}")/policygate-mutation.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
mkdir -p bench/out
started=$(date +%s)
TMPDIR=$scratch "$venv/bin/mutmut" run --max-children "${JOBS:-2}" ${names[@]+"${names[@]}"} \
    > bench/out/mutation.log 2>&1 || { tail -n 40 bench/out/mutation.log; exit 2; }
echo "mutmut: $(( $(date +%s) - started )) s (log: bench/out/mutation.log)"
"$venv/bin/python" bench/mutation_score.py "$@"
