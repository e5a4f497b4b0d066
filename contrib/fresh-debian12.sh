#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Run StateLedger's own steps on a fresh Debian 12 made with debootstrap:
# a minimal bookworm in DIR, nothing in it but make, git and CA certificates,
# then `make deps` (as the README tells a new user) and the given commands.
#
#   contrib/fresh-debian12.sh DIR [COMMAND...]
#
#   contrib/fresh-debian12.sh /var/tmp/deb12 'make -j2 && \
#       PATH=$PWD/bin:$PATH SL_SRCDIR=$PWD bats t/5010-ui-browser.bats'
#
# With no COMMAND it runs `make check`.  It must run as root (debootstrap,
# chroot, mounts) and reach Debian's mirror and the npm registry.  This is how
# a machine's own Node.js (NodeSource's, say) is kept out of a test that must
# hold on Debian's: the chroot has Debian 12's nodejs, npm and chromium only.
#
# The checkout is the committed HEAD of this repository, cloned into
# DIR/root/sl (uncommitted changes are not in it).  The mounts are undone at
# the end; DIR is kept, so a second run skips debootstrap and apt's downloads.
set -eu

[ $# -ge 1 ] || { echo "usage: $0 DIR [COMMAND...]" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "$0: must run as root (debootstrap, chroot)" >&2; exit 2; }
dir=$1
shift
cmd=${*:-make check}
src=$(cd "$(dirname "$0")/.." && pwd)

if [ ! -x "$dir/usr/bin/apt-get" ]; then
	command -v debootstrap >/dev/null || apt-get install -y debootstrap
	debootstrap --variant=minbase bookworm "$dir" http://deb.debian.org/debian
	cat >>"$dir/etc/apt/sources.list" <<-EOF
	deb http://deb.debian.org/debian-security bookworm-security main
	deb http://deb.debian.org/debian bookworm-updates main
	EOF
fi

umount_all() {
	for m in sys dev proc; do umount -R "$dir/$m" 2>/dev/null || :; done
}
trap umount_all EXIT
mount -t proc proc "$dir/proc"
mount --rbind /dev "$dir/dev"
mount --rbind /sys "$dir/sys"
cp /etc/resolv.conf "$dir/etc/"
# A machine whose egress passes through a proxy with its own CA: trust it inside too.
if ls /usr/local/share/ca-certificates/*.crt >/dev/null 2>&1; then
	cp /usr/local/share/ca-certificates/*.crt "$dir/usr/local/share/ca-certificates/"
fi
[ ! -f /etc/npmrc ] || cp /etc/npmrc "$dir/etc/npmrc"
chroot "$dir" sh -c 'DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq make git ca-certificates >/dev/null &&
	update-ca-certificates >/dev/null'

rm -rf "$dir/root/sl"
git clone -q "$src" "$dir/root/sl"
chroot "$dir" sh -c "cd /root/sl && make deps >/root/make-deps.log 2>&1 ||
	{ tail -20 /root/make-deps.log; exit 1; }"
chroot "$dir" sh -c 'node --version; npm --version; chromium --version 2>/dev/null' |
	sed 's/^/fresh-debian12: /'
chroot "$dir" sh -c "cd /root/sl && $cmd"
