package main_test

import data.main

pod(privileged) := {"kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [
  {"name": "a", "securityContext": {"privileged": false}},
  {"name": "b", "securityContext": {"privileged": privileged}},
]}}

test_every_fires_for_one_privileged_container if {
  main.deny == {"p: every container must be unprivileged"} with input as pod(true)
}

test_every_holds_when_none_is_privileged if {
  count(main.deny) == 0 with input as pod(false)
}

test_with_input_as_a_local_variable if {
  doc := pod(true)
  count(main.deny) == 1 with input as doc
}

test_escapes_in_literals if {
  main.warn == {"the banner has a tab and a quote"} with input as {"data": {"banner": "line\tone \"quoted\"\n"}}
}

test_raw_string_equals_escaped if {
  `a\b` == "a\\b"
}

test_some_over_indices_with_data if {
  found := main.violation with input as {"spec": {"ports": [{"port": 80}, {"port": 22}]}}
    with data.reserved_ports as [22, 23]
  found == {{"msg": "port 22 is reserved", "path": "spec.ports[1].port"}}
}

test_sprintf_of_an_array if {
  main.deny == {"web is missing [\"tier\"] (tier)"} with input as {"kind": "Deployment",
    "metadata": {"name": "web", "labels": {"team": "x"}}}
}

test_comprehensions_with_lower if {
  d := {"kind": "Deployment", "metadata": {"name": "w", "labels": {"team": "t", "tier": "1"}},
        "spec": {"template": {"spec": {"containers": [{"name": "a", "image": "GHCR.io/x:1"},
                                                      {"name": "b", "image": "evil.io/y:1"}]}}}}
  main.deny == {"image evil.io/y:1 is from evil.io, not an allowed registry"} with input as d
    with data.registries as ["ghcr.io"]
}

test_every_over_an_empty_list_is_true if {
  every x in [] { x > 1 }
}

test_object_comprehension_keys if {
  {k: v | some k, v in {"a": 1, "b": 2}; v > 1} == {"b": 2}
}
