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
# The audit database, its WAL and -shm are created mode 0600 (AuditGroup,
# which makes them 0640, is audit-group.sh's), and rcmdd refuses
# to start with its database in a world-writable folder (/tmp itself, or
# any folder with o+w), saying why.

. "$(dirname "$0")/lib.sh"

start_daemon
expect_serving
expect_eq "database mode" "600" "$(stat -c %a "$db")"
expect_eq "WAL mode" "600" "$(stat -c %a "$db-wal")"
expect_eq "-shm mode" "600" "$(stat -c %a "$db-shm")"
stop_daemon

mkdir "$dir/open"
chmod 1777 "$dir/open"
"$RCMDD" -f -c "$conf" -d "$dir/open/audit.db" >"$dir/out" 2>&1 </dev/null
expect_eq "status with a world-writable folder" 1 "$?"
expect_match "its message" "*audit database folder $dir/open is world-writable, so anyone could replace the audit log*" \
    "$(cat "$dir/out")"
[ ! -e "$dir/open/audit.db" ] || fail "the database was created anyway"
