# Long-running containers have liveness and readiness probes, so Kubernetes restarts a
# hung process and sends no traffic to a pod that is not ready. Jobs are exempt.
package lib.probes

import data.lib.workloads

long_running := {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController"}

deny contains {"msg": sprintf("container \"%s\" of %s has no %s", [item.container.name, workloads.name, probe]), "path": item.path, "rule": "missing"} if {
	long_running[input.kind]
	some item in workloads.containers
	not item.init
	some probe in ["livenessProbe", "readinessProbe"]
	not item.container[probe]
}
