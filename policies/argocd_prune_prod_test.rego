package lib.argocd_prune_prod_test

import data.lib.argocd_prune_prod

test_auto_prune_into_prod_is_denied if {
	count(argocd_prune_prod.deny) == 1 with input as {"apiVersion": "argoproj.io/v1alpha1", "kind": "Application", "metadata": {"name": "shop"}, "spec": {"destination": {"namespace": "shop-prod"}, "syncPolicy": {"automated": {"prune": true}}}}
}

test_allow_label_passes if {
	count(argocd_prune_prod.deny) == 0 with input as {"apiVersion": "argoproj.io/v1alpha1", "kind": "Application", "metadata": {"name": "shop", "labels": {"policygate.dev/allow-auto-prune": "true"}}, "spec": {"destination": {"namespace": "shop-prod"}, "syncPolicy": {"automated": {"prune": true}}}}
}

test_staging_passes if {
	count(argocd_prune_prod.deny) == 0 with input as {"apiVersion": "argoproj.io/v1alpha1", "kind": "Application", "metadata": {"name": "shop"}, "spec": {"destination": {"namespace": "shop-staging"}, "syncPolicy": {"automated": {"prune": true}}}}
}
