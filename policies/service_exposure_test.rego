package lib.service_exposure_test

import data.lib.service_exposure

test_loadbalancer_without_label_is_denied if {
	count(service_exposure.deny) == 1 with input as {"kind": "Service", "metadata": {"name": "web"}, "spec": {"type": "LoadBalancer"}}
}

test_nodeport_with_allow_label_passes if {
	count(service_exposure.deny) == 0 with input as {"kind": "Service", "metadata": {"name": "web", "labels": {"policygate.dev/allow-external": "true"}}, "spec": {"type": "NodePort"}}
}

test_clusterip_passes if {
	count(service_exposure.deny) == 0 with input as {"kind": "Service", "metadata": {"name": "web"}, "spec": {"type": "ClusterIP"}}
}
