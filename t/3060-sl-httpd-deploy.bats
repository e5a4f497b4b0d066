#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# sl-httpd's deployment files (issue 6, done-when 4): the kustomize
# overlays render valid manifests with what the issue asks for, and the
# systemd units pass systemd-analyze verify.  Nothing contacts a cluster.

bats_require_minimum_version 1.5.0
load test_helper

setup() {
	sl_setup
	K8S="$SL_SRCDIR/contrib/k8s"
}

# render OVERLAY: the manifests as one JSON document a line, in $BATS_TEST_TMPDIR/docs.
render() {
	command -v kubectl >/dev/null ||
		fail "kubectl is not installed: make deps installs it (Debian's kubernetes-client)"
	require_cmd yq jq
	kubectl kustomize "$K8S/overlays/$1" >"$BATS_TEST_TMPDIR/out.yaml" ||
		fail "kubectl kustomize $1 failed"
	yq -c . "$BATS_TEST_TMPDIR/out.yaml" >"$BATS_TEST_TMPDIR/docs" || fail "not YAML"
}

# q FILTER: run jq -r on the StatefulSet.
q() {
	jq -r "select(.kind == \"StatefulSet\") | $1" "$BATS_TEST_TMPDIR/docs"
}

@test "prod: valid manifests: a one-replica StatefulSet with a volume claim, Services, probes, non-root, read-only root" {
	render prod
	# Every document is a Kubernetes object with a name, in the prod namespace.
	# (sorted: kustomize v2, Debian's, orders objects of one kind by name, later ones do not)
	run -0 jq -s -r 'map([.apiVersion, .kind, .metadata.name, .metadata.namespace] | join(" ")) | sort | .[]' \
		"$BATS_TEST_TMPDIR/docs"
	assert_output - <<-'EOF2'
		apps/v1 StatefulSet sl-httpd stateledger
		v1 Service sl-httpd stateledger
		v1 Service sl-httpd-headless stateledger
	EOF2
	run -0 q '.spec.replicas, .spec.serviceName, .spec.volumeClaimTemplates[0].metadata.name,
		.spec.volumeClaimTemplates[0].spec.accessModes[0],
		.spec.volumeClaimTemplates[0].spec.resources.requests.storage'
	assert_output $'1\nsl-httpd-headless\nledger\nReadWriteOnce\n20Gi'
	# The selector matches the pod's labels, and the Services select the same pods.
	run -0 jq -e -s '(.[] | select(.kind == "StatefulSet")) as $s
		| ($s.spec.selector.matchLabels | to_entries
		   | all(. as $e | $s.spec.template.metadata.labels[$e.key] == $e.value))
		and ([.[] | select(.kind == "Service") | .spec.selector | to_entries
		   | all(. as $e | $s.spec.template.metadata.labels[$e.key] == $e.value)] | all)' \
		"$BATS_TEST_TMPDIR/docs"
	run -0 q '.spec.template.spec.securityContext | [.runAsNonRoot, .runAsUser] | @tsv'
	assert_output $'true\t10001'
	run -0 q '.spec.template.spec | (.containers + .initContainers)[] |
		[.name, .securityContext.readOnlyRootFilesystem, .securityContext.allowPrivilegeEscalation,
		 (.securityContext.capabilities.drop | join(",")), .resources.limits.cpu, .resources.limits.memory] | @tsv'
	assert_output $'sl-httpd\ttrue\tfalse\tALL\t2\t512Mi\ninit-ledger\ttrue\tfalse\tALL\t100m\t64Mi'
	run -0 q '.spec.template.spec.containers[0] | [.livenessProbe.httpGet.path, .readinessProbe.httpGet.path,
		.livenessProbe.httpGet.port, .ports[0].name, .ports[0].containerPort, .image] | @tsv'
	assert_output $'/health\t/ready\thttp\thttp\t8080\tstateledger/sl-httpd:0.1.0'
	# The args are ones sl-httpd takes, ending in the token file the Secret provides.
	run -0 q '.spec.template.spec.containers[0].args | join(" ")'
	assert_output '-L /var/lib/stateledger/ledger -l *:8080 -w 2 --timeout 30 --max-conn 1024 -T /etc/stateledger/tokens'
	run -0 q '.spec.template.spec.volumes[] | select(.name == "tokens") | .secret.secretName'
	assert_output sl-httpd-tokens
}

@test "dev: the same objects with the dev prefix, namespace, image tag and a small volume" {
	render dev
	run -0 jq -s -r 'map([.kind, .metadata.name, .metadata.namespace] | join(" ")) | sort | .[]' "$BATS_TEST_TMPDIR/docs"
	assert_output - <<-'EOF2'
		Service dev-sl-httpd stateledger-dev
		Service dev-sl-httpd-headless stateledger-dev
		StatefulSet dev-sl-httpd stateledger-dev
	EOF2
	run -0 q '.spec.replicas, .spec.serviceName, .spec.template.spec.containers[0].image,
		.spec.volumeClaimTemplates[0].spec.resources.requests.storage'
	assert_output $'1\ndev-sl-httpd-headless\nstateledger/sl-httpd:dev\n256Mi'
}

@test "the arguments the manifests give sl-httpd are accepted by sl-httpd" {
	render prod
	init_ledger
	local tokens="$BATS_TEST_TMPDIR/tokens" args
	printf %s t | sha256sum >"$tokens"
	args=$(q '.spec.template.spec.containers[0].args | map(@sh) | join(" ")')
	args=${args//\/var\/lib\/stateledger\/ledger/$L}
	args=${args//\/etc\/stateledger\/tokens/$tokens}
	args=${args//\*:8080/127.0.0.1:0}
	# --help after the others: the arguments parse, and it exits 0 without serving.
	eval "run -0 sl-httpd $args --help"
	assert_line --index 0 --partial 'usage: sl-httpd'
}

@test "the systemd units pass systemd-analyze verify" {
	require_cmd systemd-analyze
	local d="$BATS_TEST_TMPDIR/units" u
	mkdir -p "$d"
	for u in "$SL_SRCDIR"/contrib/systemd/*; do
		sed "s|/usr/local/bin/sl-httpd|$SL_SRCDIR/bin/sl-httpd|g" "$u" >"$d/${u##*/}"
	done
	run -0 --separate-stderr systemd-analyze verify --man=no "$d/sl-httpd.socket" \
		"$d/sl-httpd.service" "$d/sl-httpd-accept.socket" "$d/sl-httpd-accept@.service"
	assert_equal "$stderr" ""
	run -0 grep -c -E '^(DynamicUser|ProtectSystem|NoNewPrivileges|CapabilityBoundingSet)=' \
		"$SL_SRCDIR/contrib/systemd/sl-httpd.service"
	assert_output 4
}
