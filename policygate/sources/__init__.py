"""Where the files to check come from: the working tree, a git range, the index."""


class GitError(Exception):
    """A git problem; str() is a one-line message that says how to fix it."""
