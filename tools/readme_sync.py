"""Write the README's generated parts: the example output and the rules table.

The first screen of the README shows what `policygate check` prints on the example
repository in fixtures/, and the rules table lists every rule of the registry. Both are
produced by the code itself, here, so they cannot drift: tests/test_readme.py fails when
the README differs from what this script writes.

    python tools/readme_sync.py          # rewrite the blocks in README.md
    python tools/readme_sync.py --check  # exit 1 if README.md is stale
"""
from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
# What the first screen runs, and the terminal it is shown on (wrapped, no colour).
EXAMPLE = ("fixtures/apps/legacy",)
WIDTH = 88


def example_output() -> str:
    """`$ policygate check …` and what it prints on a terminal of WIDTH columns."""
    from policygate.reporters import render
    from policygate.reporters.terminal import Terminal
    from policygate.runner import CheckOptions, run_checks

    previous = Path.cwd()
    os.chdir(ROOT)
    try:
        report = run_checks(CheckOptions(paths=EXAMPLE)).report
    finally:
        os.chdir(previous)
    text = render("text", report, terminal=Terminal(tty=True, width=WIDTH))
    return f"$ policygate check {' '.join(EXAMPLE)}\n{text}"


def rules_table() -> str:
    """Every rule: ID, default severity (and Pod Security level), what it checks."""
    from policygate.rules.catalog import catalog

    lines = ["| rule | default | what it checks |", "|------|---------|----------------|"]
    for entry in catalog():
        severity = f"{entry.severity} ({entry.level})" if entry.level else str(entry.severity)
        summary = entry.summary.replace("|", "\\|")
        lines.append(f"| `{entry.id}` | {severity} | {summary} |")
    return "\n".join(lines)


BLOCKS = {
    "example-output": lambda: f"```console\n{example_output()}```",
    "rules-table": rules_table,
}


def synced(text: str) -> str:
    """The README text with every generated block rewritten."""
    for name, produce in BLOCKS.items():
        pattern = re.compile(rf"(<!-- {name} -->\n)(?:.*?\n)?(<!-- /{name} -->)", re.DOTALL)
        if not pattern.search(text):
            raise SystemExit(f"README.md has no <!-- {name} --> … <!-- /{name} --> block")
        text = pattern.sub(lambda match: f"{match.group(1)}{produce()}\n{match.group(2)}", text)
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="exit 1 if README.md is stale")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    current = README.read_text(encoding="utf-8")
    wanted = synced(current)
    if args.check:
        if wanted != current:
            print("README.md is stale: run python tools/readme_sync.py", file=sys.stderr)
            raise SystemExit(1)
        return
    README.write_text(wanted, encoding="utf-8")


if __name__ == "__main__":
    main()
