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
# rcmdd --test-confinement confines a child exactly as the network part
# confines itself (an empty root in a private mount namespace, the
# NetworkUser's ids, no capability, no_new_privs, the seccomp filter) and
# tries from inside what the network part must not do: open the audit
# database for reading and for writing, create a file, become root
# again, raise a capability, trace the privileged part, open a TCP
# socket, mount, make a user namespace and execute a program. Each must
# be refused, with its errno; a thread and a socketpair still work. A NetworkUser that does not exist, or that
# is the RunAs user, and a start without root are refused, saying why.
# Skipped, saying so, without root or mount namespaces.

. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	echo "privsep-confinement: SKIP: needs root to confine a process" >&2
	exit 77
fi
if ! unshare -m true 2>/dev/null; then
	echo "privsep-confinement: SKIP: cannot make a mount namespace" \
	    "here (unshare -m fails)" >&2
	exit 77
fi
id nobody >/dev/null 2>&1 || fail "no user nobody"

# The database exists: unconfined, reading it would work.
"$SQLITE3" "$db" "CREATE TABLE probe (x)" || fail "cannot make $db"

write_config "NetworkUser nobody"
"$RCMDD" -f -c "$conf" --test-confinement >"$dir/out" 2>"$dir/err"
expect_eq "exit status (stderr: $(cat "$dir/err"))" 0 "$?"
for probe in \
    "open the audit database $db for reading: No such file or directory" \
    "open the audit database $db for writing: Operation not permitted" \
    "create and write the file $db.probe: Operation not permitted" \
    "become root again (setuid 0): Operation not permitted" \
    "raise CAP_SYS_ADMIN (capset): Operation not permitted" \
    "trace the privileged part (ptrace attach): Operation not permitted" \
    "open a TCP socket: Operation not permitted" \
    "mount a file system: Operation not permitted" \
    "make a user namespace (unshare): Operation not permitted" \
    "execute /bin/sh: Operation not permitted"; do
	grep -qxF "refused: $probe" "$dir/out" ||
	    fail "no \"refused: $probe\" in: $(cat "$dir/out")"
done
expect_eq "probes" 10 "$(grep -c '^refused: ' "$dir/out")"
expect_eq "what still works" "works: start a thread
works: make a command's socketpair" "$(grep '^works: ' "$dir/out")"
# A sanitizer build says first that it lets the network part ptrace.
expect_eq "lines" 12 "$(grep -v '^sanitizer build: ' "$dir/out" | grep -c .)"
expect_eq "probes that worked" 0 "$(grep -c ALLOWED "$dir/out")"
[ ! -e "$db.probe" ] || fail "the confined probe created $db.probe"

write_config "NetworkUser rcmdd-no-such-user"
"$RCMDD" -f -c "$conf" --test-confinement >"$dir/out" 2>"$dir/err"
expect_ne "exit status without the NetworkUser" 0 "$?"
expect_match "message" "*NetworkUser rcmdd-no-such-user: no such user*" \
    "$(cat "$dir/err")"

write_config "RunAs nobody" "NetworkUser nobody"
"$RCMDD" -f -c "$conf" --test-confinement >"$dir/out" 2>"$dir/err"
expect_ne "exit status with NetworkUser = RunAs" 0 "$?"
expect_match "message" "*NetworkUser nobody is also the RunAs user*" \
    "$(cat "$dir/err")"

# Not root: it says what it cannot do, and fails.
if command -v setpriv >/dev/null 2>&1; then
	write_config "SingleUser yes" "RunAs nobody" "NetworkUser daemon"
	chmod 755 "$dir"
	chmod 644 "$conf"
	setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups \
	    "$RCMDD" -f -c "$conf" --test-confinement >"$dir/out" \
	    2>"$dir/err"
	expect_ne "exit status as nobody" 0 "$?"
	expect_match "message" "*confines itself as root*start rcmdd as root*" \
	    "$(cat "$dir/err")"
	chmod 700 "$dir"
fi
exit 0
