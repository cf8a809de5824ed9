# Conftest-style rules that exercise what engines have been seen to read differently:
# `every`, string escapes, `some` over indices, sprintf of arrays, comprehensions, data.
package main

import data.registries

# `every` with a negated body: the deny fires when one container is privileged.
deny contains sprintf("%s: every container must be unprivileged", [input.metadata.name]) if {
  input.kind == "Pod"
  not all_unprivileged
}

all_unprivileged if {
  every c in input.spec.containers {
    not c.securityContext.privileged
  }
}

# A string literal with escapes equals the same text from the input.
warn contains "the banner has a tab and a quote" if {
  input.data.banner == "line\tone \"quoted\"\n"
}

# `some` over indices of an input array, compared with data.
violation contains {"msg": sprintf("port %d is reserved", [input.spec.ports[p].port]),
                    "path": sprintf("spec.ports[%d].port", [p])} if {
  some p
  input.spec.ports[p].port == data.reserved_ports[_]
}

# sprintf of an array and of a string computed by a built-in.
deny contains msg if {
  input.kind == "Deployment"
  missing := [l | some l in ["team", "tier"]; not input.metadata.labels[l]]
  count(missing) > 0
  msg := sprintf("%s is missing %v (%s)", [input.metadata.name, missing, concat(", ", missing)])
}

# Object and set comprehensions, `lower` inside one.
deny contains sprintf("image %s is from %s, not an allowed registry", [image, host]) if {
  images := {c.name: c.image | some c in input.spec.template.spec.containers}
  some image in images
  host := split(image, "/")[0]
  allowed := {lower(r) | some r in registries}
  not allowed[lower(host)]
}

# `with` inside a rule: the same rules judged against a modified input.
warn contains "the team label is what keeps this Deployment's labels complete" if {
  input.kind == "Deployment"
  without := count(deny) with input.metadata.labels as object.remove(input.metadata.labels, ["team"])
  count(deny) < without
}
