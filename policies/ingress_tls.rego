# An Ingress serves its hosts over TLS: it has a `tls` section covering every host.
package lib.ingress_tls

deny contains {"msg": sprintf("Ingress %s has no tls section", [input.metadata.name]), "path": "spec", "rule": "missing"} if {
	input.kind == "Ingress"
	count(object.get(input.spec, "tls", [])) == 0
}

deny contains {"msg": sprintf("Ingress %s serves host %s without TLS", [input.metadata.name, rule.host]), "path": sprintf("spec.rules[%d].host", [i]), "rule": "host"} if {
	input.kind == "Ingress"
	count(object.get(input.spec, "tls", [])) > 0
	some i, rule in input.spec.rules
	covered := {host | some entry in input.spec.tls; some host in object.get(entry, "hosts", [])}
	not covered[rule.host]
}
