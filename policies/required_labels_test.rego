package lib.required_labels_test

import data.lib.required_labels

test_deployment_without_team_label_is_denied if {
	results := required_labels.deny with input as {"kind": "Deployment", "metadata": {"name": "web", "labels": {"app.kubernetes.io/name": "web"}}}
	count(results) == 1
	some result in results
	result.msg == "Deployment/web has no \"team\" label"
}

test_labelled_deployment_passes if {
	count(required_labels.deny) == 0 with input as {"kind": "Deployment", "metadata": {"name": "web", "labels": {"app.kubernetes.io/name": "web", "team": "shop"}}}
}

test_configmap_is_not_checked if {
	count(required_labels.deny) == 0 with input as {"kind": "ConfigMap", "metadata": {"name": "cfg"}}
}

test_labels_come_from_data if {
	count(required_labels.deny) == 1 with input as {"kind": "Service", "metadata": {"name": "web", "labels": {"app.kubernetes.io/name": "web", "team": "shop"}}}
		with data.library.required_labels.labels as ["tier"]
}
