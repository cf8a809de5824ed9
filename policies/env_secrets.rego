# Secrets are not written as plain environment values in manifests (where git history
# keeps them forever): reference a Secret with valueFrom.secretKeyRef.
package lib.env_secrets

import data.lib.workloads

secret_words := ["PASSWORD", "PASSWD", "SECRET", "TOKEN", "API_KEY", "APIKEY", "PRIVATE_KEY", "CREDENTIAL"]

deny contains {"msg": sprintf("container \"%s\" of %s sets %s as a plain value; use valueFrom.secretKeyRef", [item.container.name, workloads.name, variable.name]), "path": sprintf("%s.env[%d].value", [item.path, j]), "rule": "plain-value"} if {
	some item in workloads.containers
	some j, variable in item.container.env
	variable.value != ""
	name := upper(variable.name)
	some word in secret_words
	contains(name, word)
}
