from __future__ import annotations

import pytest

from tests.rules.pss_cases import WRAPPERS, as_pod
from tests.conftest import assert_clean
from tests.rules.pss_helpers import RESTRICTED, assert_marked, run_rule

RULE = "pss/volume-types"

VIOLATING = """
containers:
  - name: web
    image: nginx:1.27
volumes:
  - name: share
    nfs:  # <- pss/volume-types
      server: nfs.example.com
      path: /exports
  - name: source
    gitRepo: {repository: "https://example.com/repo.git"}  # <- pss/volume-types @gitRepo
  - name: logs
    hostPath:
      path: /var/log
  - name: cache
    emptyDir: {}
"""

COMPLIANT = """
containers:
  - name: web
    image: nginx:1.27
volumes:
  - {name: a, configMap: {name: web}}
  - {name: b, csi: {driver: secrets-store.csi.k8s.io}}
  - {name: c, downwardAPI: {items: []}}
  - {name: d, emptyDir: {}}
  - name: e
    ephemeral:
      volumeClaimTemplate:
        spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
  - {name: f, persistentVolumeClaim: {claimName: data}}
  - {name: g, projected: {sources: []}}
  - {name: h, secret: {secretName: tls}}
  - {name: i, image: {reference: "quay.io/crio/artifact:v1", pullPolicy: IfNotPresent}}
  # The API server defaults a volume without a source to emptyDir (an unknown key such as
  # `emptydir` is dropped first): the conformance fixtures' "implicit empty dir".
  - name: nothing
  - name: typo
    emptydir: {}
  - {name: unset, nfs: null}
"""

# A volume without a name is named by its index; a source that is not an object is no source.
UNNAMED_AND_UNSET = """
containers:
  - name: web
    image: nginx:1.27
volumes:
  - {name: ok, emptyDir: {}}
  - {nfs: {server: nfs.example.com, path: /}}  # <- pss/volume-types @nfs
  - {name: weird, nfs: "text"}  # <- pss/volume-types @{
"""


def test_unnamed_volumes_and_sources_that_are_not_objects(write):
    text = as_pod(UNNAMED_AND_UNSET)
    findings = assert_marked(run_rule(write, text, RULE, *RESTRICTED), text)
    assert [(f["path"], f["message"].split(":")[0]) for f in findings] == [
        ("spec.volumes[1].nfs", 'volume "#1" uses restricted volume type "nfs"'),
        ("spec.volumes[2]", 'volume "weird" has no allowed volume source (unknown or missing '
                            'type)')]


@pytest.mark.parametrize("kind", WRAPPERS)
def test_restricted_volume_types_are_errors_at_the_source(write, kind):
    text = WRAPPERS[kind](VIOLATING)
    findings = assert_marked(run_rule(write, text, RULE, *RESTRICTED), text)
    assert not any("hostPath" in f["path"] for f in findings)
    assert any(f["message"].startswith('volume "share" uses restricted volume type "nfs"')
               for f in findings)


@pytest.mark.parametrize("kind", WRAPPERS)
def test_allowed_volume_types_pass(write, kind):
    assert_clean(run_rule(write, WRAPPERS[kind](COMPLIANT), RULE, *RESTRICTED))


def test_image_volumes_are_allowed_at_every_pinned_version(write):
    text = as_pod(COMPLIANT)
    assert_clean(run_rule(write, text, RULE, *RESTRICTED, "--pss-version", "v1.25"))


def test_is_a_warning_below_restricted(write):
    text = as_pod(VIOLATING)
    assert_marked(run_rule(write, text, RULE), text, severity="warning")
    assert_clean(run_rule(write, text, RULE, "--pss-warn-level", "none"))
