package lib.no_default_namespace_test

import data.lib.no_default_namespace

test_default_namespace_is_denied if {
	count(no_default_namespace.deny) == 1 with input as {"kind": "Service", "metadata": {"name": "web", "namespace": "default"}}
}

test_team_namespace_passes if {
	count(no_default_namespace.deny) == 0 with input as {"kind": "Service", "metadata": {"name": "web", "namespace": "shop"}}
}
