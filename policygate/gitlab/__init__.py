"""Talking to GitLab through python-gitlab (the optional extra `gitlab`), for `policygate mr`:

- api.py          the client (token, URL, bounded retries, paced writes) and one-line errors
- facts.py        the merge request's facts as the shared PullRequestContext; groups
- setup.py        the gate from the target commit, the groups the rules need
- contents.py     the target's files through the API when the clone lacks them
- discussions.py  findings as discussions on the diff's lines (review/ plans them)
- note.py         one summary note, updated in place
- status.py       a commit status on the head
- publishing.py   refusals, who we are, the MR's discussions, quick-action-safe text
- mr.py           the command: CI variables, run, publish, the job log and Code Quality file

Nothing here imports python-gitlab at module import time.
"""
