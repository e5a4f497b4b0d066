#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# contrib/k8s (issue 13): kubectl kustomize renders all four overlays (dev,
# staging, prod, ha), and ha is what it says: sl-httpd as a Deployment of
# 3 replicas with an HPA, a PodDisruptionBudget and anti-affinity, the
# ledger's address from a Secret (no password anywhere in the manifests),
# readiness on /ready, and an example CloudNativePG Cluster with a
# synchronous standby.  Nothing contacts a cluster.  kubectl is required,
# not optional: make deps installs Debian's (kubernetes-client) where none
# runs, and the overlays are written for its kustomize v2 as well.

bats_require_minimum_version 1.5.0
load test_helper

setup() {
	sl_setup
	K8S="$SL_SRCDIR/contrib/k8s"
	command -v kubectl >/dev/null ||
		fail "kubectl is not installed: make deps installs it (Debian's kubernetes-client)"
	require_cmd yq jq
}

# render OVERLAY: the manifests in $BATS_TEST_TMPDIR/out.yaml, and as one
# JSON document a line in $BATS_TEST_TMPDIR/docs.
render() {
	kubectl kustomize "$K8S/overlays/$1" >"$BATS_TEST_TMPDIR/out.yaml" 2>"$BATS_TEST_TMPDIR/err" ||
		fail "kubectl kustomize $1 failed: $(cat "$BATS_TEST_TMPDIR/err")"
	yq -c . "$BATS_TEST_TMPDIR/out.yaml" >"$BATS_TEST_TMPDIR/docs" || fail "not YAML"
}

# k KIND FILTER: jq -r FILTER on the objects of that kind.
k() {
	jq -r "select(.kind == \"$1\") | $2" "$BATS_TEST_TMPDIR/docs"
}

@test "all four overlays render, each object in its overlay's namespace" {
	local o ns
	for o in dev:stateledger-dev staging:stateledger-staging prod:stateledger ha:stateledger-ha; do
		render "${o%%:*}"
		ns=${o#*:}
		run -0 jq -r 'select(.metadata.namespace != "'"$ns"'") | .kind + " " + .metadata.name' \
			"$BATS_TEST_TMPDIR/docs"
		assert_output ""
		[[ $(wc -l <"$BATS_TEST_TMPDIR/docs") -ge 3 ]] || fail "$o: fewer than 3 objects"
	done
}

@test "staging: prod's shape under its own prefix and namespace, a pinned image, the tokens Secret" {
	render staging
	# (sorted: kustomize v2 orders objects of one kind by name, later ones do not)
	run -0 jq -s -r 'map(.kind + " " + .metadata.name) | sort | .[]' "$BATS_TEST_TMPDIR/docs"
	assert_output - <<-'EOF2'
		Service staging-sl-httpd
		Service staging-sl-httpd-headless
		StatefulSet staging-sl-httpd
	EOF2
	run -0 k StatefulSet '.spec.replicas, .spec.serviceName, .spec.template.spec.containers[0].image,
		(.spec.template.spec.volumes[] | select(.name == "tokens") | .secret.secretName)'
	assert_output $'1\nstaging-sl-httpd-headless\nstateledger/sl-httpd:0.1.0\nsl-httpd-tokens'
}

@test "ha: a Deployment of 3 replicas with an HPA, a PodDisruptionBudget and anti-affinity" {
	render ha
	run -0 jq -s -r 'map(.kind + " " + .apiVersion + " " + .metadata.name) | sort | .[]' "$BATS_TEST_TMPDIR/docs"
	assert_output - <<-'EOF2'
		Cluster postgresql.cnpg.io/v1 sl-ledger-pg
		Deployment apps/v1 sl-httpd
		HorizontalPodAutoscaler autoscaling/v2 sl-httpd
		Job batch/v1 sl-ledger-init
		PodDisruptionBudget policy/v1 sl-httpd
		Service v1 sl-httpd
	EOF2
	run -0 k Deployment '.spec.replicas'
	assert_output 3
	# The HPA scales that Deployment, never below 3.
	run -0 k HorizontalPodAutoscaler '[.spec.scaleTargetRef.kind, .spec.scaleTargetRef.name,
		.spec.minReplicas >= 3, .spec.maxReplicas > .spec.minReplicas] | @tsv'
	assert_output $'Deployment\tsl-httpd\ttrue\ttrue'
	# The PDB and the anti-affinity select exactly the Deployment's pods.
	run -0 jq -e -s '(.[] | select(.kind == "Deployment")) as $d
		| $d.spec.template.metadata.labels as $pod
		| def sel($m): ($m | to_entries | all(. as $e | $pod[$e.key] == $e.value));
		  (.[] | select(.kind == "PodDisruptionBudget") | .spec.minAvailable >= 2 and sel(.spec.selector.matchLabels))
		  and sel($d.spec.selector.matchLabels)
		  and ([$d.spec.template.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[]
		        | select(.topologyKey == "kubernetes.io/hostname") | sel(.labelSelector.matchLabels)] | any)' \
		"$BATS_TEST_TMPDIR/docs"
	# The Service sends traffic to the same pods, not to the init Job's.
	run -0 jq -e -s '(.[] | select(.kind == "Deployment") | .spec.template.metadata.labels) as $pod
		| (.[] | select(.kind == "Service") | .spec.selector | to_entries | all(. as $e | $pod[$e.key] == $e.value))
		and (.[] | select(.kind == "Job") | .spec.template.metadata.labels["app.kubernetes.io/component"] != "api")' \
		"$BATS_TEST_TMPDIR/docs"
}

@test "ha: the ledger address comes from a Secret, the readiness probe is /ready, no password is written" {
	render ha
	# SL_LEDGER from secretKeyRef, in the server and in the init Job; no -L in the args.
	run -0 jq -r 'select(.kind == "Deployment" or .kind == "Job") | .spec.template.spec.containers[]
		| [(.env[] | select(.name == "SL_LEDGER") | .valueFrom.secretKeyRef | .name + "/" + .key),
		   ((.args // []) | any(. == "-L" or . == "--ledger"))] | @tsv' "$BATS_TEST_TMPDIR/docs"
	assert_output $'sl-ledger-pg-app/uri\tfalse\nsl-ledger-pg-app/uri\tfalse'
	run -0 k Deployment '.spec.template.spec.containers[0] | [.readinessProbe.httpGet.path,
		.readinessProbe.httpGet.port, .livenessProbe.httpGet.path] | @tsv'
	assert_output $'/ready\thttp\t/health'
	# No literal password: no URI with userinfo, no password key or value, no
	# Secret or ConfigMap carrying one, no env value holding a URI.
	run -1 grep -n -i -E '://[^/@ ]+:[^/@ ]+@|password *[:=] *[^ ]|passwd' "$BATS_TEST_TMPDIR/out.yaml"
	run -0 jq -r 'select(.kind == "Secret" or .kind == "ConfigMap") | .metadata.name' "$BATS_TEST_TMPDIR/docs"
	assert_output ""
	run -0 jq -r '.. | objects | select(has("env")) | .env[] | select(.value? // "" | test("://")) | .name' \
		"$BATS_TEST_TMPDIR/docs"
	assert_output ""
}

@test "ha: the example database is a CloudNativePG Cluster with a synchronous standby" {
	render ha
	run -0 k Cluster '[.spec.instances >= 2, .spec.postgresql.synchronous.number >= 1,
		.spec.postgresql.synchronous.method, .spec.bootstrap.initdb.database] | @tsv'
	assert_output $'true\ttrue\tany\tstateledger'
	# The Secret the server reads is the one the operator makes for that database.
	run -0 k Cluster '.metadata.name + "-app"'
	assert_output "$(k Deployment '.spec.template.spec.containers[0].env[] | select(.name == "SL_LEDGER") | .valueFrom.secretKeyRef.name')"
}
