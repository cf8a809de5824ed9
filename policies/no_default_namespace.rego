# Nothing is deployed into the `default` namespace: it has no owner, no quota and no
# network policy of its own.
package lib.no_default_namespace

deny contains {"msg": sprintf("%s/%s is in the default namespace; give it its team's namespace", [input.kind, input.metadata.name]), "path": "metadata.namespace"} if {
	input.metadata.namespace == "default"
}
