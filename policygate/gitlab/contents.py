"""The target commit's files through GitLab's repository API, when the clone lacks it.

A pipeline for a merge request from a fork may run in the fork, whose clone need not hold
the target branch's newest commit; the gate's definition (config, policies, CODEOWNERS)
must still come from there, never from the merge request's head.
"""
from __future__ import annotations

from policygate.gitlab.api import GitLabClient, GitLabError


class GitLabBaseReader:
    """Files of project `project_id` at `commit`, one API call each (cached)."""

    def __init__(self, client: GitLabClient, project_id: int | str, commit: str) -> None:
        self.client = client
        self.project_id = project_id
        self.commit = commit
        self._cache: dict[str, bytes | None] = {}

    def read(self, path: str) -> bytes | None:
        if path not in self._cache:
            self._cache[path] = self._read(path)
        return self._cache[path]

    def _read(self, path: str) -> bytes | None:
        try:
            with self.client.errors(f"reading {path} at {self.commit[:12]}"):
                content = self.client.project(self.project_id).files.raw(
                    file_path=path, ref=self.commit)
        except GitLabError as error:
            if error.status == 404:
                return None
            raise
        return content if isinstance(content, bytes) else None

    def list_dir(self, directory: str) -> list[str]:
        try:
            with self.client.errors(f"listing {directory} at {self.commit[:12]}"):
                entries = list(self.client.project(self.project_id).repository_tree(
                    path=directory.rstrip("/"), ref=self.commit, recursive=True,
                    iterator=True))
        except GitLabError as error:
            if error.status == 404:
                return []
            raise
        return sorted(entry["path"] for entry in entries if entry.get("type") == "blob")
