# SPDX-License-Identifier: MIT
#
# t/doc-examples.sh: run the EXAMPLES of the man pages as tests, so that
# the documentation cannot drift from the programs.
#
#   usage: sh t/doc-examples.sh [-v] PAGE...
#
# The build runs  PATH="$(CURDIR)/bin:$PATH" sh t/doc-examples.sh doc/*.1 doc/*.7
# and fails when this script exits non-zero.  -v also prints each command
# as a TAP comment before it runs.
#
# How an example is written (mdoc source of the page):
#
#  1. Only the EXAMPLES section is read (from `.Sh EXAMPLES' to the next
#     `.Sh'), and in it only `.Bd -literal' ... `.Ed' blocks (any further
#     .Bd arguments such as `-offset indent' are allowed).  Prose, .Dl lines
#     and other displays are for the reader only.
#
#  2. In a block, a line that starts with "$ " (the prompt) is a command:
#     the rest of the line is run with `sh -c'.  A command whose line ends
#     in a backslash (written \e in the source) continues on the next line,
#     as it would at a shell prompt.  Lines of a block before its first
#     command are shown to the reader and not checked (file contents, say).
#
#  3. The lines after a command, up to the next command or the end of the
#     block, are the standard output the reader is told to expect.  They
#     are compared line by line with what the command really prints:
#       - "..." inside a line matches any run of characters: write it in
#         place of what differs from run to run (a ts, a hash that covers
#         a ts, a host name), e.g. {"seq":0,"ts":"...","leaf_hash":"..."};
#       - a line that is only "..." (written \&... in the source) matches
#         any number of whole lines, none included;
#       - no lines at all means the command must print nothing on stdout.
#     Standard error is never compared; to show a diagnostic, write 2>&1
#     in the command and the message becomes part of the checked output.
#
#  4. A command must exit 0, unless it ends with a shell comment giving
#     its status, "# exit N" (e.g. `$ sl-get 99 2>&1  # exit 1').  The
#     comment is part of the command, so the line stays correct shell.
#
#  5. Each page runs in its own new, empty temporary directory, which is
#     the working directory of all its commands, in page order: a later
#     example may use the ledger and files an earlier one made.  Commands
#     read /dev/null as standard input, with SL_LEDGER and SL_BUSY_TIMEOUT
#     unset and LC_ALL=C.  The first failing command ends its page.
#
#  6. So that what runs is exactly what the reader sees, a block may use
#     only these escapes: \e (backslash), \& (nothing; needed before a
#     leading "." or "'"), \- \(aq \(dq \(ga \(ti \(ha \(rs, and no macro
#     line but .Ed and comments.  Anything else fails the page.
#
# Output is TAP: "1..N", then per page "ok N - PAGE" or
# "not ok N - PAGE: COMMAND: REASON" followed by "# " lines with the
# details; a page without any command is "ok N - PAGE # SKIP no examples".
# The exit status is 0 when every page passed, 1 otherwise, 2 on usage.

verbose=0
if [ "${1-}" = "-v" ]; then
	verbose=1
	shift
fi
if [ $# -eq 0 ]; then
	echo "doc-examples.sh: usage: sh t/doc-examples.sh [-v] PAGE..." >&2
	exit 2
fi

unset SL_LEDGER SL_BUSY_TIMEOUT
LC_ALL=C
export LC_ALL

tmp=$(mktemp -d "${TMPDIR:-/tmp}/doc-examples.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
trap 'exit 2' HUP INT TERM

# A command that hangs must not hang the build.
if command -v timeout >/dev/null 2>&1; then
	limit="timeout 120"
else
	limit=
fi

# extract PAGE DIR: write DIR/c.I (command), DIR/e.I (expected output),
# DIR/s.I (expected status) for every command I of the page, and print
# "count N" or "error MESSAGE".
extract() {
	awk -v dir="$2" '
	function unesc(s,    out, i, r) {
		out = ""
		while ((i = index(s, "\\")) > 0) {
			out = out substr(s, 1, i - 1)
			r = substr(s, i + 1)
			if (substr(r, 1, 1) == "e") { out = out "\\"; s = substr(r, 2) }
			else if (substr(r, 1, 1) == "&") { s = substr(r, 2) }
			else if (substr(r, 1, 1) == "-") { out = out "-"; s = substr(r, 2) }
			else if (substr(r, 1, 3) == "(aq") { out = out "\047"; s = substr(r, 4) }
			else if (substr(r, 1, 3) == "(dq") { out = out "\""; s = substr(r, 4) }
			else if (substr(r, 1, 3) == "(ga") { out = out "`"; s = substr(r, 4) }
			else if (substr(r, 1, 3) == "(ti") { out = out "~"; s = substr(r, 4) }
			else if (substr(r, 1, 3) == "(ha") { out = out "^"; s = substr(r, 4) }
			else if (substr(r, 1, 3) == "(rs") { out = out "\\"; s = substr(r, 4) }
			else {
				if (bad == "")
					bad = "line " NR ": unsupported escape \\" substr(r, 1, 3) \
					    " in an example block"
				return ""
			}
		}
		return out s
	}
	/^\.Sh[ \t]/ {
		inex = ($0 ~ /^\.Sh[ \t]+"?EXAMPLES"?[ \t]*$/)
		inblk = 0
		next
	}
	!inex { next }
	!inblk && /^\.Bd[ \t]+-literal([ \t]|$)/ { inblk = 1; cur = 0; cont = 0; next }
	!inblk { next }
	/^\.Ed([ \t]|$)/ {
		if (cont && bad == "")
			bad = "line " NR ": block ends inside a continued command"
		inblk = 0; cur = 0; cont = 0
		next
	}
	/^[.\047][ \t]*\\"/ { next }
	/^[.\047]/ {
		if (bad == "")
			bad = "line " NR ": macro line in an example block: " $0
		next
	}
	{
		line = unesc($0)
		if (cont) {
			cmd[cur] = cmd[cur] "\n" line
			cont = (line ~ /\\$/)
		} else if (substr(line, 1, 2) == "$ ") {
			cur = ++n
			cmd[n] = substr(line, 3)
			nexp[n] = 0
			cont = (line ~ /\\$/)
		} else if (cur) {
			want[cur, ++nexp[cur]] = line
		}
	}
	END {
		if (bad != "") {
			print "error " bad
			exit
		}
		for (i = 1; i <= n; i++) {
			f = dir "/c." i
			printf "%s\n", cmd[i] > f
			close(f)
			f = dir "/e." i
			printf "" > f
			for (j = 1; j <= nexp[i]; j++)
				printf "%s\n", want[i, j] > f
			close(f)
			st = 0
			# The last line of the command: "... # exit N".
			k = split(cmd[i], parts, "\n")
			if (match(parts[k], /[ \t]#[ \t]*exit[ \t]+[0-9]+[ \t]*$/)) {
				s = substr(parts[k], RSTART, RLENGTH)
				sub(/^[ \t]#[ \t]*exit[ \t]+/, "", s)
				sub(/[ \t]*$/, "", s)
				st = s + 0
			}
			f = dir "/s." i
			printf "%d\n", st > f
			close(f)
		}
		print "count " (n + 0)
	}' "$1"
}

# compare WANT GOT: exit 0 when the output GOT matches the expected lines WANT.
compare() {
	awk -v want="$1" -v got="$2" '
	# One line against a pattern in which "..." matches any run of characters.
	function lmatch(p, s,    i, k, piece) {
		i = index(p, "...")
		if (i == 0)
			return p == s
		piece = substr(p, 1, i - 1)
		if (substr(s, 1, length(piece)) != piece)
			return 0
		s = substr(s, length(piece) + 1)
		p = substr(p, i + 3)
		while ((i = index(p, "...")) > 0) {
			piece = substr(p, 1, i - 1)
			p = substr(p, i + 3)
			if (piece == "")
				continue
			k = index(s, piece)
			if (k == 0)
				return 0
			s = substr(s, k + length(piece))
		}
		return length(p) <= length(s) && substr(s, length(s) - length(p) + 1) == p
	}
	# Expected lines from i on against output lines from j on.
	function m(i, j,    k) {
		if (i > nw)
			return j > ng
		if (w[i] == "...") {
			for (k = j; k <= ng + 1; k++)
				if (m(i + 1, k))
					return 1
			return 0
		}
		if (j > ng || !lmatch(w[i], g[j]))
			return 0
		return m(i + 1, j + 1)
	}
	BEGIN {
		while ((getline l < want) > 0)
			w[++nw] = l
		while ((getline l < got) > 0)
			g[++ng] = l
		exit !m(1, 1)
	}'
}

# diag FILE PREFIX: print FILE as TAP comment lines.
diag() {
	awk -v p="$2" '{ print "# " p $0 }' "$1"
}

npages=$#
echo "1..$npages"
failed=0
num=0
for page in "$@"; do
	num=$((num + 1))
	ex="$tmp/ex.$num"
	run="$tmp/run.$num"
	mkdir "$ex" "$run" || exit 2
	if [ ! -r "$page" ]; then
		printf 'not ok %d - %s: cannot read the page\n' "$num" "$page"
		failed=1
		continue
	fi
	res=$(extract "$page" "$ex")
	case $res in
	"count "*) count=${res#count } ;;
	"error "*)
		printf 'not ok %d - %s: %s\n' "$num" "$page" "${res#error }"
		failed=1
		continue ;;
	*)
		printf 'not ok %d - %s: cannot read the examples\n' "$num" "$page"
		failed=1
		continue ;;
	esac
	if [ "$count" -eq 0 ]; then
		printf 'ok %d - %s # SKIP no examples\n' "$num" "$page"
		continue
	fi
	i=1
	reason=
	while [ "$i" -le "$count" ]; do
		cmd=$(cat "$ex/c.$i")
		want_st=$(cat "$ex/s.$i")
		if [ "$verbose" -eq 1 ]; then
			printf '%s\n' "$cmd" | sed '1s/^/# $ /; 1!s/^/# > /'
		fi
		(cd "$run" && $limit sh -c "$cmd") </dev/null >"$ex/out" 2>"$ex/err"
		st=$?
		if [ -n "$limit" ] && [ "$st" -eq 124 ]; then
			reason="timed out"
		elif [ "$st" -ne "$want_st" ]; then
			reason="exit $st, expected $want_st"
		elif ! compare "$ex/e.$i" "$ex/out"; then
			reason="standard output differs from the page"
		fi
		if [ -n "$reason" ]; then
			# The command on one line, for the summary.
			oneline=$(printf '%s' "$cmd" | tr '\n' ' ')
			printf 'not ok %d - %s: %s: %s\n' "$num" "$page" "$oneline" "$reason"
			echo "#   expected (page):"
			diag "$ex/e.$i" "    "
			echo "#   got (stdout):"
			diag "$ex/out" "    "
			if [ -s "$ex/err" ]; then
				echo "#   stderr:"
				diag "$ex/err" "    "
			fi
			failed=1
			break
		fi
		i=$((i + 1))
	done
	[ -z "$reason" ] && printf 'ok %d - %s\n' "$num" "$page"
done
exit "$failed"
