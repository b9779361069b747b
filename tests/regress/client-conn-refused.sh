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

# rcmd to a port where nothing listens exits 255 at once and says the
# connection was refused.

. "$(dirname "$0")/lib.sh"

# The port of a daemon that has stopped is one where nothing listens.
start_daemon
stop_daemon
t0=$(now_ms)
rcmd -n true 2>"$dir/err"
rc=$?
t1=$(now_ms)
expect_eq "exit status" 255 "$rc"
expect_le "ms to fail" $((t1 - t0)) 3000
expect_eq "message" "rcmd: cannot connect to 127.0.0.1 port $port: connection refused (is rcmdd running there, on that port?)" \
    "$(cat "$dir/err")"
