"""The trusted base through GitHub's contents API, when the base commit is not cloned."""
from __future__ import annotations

from policygate.github.api import GitHubClient


class GitHubBaseReader:
    """Files of `repository` at the base SHA, one contents API call each (cached)."""

    def __init__(self, client: GitHubClient, repository: str, commit: str) -> None:
        self.client = client
        self.repository = repository
        self.commit = commit
        self._cache: dict[str, bytes | None] = {}

    def read(self, path: str) -> bytes | None:
        if path in self._cache:
            return self._cache[path]
        from github.GithubException import UnknownObjectException

        content: bytes | None = None
        with self.client.errors(f"reading {path} at the base commit {self.commit[:12]}"):
            try:
                found = self.client.github.get_repo(self.repository, lazy=True).get_contents(
                    path, ref=self.commit)
                if not isinstance(found, list) and found.type == "file":
                    content = found.decoded_content
            except UnknownObjectException:
                content = None
        self._cache[path] = content
        return content

    def list_dir(self, directory: str) -> list[str]:
        from github.GithubException import UnknownObjectException

        repository = self.client.github.get_repo(self.repository, lazy=True)
        files: list[str] = []
        pending = [directory.rstrip("/")]
        with self.client.errors(f"listing {directory} at the base commit {self.commit[:12]}"):
            while pending:
                try:
                    entries = repository.get_contents(pending.pop(), ref=self.commit)
                except UnknownObjectException:
                    continue
                for entry in entries if isinstance(entries, list) else []:
                    if entry.type == "dir":
                        pending.append(entry.path)
                    elif entry.type == "file":
                        files.append(entry.path)
        return sorted(files)
