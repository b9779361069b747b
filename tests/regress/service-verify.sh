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
# etc/rcmdd.service, as built, is Type=notify, reloads through rcmdd
# --reload (the daemon's verdict, no kill(1)), has its cgroup delegated
# for per-command cgroups, and sets no sandbox: commands are children of
# rcmdd and would be bound by it (a root command could not write /etc,
# run ip or dmesg, or sudo), while rcmdd confines its network part itself
# (rcmdd(8), PRIVILEGE SEPARATION). And it is clean under systemd-analyze
# verify (its ExecStart pointed at the rcmdd under test). The verify part
# is skipped, saying so, where systemd-analyze is not installed.

: "${top_builddir:=.}" "${RCMDD:=$top_builddir/daemon/rcmdd}"
unit="$top_builddir/etc/rcmdd.service"
[ -f "$unit" ] || { echo "service-verify: FAIL: no $unit: run make"; exit 1; }
grep -q "^ExecStart=.*/rcmdd -f " "$unit" ||
    { echo "service-verify: FAIL: the unit does not run rcmdd -f"; exit 1; }
# Each line as it must be, whole.
while read -r line; do
	grep -qxF "$line" "$unit" ||
	    { echo "service-verify: FAIL: the unit lacks \"$line\""; exit 1; }
done <<'LINES'
StateDirectory=rcmdd
RuntimeDirectory=rcmdd
Delegate=yes
LimitNOFILE=1024:65536
Type=notify
NotifyAccess=main
LINES
# systemctl reload reports the daemon's verdict, and needs no kill(1).
grep -q "^ExecReload=.*/rcmdd --reload\$" "$unit" ||
    { echo "service-verify: FAIL: ExecReload is not rcmdd --reload"; exit 1; }
# Nothing that would bind the commands rcmdd starts.
for key in CapabilityBoundingSet NoNewPrivileges ProtectSystem ProtectHome \
    PrivateTmp PrivateDevices PrivateMounts ProtectKernelTunables \
    ProtectKernelModules ProtectKernelLogs ProtectClock ProtectHostname \
    RestrictNamespaces RestrictSUIDSGID RestrictRealtime LockPersonality \
    MemoryDenyWriteExecute SystemCallFilter RestrictAddressFamilies \
    ReadWritePaths ReadOnlyPaths InaccessiblePaths User DynamicUser; do
	! grep -q "^$key=" "$unit" ||
	    { echo "service-verify: FAIL: the unit sets $key, which would" \
		"bind every command rcmdd starts"; exit 1; }
done

if ! command -v systemd-analyze >/dev/null 2>&1; then
	echo "service-verify: SKIP: systemd-analyze is not installed; the" \
	    "unit's lines are there"
	exit 77
fi
dir=$(mktemp -d "${TMPDIR:-/tmp}/rcmdd-test.XXXXXXXX") || exit 1
trap 'rm -rf "$dir"' EXIT
sed -e "s|^ExecStart=[^ ]*|ExecStart=$RCMDD|" \
    -e "s|^ExecReload=[^ ]*|ExecReload=$RCMDD|" "$unit" >"$dir/rcmdd.service"
out=$(systemd-analyze verify --man=no "$dir/rcmdd.service" 2>&1)
if [ -n "$out" ]; then
	echo "service-verify: FAIL: systemd-analyze verify says:"
	echo "$out"
	exit 1
fi
exit 0
