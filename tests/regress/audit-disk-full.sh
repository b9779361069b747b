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

# A full disk under the audit database: rcmdd runs in a mount namespace of
# its own with the database on a 1 MiB tmpfs. Once a filler file takes the
# rest of it, commands are refused (rcmd exits 255 with the audit message)
# and never run, and the log says so once for the whole episode. When the
# filler is removed, service resumes by itself, the log says how many
# records failed meanwhile, and the chain verifies.
#
# The script works on the tmpfs inside the daemon's namespace, with
# nsenter(1): SQLite and df resolve symbolic links in a path, so a path
# through /proc/PID/root would lead them back to this namespace's empty
# folder.
#
# Skipped (exit 77, with the reason) where a tmpfs cannot be mounted in a
# new mount namespace: not root, no unshare(1) or nsenter(1), or a
# container that forbids it.

watchdog=60
. "$(dirname "$0")/lib.sh"

skip() {
	say "SKIP: $*"
	exit 77
}

[ "$(id -u)" -eq 0 ] ||
    skip "mounting a small tmpfs needs root (unshare -m and mount)"
command -v unshare >/dev/null 2>&1 && command -v nsenter >/dev/null 2>&1 ||
    skip "unshare(1) or nsenter(1) is not installed (util-linux)"
small=$dir/small
mkdir "$small" || fail "mkdir $small"
unshare -m --propagation private sh -c \
    'mount -t tmpfs -o size=1m,mode=0700 tmpfs "$1" && umount "$1"' sh "$small" \
    2>"$dir/unshare.err" ||
    skip "cannot mount a tmpfs in a new mount namespace:" \
	"$(cat "$dir/unshare.err")"

# rcmdd, started by lib.sh as "$RCMDD" -f -c ..., execs itself inside the
# namespace, where $small is the tmpfs; its PID stays the one lib.sh
# tracks, since unshare and sh exec.
real_rcmdd=$RCMDD
cat >"$dir/ns-rcmdd" <<EOF
#!/bin/sh
exec unshare -m --propagation private sh -c \\
    'mount -t tmpfs -o size=1m,mode=0700 tmpfs "\$0" && exec "\$@"' \\
    "$small" "$real_rcmdd" "\$@"
EOF
chmod +x "$dir/ns-rcmdd"
db=$small/audit.db
write_config
RCMDD=$dir/ns-rcmdd
start_daemon
RCMDD=$real_rcmdd

# in_ns COMMAND...: run a command in the daemon's mount namespace.
in_ns() {
	nsenter -t "$daemon_pid" -m -- "$@"
}
in_ns test -f "$db" || fail "no database at $db in rcmdd's namespace"

# The audit database, read where the daemon sees it.
sql() {
	in_ns "$SQLITE3" -batch -cmd '.timeout 5000' "$db" "$@"
}

expect_serving
rcmd -n 'echo before' >/dev/null || fail "echo before failed"
expect_sql "the rows before" "SELECT count(*) FROM commands" 2

# Fill the tmpfs.
in_ns dd if=/dev/zero of="$small/filler" bs=64k 2>/dev/null
free_kb=$(in_ns df -k "$small" | awk 'NR == 2 { print $4 }')
expect_eq "free space after the filler (KiB)" 0 "$free_kb"

n=1
while [ "$n" -le 3 ]; do
	rcmd_within 20 -n "touch $dir/ran" >"$dir/out" 2>"$dir/err"
	rc=$?
	expect_eq "refused command $n: rcmd's exit status" 255 "$rc"
	expect_match "refused command $n: rcmd's message" \
	    "*the audit log cannot record the command, so it was not run*disk is full*" \
	    "$(cat "$dir/err")"
	[ ! -s "$dir/out" ] || fail "refused command $n printed something"
	n=$((n + 1))
done
[ ! -e "$dir/ran" ] || fail "a command ran although it was not recorded"
expect_log "the episode" "audit: cannot commit records ("
expect_log "the episode's cause" "database or disk is full); refusing new commands until the database takes writes again"
expect_eq "episode lines in the log" 1 \
    "$(grep -c 'audit: cannot commit records' "$log")"
daemon_exited && fail "rcmdd exited on a full disk"

# Free the space: the next command is recorded and runs.
in_ns rm -f "$small/filler"
rcmd -n "touch $dir/ran" || fail "rcmd failed after the disk was freed"
[ -e "$dir/ran" ] || fail "the command did not run after the disk was freed"
expect_log "the end of the episode" \
    "audit: records commit again; 3 records failed meanwhile"
expect_eq "episode lines in the log" 1 \
    "$(grep -c 'audit: cannot commit records' "$log")"
expect_serving
expect_sql "the rows after" "SELECT count(*), count(seq), sum(command LIKE
    'touch %') FROM commands" "4|4|1"
in_ns "$RCMDD" --verify-audit "$db" >"$dir/vout" 2>"$dir/verr"
expect_eq "verify: exit status" 0 "$?"
expect_match "verify" "$db: 4 rows verified; chain head 8:*" \
    "$(cat "$dir/vout")"
stop_daemon
