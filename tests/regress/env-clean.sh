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

# Commands start with a clean environment: PATH and LANG from the
# configuration, the user's HOME, USER, LOGNAME and SHELL, RCMD_CLIENT,
# and nothing of the daemon's or the client's environment.

. "$(dirname "$0")/lib.sh"

write_config "Path /usr/bin:/bin:/opt/rcmd-test/bin" "Lang C"
RCMD_TEST_DAEMON_SECRET=daemon
export RCMD_TEST_DAEMON_SECRET
start_daemon
unset RCMD_TEST_DAEMON_SECRET
FOO=bar
export FOO

rcmd -n env >"$dir/env"
expect_eq "exit status" 0 "$?"
expect_eq "PATH" "PATH=/usr/bin:/bin:/opt/rcmd-test/bin" \
    "$(grep '^PATH=' "$dir/env")"
expect_eq "LANG" "LANG=C" "$(grep '^LANG=' "$dir/env")"
expect_eq "SHELL" "SHELL=/bin/sh" "$(grep '^SHELL=' "$dir/env")"
expect_match "RCMD_CLIENT" "RCMD_CLIENT=127.0.0.1 [0-9]*" \
    "$(grep '^RCMD_CLIENT=' "$dir/env")"
if grep -e '^FOO=' -e '^RCMD_TEST_DAEMON_SECRET=' "$dir/env" >&2; then
	fail "the caller's environment leaked into the command"
fi
# Nothing else: only these names, and what the shell itself sets.
sed -n 's/^\([A-Za-z_][A-Za-z0-9_]*\)=.*/\1/p' "$dir/env" | sort >"$dir/names"
while read -r name; do
	case $name in
	PATH|LANG|HOME|USER|LOGNAME|SHELL|RCMD_CLIENT|PWD|OLDPWD|SHLVL|_) ;;
	*)	fail "unexpected variable $name in the command's environment" ;;
	esac
done <"$dir/names"
