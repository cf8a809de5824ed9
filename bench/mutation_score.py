"""Score a mutmut run per module, less the equivalent mutants listed in
bench/mutation-equivalent.txt, and list what survived.

mutmut numbers a function's mutants in the order it generates them, so a number moves
whenever the function changes. An equivalent mutant is therefore named by what it is:
the function and the mutated line (`policygate/model.py Severity.parse: <line>`), which
stays true until someone edits that line.

Usage: python bench/mutation_score.py [--min PERCENT] [TARGET ...]
A TARGET is a module (policygate/filtering.py) or a package directory (policygate/suppress);
the default is every target in bench/mutation.sh. Exit 1 when a target scores below --min.
"""
from __future__ import annotations

import argparse
import ast
import difflib
import json
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MUTANTS = ROOT / "mutants"
EQUIVALENT = ROOT / "bench" / "mutation-equivalent.txt"
TARGETS = ("policygate/filtering.py", "policygate/baseline.py", "policygate/suppress",
           "policygate/model.py", "policygate/reporters", "policygate/approvals/evaluate.py",
           "policygate/approvals/predicates.py", "policygate/approvals/codeowners.py",
           "policygate/approvals/codeowners_gitlab.py", "policygate/approvals/context.py",
           "policygate/approvals/context_file.py", "policygate/sources/diff.py",
           "policygate/rules/pss")
# mutmut's exit codes (mutmut/stats.py): 1 and 3 killed; a timeout or a crash is a
# detected mutant too (the tests did not pass with it).
DETECTED = {1, 3, 36, 24, -24, 152, 255, -9, -11}
LABELS = {0: "survived", 5: "no tests", 33: "no tests", 34: "skipped", 35: "suspicious",
          None: "not checked"}


@dataclass
class Score:
    total: int = 0
    detected: int = 0
    equivalent: int = 0
    missed: list[tuple[str, str, str]] = field(default_factory=list)  # (name, status, key)

    def add(self, other: Score) -> None:
        self.total += other.total
        self.detected += other.detected
        self.equivalent += other.equivalent
        self.missed += other.missed

    @property
    def percent(self) -> float:
        judged = self.total - self.equivalent
        return 100.0 * self.detected / judged if judged else 100.0


def _functions(source: str) -> dict[str, str]:
    """Every function in a mutated file by name (mutants and originals), as source text."""
    tree = ast.parse(source)
    return {node.name: ast.get_source_segment(source, node) or ""
            for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}


def mutant_key(module: str, mutant: str, functions: dict[str, str]) -> str:
    """`policygate/model.py Severity.parse: <mutated line>` for mutant
    `policygate.model.xǁSeverityǁparse__mutmut_3`."""
    local = mutant.rsplit(".", 1)[1]
    base = local.rsplit("__mutmut_", 1)[0]
    original = functions.get(f"{base}__mutmut_orig", "")
    # Named like the original, the mutant differs only where it was mutated (a default
    # value on the def line included).
    mutated = functions.get(local, "").replace(local, f"{base}__mutmut_orig", 1)
    changed = [line[1:].strip() for line in difflib.unified_diff(
        original.splitlines(), mutated.splitlines(), lineterm="", n=0)
        if line.startswith("+") and not line.startswith("+++")]
    readable = base[2:].replace("ǁ", ".").strip(".")
    changed = [line.replace(f"{base}__mutmut_orig", readable.rsplit(".", 1)[-1])
               for line in changed]
    return f"{module} {readable}: {' / '.join(changed) or '(deleted lines)'}"


def read_equivalent(path: Path = EQUIVALENT) -> dict[str, str]:
    """key -> reason, from `key  # reason` lines (blank lines and `#` lines are comments)."""
    entries = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        key, _, reason = line.partition("  # ")
        if not reason.strip():
            raise SystemExit(f"{path}: every equivalent mutant needs a reason: {line!r}")
        entries[key.strip()] = reason.strip()
    return entries


def score_file(meta: Path, equivalent: dict[str, str], used: set[str]) -> Score:
    module = str(meta.relative_to(MUTANTS))[:-len(".meta")]
    functions = _functions((MUTANTS / module).read_text(encoding="utf-8"))
    score = Score()
    for name, code in json.loads(meta.read_text())["exit_code_by_key"].items():
        score.total += 1
        if code in DETECTED:
            score.detected += 1
            continue
        key = mutant_key(module, name, functions)
        if key in equivalent:
            score.equivalent += 1
            used.add(key)
        else:
            score.missed.append((name, LABELS.get(code, f"exit {code}"), key))
    return score


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--min", type=float, default=90.0)
    parser.add_argument("targets", nargs="*", default=list(TARGETS))
    options = parser.parse_args()
    equivalent = read_equivalent()
    used: set[str] = set()
    failed = []
    print(f"{'target':<40} {'mutants':>7} {'killed':>6} {'equiv':>5} {'missed':>6} {'score':>7}")
    for target in options.targets:
        target = target.rstrip("/")
        metas = sorted((MUTANTS / target).rglob("*.py.meta")) if (MUTANTS / target).is_dir() \
            else [MUTANTS / f"{target}.meta"]
        metas = [meta for meta in metas if meta.exists()]
        if not metas:
            print(f"{target:<40} no results: run bench/mutation.sh {target}")
            failed.append(target)
            continue
        total = Score()
        for meta in metas:
            total.add(score_file(meta, equivalent, used))
        print(f"{target:<40} {total.total:>7} {total.detected:>6} {total.equivalent:>5} "
              f"{len(total.missed):>6} {total.percent:>6.1f}%")
        if total.percent < options.min:
            failed.append(target)
        for name, status, key in total.missed:
            print(f"    {status}: {key}    [{name}]")
    stale = [key for key in equivalent if key not in used
             and any(key.startswith(t.rstrip("/")) for t in options.targets)]
    for key in stale:
        print(f"note: {EQUIVALENT.name} lists a mutant this run did not find: {key}")
    if failed:
        print(f"below {options.min:g}%: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
