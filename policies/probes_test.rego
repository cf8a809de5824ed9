package lib.probes_test

import data.lib.probes

test_deployment_without_probes_is_denied_twice if {
	count(probes.deny) == 2 with input as {"kind": "Deployment", "metadata": {"name": "web"}, "spec": {"template": {"spec": {"containers": [{"name": "web"}]}}}}
}

test_deployment_with_probes_passes if {
	count(probes.deny) == 0 with input as {"kind": "Deployment", "metadata": {"name": "web"}, "spec": {"template": {"spec": {"containers": [{"name": "web", "livenessProbe": {"httpGet": {"path": "/healthz", "port": 8080}}, "readinessProbe": {"httpGet": {"path": "/ready", "port": 8080}}}]}}}}
}

test_jobs_need_no_probes if {
	count(probes.deny) == 0 with input as {"kind": "Job", "metadata": {"name": "migrate"}, "spec": {"template": {"spec": {"containers": [{"name": "migrate"}]}}}}
}
