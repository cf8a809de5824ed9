"""GitHub's own view of a pull request's diff, for runs without a clone."""
from __future__ import annotations

from typing import Any

from policygate.github.api import GitHubClient
from policygate.review.diffmap import DiffIndex


def fetch_diff(client: GitHubClient, repository: str, number: int) -> DiffIndex:
    """GitHub's own view of the diff (one paginated request), for runs without a clone.

    Removed files are left out: nothing at the head can be commented on there."""
    from policygate.github.publishing import calling, lazy_repo

    with calling(client, f"listing the files of pull request {repository}#{number}"):
        listed: list[Any] = list(lazy_repo(client, repository).get_pull(number).get_files())
    return DiffIndex.from_patches({f.filename: f.patch for f in listed
                                   if f.status != "removed"})
