# A Service of type NodePort or LoadBalancer opens the workload outside the cluster; it
# needs the label policygate.dev/allow-external: "true" to say that is intended.
package lib.service_exposure

external := {"NodePort", "LoadBalancer"}

deny contains {"msg": sprintf("Service %s is of type %s without the label policygate.dev/allow-external: \"true\"", [input.metadata.name, input.spec.type]), "path": "spec.type", "rule": "external"} if {
	input.kind == "Service"
	external[input.spec.type]
	object.get(input.metadata, ["labels", "policygate.dev/allow-external"], "") != "true"
}
