"""The files a state of the repository holds for what is read beyond the checked files
(`from_repo` policies, a diff's cluster): a full check's files, read from git objects — a
chart's templates are Go templates, never read as YAML. A real git repository."""
from __future__ import annotations

from policygate.gatekeeper.repo import GitFiles
from tests.sources.gitrepo import Repo

MANIFEST = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n"


def test_a_commits_files_leave_out_chart_templates_only(tmp_path):
    repo = Repo(tmp_path / "repo")
    head = repo.commit({
        "deploy/config.yaml": MANIFEST,
        "charts/web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 1.0.0\n",
        "charts/web/values.yaml": "replicas: 1\n",
        "charts/web/templates/config.yaml": MANIFEST,
        "charts/web/templates/nested/more.yaml": MANIFEST,
        # Not a chart: a directory named templates without a Chart.yaml above it.
        "kit/templates/config.yaml": MANIFEST,
        # A chart in a folder a full check never enters: its files are not read either.
        "node_modules/pkg/Chart.yaml": "apiVersion: v2\nname: pkg\nversion: 1.0.0\n",
        "node_modules/pkg/templates/config.yaml": MANIFEST})
    assert GitFiles(repo.root, head, (), ()).names() == [
        "charts/web/Chart.yaml", "charts/web/values.yaml", "deploy/config.yaml",
        "kit/templates/config.yaml"]
    # The chart at the repository's root: every templates/ file below it is left out.
    root_chart = repo.commit({"Chart.yaml": "apiVersion: v2\nname: top\nversion: 1.0.0\n",
                              "templates/top.yaml": MANIFEST})
    assert GitFiles(repo.root, root_chart, (), ()).names() == [
        "Chart.yaml", "charts/web/Chart.yaml", "charts/web/values.yaml",
        "deploy/config.yaml", "kit/templates/config.yaml"]
