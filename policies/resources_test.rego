package lib.resources_test

import data.lib.resources

complete := {"requests": {"cpu": "100m", "memory": "64Mi"}, "limits": {"memory": "128Mi"}}

test_container_without_resources_gets_three_findings if {
	count(resources.deny) == 3 with input as {"kind": "Deployment", "metadata": {"name": "web"}, "spec": {"template": {"spec": {"containers": [{"name": "web"}]}}}}
}

test_complete_resources_pass if {
	count(resources.deny) == 0 with input as {"kind": "Deployment", "metadata": {"name": "web"}, "spec": {"template": {"spec": {"containers": [{"name": "web", "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}, "limits": {"memory": "128Mi"}}}]}}}}
}

test_missing_memory_limit_points_at_the_init_container if {
	results := resources.deny with input as {"kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [], "initContainers": [{"name": "init", "resources": {"requests": {"cpu": "1", "memory": "1Mi"}}}]}}
	count(results) == 1
	some result in results
	result.path == "spec.initContainers[0].resources"
}
