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

# rcmd to a host name that does not resolve exits 255 and names the host.
# The name has an empty label, so the resolver rejects it without asking
# any name server.

. "$(dirname "$0")/lib.sh"

"$RCMD" -n -p 1 nonexistent..invalid true >"$dir/out" 2>"$dir/err"
expect_eq "exit status" 255 "$?"
expect_eq "stdout" "" "$(cat "$dir/out")"
expect_match "message" "rcmd: host nonexistent..invalid not found: *" \
    "$(cat "$dir/err")"
