"""`spec.match`, field by field, with Gatekeeper's semantics: through `check` (commit-time
mode, where what the repository cannot tell is assumed to match and said so) and
directly against the matcher in strict mode (gator's answers, errors included)."""
from __future__ import annotations

import re

import pytest

from policygate.gatekeeper.cluster import build_cluster
from policygate.gatekeeper.match import MatchError, MatchSpecError, matches, parse_match
from tests.conftest import run_cli
from tests.gatekeeper.builders import FLAG, constraint, documents, obj, template

OBJECTS = {
    "namespaces.yaml": documents(obj("v1", "Namespace", "prod", labels={"env": "prod"}),
                                 obj("v1", "Namespace", "dev", labels={"env": "dev"})),
    "web.yaml": obj("apps/v1", "Deployment", "web", "prod", labels={"app": "web", "tier": "front"}),
    "api.yaml": obj("apps/v1", "Deployment", "api", "dev", labels={"app": "api"}),
    "debug.yaml": obj("v1", "Pod", "debug", "kube-system"),
    "svc.yaml": obj("v1", "Service", "web", "prod"),
    "role.yaml": obj("rbac.authorization.k8s.io/v1", "ClusterRole", "reader"),
    "orphan.yaml": obj("apps/v1", "Deployment", "orphan", labels={"app": "orphan"}),
}

ALL = {"Namespace/prod", "Namespace/dev", "Deployment/web", "Deployment/api", "Pod/debug",
       "Service/web", "ClusterRole/reader", "Deployment/orphan"}

# constraint name -> (spec.match, the objects it judges)
MATCHES = {
    "no-match-field": (None, ALL),
    "kinds-with-group": ({"kinds": [{"apiGroups": ["apps"], "kinds": ["Deployment"]}]},
                         {"Deployment/web", "Deployment/api", "Deployment/orphan"}),
    "kinds-any-group": ({"kinds": [{"apiGroups": ["*"], "kinds": ["Service", "ClusterRole"]}]},
                        {"Service/web", "ClusterRole/reader"}),
    "kinds-wrong-group": ({"kinds": [{"apiGroups": [""], "kinds": ["Deployment"]}]}, set()),
    # A Namespace is matched by its own name; objects without a namespace are not filtered.
    "namespaces-prefix": ({"namespaces": ["pro*"]},
                          {"Namespace/prod", "Deployment/web", "Service/web",
                           "ClusterRole/reader", "Deployment/orphan"}),
    "excluded-suffix-and-name": ({"excludedNamespaces": ["*-system", "dev"]},
                                 ALL - {"Namespace/dev", "Deployment/api", "Pod/debug"}),
    "match-labels": ({"labelSelector": {"matchLabels": {"app": "web"}}}, {"Deployment/web"}),
    "labels-in": ({"labelSelector": {"matchExpressions": [
        {"key": "app", "operator": "In", "values": ["web", "api"]}]}},
        {"Deployment/web", "Deployment/api"}),
    "labels-not-in": ({"labelSelector": {"matchExpressions": [
        {"key": "app", "operator": "NotIn", "values": ["web"]}]}}, ALL - {"Deployment/web"}),
    "labels-exists": ({"labelSelector": {"matchExpressions": [
        {"key": "tier", "operator": "Exists"}]}}, {"Deployment/web"}),
    "labels-does-not-exist": ({"labelSelector": {"matchExpressions": [
        {"key": "app", "operator": "DoesNotExist"}]}},
        {"Namespace/prod", "Namespace/dev", "Pod/debug", "Service/web", "ClusterRole/reader"}),
    # The object's Namespace from the checked files; the Namespace itself; cluster-scoped
    # objects are not filtered; an unknown namespace is assumed to match (see below).
    "namespace-selector": ({"namespaceSelector": {"matchLabels": {"env": "prod"}}},
                           {"Namespace/prod", "Deployment/web", "Service/web",
                            "ClusterRole/reader", "Pod/debug", "Deployment/orphan"}),
    "scope-cluster": ({"scope": "Cluster"},
                      {"Namespace/prod", "Namespace/dev", "ClusterRole/reader"}),
    # A Deployment without metadata.namespace gets one when applied: it is namespaced.
    "scope-namespaced": ({"scope": "Namespaced"},
                         {"Deployment/web", "Deployment/api", "Pod/debug", "Service/web",
                          "Deployment/orphan"}),
    "name-glob": ({"name": "we*"}, {"Deployment/web", "Service/web"}),
}


def test_each_match_field_selects_the_objects_gatekeeper_would(write):
    policy = documents(template("K8sFlag", FLAG), *[
        constraint("K8sFlag", name, match=match) for name, (match, _) in MATCHES.items()])
    root = write({"policy/flag.yaml": policy, **{f"objects/{n}": t for n, t in OBJECTS.items()}})
    run = run_cli("check", "--format", "json", "--select", "gatekeeper", "--gatekeeper",
                  "policy", "objects", cwd=root)
    assert run.exit_code == 1, run.stderr
    judged: dict[str, set[str]] = {name: set() for name in MATCHES}
    for finding in run.json()["findings"]:
        resource = finding["resource"]
        judged[finding["rule"].rpartition("/")[2]].add(f"{resource['kind']}/{resource['name']}")
    assert judged == {name: expected for name, (_, expected) in MATCHES.items()}
    assumed = sorted((f["file"], f["message"]) for f in run.json()["findings"]
                     if f["rule"] == "gatekeeper/K8sFlag/namespace-selector" and "assumed" in f["message"])
    assert assumed == [
        ("objects/debug.yaml", "flagged Pod/debug (Namespace 'kube-system' is not in the checked "
                               "files, so the namespaceSelector was assumed to select it)"),
        ("objects/orphan.yaml", "flagged Deployment/orphan (the object sets no namespace, so the "
                                "namespaceSelector was assumed to select it)")]


def test_custom_resource_scope_comes_from_its_definition_in_the_files(write):
    crd = {"group": "example.com", "scope": "Cluster",
           "names": {"kind": "Tenant", "plural": "tenants"}}
    root = write({"policy/flag.yaml": documents(
        template("K8sFlag", FLAG), constraint("K8sFlag", "cluster", match={"scope": "Cluster"}),
        constraint("K8sFlag", "namespaced", match={"scope": "Namespaced"})),
        "crd.yaml": obj("apiextensions.k8s.io/v1", "CustomResourceDefinition",
                        "tenants.example.com", spec=crd),
        "tenant.yaml": obj("example.com/v1", "Tenant", "acme"),
        "widget.yaml": obj("example.com/v1", "Widget", "w")})
    run = run_cli("check", "--format", "json", "--gatekeeper", "policy", "tenant.yaml",
                  "widget.yaml", "crd.yaml", "--select", "gatekeeper", cwd=root)
    judged = sorted((f["rule"], f["resource"]["kind"]) for f in run.json()["findings"])
    # A kind nobody declares, without a namespace, could be either: both constraints apply.
    assert judged == [("gatekeeper/K8sFlag/cluster", "CustomResourceDefinition"),
                      ("gatekeeper/K8sFlag/cluster", "Tenant"),
                      ("gatekeeper/K8sFlag/cluster", "Widget"),
                      ("gatekeeper/K8sFlag/namespaced", "Widget")]


# ------------------------------------------------------------------ strict (gator) mode

def _target(data: dict, namespaces: tuple[dict, ...] = ()):
    return build_cluster(list(namespaces), with_inventory=False).target(data, know_scope=False)


POD = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "shop"}}
ORPHAN = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}}
SHOP = {"apiVersion": "v1", "kind": "Namespace",
        "metadata": {"name": "shop", "labels": {"env": "prod"}}}


def test_strict_namespace_selector_needs_the_namespace_like_gator():
    match = parse_match({"namespaceSelector": {"matchLabels": {"env": "prod"}}})
    with pytest.raises(MatchError, match="missing Namespace 'shop'"):
        matches(match, _target(POD), strict=True)
    assert matches(match, _target(POD, (SHOP,)), strict=True).matched
    other = dict(SHOP, metadata={"name": "shop", "labels": {"env": "dev"}})
    assert not matches(match, _target(POD, (other,)), strict=True).matched


def test_strict_mode_treats_objects_without_namespace_as_cluster_scoped_like_gator():
    assert matches(parse_match({"scope": "Cluster"}), _target(ORPHAN), strict=True).matched
    assert not matches(parse_match({"scope": "Namespaced"}), _target(ORPHAN), strict=True).matched
    assert matches(parse_match({"namespaceSelector": {"matchLabels": {"a": "b"}}}),
                   _target(ORPHAN), strict=True).matched


def test_generated_source_never_matches_objects_as_written():
    assert not matches(parse_match({"source": "Generated"}), _target(POD), strict=True).matched
    assert matches(parse_match({"source": "Original"}), _target(POD), strict=True).matched


@pytest.mark.parametrize(("match", "path", "message"), [
    ({"namespaces": ["Kube_System"]}, ("namespaces", 0), "is not a name or a glob"),
    ({"excludedNamespaces": ["a*b"]}, ("excludedNamespaces", 0), "is not a name or a glob"),
    ({"labelSelector": {"matchExpressions": [{"key": "a", "operator": "In"}]}},
     ("labelSelector", "matchExpressions", 0, "values"), "needs at least one value"),
    ({"labelSelector": {"matchExpressions": [{"key": "a", "operator": "Exists",
                                              "values": ["x"]}]}},
     ("labelSelector", "matchExpressions", 0, "values"), "takes no values"),
    ({"namespaceSelector": {"matchExpressions": [{"key": "a", "operator": "Equals"}]}},
     ("namespaceSelector", "matchExpressions", 0, "operator"), "is not one of In, NotIn"),
    ({"scope": "cluster"}, ("scope",), "is not one of *, Cluster, Namespaced"),
    ({"kinds": "Pod"}, ("kinds",), "must be a list"),
    ({"namespace": ["a"]}, ("namespace",), "unknown field 'namespace'"),
])
def test_match_fields_the_api_server_would_refuse_are_errors(match, path, message):
    with pytest.raises(MatchSpecError, match=re.escape(message)) as error:
        parse_match(match)
    assert error.value.path == path
