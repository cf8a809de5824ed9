"""Talking to GitHub through PyGithub: the client (api), PR facts (facts), and the
publishers of `policygate pr`:

- checks.py   the check run (annotations in batches of 50, conclusion, summary)
- status.py   a commit status, for tokens that cannot create check runs
- review.py   one PR review: line comments on the diff, file comments, the rest listed
- sticky.py   one summary comment, updated in place
Shared: publishing.py (PublishResult, the fallback contract), verdict.py (report ->
conclusion/state). What GitLab shares too (markers, diff-line map, review plan, comment
text, suggestions, head files) is in policygate.review.

Nothing here imports PyGithub at module import time: `policygate check` on the pre-commit
path never talks to GitHub and must not pay for loading it.
"""
