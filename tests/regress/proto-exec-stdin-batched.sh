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

# A client may send EXEC, STDIN and STDIN_EOF back to back, so that they
# reach the daemon in one read: the command still gets its stdin and its
# end, in threaded and in single-thread mode. CommandTimeout bounds a
# command that would wait for them forever.

. "$(dirname "$0")/lib.sh"

write_config "CommandTimeout 5"
for mode in threaded single-thread; do
	case $mode in
	threaded)	start_daemon ;;
	*)		start_daemon -s ;;
	esac
	raw -t 10 hello expect=HELLO \
	    cork exec='wc -l' stdin='one\ntwo\n' stdin='three\n' eof uncork \
	    expect=EXIT \
	    cork exec='cat' stdin='again\n' eof uncork expect=EXIT \
	    >"$dir/out.$mode" || fail "$mode: rawclient: $(cat "$dir/out.$mode")"
	expect_result "$dir/out.$mode" proto-exec-stdin-batched
	stop_daemon
done
