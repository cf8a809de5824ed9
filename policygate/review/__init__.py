"""What both code-review platforms share (GitHub pull requests, GitLab merge requests):

- markers.py       hidden markers that let a re-run find what earlier runs posted
- diffmap.py       which head lines a line comment may go on
- review_plan.py   where each finding goes, what is edited, what is stale
- comment_text.py  the Markdown of a finding's comment (every untrusted part escaped)
- suggestions.py   one-click fixes, only when provably correct
- headfiles.py     the head's file bytes, for suggestions

Nothing here talks to a platform; github/ and gitlab/ carry the plans out.
"""
