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

# rcmd loads libssl and libcrypto only for a connection that speaks TLS,
# and libedit only for its prompt (they cost most of its start-up time):
# the binary does not need them (no DT_NEEDED entry), a running rcmd over
# plain TCP has none of them mapped, one over TLS has libssl and
# libcrypto, and one at its prompt has libedit. When a library cannot be
# loaded, rcmd exits 255 naming it and saying what the dynamic linker
# said: for a file that is not a library, and for a library without the
# functions rcmd calls, found first on LD_LIBRARY_PATH.

. "$(dirname "$0")/lib.sh"

# mapped PID LIBRARY: does process PID have LIBRARY (libssl.so...) mapped?
mapped() {
	grep -q "/$2" "/proc/$1/maps"
}

# The sonames configure found, which rcmd loads.
soname=${RCMD_LIBSSL_SONAME:-libssl.so.3}
edit_soname=${RCMD_LIBEDIT_SONAME:-libedit.so.2}

# No DT_NEEDED entry for OpenSSL or libedit.
if command -v readelf >/dev/null 2>&1; then
	needed=$(readelf -d "$RCMD" | grep NEEDED)
	expect_match "rcmd needs libc" "*libc.so*" "$needed"
	case $needed in
	*libssl*|*libcrypto*|*libedit*)
		fail "rcmd links what it should load: $(echo "$needed" |
		    tr -s ' \n' ' ')" ;;
	esac
else
	say "no readelf: the DT_NEEDED check is left to /proc/PID/maps"
fi

# Plain TCP: a command that runs long enough to look at rcmd's maps.
start_daemon
rcmd_bg -n 'sleep 30'
wait_sql 10 "SELECT count(*) FROM commands WHERE status = 'running'" 1 ||
    fail "the plain TCP command is not running: $sql_got"
[ -r "/proc/$rcmd_pid/maps" ] || fail "cannot read /proc/$rcmd_pid/maps"
mapped "$rcmd_pid" libc.so || fail "no libc in rcmd's maps: wrong process?"
if mapped "$rcmd_pid" libssl.so || mapped "$rcmd_pid" libcrypto.so ||
    mapped "$rcmd_pid" libedit.so; then
	fail "rcmd over plain TCP has loaded:" \
	    "$(grep -o '/[^ ]*lib\(ssl\|crypto\|edit\)[^ ]*' \
	    "/proc/$rcmd_pid/maps" | sort -u | tr '\n' ' ')"
fi
kill -TERM "$rcmd_pid"
wait "$rcmd_pid" 2>/dev/null

# The prompt, with a command that runs long enough to look.
mkfifo "$dir/prompt-in"
"$RCMD" -p "$port" 127.0.0.1 <"$dir/prompt-in" >"$dir/out" 2>"$dir/err" &
rcmd_pid=$!
track "$rcmd_pid"
exec 3>"$dir/prompt-in"
echo 'sleep 30' >&3
wait_sql 10 "SELECT count(*) FROM commands WHERE status = 'running'" 1 ||
    fail "the prompt's command is not running: $sql_got"
mapped "$rcmd_pid" "$edit_soname" ||
    fail "rcmd at its prompt has no $edit_soname mapped"
if mapped "$rcmd_pid" libssl.so; then
	fail "rcmd at its prompt over plain TCP has libssl loaded"
fi
kill -TERM "$rcmd_pid"
exec 3>&-
wait "$rcmd_pid" 2>/dev/null

# A libedit that is not one: the prompt says so, and nothing runs.
mkdir "$dir/notedit"
echo "not a library" >"$dir/notedit/$edit_soname"
echo 'echo never' | LD_LIBRARY_PATH=$dir/notedit "$RCMD" -p "$port" \
    127.0.0.1 >"$dir/out" 2>"$dir/err"
expect_eq "no libedit: status" 255 "$?"
expect_match "no libedit: message" \
    "rcmd: the prompt needs $edit_soname: $dir/notedit/$edit_soname: *; install *libedit*" \
    "$(cat "$dir/err")"
expect_sql "no libedit: nothing ran" \
    "SELECT count(*) FROM commands WHERE command = 'echo never'" 0
stop_daemon

# TLS: the same, with a client certificate.
make_certs
c=$certs
tls="--cert $c/alice.pem --key $c/alice.key --ca $c/ca.pem"
write_config "TLSCertificate $c/server.pem" "TLSKey $c/server.key" \
    "TLSClientCA $c/ca.pem" "Allow alice"
start_daemon
# shellcheck disable=SC2086
rcmd_bg $tls -n 'sleep 30'
wait_sql 10 "SELECT count(*) FROM commands WHERE status = 'running'" 1 ||
    fail "the TLS command is not running: $sql_got"
mapped "$rcmd_pid" "$soname" ||
    fail "rcmd over TLS has no $soname mapped"
mapped "$rcmd_pid" libcrypto.so ||
    fail "rcmd over TLS has no libcrypto mapped"
kill -TERM "$rcmd_pid"
wait "$rcmd_pid" 2>/dev/null

# A file that is not a library, where rcmd looks for libssl first.
mkdir "$dir/notlib" "$dir/otherlib"
echo "not a library" >"$dir/notlib/$soname"
# shellcheck disable=SC2086
LD_LIBRARY_PATH=$dir/notlib "$RCMD" -p "$port" $tls -n 127.0.0.1 true \
    >"$dir/out" 2>"$dir/err"
expect_eq "not a library: status" 255 "$?"
expect_match "not a library: message" \
    "rcmd: TLS needs $soname: $dir/notlib/$soname: *; install *libssl*" \
    "$(cat "$dir/err")"

# A real library, but not OpenSSL's: the C library's libm will do.
libm=$(ldconfig -p 2>/dev/null | sed -n 's/.*libm\.so\.6 (libc6[^)]*) => //p' |
    head -n 1)
if [ -n "$libm" ] && [ -r "$libm" ]; then
	cp "$libm" "$dir/otherlib/$soname"
	# shellcheck disable=SC2086
	LD_LIBRARY_PATH=$dir/otherlib "$RCMD" -p "$port" $tls -n 127.0.0.1 \
	    true >"$dir/out" 2>"$dir/err"
	expect_eq "not OpenSSL: status" 255 "$?"
	expect_match "not OpenSSL: message" \
	    "rcmd: TLS needs $soname: *undefined symbol: * (not the library rcmd was built for); install *libssl*" \
	    "$(cat "$dir/err")"
else
	say "ldconfig names no libm.so.6: the undefined symbol case is not" \
	    "tested"
fi

# Nothing ran for either.
expect_sql "rows" "SELECT count(*) FROM commands WHERE command = 'true'" 0
exit 0
