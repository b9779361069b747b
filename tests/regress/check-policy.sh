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

# The rules from the command line, with no daemon running: rcmdd -t
# reports a user that does not exist and a program pattern that cannot
# match as errors with file and line, and a rule never reached as a
# warning; rcmdd --check-policy answers with the rule, the user, the
# reason and a hint, and exits 0 allowed, 1 refused, 2 an error.

. "$(dirname "$0")/lib.sh"

# The answers name nobody, the RunAs of an rcmdd started as root.
if [ "$(id -u)" -ne 0 ]; then
	echo "check-policy: SKIP: needs root (RunAs is then nobody)" >&2
	exit 77
fi
cd "$dir" || fail "cd $dir"
mkdir bin || fail "mkdir"
printf '#!/bin/sh\nexit 0\n' >bin/deploy && chmod 755 bin/deploy ||
    fail "cannot make bin/deploy"

cat >rules.conf <<CONF
Port 0
Path $dir/bin
Deny mallory
Allow alice as daemon root
Allow deploy-* from 10.0.0.0/8 as bin command $dir/bin/deploy *
Allow ops-* as root ticket
Allow * from unix
CONF
"$RCMDD" -t -c rules.conf >out 2>err
expect_eq "status of -t" 0 "$?"
expect_eq "stdout of -t" "rcmdd: configuration OK" "$(cat out)"
expect_eq "stderr of -t" "" "$(cat err)"

# ask STATUS ARGUMENT...: a dry run, its output (with $dir as DIR) and
# status into the transcript.
ask() {
	want=$1
	shift
	echo "\$ rcmdd --check-policy $*" | sed "s|$dir|DIR|g" >>transcript
	"$RCMDD" -c rules.conf --check-policy "$@" >out 2>err
	got=$?
	sed "s|$dir|DIR|g" out >>transcript
	head -n 1 err | sed -e "s|$dir|DIR|g" -e "s|^$RCMDD:|rcmdd:|" >>transcript
	echo "status $got" >>transcript
	expect_eq "status of --check-policy $*" "$want" "$got"
}
: >transcript
ask 0 alice
ask 0 alice id
ask 0 alice --as root id
ask 1 alice --as bin id
ask 1 alice --from 192.0.2.1 --as nobody id
ask 1 mallory id
ask 0 deploy-web --from 10.1.2.3 --argv deploy prod
ask 0 deploy-web --from 10.1.2.3 --argv "$dir/bin/deploy" prod
ask 1 deploy-web --from 10.1.2.3 --argv deploy --force
ask 1 deploy-web --from 10.1.2.3 --argv deploy ''
ask 1 deploy-web --from 10.1.2.3 --argv deploy prod extra
ask 1 deploy-web --from 10.1.2.3 'deploy prod; cat /etc/shadow'
ask 1 deploy-web --from 10.1.2.3 --argv ../bin/deploy prod
ask 1 deploy-web --from 10.1.2.3 --argv "$dir/bin/../bin/deploy" prod
ask 1 deploy-web --from 10.1.2.3 --argv sh -c id
ask 1 ops-1 --from ::1 uptime
ask 0 ops-1 --from ::1 --ticket uptime
ask 1 eve --from 127.0.0.1 id
ask 0 '' id
ask 2 alice --from nowhere id
ask 2 alice --fingerprint AB:CD id
ask 2 alice --argv
ask 2 alice --bogus
expect_result transcript

# Errors: each with its file and line, all of them.
cat >bad.conf <<CONF
Port 0
Allow alice as daemon no-such-user-rcmdd
Allow deploy command deploy *
Allow ops as root,no-such-user-either ticket
CONF
"$RCMDD" -t -c bad.conf >out 2>err
expect_eq "status of -t with errors" 1 "$?"
expect_eq "stdout of -t with errors" "" "$(cat out)"
expect_result err check-policy-errors
"$RCMDD" -c bad.conf --check-policy alice id >out 2>err
expect_eq "status of a dry run with errors" 2 "$?"

# Warnings: -t still says OK.
cat >order.conf <<CONF
Port 0
Allow *
Deny mallory
Allow ops as root
Allow ops as root
CONF
"$RCMDD" -t -c order.conf >out 2>err
expect_eq "status of -t with warnings" 0 "$?"
expect_eq "stdout of -t with warnings" "rcmdd: configuration OK" "$(cat out)"
expect_result err check-policy-warnings

# The rules as an operator writes them, a comment after a rule included.
cat >commented.conf <<CONF
Port 0
Deny  mallory
Allow daemon as daemon root                      # daemon picks either
Allow ops-* as root ticket   # must give a ticket with each command
CONF
"$RCMDD" -t -c commented.conf >out 2>err
expect_eq "status of -t, rules with comments" 0 "$?"
"$RCMDD" -c commented.conf --check-policy daemon --as root id >out 2>err
expect_eq "status of a dry run, rules with comments" 0 "$?"
expect_eq "a rule's text leaves its comment out" \
    "allowed by commented.conf:3: Allow daemon as daemon root, as root" \
    "$(cat out)"
"$RCMDD" -c commented.conf --check-policy ops-1 id >out 2>err
expect_eq "status of a dry run without a ticket" 1 "$?"

# Run by another user than root, the dry run still answers for an rcmdd
# started as root, whose default user is nobody (it answered with its own
# user, as daemon here); with SingleUser, for one started by that user.
if command -v setpriv >/dev/null 2>&1 && id daemon >/dev/null 2>&1; then
	printf 'Port 0\nAllow alice\n' >plain.conf
	printf 'Port 0\nSingleUser yes\nAllow alice\n' >single.conf
	chmod 644 plain.conf single.conf
	chmod o+x "$dir"
	expect_eq "a dry run as daemon" \
	    "allowed by plain.conf:2: Allow alice, as nobody" \
	    "$(setpriv --reuid=daemon --regid=daemon --clear-groups \
	    "$RCMDD" -c plain.conf --check-policy alice id 2>&1)"
	expect_eq "a dry run as daemon, SingleUser" \
	    "allowed by single.conf:3: Allow alice, as daemon" \
	    "$(setpriv --reuid=daemon --regid=daemon --clear-groups \
	    "$RCMDD" -c single.conf --check-policy alice id 2>&1)"
	chmod o-x "$dir"
else
	say "SKIP of the dry run as another user: no setpriv or no user daemon"
fi
