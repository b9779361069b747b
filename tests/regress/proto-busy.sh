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

# An EXEC while a command runs gets ERROR 6 (busy), which is not fatal:
# the running command goes on, gets its stdin and ends, and the next EXEC
# runs. The daemon logs it and goes on serving.

. "$(dirname "$0")/lib.sh"

start_daemon
raw hello expect=HELLO exec=cat expect=STARTED exec='echo second' \
    expect=ERROR stdin='to cat\n' eof expect=EXIT \
    exec='echo third' eof expect=EXIT >"$dir/out" ||
    fail "rawclient: $(cat "$dir/out")"
expect_result "$dir/out"
expect_log "log" \
    "a command is already running on this connection: wait for its EXIT"
expect_sql "the commands that ran" \
    "SELECT command, status FROM commands ORDER BY id" "cat|exited
echo third|exited"
expect_serving
