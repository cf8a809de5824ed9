"""Hostile inputs, generated at test time (nothing large is committed).

Each generator writes one file and returns its name; bench/bench_hostile.py times the
same inputs for the closing notes.
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

MiB = 1024 * 1024


def billion_laughs(root: Path) -> str:
    levels = [f"l0: &l0 [{', '.join(['lol'] * 9)}]"]
    levels += [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]" for i in range(1, 10)]
    (root / "bomb.yaml").write_text("apiVersion: v1\nkind: ConfigMap\n" + "\n".join(levels) + "\n")
    return "bomb.yaml"


def hundred_megabytes(root: Path) -> str:
    line = b"# " + b"x" * 1021 + b"\n"
    with open(root / "huge.yaml", "wb") as handle:
        handle.write(b"apiVersion: v1\nkind: ConfigMap\n")
        for _ in range(100 * 1024):
            handle.write(line)
    return "huge.yaml"


def many_documents(root: Path) -> str:
    document = "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n"
    (root / "many.yaml").write_text(document * 100_000)
    return "many.yaml"


def deep_nesting(root: Path) -> str:
    (root / "deep.yaml").write_text("apiVersion: v1\nkind: ConfigMap\ndata: "
                                    + "[" * 10_000 + "]" * 10_000 + "\n")
    return "deep.yaml"


def deep_block_nesting(root: Path) -> str:
    # One space per level: 10,000 block levels would be a 50 MB file, refused for size.
    lines = ["apiVersion: v1", "kind: ConfigMap", "data:"]
    lines += [" " * (depth + 1) + f"k{depth}:" for depth in range(3_000)]
    (root / "deep-block.yaml").write_text("\n".join(lines) + " x\n")
    return "deep-block.yaml"


def long_line(root: Path) -> str:
    (root / "long.yaml").write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n"
                                    "  containers:\n    - name: app\n      image: \""
                                    + "a" * (10 * MiB) + "\"\n")
    return "long.yaml"


def deep_json(root: Path) -> str:
    (root / "deep.json").write_text('{"apiVersion": "v1", "kind": "ConfigMap", "data": '
                                    + "[" * 100_000 + "]" * 100_000 + "}")
    return "deep.json"


GENERATORS: dict[str, Callable[[Path], str]] = {
    "billion laughs": billion_laughs,
    "100 MB file": hundred_megabytes,
    "100,000 documents": many_documents,
    "flow nesting depth 10,000": deep_nesting,
    "block nesting depth 3,000": deep_block_nesting,
    "10 MB single line": long_line,
    "JSON nested 100,000 deep": deep_json,
}
