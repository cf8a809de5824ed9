# An Argo CD Application that auto-syncs with prune into production deletes live
# resources when a file disappears from git. That must be a decision: it needs the label
# policygate.dev/allow-auto-prune: "true".
package lib.argocd_prune_prod

production if contains(input.spec.destination.namespace, "prod")

production if input.metadata.labels.env == "prod"

production if input.metadata.labels.environment == "production"

deny contains {"msg": sprintf("Application %s auto-syncs with prune into production without the label policygate.dev/allow-auto-prune: \"true\"", [input.metadata.name]), "path": "spec.syncPolicy.automated.prune", "rule": "auto-prune"} if {
	input.kind == "Application"
	startswith(input.apiVersion, "argoproj.io/")
	input.spec.syncPolicy.automated.prune == true
	production
	object.get(input.metadata, ["labels", "policygate.dev/allow-auto-prune"], "") != "true"
}
