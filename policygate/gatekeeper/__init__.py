"""Gatekeeper at commit time: ConstraintTemplates and Constraints, evaluated like the cluster.

A platform team's admission policy becomes the commit-time gate without a rewrite: the
same ConstraintTemplates (their Rego converted from v0 on the fly) and Constraints run on
the manifests of a change, and `policygate verify` runs the team's gator suites.

Modules, one job each:
  objects      what the policy objects are (dataclasses, API groups)
  spans        positions inside Rego that is embedded in YAML
  selectors    label selectors and the `kube-*` / `*-system` globs
  match        `spec.match` parsed and evaluated with Gatekeeper's semantics
  enforcement  enforcementAction (incl. scoped) -> severity at commit time
  templates    ConstraintTemplate documents -> Template
  constraints  Constraint documents -> Constraint (parameters checked against the schema)
  loader       policy files and directories -> PolicyObjects
  program      templates -> one Rego program (v0 converted, packages isolated per template)
  backends     evaluate reviews: OPA or regorus in a forked worker, or an OPA server
  review       `input.review` for an object or an AdmissionReview
  cluster      the cluster the repository describes: Namespaces, scopes, data.inventory
  results      `violation` results -> messages, details and field paths
  engine       the pipeline's PolicyEngine for `policygate check`
  setup        config section and options -> engine
  suites, verify, report, command   `policygate verify`: gator Suite files, their run,
                                    the report, the command behind the CLI

Nothing here is imported by a check that has no `gatekeeper:` configuration.
"""
