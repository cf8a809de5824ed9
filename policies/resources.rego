# Containers declare CPU and memory requests and a memory limit, so the scheduler can
# place them and one leaking container cannot starve its node.
package lib.resources

import data.lib.workloads

wanted := [["requests", "cpu"], ["requests", "memory"], ["limits", "memory"]]

deny contains {"msg": sprintf("container \"%s\" of %s sets no %s.%s", [item.container.name, workloads.name, kind, resource]), "path": sprintf("%s.resources", [item.path]), "rule": "missing"} if {
	some item in workloads.containers
	some pair in wanted
	kind := pair[0]
	resource := pair[1]
	not item.container.resources[kind][resource]
}
