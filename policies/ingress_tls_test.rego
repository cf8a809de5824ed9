package lib.ingress_tls_test

import data.lib.ingress_tls

test_ingress_without_tls_is_denied if {
	count(ingress_tls.deny) == 1 with input as {"kind": "Ingress", "metadata": {"name": "web"}, "spec": {"rules": [{"host": "shop.example.com"}]}}
}

test_uncovered_host_is_denied if {
	results := ingress_tls.deny with input as {"kind": "Ingress", "metadata": {"name": "web"}, "spec": {"tls": [{"hosts": ["a.example.com"]}], "rules": [{"host": "a.example.com"}, {"host": "b.example.com"}]}}
	count(results) == 1
	some result in results
	result.path == "spec.rules[1].host"
}

test_covered_hosts_pass if {
	count(ingress_tls.deny) == 0 with input as {"kind": "Ingress", "metadata": {"name": "web"}, "spec": {"tls": [{"hosts": ["a.example.com"], "secretName": "a-tls"}], "rules": [{"host": "a.example.com"}]}}
}
