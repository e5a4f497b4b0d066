# SPDX-License-Identifier: MIT
# The secrets corpus (t/fixtures/secrets/) for the tests of the capture
# programs: fake secrets in real formats that must never reach a ledger,
# and innocent values that must be recorded as they are.

SECRETS_DIR="$BATS_TEST_DIRNAME/fixtures/secrets"

# load_corpus: fill SECRET_NAMES, SECRET_VALUES (PEM keys from pem/*.pem
# included, one variable each), NEEDLES (the secret parts, and each line of
# a PEM key's body), INNOCENT_NAMES and INNOCENT_VALUES.
load_corpus() {
	SECRET_NAMES=() SECRET_VALUES=() NEEDLES=() INNOCENT_NAMES=() INNOCENT_VALUES=()
	local name value needle f line
	while IFS=$'\t' read -r name value needle; do
		[[ -z $name || $name == '#'* ]] && continue
		SECRET_NAMES+=("$name") SECRET_VALUES+=("$value") NEEDLES+=("$needle")
	done <"$SECRETS_DIR/secret.tsv"
	for f in "$SECRETS_DIR"/pem/*.pem; do
		name=${f##*/}
		SECRET_NAMES+=("PEM_${name%.pem}") SECRET_VALUES+=("$(cat "$f")")
		while IFS= read -r line; do
			[[ $line == -----* || ${#line} -lt 10 ]] || NEEDLES+=("$line")
		done <"$f"
	done
	while IFS=$'\t' read -r name value; do
		[[ -z $name || $name == '#'* ]] && continue
		INNOCENT_NAMES+=("$name") INNOCENT_VALUES+=("$value")
	done <"$SECRETS_DIR/innocent.tsv"
	((${#SECRET_VALUES[@]} >= 40 && ${#INNOCENT_VALUES[@]} >= 40)) ||
		fail "the corpus is too small: ${#SECRET_VALUES[@]} secrets, ${#INNOCENT_VALUES[@]} innocents"
}

# json_escaped S: S as it is written inside a JSON string.
json_escaped() {
	jq -rn --arg s "$1" '$s | tojson | .[1:-1]'
}

# refute_needles PATH...: no needle, as it is or JSON-escaped, and no PEM
# key JSON-escaped whole, in any byte of the files below PATH...
refute_needles() {
	local n v found=()
	for n in "${NEEDLES[@]}"; do
		if grep -r -a -F -q -e "$n" -- "$@" || grep -r -a -F -q -e "$(json_escaped "$n")" -- "$@"; then
			found+=("$n")
		fi
	done
	for v in "${SECRET_VALUES[@]}"; do
		[[ $v == *$'\n'* ]] || continue
		grep -r -a -F -q -e "$(json_escaped "$v")" -- "$@" && found+=("${v%%$'\n'*}")
	done
	assert_equal "${found[*]}" ""
}

# The sanitizers' settings, kept through `env -i`.
sanitizer_env() {
	local v
	SANITIZER_ENV=()
	for v in ASAN_OPTIONS LSAN_OPTIONS UBSAN_OPTIONS; do
		[[ -n ${!v:-} ]] && SANITIZER_ENV+=("$v=${!v}")
	done
	return 0
}
