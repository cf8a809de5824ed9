package lib.rbac_wildcards_test

import data.lib.rbac_wildcards

test_wildcard_verbs_and_resources_are_denied if {
	count(rbac_wildcards.deny) == 2 with input as {"kind": "ClusterRole", "metadata": {"name": "admin"}, "rules": [{"apiGroups": [""], "resources": ["*"], "verbs": ["*"]}]}
}

test_named_verbs_pass if {
	count(rbac_wildcards.deny) == 0 with input as {"kind": "Role", "metadata": {"name": "reader"}, "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]}]}
}
