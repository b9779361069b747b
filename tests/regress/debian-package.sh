#!/bin/sh
#
# Copyright (c) 2026 The rcmdd authors
#
# Permission to use, copy, modify, and distribute this software for any
# purpose with or without fee is hereby granted, provided that the above
# copyright notice and this permission notice appear in all copies.
#
# THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES
# WITH REGARD TO THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF
# MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL THE AUTHOR BE LIABLE FOR
# ANY SPECIAL, DIRECT, INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES
# WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR PROFITS, WHETHER IN AN
# ACTION OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF
# OR IN CONNECTION WITH THE USE OR PERFORMANCE OF THIS SOFTWARE.

# The Debian package: dpkg-buildpackage -us -uc -b builds rcmdd and rcmd
# from a copy of the distribution (make distdir, so the tree is not
# touched), lintian finds no errors, the packages hold what README.md says
# (binaries, unit, conffile, man pages with the Debian paths, the state
# folder, the group made by postinst), and the packaged rcmd runs a command
# on the packaged rcmdd, which audits it. The packages are unpacked into a
# folder with dpkg -x, never installed on this machine.
#
# It needs dpkg-dev, debhelper, lintian and fakeroot (the list debian_deps
# below), and installs those missing with apt-get, as root or through
# sudo -n. Skipped (exit 77, with the reason) when it cannot, or when
# RCMDD_TEST_DEB=0; and under --enable-sanitizers, as the package is built
# the same way whatever the tree was configured with.

watchdog=600
. "$(dirname "$0")/lib.sh"

skip() {
	say "SKIP: $*"
	exit 77
}

[ "${RCMDD_TEST_DEB:-1}" != 0 ] || skip "RCMDD_TEST_DEB=0"
[ -z "${RCMDD_SANITIZED:-}" ] ||
    skip "the package build ignores the sanitizers: tested in the plain build"
command -v dpkg-query >/dev/null 2>&1 ||
    skip "not a Debian system (no dpkg-query)"

debian_deps="dpkg-dev debhelper lintian fakeroot"
missing=
for p in $debian_deps; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
	    missing="$missing $p"
done
if [ -n "$missing" ]; then
	if [ "$(id -u)" -eq 0 ]; then
		sudo=
	elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
		sudo="sudo -n"
	else
		skip "needs$missing to build the package, and cannot install" \
		    "them (not root, no password-less sudo): apt-get install" \
		    "$debian_deps"
	fi
	say "installing$missing"
	{ $sudo apt-get update -qq &&
	    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends $missing; } >"$dir/apt.log" 2>&1 ||
	    skip "apt-get could not install$missing: $(tail -n 3 "$dir/apt.log")"
fi

# The build dependencies are those of make; dpkg-checkbuilddeps says
# which are missing rather than letting the build fail later.
version=$(sed -n '1s/^rcmdd (\([^)]*\)).*/\1/p' "$top_srcdir/debian/changelog")
upstream=${version%-*}
expect_match "debian/changelog version" "[0-9]*.[0-9]*.[0-9]*-[0-9]*" "$version"

# A copy of the distribution: what a tarball holds, debian/ included.
src=$dir/rcmdd-$upstream
${MAKE:-make} -s -C "$top_builddir" distdir distdir="$src" \
    >"$dir/distdir.log" 2>&1 || {
	cat "$dir/distdir.log" >&2
	fail "make distdir failed"
}
[ -x "$src/debian/rules" ] ||
    fail "make distdir left out debian/: list it in Makefile.am's EXTRA_DIST"
(cd "$src" && dpkg-checkbuilddeps) >"$dir/deps.log" 2>&1 ||
    fail "build dependencies missing: $(cat "$dir/deps.log"): run install-deps.sh"

start=$(now_ms)
(cd "$src" && DEB_BUILD_OPTIONS="nocheck parallel=2" \
    dpkg-buildpackage -us -uc -b) >"$dir/build.log" 2>&1 || {
	tail -n 40 "$dir/build.log" >&2
	fail "dpkg-buildpackage -us -uc -b failed"
}
say "dpkg-buildpackage took $(($(now_ms) - start)) ms"
arch=$(dpkg --print-architecture)
rcmdd_deb=$dir/rcmdd_${version}_$arch.deb
rcmd_deb=$dir/rcmd_${version}_$arch.deb
changes=$dir/rcmdd_${version}_$arch.changes
for f in "$rcmdd_deb" "$rcmd_deb" "$changes"; do
	[ -f "$f" ] || fail "dpkg-buildpackage made no ${f##*/}"
done

# lintian: no errors. Warnings are allowed; lintian exits 2 when it cannot
# run at all.
lintian --fail-on error "$changes" >"$dir/lintian.log" 2>&1
rc=$?
grep '^[EW]:' "$dir/lintian.log" >&2
[ "$rc" -eq 0 ] || fail "lintian: status $rc: $(grep '^E:' "$dir/lintian.log")"

# What the packages hold.
root=$dir/root
dpkg -x "$rcmdd_deb" "$root" && dpkg -x "$rcmd_deb" "$root" ||
    fail "dpkg -x could not unpack the packages"
for f in usr/sbin/rcmdd usr/bin/rcmd; do
	[ -x "$root/$f" ] || fail "no executable /$f in the packages"
done
for f in lib/systemd/system/rcmdd.service etc/rcmdd.conf \
    usr/share/man/man8/rcmdd.8.gz usr/share/man/man5/rcmdd.conf.5.gz \
    usr/share/man/man7/rcmd-protocol.7.gz usr/share/man/man1/rcmd.1.gz \
    usr/share/doc/rcmdd/copyright usr/share/doc/rcmd/copyright; do
	[ -f "$root/$f" ] || fail "no /$f in the packages"
done
[ -d "$root/var/lib/rcmdd" ] || fail "no /var/lib/rcmdd in rcmdd"
expect_eq "rcmd.deb holds rcmd alone" "" \
    "$(dpkg-deb -c "$rcmd_deb" | grep -e rcmdd -e 'sbin/')"
# rcmd loads libssl and libedit with dlopen, which dpkg-shlibdeps does
# not see: debian/control names them, and the packaged rcmd links neither.
depends=$(dpkg-deb -f "$rcmd_deb" Depends)
expect_match "rcmd depends on libssl3" "*libssl3 (>= 3*" "$depends"
expect_match "rcmd depends on libedit2" "*libedit2*" "$depends"
expect_match "rcmd depends on libc6" "*libc6*" "$depends"
# The audit log is read with sqlite3: a Recommends left it out of
# dpkg -i plus apt-get -f install.
expect_match "rcmdd depends on sqlite3" "*sqlite3*" \
    "$(dpkg-deb -f "$rcmdd_deb" Depends)"
if command -v readelf >/dev/null 2>&1; then
	case $(readelf -d "$root/usr/bin/rcmd" | grep NEEDED) in
	*libssl*|*libedit*)
		fail "the packaged rcmd links libssl or libedit" ;;
	esac
fi
expect_match "the unit runs /usr/sbin/rcmdd" \
    "*ExecStart=/usr/sbin/rcmdd -f *" \
    "$(cat "$root/lib/systemd/system/rcmdd.service")"
# The configuration is all comments but RunAs, so the defaults apply.
expect_eq "/etc/rcmdd.conf sets RunAs rcmd alone" "RunAs rcmd" \
    "$(grep -v -e '^#' -e '^$' "$root/etc/rcmdd.conf")"
# The man pages name the paths of the package, not of /usr/local.
expect_match "rcmdd.8 names /etc/rcmdd.conf" "*/etc/rcmdd.conf*" \
    "$(gzip -dc "$root/usr/share/man/man8/rcmdd.8.gz")"
expect_match "rcmdd.8 names /var/lib/rcmdd" "*/var/lib/rcmdd/audit.db*" \
    "$(gzip -dc "$root/usr/share/man/man8/rcmdd.8.gz")"

ctl=$dir/ctl
dpkg-deb -e "$rcmdd_deb" "$ctl" || fail "dpkg-deb -e could not read rcmdd"
expect_eq "conffiles" /etc/rcmdd.conf "$(cat "$ctl/conffiles")"
expect_match "postinst makes the user" \
    "*adduser --quiet --system --group --no-create-home*rcmd*" \
    "$(cat "$ctl/postinst")"
expect_match "postinst makes the group" \
    "*addgroup --quiet --system rcmd-audit*" "$(cat "$ctl/postinst")"
expect_match "postinst says where the configuration is" \
    "*rcmdd: the configuration is /etc/rcmdd.conf*Allow rules*" \
    "$(cat "$ctl/postinst")"
expect_match "postinst leaves the unit disabled" \
    "*deb-systemd-helper update-state 'rcmdd.service'*" "$(cat "$ctl/postinst")"
case $(cat "$ctl/postinst") in
*"deb-systemd-helper enable 'rcmdd.service'"*"was-enabled"*|\
*"deb-systemd-helper --quiet was-enabled"*)
	;;
*)	fail "postinst enables rcmdd.service unconditionally" ;;
esac
expect_match "postrm deletes the log on purge" \
    "*purge)*rm -rf /var/lib/rcmdd*" "$(cat "$ctl/postrm")"

# The packaged daemon and client, on this machine's libraries: the
# packaged rcmd runs a command on the packaged rcmdd, which audits it.
RCMDD=$root/usr/sbin/rcmdd
RCMD=$root/usr/bin/rcmd
# Without postinst's user here, the check runs commands as this test's.
sed "s/^RunAs rcmd$/RunAs $(id -un)/" "$root/etc/rcmdd.conf" >"$dir/pkg.conf"
"$RCMDD" -t -c "$dir/pkg.conf" >"$dir/n.log" 2>&1 ||
    fail "the packaged rcmdd rejects the packaged rcmdd.conf:" \
	"$(cat "$dir/n.log")"
start_daemon
out=$(rcmd -n 'echo packaged; exit 3')
expect_eq "packaged rcmd: status" 3 "$?"
expect_eq "packaged rcmd: output" packaged "$out"
wait_sql 5 "SELECT count(*) FROM commands WHERE status = 'exited'" 1 ||
    fail "no final audit row from the packaged rcmdd: $sql_got"
expect_sql "packaged rcmdd: audit row" \
    "SELECT command, exit_code, output FROM commands" \
    "echo packaged; exit 3|3|packaged"
stop_daemon
exit 0
