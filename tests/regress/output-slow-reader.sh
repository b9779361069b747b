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


# A client that reads slower than the command writes (rcmd's stdout piped
# into a reader of 2 MB/s, as into a pager) gets all the output the
# command wrote, however long after the shell's exit it takes: the shell
# exits once its last bytes are in the pipe, which may hold a MiB, and
# DrainTimeout (200 ms here) bounds only the wait for processes left
# behind, not the reading of what was written before the exit. A process
# left behind writing without end still has its output closed, once the
# bytes owed at the exit are read.

. "$(dirname "$0")/lib.sh"

# slow_read RATE: read stdin at about RATE bytes a second, print the count.
slow_read() {
	python3 -c '
import sys, time
rate = int(sys.argv[1])
n = 0
while True:
    b = sys.stdin.buffer.read1(rate // 20)
    if not b:
        break
    n += len(b)
    time.sleep(0.05)
print(n)' "$1"
}

size=6000000
write_config "DrainTimeout 200ms"
for mode in threaded single; do
	if [ "$mode" = single ]; then
		stop_daemon
		start_daemon -s
	else
		start_daemon
	fi
	got=$({ rcmd_within 60 -n "head -c $size /dev/zero"; \
	    echo $? >"$dir/rc"; } | slow_read 2000000)
	expect_eq "$mode: exit status" 0 "$(cat "$dir/rc")"
	expect_eq "$mode: bytes read through a slow reader" "$size" "$got"
	expect_sql "$mode: audit row" "SELECT status, exit_code, output_bytes
	    FROM commands ORDER BY id DESC LIMIT 1" "exited|0|$size"
done

# yes(1) left behind writes until its group is killed: the bytes owed at
# the shell's exit come, then the drain ends it.
got=$({ rcmd_within 60 -n "yes & head -c 1000000 /dev/zero; exit 3"; \
    echo $? >"$dir/rc"; } | slow_read 2000000)
expect_eq "left behind: exit status" 3 "$(cat "$dir/rc")"
expect_ge "left behind: bytes read" "$got" 1000000
expect_sql "left behind: audit row" "SELECT status, exit_code
    FROM commands ORDER BY id DESC LIMIT 1" "exited|3"
