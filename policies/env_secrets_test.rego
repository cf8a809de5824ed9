package lib.env_secrets_test

import data.lib.env_secrets

test_plain_password_is_denied if {
	results := env_secrets.deny with input as {"kind": "Pod", "metadata": {"name": "db"}, "spec": {"containers": [{"name": "db", "env": [{"name": "DB_PASSWORD", "value": "hunter2"}]}]}}
	count(results) == 1
	some result in results
	result.path == "spec.containers[0].env[0].value"
}

test_secret_reference_passes if {
	count(env_secrets.deny) == 0 with input as {"kind": "Pod", "metadata": {"name": "db"}, "spec": {"containers": [{"name": "db", "env": [{"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}}]}]}}
}

test_ordinary_values_pass if {
	count(env_secrets.deny) == 0 with input as {"kind": "Pod", "metadata": {"name": "db"}, "spec": {"containers": [{"name": "db", "env": [{"name": "LOG_LEVEL", "value": "debug"}]}]}}
}
