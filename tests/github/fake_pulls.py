"""Fake GitHub endpoints of pull requests: facts, reviews, review and issue comments.

Validation messages marked "verbatim" are GitHub's own (from recorded responses and
public bug reports); the others keep GitHub's shape with a plausible text.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.github.fake_api import (ApiError, Call, Response, created, paginate, route,
                                   to_sentence)
from tests.github.fake_diff import hunk_index
from tests.github.fake_state import IssueComment, PullRequest, Review, ReviewComment

PULL_FILES_CAP = 3000          # GitHub lists at most 3,000 files of a pull request
PULL_COMMITS_CAP = 250         # ... and at most 250 of its commits


@route("GET", "/repos/{owner}/{repo}/pulls/{number}", "pulls.get",
       "pull_requests=read; contents=read", "pulls/pulls#get-a-pull-request")
def get_pull(call: Call) -> Response:
    return Response(200, call.shapes.pull(call.pull()))


@route("GET", "/repos/{owner}/{repo}/pulls/{number}/files", "pulls.files",
       "pull_requests=read", "pulls/pulls#list-pull-requests-files")
def list_files(call: Call) -> Response:
    pull = call.pull()
    return paginate(call, pull.files, lambda f: call.shapes.file(pull, f), cap=PULL_FILES_CAP)


@route("GET", "/repos/{owner}/{repo}/pulls/{number}/commits", "pulls.commits",
       "pull_requests=read", "pulls/pulls#list-commits-on-a-pull-request")
def list_commits(call: Call) -> Response:
    pull = call.pull()
    return paginate(call, pull.commits, lambda c: call.shapes.commit(pull, c),
                    cap=PULL_COMMITS_CAP)


@route("GET", "/repos/{owner}/{repo}/pulls/{number}/reviews", "pulls.reviews",
       "pull_requests=read", "pulls/reviews#list-reviews-for-a-pull-request")
def list_reviews(call: Call) -> Response:
    pull = call.pull()
    return paginate(call, pull.reviews, lambda r: call.shapes.review(pull, r))


@route("GET", "/repos/{owner}/{repo}/pulls/{number}/reviews/{review_id}", "pulls.review",
       "pull_requests=read", "pulls/reviews#get-a-review-for-a-pull-request")
def get_review(call: Call) -> Response:
    pull = call.pull()
    return Response(200, call.shapes.review(pull, _review(pull, call.params["review_id"])))


def _review(pull: PullRequest, review_id: str) -> Review:
    review = next((r for r in pull.reviews if str(r.id) == review_id), None)
    if review is None:
        raise ApiError(404, "Not Found")
    return review


# --- pull requests: reviews and review comments ----------------------------------------------
# problem -> (sentence in a review's 422, field error of a single comment); verbatim except
# "start_order" of a single comment and the "path" field error.
THREAD_PROBLEMS = {
    "path": ("Pull request review thread path is invalid",
             {"resource": "PullRequestReviewComment", "code": "invalid",
              "field": "pull_request_review_thread.path"}),
    "line": ("Pull request review thread line must be part of the diff",
             {"resource": "PullRequestReviewComment", "code": "custom",
              "field": "pull_request_review_thread.line",
              "message": "pull_request_review_thread.line must be part of the diff"}),
    "start_order": ("Pull request review thread start line must precede the end line.",
                    {"resource": "PullRequestReviewComment", "code": "custom",
                     "field": "pull_request_review_thread.start_line",
                     "message": "pull_request_review_thread.start_line must precede the end "
                                "line."}),
    "start_hunk": ("Pull request review thread start line must be part of the same hunk as "
                   "the line.",
                   {"resource": "PullRequestReviewComment", "code": "custom",
                    "field": "pull_request_review_thread.start_line",
                    "message": "pull_request_review_thread.start_line must be part of the "
                               "same hunk as the line."}),
    "diff_hunk": ("Pull request review thread diff hunk can't be blank",
                  {"resource": "PullRequestReviewComment", "code": "missing_field",
                   "field": "pull_request_review_thread.diff_hunk"}),
}


@dataclass
class Placement:
    """Where a valid comment lands in the diff."""
    line: int | None
    side: str | None
    start_line: int | None
    start_side: str | None
    diff_hunk: str
    position: int | None


def place_comment(pull: PullRequest, comment: dict[str, Any], *, file_level: bool = False
                  ) -> tuple[Placement | None, list[str]]:
    """Check a comment against the file's hunks the way GitHub does (verbatim messages)."""
    change = pull.file(str(comment.get("path", "")))
    if change is None:
        return None, ["path", "diff_hunk"]
    if file_level:
        return Placement(None, None, None, None, "", None), []
    hunks = change.hunks
    line, side = comment.get("line"), comment.get("side") or "RIGHT"
    if line is None and comment.get("position") is not None:
        return _place_by_position(change.hunks, int(comment["position"]))
    index = hunk_index(hunks, line, side) if isinstance(line, int) else None
    if index is None:
        return None, ["line", "diff_hunk"]
    problems = []
    start_line = comment.get("start_line")
    start_side = comment.get("start_side") or (side if start_line is not None else None)
    if start_line is not None:
        if not isinstance(start_line, int) or start_line >= line and start_side == side:
            problems.append("start_order")
        elif hunk_index(hunks, start_line, start_side) != index:
            problems.append("start_hunk")
    if problems:
        return None, problems
    hunk = hunks[index]
    return Placement(line, side, start_line, start_side, hunk.excerpt(line, side),
                     hunk.diff_position(line, side)), []


def _place_by_position(hunks: tuple[Any, ...], position: int
                       ) -> tuple[Placement | None, list[str]]:
    for hunk in hunks:
        offset = position - hunk.position - 1
        if 0 <= offset < len(hunk.lines):
            for side, numbers in (("RIGHT", hunk.right), ("LEFT", hunk.left)):
                line = next((n for n, i in numbers.items() if i == offset), None)
                if line is not None:
                    return Placement(line, side, None, None, hunk.excerpt(line, side),
                                     position), []
    return None, ["line", "diff_hunk"]


REVIEW_EVENTS = {"APPROVE": "APPROVED", "REQUEST_CHANGES": "CHANGES_REQUESTED",
                 "COMMENT": "COMMENTED", None: "PENDING"}


@route("POST", "/repos/{owner}/{repo}/pulls/{number}/reviews", "pulls.create_review",
       "pull_requests=write", "pulls/reviews#create-a-review-for-a-pull-request")
def create_review(call: Call) -> Response:
    """A review with its comments, all or nothing: one bad comment rejects the review."""
    pull, event = call.pull(), call.arg("event")
    if event not in REVIEW_EVENTS:
        raise ApiError(422, "Unprocessable Entity", errors=[f"Event {event!r} is not valid"])
    if event == "APPROVE" and call.login == pull.author:
        raise ApiError(422, "Unprocessable Entity",                      # verbatim
                       errors=["Can not approve your own pull request"])
    if event == "REQUEST_CHANGES" and call.login == pull.author:
        raise ApiError(422, "Unprocessable Entity",
                       errors=["Can not request changes on your own pull request"])
    comments = call.arg("comments") or []
    problems: list[str] = []
    placements = []
    for comment in comments:
        placement, found = place_comment(pull, comment)
        placements.append(placement)
        problems += [p for p in found if p not in problems]
    if problems:
        order = list(THREAD_PROBLEMS)
        sentences = [THREAD_PROBLEMS[p][0] for p in sorted(problems, key=order.index)]
        raise ApiError(422, "Unprocessable Entity", errors=[to_sentence(sentences)])
    commit_id = call.arg("commit_id") or pull.head_sha
    state = REVIEW_EVENTS[event]
    review = Review(call.hub.next_id(), call.login, state, call.arg("body") or "", commit_id,
                    None if state == "PENDING" else call.hub.clock.tick())
    pull.reviews.append(review)
    for comment, placement in zip(comments, placements):
        assert placement is not None
        pull.review_comments.append(_new_comment(call, pull, comment, placement, review.id,
                                                 commit_id))
    return Response(200, call.shapes.review(pull, review))


def _new_comment(call: Call, pull: PullRequest, comment: dict[str, Any], placement: Placement,
                 review_id: int | None, commit_id: str, *, subject_type: str = "line",
                 in_reply_to: int | None = None) -> ReviewComment:
    now = call.hub.clock.tick()
    return ReviewComment(call.hub.next_id(), review_id, call.login, str(comment.get("body", "")),
                         str(comment["path"]), commit_id, placement.line, placement.side,
                         placement.start_line, placement.start_side, subject_type, in_reply_to,
                         placement.diff_hunk, placement.position, now, now)


@route("PUT", "/repos/{owner}/{repo}/pulls/{number}/reviews/{review_id}/dismissals",
       "pulls.dismiss_review", "pull_requests=write",
       "pulls/reviews#dismiss-a-review-for-a-pull-request")
def dismiss_review(call: Call) -> Response:
    pull = call.pull()
    review = _review(pull, call.params["review_id"])
    if not call.arg("message"):
        raise ApiError(422, "Invalid request.\n\n\"message\" wasn't supplied.")
    if review.state not in ("APPROVED", "CHANGES_REQUESTED"):
        raise ApiError(422, "Can not dismiss a commented pull request review")
    review.state = "DISMISSED"
    return Response(200, call.shapes.review(pull, review))


@route("GET", "/repos/{owner}/{repo}/pulls/{number}/comments", "pulls.review_comments",
       "pull_requests=read", "pulls/comments#list-review-comments-on-a-pull-request")
def list_review_comments(call: Call) -> Response:
    pull = call.pull()
    return paginate(call, pull.review_comments, lambda c: call.shapes.review_comment(pull, c))


@route("POST", "/repos/{owner}/{repo}/pulls/{number}/comments", "pulls.create_review_comment",
       "pull_requests=write", "pulls/comments#create-a-review-comment-for-a-pull-request")
def create_review_comment(call: Call) -> Response:
    """One comment outside a review: on lines, on the whole file, or a reply in a thread."""
    pull = call.pull()
    if not call.arg("body"):
        raise ApiError(422, "Validation Failed", errors=[
            {"resource": "PullRequestReviewComment", "code": "missing_field", "field": "body"}])
    reply_to = call.arg("in_reply_to")
    if reply_to is not None:
        parent = next((c for c in pull.review_comments if c.id == reply_to), None)
        if parent is None:
            raise ApiError(404, "Not Found")
        placement = Placement(parent.line, parent.side, parent.start_line, parent.start_side,
                              parent.diff_hunk, parent.position)
        comment = _new_comment(call, pull, {"body": call.arg("body"), "path": parent.path},
                               placement, None, parent.commit_id,
                               subject_type=parent.subject_type, in_reply_to=parent.id)
    else:
        subject_type = call.arg("subject_type") or "line"
        placement, problems = place_comment(pull, call.body, file_level=subject_type == "file")
        if placement is None:
            order = list(THREAD_PROBLEMS)
            raise ApiError(422, "Validation Failed", errors=[
                THREAD_PROBLEMS[p][1] for p in sorted(problems, key=order.index)])
        comment = _new_comment(call, pull, call.body, placement, None,
                               call.arg("commit_id") or pull.head_sha,
                               subject_type=subject_type)
    pull.review_comments.append(comment)
    return created(call.shapes.review_comment(pull, comment))


@route("POST", "/repos/{owner}/{repo}/pulls/{number}/comments/{comment_id}/replies",
       "pulls.reply_review_comment", "pull_requests=write",
       "pulls/comments#create-a-reply-for-a-review-comment")
def reply_review_comment(call: Call) -> Response:
    call.body = {"body": call.arg("body"), "in_reply_to": int(call.params["comment_id"])}
    return create_review_comment(call)


def _review_comment(call: Call) -> tuple[PullRequest, ReviewComment]:
    found = call.hub.find_review_comment(call.repo(), int(call.params["comment_id"]))
    if found is None:
        raise ApiError(404, "Not Found")
    return found


@route("GET", "/repos/{owner}/{repo}/pulls/comments/{comment_id}", "pulls.get_review_comment",
       "pull_requests=read", "pulls/comments#get-a-review-comment-for-a-pull-request")
def get_review_comment(call: Call) -> Response:
    pull, comment = _review_comment(call)
    return Response(200, call.shapes.review_comment(pull, comment))


@route("PATCH", "/repos/{owner}/{repo}/pulls/comments/{comment_id}",
       "pulls.update_review_comment", "pull_requests=write",
       "pulls/comments#update-a-review-comment-for-a-pull-request")
def update_review_comment(call: Call) -> Response:
    pull, comment = _review_comment(call)
    if not call.arg("body"):
        raise ApiError(422, "Invalid request.\n\n\"body\" wasn't supplied.")
    comment.body, comment.updated_at = call.arg("body"), call.hub.clock.tick()
    return Response(200, call.shapes.review_comment(pull, comment))


@route("DELETE", "/repos/{owner}/{repo}/pulls/comments/{comment_id}",
       "pulls.delete_review_comment", "pull_requests=write",
       "pulls/comments#delete-a-review-comment-for-a-pull-request")
def delete_review_comment(call: Call) -> Response:
    pull, comment = _review_comment(call)
    pull.review_comments.remove(comment)
    return Response(204)


# --- issue comments (the sticky summary comment) ----------------------------------------------
@route("GET", "/repos/{owner}/{repo}/issues/{number}/comments", "issues.comments",
       "issues=read; pull_requests=read", "issues/comments#list-issue-comments")
def list_issue_comments(call: Call) -> Response:
    pull = call.pull()
    return paginate(call, pull.issue_comments, lambda c: call.shapes.issue_comment(pull, c))


@route("POST", "/repos/{owner}/{repo}/issues/{number}/comments", "issues.create_comment",
       "issues=write; pull_requests=write", "issues/comments#create-an-issue-comment")
def create_issue_comment(call: Call) -> Response:
    pull = call.pull()
    body = _comment_body(call)
    now = call.hub.clock.tick()
    comment = IssueComment(call.hub.next_id(), call.login, body, now, now)
    pull.issue_comments.append(comment)
    return created(call.shapes.issue_comment(pull, comment))


def _comment_body(call: Call) -> str:
    body = call.arg("body")
    if not isinstance(body, str) or not body:
        raise ApiError(422, "Invalid request.\n\n\"body\" wasn't supplied.")
    if len(body) > 65536:
        raise ApiError(422, "Validation Failed", errors=[
            {"resource": "IssueComment", "code": "custom", "field": "body",
             "message": "body is too long (maximum is 65536 characters)"}])
    return body


def _issue_comment(call: Call) -> tuple[PullRequest, IssueComment]:
    found = call.hub.find_issue_comment(call.repo(), int(call.params["comment_id"]))
    if found is None:
        raise ApiError(404, "Not Found")
    return found


@route("GET", "/repos/{owner}/{repo}/issues/comments/{comment_id}", "issues.get_comment",
       "issues=read; pull_requests=read", "issues/comments#get-an-issue-comment")
def get_issue_comment(call: Call) -> Response:
    pull, comment = _issue_comment(call)
    return Response(200, call.shapes.issue_comment(pull, comment))


@route("PATCH", "/repos/{owner}/{repo}/issues/comments/{comment_id}", "issues.update_comment",
       "issues=write; pull_requests=write", "issues/comments#update-an-issue-comment")
def update_issue_comment(call: Call) -> Response:
    pull, comment = _issue_comment(call)
    comment.body, comment.updated_at = _comment_body(call), call.hub.clock.tick()
    return Response(200, call.shapes.issue_comment(pull, comment))


@route("DELETE", "/repos/{owner}/{repo}/issues/comments/{comment_id}", "issues.delete_comment",
       "issues=write; pull_requests=write", "issues/comments#delete-an-issue-comment")
def delete_issue_comment(call: Call) -> Response:
    pull, comment = _issue_comment(call)
    pull.issue_comments.remove(comment)
    return Response(204)
