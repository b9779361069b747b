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

# rcmd loads libssl and libcrypto only for a connection that speaks TLS
# (they cost most of its start-up time): the binary does not need them
# (no DT_NEEDED entry), a running rcmd over plain TCP has neither mapped,
# one over TLS has both. When libssl cannot be loaded, rcmd exits 255
# naming the library and what the dynamic linker said: a file that is not
# a library, and a library without OpenSSL's functions, found first on
# LD_LIBRARY_PATH.

. "$(dirname "$0")/lib.sh"

# mapped PID LIBRARY: does process PID have LIBRARY (libssl.so...) mapped?
mapped() {
	grep -q "/$2" "/proc/$1/maps"
}

# The soname configure found, which rcmd loads.
soname=${RCMD_LIBSSL_SONAME:-libssl.so.3}

# No DT_NEEDED entry for OpenSSL.
if command -v readelf >/dev/null 2>&1; then
	needed=$(readelf -d "$RCMD" | grep NEEDED)
	expect_match "rcmd needs libedit" "*libedit*" "$needed"
	case $needed in
	*libssl*|*libcrypto*)
		fail "rcmd links OpenSSL: $(echo "$needed" | tr -s ' \n' ' ')" ;;
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
if mapped "$rcmd_pid" libssl.so || mapped "$rcmd_pid" libcrypto.so; then
	fail "rcmd over plain TCP has OpenSSL loaded:" \
	    "$(grep -o '/[^ ]*lib\(ssl\|crypto\)[^ ]*' "/proc/$rcmd_pid/maps" |
	    sort -u | tr '\n' ' ')"
fi
kill -TERM "$rcmd_pid"
wait "$rcmd_pid" 2>/dev/null
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
	    "rcmd: TLS needs $soname: *undefined symbol: *; it is not the OpenSSL rcmd was built with (OpenSSL *)" \
	    "$(cat "$dir/err")"
else
	say "ldconfig names no libm.so.6: the undefined symbol case is not" \
	    "tested"
fi

# Nothing ran for either.
expect_sql "rows" "SELECT count(*) FROM commands WHERE command = 'true'" 0
exit 0
