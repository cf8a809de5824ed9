# Shared helpers of the policygate library: where a workload keeps its pod spec.
# Loaded automatically with any library policy.
package lib.workloads

template_kinds := {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "ReplicationController"}

# The pod spec of a workload and the field path to it (for exact line numbers).
pod := {"spec": input.spec, "path": "spec"} if input.kind == "Pod"

pod := {"spec": input.spec.template.spec, "path": "spec.template.spec"} if template_kinds[input.kind]

pod := {"spec": input.spec.jobTemplate.spec.template.spec, "path": "spec.jobTemplate.spec.template.spec"} if {
	input.kind == "CronJob"
}

# Every container (init containers too) with its path: {"container", "path", "init"}.
containers contains {"container": container, "path": sprintf("%s.%s[%d]", [pod.path, field, i]), "init": field == "initContainers"} if {
	some field in ["containers", "initContainers"]
	some i, container in pod.spec[field]
}

# The object's name for messages: Kind/name.
name := sprintf("%s/%s", [input.kind, object.get(input, ["metadata", "name"], "<unnamed>")])
