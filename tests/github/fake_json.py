"""GitHub's REST response shapes, generated from the fake GitHub's state.

Field names, nesting and types follow the recorded real responses in PyGithub's
tests/ReplayData (PullRequest.*, PullRequestReview.*, PullRequestComment.*, CheckRun.*,
Team.*, IssueComment.*, CommitStatus.*, Repository.testGetContents*). Fields nobody reads
(most `*_url` templates) are left out; every field that is present has GitHub's type, so
PyGithub parses these objects exactly as it parses GitHub's.
"""
from __future__ import annotations

import base64
from typing import Any

from tests.github.fake_state import (CheckRun, CommitStatus, FileChange, GitHubState,
                                     IssueComment, Org, PullCommit, PullRequest, Repository,
                                     Review, ReviewComment, Team, fake_sha)

WEB = "https://github.com"


class Shapes:
    """Renders state objects as the JSON GitHub would send, with URLs on this server."""

    def __init__(self, base: str, hub: GitHubState) -> None:
        self.base = base.rstrip("/")
        self.hub = hub

    # --- people and organisations -------------------------------------------------------
    def user(self, login: str) -> dict[str, Any]:
        user = self.hub.user(login)
        return {"login": user.login, "id": user.id, "node_id": f"U_{user.id}",
                "avatar_url": f"https://avatars.githubusercontent.com/u/{user.id}?v=4",
                "gravatar_id": "", "url": f"{self.base}/users/{user.login}",
                "html_url": f"{WEB}/{user.login}", "type": user.type,
                "user_view_type": "public", "site_admin": False}

    def org(self, org: Org) -> dict[str, Any]:
        return {"login": org.login, "id": org.id, "node_id": f"O_{org.id}",
                "url": f"{self.base}/orgs/{org.login}", "html_url": f"{WEB}/{org.login}",
                "name": org.login, "description": None, "type": "Organization"}

    def team(self, team: Team) -> dict[str, Any]:
        return {"name": team.name, "id": team.id, "node_id": f"T_{team.id}", "slug": team.slug,
                "description": "", "privacy": "secret" if team.secret else "closed",
                "notification_setting": "notifications_enabled",
                "url": f"{self.base}/organizations/{team.org.id}/team/{team.id}",
                "html_url": f"{WEB}/orgs/{team.org.login}/teams/{team.slug}",
                "members_url": f"{self.base}/organizations/{team.org.id}/team/{team.id}"
                               "/members{/member}",
                "permission": "pull", "members_count": len(team.members), "repos_count": 0,
                "created_at": "2025-01-01T00:00:00Z", "updated_at": "2025-01-01T00:00:00Z",
                "organization": self.org(team.org), "parent": None}

    # --- repositories -----------------------------------------------------------------
    def repo_url(self, repo: Repository) -> str:
        return f"{self.base}/repos/{repo.full_name}"

    def repo(self, repo: Repository) -> dict[str, Any]:
        url = self.repo_url(repo)
        return {"id": repo.id, "node_id": f"R_{repo.id}", "name": repo.name,
                "full_name": repo.full_name, "private": repo.private,
                "owner": self.user(repo.owner), "html_url": f"{WEB}/{repo.full_name}",
                "description": None, "fork": False, "url": url,
                "pulls_url": url + "/pulls{/number}", "statuses_url": url + "/statuses/{sha}",
                "contents_url": url + "/contents/{+path}",
                "created_at": "2025-01-01T00:00:00Z", "updated_at": "2025-01-01T00:00:00Z",
                "pushed_at": "2025-01-01T00:00:00Z", "default_branch": repo.default_branch,
                "visibility": "private" if repo.private else "public",
                "archived": False, "disabled": False,
                "permissions": {"admin": False, "maintain": False, "push": True,
                                "triage": True, "pull": True}}

    def label(self, repo: Repository, name: str) -> dict[str, Any]:
        label_id = int(fake_sha("label", repo.full_name, name)[:8], 16)
        return {"id": label_id, "node_id": f"LA_{label_id}",
                "url": f"{self.repo_url(repo)}/labels/{name}", "name": name,
                "color": "ededed", "default": False, "description": None}

    def content(self, repo: Repository, path: str, ref: str, data: bytes) -> dict[str, Any]:
        sha = fake_sha("blob", repo.full_name, path, data)
        url = f"{self.repo_url(repo)}/contents/{path}?ref={ref}"
        encoded = base64.encodebytes(data).decode("ascii")
        return {"type": "file", "encoding": "base64", "size": len(data),
                "name": path.rsplit("/", 1)[-1], "path": path, "content": encoded, "sha": sha,
                "url": url, "git_url": f"{self.repo_url(repo)}/git/blobs/{sha}",
                "html_url": f"{WEB}/{repo.full_name}/blob/{ref}/{path}",
                "download_url": None,
                "_links": {"self": url, "git": f"{self.repo_url(repo)}/git/blobs/{sha}",
                           "html": f"{WEB}/{repo.full_name}/blob/{ref}/{path}"}}

    # --- pull requests --------------------------------------------------------------------
    def pull_url(self, pull: PullRequest) -> str:
        return f"{self.repo_url(pull.repo)}/pulls/{pull.number}"

    def _branch(self, pull: PullRequest, ref: str, sha: str) -> dict[str, Any]:
        return {"label": f"{pull.repo.owner}:{ref}", "ref": ref, "sha": sha,
                "user": self.user(pull.repo.owner), "repo": self.repo(pull.repo)}

    def pull(self, pull: PullRequest) -> dict[str, Any]:
        url, repo_url = self.pull_url(pull), self.repo_url(pull.repo)
        issue = f"{repo_url}/issues/{pull.number}"
        html = f"{WEB}/{pull.repo.full_name}/pull/{pull.number}"
        return {
            "url": url, "id": pull.id, "node_id": f"PR_{pull.id}", "html_url": html,
            "diff_url": html + ".diff", "patch_url": html + ".patch", "issue_url": issue,
            "number": pull.number, "state": pull.state, "locked": False, "title": pull.title,
            "user": self.user(pull.author), "body": pull.body,
            "created_at": pull.created_at, "updated_at": pull.created_at, "closed_at": None,
            "merged_at": None, "merge_commit_sha": None, "assignee": None, "assignees": [],
            "requested_reviewers": [], "requested_teams": [],
            "labels": [self.label(pull.repo, name) for name in pull.labels],
            "milestone": None, "draft": pull.draft,
            "commits_url": url + "/commits", "review_comments_url": url + "/comments",
            "review_comment_url": repo_url + "/pulls/comments{/number}",
            "comments_url": issue + "/comments",
            "statuses_url": f"{repo_url}/statuses/{pull.head_sha}",
            "head": self._branch(pull, pull.head_ref, pull.head_sha),
            "base": self._branch(pull, pull.base_ref, pull.base_sha),
            "_links": {"self": {"href": url}, "html": {"href": html},
                       "issue": {"href": issue}, "comments": {"href": issue + "/comments"},
                       "review_comments": {"href": url + "/comments"},
                       "review_comment": {"href": repo_url + "/pulls/comments{/number}"},
                       "commits": {"href": url + "/commits"},
                       "statuses": {"href": f"{repo_url}/statuses/{pull.head_sha}"}},
            "author_association": "CONTRIBUTOR", "auto_merge": None,
            "active_lock_reason": None, "merged": False, "mergeable": True,
            "rebaseable": True, "mergeable_state": "clean", "merged_by": None,
            "comments": len(pull.issue_comments), "review_comments": len(pull.review_comments),
            "maintainer_can_modify": False, "commits": len(pull.commits),
            "additions": sum(f.additions for f in pull.files),
            "deletions": sum(f.deletions for f in pull.files),
            "changed_files": len(pull.files)}

    def file(self, pull: PullRequest, change: FileChange) -> dict[str, Any]:
        web = f"{WEB}/{pull.repo.full_name}"
        shaped: dict[str, Any] = {
            "sha": change.sha, "filename": change.filename, "status": change.status,
            "additions": change.additions, "deletions": change.deletions,
            "changes": change.additions + change.deletions,
            "blob_url": f"{web}/blob/{pull.head_sha}/{change.filename}",
            "raw_url": f"{web}/raw/{pull.head_sha}/{change.filename}",
            "contents_url": f"{self.repo_url(pull.repo)}/contents/{change.filename}"
                            f"?ref={pull.head_sha}"}
        if change.patch is not None:
            shaped["patch"] = change.patch
        if change.previous_filename is not None:
            shaped["previous_filename"] = change.previous_filename
        return shaped

    def commit(self, pull: PullRequest, commit: PullCommit) -> dict[str, Any]:
        repo_url = self.repo_url(pull.repo)
        return {
            "sha": commit.sha, "node_id": f"C_{commit.sha[:12]}",
            "commit": {
                "author": {"name": commit.author or "Someone", "email": commit.author_email,
                           "date": commit.date},
                "committer": {"name": commit.committer or "Someone",
                              "email": commit.committer_email, "date": commit.date},
                "message": commit.message,
                "tree": {"sha": fake_sha("tree", commit.sha),
                         "url": f"{repo_url}/git/trees/{fake_sha('tree', commit.sha)}"},
                "url": f"{repo_url}/git/commits/{commit.sha}", "comment_count": 0,
                "verification": {"verified": False, "reason": "unsigned", "signature": None,
                                 "payload": None, "verified_at": None}},
            "url": f"{repo_url}/commits/{commit.sha}",
            "html_url": f"{WEB}/{pull.repo.full_name}/commit/{commit.sha}",
            "author": self.user(commit.author) if commit.author else None,
            "committer": self.user(commit.committer) if commit.committer else None,
            "parents": []}

    def review(self, pull: PullRequest, review: Review) -> dict[str, Any]:
        html = f"{WEB}/{pull.repo.full_name}/pull/{pull.number}#pullrequestreview-{review.id}"
        shaped: dict[str, Any] = {
            "id": review.id, "node_id": f"PRR_{review.id}",
            "user": self.user(review.user) if review.user else None,
            "body": review.body, "state": review.state, "html_url": html,
            "pull_request_url": self.pull_url(pull), "author_association": "MEMBER",
            "_links": {"html": {"href": html}, "pull_request": {"href": self.pull_url(pull)}},
            "commit_id": review.commit_id}
        if review.submitted_at is not None:          # GitHub omits it on pending reviews
            shaped["submitted_at"] = review.submitted_at
        return shaped

    def review_comment(self, pull: PullRequest, comment: ReviewComment) -> dict[str, Any]:
        url = f"{self.repo_url(pull.repo)}/pulls/comments/{comment.id}"
        html = f"{WEB}/{pull.repo.full_name}/pull/{pull.number}#discussion_r{comment.id}"
        shaped: dict[str, Any] = {
            "url": url, "pull_request_review_id": comment.review_id, "id": comment.id,
            "node_id": f"PRRC_{comment.id}", "diff_hunk": comment.diff_hunk,
            "path": comment.path, "commit_id": comment.commit_id,
            "original_commit_id": comment.commit_id, "user": self.user(comment.user),
            "body": comment.body, "created_at": comment.created_at,
            "updated_at": comment.updated_at, "html_url": html,
            "pull_request_url": self.pull_url(pull), "author_association": "NONE",
            "_links": {"self": {"href": url}, "html": {"href": html},
                       "pull_request": {"href": self.pull_url(pull)}},
            "start_line": comment.start_line, "original_start_line": comment.start_line,
            "start_side": comment.start_side, "line": comment.line,
            "original_line": comment.line, "side": comment.side,
            "original_position": comment.position, "position": comment.position,
            "subject_type": comment.subject_type}
        if comment.in_reply_to_id is not None:
            shaped["in_reply_to_id"] = comment.in_reply_to_id
        return shaped

    def issue_comment(self, pull: PullRequest, comment: IssueComment) -> dict[str, Any]:
        url = f"{self.repo_url(pull.repo)}/issues/comments/{comment.id}"
        return {"url": url,
                "html_url": f"{WEB}/{pull.repo.full_name}/pull/{pull.number}"
                            f"#issuecomment-{comment.id}",
                "issue_url": f"{self.repo_url(pull.repo)}/issues/{pull.number}",
                "id": comment.id, "node_id": f"IC_{comment.id}",
                "user": self.user(comment.user), "created_at": comment.created_at,
                "updated_at": comment.updated_at, "author_association": "NONE",
                "body": comment.body, "performed_via_github_app": None}

    # --- checks and statuses ------------------------------------------------------------
    def check_run(self, repo: Repository, run: CheckRun) -> dict[str, Any]:
        url = f"{self.repo_url(repo)}/check-runs/{run.id}"
        return {
            "id": run.id, "node_id": f"CR_{run.id}", "head_sha": run.head_sha,
            "external_id": run.external_id, "url": url,
            "html_url": f"{WEB}/{repo.full_name}/runs/{run.id}", "details_url": run.details_url,
            "status": run.status, "conclusion": run.conclusion, "started_at": run.started_at,
            "completed_at": run.completed_at,
            "output": {"title": run.output.get("title"), "summary": run.output.get("summary"),
                       "text": run.output.get("text"),
                       "annotations_count": len(run.annotations),
                       "annotations_url": url + "/annotations"},
            "name": run.name, "check_suite": {"id": run.id + 1},
            "app": {"id": 15368, "slug": "github-actions", "node_id": "MDM6QXBwMTUzNjg=",
                    "owner": self.user("github"), "name": "GitHub Actions",
                    "description": "Automate your workflow from idea to production",
                    "html_url": f"{WEB}/apps/github-actions",
                    "created_at": "2018-07-30T09:30:17Z", "updated_at": "2024-04-10T20:33:16Z",
                    "permissions": {"checks": "write", "metadata": "read"},
                    "events": ["check_run"]},
            "pull_requests": []}

    def annotation(self, repo: Repository, run: CheckRun,
                   annotation: dict[str, Any]) -> dict[str, Any]:
        return {"path": annotation["path"],
                "blob_href": f"{WEB}/{repo.full_name}/blob/{run.head_sha}/{annotation['path']}",
                "start_line": annotation["start_line"],
                "start_column": annotation.get("start_column"),
                "end_line": annotation["end_line"], "end_column": annotation.get("end_column"),
                "annotation_level": annotation["annotation_level"],
                "title": annotation.get("title"), "message": annotation["message"],
                "raw_details": annotation.get("raw_details")}

    def status(self, repo: Repository, status: CommitStatus) -> dict[str, Any]:
        return {"url": f"{self.repo_url(repo)}/statuses/{status.sha}",
                "avatar_url": None, "id": status.id, "node_id": f"SC_{status.id}",
                "state": status.state, "description": status.description,
                "target_url": status.target_url, "context": status.context,
                "created_at": status.created_at, "updated_at": status.created_at,
                "creator": self.user(status.creator)}


def error_body(status: int, message: str, documentation_url: str,
               errors: list[Any] | None = None) -> dict[str, Any]:
    """GitHub's error shape: message, optional errors, documentation_url, status as a string."""
    body: dict[str, Any] = {"message": message}
    if errors is not None:
        body["errors"] = errors
    body["documentation_url"] = documentation_url
    body["status"] = str(status)
    return body
