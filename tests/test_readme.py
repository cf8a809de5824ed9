"""The README is the product's face: what it shows must be what the product does.

Its example output and rules table are generated (tools/readme_sync.py) and must not be
stale; the `check` synopsis names every format and option; the pre-commit `rev:` is the
current version's tag; the contents links resolve; the newcomer commands are the ones
CI runs; and it describes the product, not the machines it was built on.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from policygate import __version__
from policygate.cli import check
from policygate.reporters import FORMATS

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
sys.path.insert(0, str(ROOT / "tools"))
import readme_sync  # noqa: E402


def _block_after(heading: str) -> str:
    """The first fenced block after a heading."""
    rest = README[README.index(heading):]
    return re.search(r"```[a-z]*\n(.*?)```", rest, re.DOTALL).group(1)


def test_the_generated_blocks_are_what_the_code_produces():
    assert readme_sync.synced(README) == README, "run python tools/readme_sync.py"


def test_the_example_output_is_real_output_of_the_fixtures():
    shown = re.search(r"<!-- example-output -->\n```console\n(.*?)```", README, re.DOTALL).group(1)
    assert shown.startswith("$ policygate check fixtures/apps/legacy\n")
    assert "fixtures/apps/legacy/debug.yaml:15:9: error [pss/privileged]" in shown
    assert "\n5 errors, 4 warnings in 1 file (1 file, 1 resource checked)\n" in shown


def test_the_rules_table_lists_every_rule_once():
    from policygate.rules.catalog import catalog

    table = README[README.index("<!-- rules-table -->"):README.index("<!-- /rules-table -->")]
    listed = re.findall(r"^\| `([^`]+)` \| ", table, re.MULTILINE)
    assert listed == [entry.id for entry in catalog()]


def test_the_check_synopsis_names_every_format_and_option():
    synopsis = _block_after("## `policygate check`")
    options = {opt for param in check.params for opt in (*param.opts, *param.secondary_opts)
               if opt.startswith("-")}
    written = set(re.findall(r"(?<![\w-])(--?[a-z][a-z0-9-]*)", synopsis))
    assert options - written == set()
    assert written - options == set()
    formats = re.search(r"--format ([\w|-]+)", synopsis).group(1).split("|")
    assert formats == list(FORMATS)


def test_the_pre_commit_snippet_uses_the_tag_of_this_version():
    snippet = _block_after("### pre-commit")
    assert f"rev: v{__version__} " in snippet
    assert "pre-commit autoupdate" in README
    assert f"pipx install 'git+https://github.com/policygate/policygate@v{__version__}'" in README


def _anchor(heading: str) -> str:
    """GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def test_the_contents_links_point_at_headings():
    anchors = {_anchor(h) for h in re.findall(r"^#{2,3} (.+)$", README, re.MULTILINE)}
    toc = README[README.index("**Contents**"):README.index("<!-- example-output -->")]
    links = re.findall(r"\]\(#([^)]+)\)", toc)
    assert len(links) >= 12
    # Every top-level section is listed, in the order the README has them.
    sections = [_anchor(h) for h in re.findall(r"^## (.+)$", README, re.MULTILINE)]
    assert [link for link in links if link in sections] == sections
    assert [link for link in links if link not in anchors] == []


def test_the_newcomer_commands_are_the_ones_ci_runs():
    quick = _block_after("## Quick start").strip()
    assert quick == ("python3 -m venv .venv && .venv/bin/pip install -q . && "
                     ".venv/bin/policygate check fixtures/")
    tests = _block_after("## Run the tests").strip()
    ci = (ROOT / ".ci" / "run").read_text().strip().splitlines()[-1]
    assert ci == tests


def test_the_comparison_is_honest_both_ways():
    section = README[README.index("## How it compares"):README.index("## `policygate check`")]
    header = next(line for line in section.splitlines() if line.startswith("| |"))
    assert [c.strip() for c in header.split("|")[2:-1]] == [
        "policygate", "Conftest", "Checkov", "KubeLinter"]
    theirs = next(line for line in section.splitlines()
                  if "what they do that policygate does not" in line)
    assert all(cell.strip() for cell in theirs.split("|")[3:-1])


@pytest.mark.parametrize("phrase", [
    "this machine", "this environment", "cannot be installed", "2-core", " VM", "CI machine",
    "loaded machine", "our machines",
])
def test_the_readme_describes_the_product_not_where_it_was_built(phrase):
    assert phrase.lower() not in README.lower()
