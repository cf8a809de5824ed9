"""Nothing the project ships tells anyone to install `policygate` from a package index.

The PyPI name `policygate` belongs to an unrelated project: `pip install policygate`
installs it, and the Action once did so inside a job holding a write token. Our
distribution is `gitops-policygate`; routes are a clone, a git URL, or pre-commit. This
scans every file of the repository (README, examples, action.yml, docs, the source's
error messages) for an install command whose requirement is the bare name.
"""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]

# Commands that fetch a requirement by name from an index.
_INSTALLER = re.compile(
    r"(?:\bpython3?\s+-m\s+pip|\bpip3?[\"']?|\buv\s+pip)\s+install\b|\bpipx\s+(?:install|run|inject)\b"
    r"|\buv\s+tool\s+(?:install|run)\b|\buvx\b|\b(?:uv|poetry|pdm)\s+add\b")
# Where a shell command ends inside prose, Markdown or YAML.
_COMMAND_END = re.compile(r"&&|\|\||[;|`)\n]|\$\(")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def index_installs(text: str) -> list[str]:
    """The `policygate` requirements that install commands in `text` fetch from an index."""
    found = []
    for match in _INSTALLER.finditer(text):
        rest = text[match.end():]
        end = _COMMAND_END.search(rest)
        tokens = [token.strip("'\"") for token in (rest[:end.start()] if end else rest).split()]
        for index, token in enumerate(tokens):
            if not token or token.startswith(("-", ".", "/", "~", "$")) or "://" in token:
                continue
            name = _NAME.match(token)
            direct = "@" in token or tokens[index + 1:index + 2] == ["@"]  # name @ URL
            if name and not direct and _normalized(name.group()) == "policygate":
                found.append(f"{match.group()} {token}")
    return found


def _files() -> list[Path]:
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others",
                             "--exclude-standard"], cwd=ROOT, capture_output=True, check=True)
    names = [name for name in listed.stdout.decode().split("\0") if name]
    return [ROOT / name for name in names if (ROOT / name).is_file()]


@pytest.mark.parametrize("text", [
    "pip install policygate",
    "pip install -q policygate==0.1.3",
    "python3 -m pip install 'policygate[github]'",
    "pipx install policygate",
    "pipx run policygate check .",
    "uv tool install policygate",
    "uvx policygate check",
    "uv pip install --upgrade Policygate",
    "poetry add PolicyGate",
    'run: "$RUNNER_TEMP/policygate/bin/pip" install --quiet "policygate==$VERSION"',
    "`pip install policygate` && policygate check",
])
def test_the_scanner_finds_an_install_from_the_index(text):
    assert len(index_installs(text)) == 1, text


@pytest.mark.parametrize("text", [
    "pip install 'gitops-policygate[github]'",
    "pipx install git+https://github.com/policygate/policygate@v0.2.0",
    "pip install 'gitops-policygate[gitlab] @ git+https://github.com/policygate/policygate@v0.2.0'",
    "pip install policygate @ git+https://github.com/policygate/policygate@v0.2.0",
    ".venv/bin/pip install -q -e '.[dev]' && .venv/bin/policygate check fixtures/",
    'pip install --quiet "$ACTION_PATH[github,opa]"',
    "pip install --ignore-requires-python opa-golib-python-bindings",
    "the policygate command; pip is not involved",
])
def test_the_scanner_passes_the_routes_we_document(text):
    assert index_installs(text) == []


def test_no_file_of_the_project_installs_policygate_from_an_index():
    offenders = []
    for path in _files():
        if path.resolve() == Path(__file__).resolve():
            continue  # this file quotes the bad forms on purpose
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        offenders += [f"{path.relative_to(ROOT)}: {found}" for found in index_installs(text)]
    assert offenders == []


def test_pre_commit_hooks_pull_in_nothing_by_the_bare_name():
    """`additional_dependencies` resolve from the index too."""
    for path in _files():
        if path.name not in (".pre-commit-hooks.yaml", ".pre-commit-config.yaml"):
            continue
        for document in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            for entry in _hooks(document):
                names = [_normalized(_NAME.match(d).group()) for d in
                         entry.get("additional_dependencies", ()) if _NAME.match(d)]
                assert "policygate" not in names, path


def _hooks(document: object) -> list[dict]:
    if isinstance(document, list):
        return [hook for hook in document if isinstance(hook, dict)]
    if isinstance(document, dict):
        return [hook for repo in document.get("repos") or () if isinstance(repo, dict)
                for hook in repo.get("hooks") or () if isinstance(hook, dict)]
    return []


def test_the_action_installs_from_its_own_checkout_only():
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    assert "version" not in action["inputs"]     # the ref in `uses:` is the version
    install = next(s for s in action["runs"]["steps"] if s.get("name") == "Install policygate")
    assert install["run"].splitlines()[-1].strip() == \
        '"$RUNNER_TEMP/policygate/bin/pip" install --quiet "$ACTION_PATH[github,opa]"'
