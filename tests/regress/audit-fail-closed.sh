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
# Fail closed: while another connection holds the audit database's write
# lock past the busy timeout, a command is refused with a clear ERROR, rcmd
# exits 255 saying why, and the command never runs. Once the lock is gone,
# service resumes without a restart.

. "$(dirname "$0")/lib.sh"

start_daemon
expect_serving

# Hold the write lock for 8 s: longer than rcmdd's 5 s busy timeout.
lock_db 8

t0=$(now_ms)
rcmd_within 20 -n "touch $dir/ran" >"$dir/out" 2>"$dir/err"
rc=$?
t1=$(now_ms)
expect_eq "rcmd's exit status" 255 "$rc"
expect_match "rcmd's message" \
    "*the audit log cannot record the command, so it was not run*" \
    "$(cat "$dir/err")"
[ ! -e "$dir/ran" ] || fail "the command ran although it was not recorded"
expect_ge "time until the refusal (ms)" "$((t1 - t0))" 4000
expect_log "log" "audit: cannot commit records (audit begin failed: database is locked); refusing new commands until the database takes writes again"

wait "$locker"
expect_serving
expect_log "log" "audit: records commit again; 1 record failed meanwhile"
expect_sql "the rows" "SELECT count(*), sum(command LIKE 'touch %')
    FROM commands" "2|0"
