# RBAC rules name their verbs and resources: a `*` grants everything, including what
# future API versions add.
package lib.rbac_wildcards

kinds := {"Role", "ClusterRole"}

deny contains {"msg": sprintf("%s %s grants %s \"*\" in rule %d", [input.kind, input.metadata.name, field, i + 1]), "path": sprintf("rules[%d].%s", [i, field]), "rule": field} if {
	kinds[input.kind]
	some i, rule in input.rules
	some field in ["verbs", "resources"]
	some value in object.get(rule, field, [])
	value == "*"
}
