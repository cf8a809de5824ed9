# Every workload, Service and Ingress carries the labels the team relies on to find its
# owner. The labels are configurable: --data with {"library": {"required_labels":
# {"labels": ["app.kubernetes.io/name", "team"]}}}.
package lib.required_labels

import data.lib.workloads

default required := ["app.kubernetes.io/name", "team"]

required := data.library.required_labels.labels

kinds := workloads.template_kinds | {"Pod", "CronJob", "Service", "Ingress"}

deny contains {"msg": sprintf("%s has no \"%s\" label", [workloads.name, label]), "path": "metadata.labels", "rule": "missing"} if {
	kinds[input.kind]
	some label in required
	not input.metadata.labels[label]
}
