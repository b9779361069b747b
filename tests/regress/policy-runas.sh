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

# Run-as per rule, seen from inside the command: "Allow alice as A root"
# runs alice's commands as A (her default) or root (rcmd -l root, or
# root@host), with that user's uid, groups, home and the configured
# umask, no capabilities and a clean environment; any other user is
# refused, saying which she may run as. The deploy bot's program runs as
# its own user. A working directory is entered as the user: one only
# root may enter fails the command. The test makes two users and a group
# of its own (useradd) and removes them at the end.

. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	echo "policy-runas: SKIP: needs root to make users and run as them" >&2
	exit 77
fi
for _c in useradd userdel groupadd groupdel; do
	if ! command -v "$_c" >/dev/null 2>&1; then
		echo "policy-runas: SKIP: no $_c (passwd)" >&2
		exit 77
	fi
done
ua=rcmdta$$
ud=rcmdtd$$
grp=rcmdtg$$
for _n in "$ua" "$ud"; do
	if id "$_n" >/dev/null 2>&1; then
		echo "policy-runas: SKIP: a user $_n exists already" >&2
		exit 77
	fi
done

made_a= made_d= made_g=
trap '_rc=$?; [ -z "$made_a" ] || userdel "$ua" 2>/dev/null;
    [ -z "$made_d" ] || userdel "$ud" 2>/dev/null;
    [ -z "$made_g" ] || groupdel "$grp" 2>/dev/null; (exit $_rc);
    lib_cleanup' EXIT
chmod 711 "$dir" || fail "chmod $dir"
groupadd "$grp" || fail "groupadd $grp failed"
made_g=1
useradd -M -N -d "$dir/home-a" -G "$grp" -s /bin/sh "$ua" ||
    fail "useradd $ua failed"
made_a=1
useradd -M -N -d "$dir/home-d" -s /bin/sh "$ud" || fail "useradd $ud failed"
made_d=1
mkdir "$dir/home-a" "$dir/home-d" "$dir/private" || fail "mkdir"
chown "$ua" "$dir/home-a" && chown "$ud" "$dir/home-d" ||
    fail "chown the homes"
chmod 700 "$dir/home-a" "$dir/private" || fail "chmod"

make_certs
c=$certs
sock=$dir/rcmdd.sock
bin=$dir/bin
mkdir "$bin" || fail "mkdir"
printf '#!/bin/sh\necho "$(id -un) $HOME $(pwd)"\nfor a; do echo "[$a]"; done\n' \
    >"$bin/deploy"
chmod 755 "$bin/deploy"


r_alice="Allow alice as $ua root"
r_deploy="Allow deploy-* from 127.0.0.0/8 as $ud command $bin/deploy *"
r_unix="Allow root from unix as $ua"
write_config "TLSCertificate $c/server.pem" "TLSKey $c/server.key" \
    "TLSClientCA $c/ca.pem" "ListenSocket $sock" "Path $bin:/usr/bin:/bin" \
    "CommandUmask 027" "$r_alice" "$r_deploy" "$r_unix"
start_daemon
ra="$conf:$(conf_line "$r_alice"): $r_alice"
rd="$conf:$(conf_line "$r_deploy"): $r_deploy"
row="SELECT status, run_as, mode, rule FROM commands ORDER BY id DESC LIMIT 1"

# alice's default: her user, its groups, home and the umask, nothing else.
probe='id -un; id -u; id -G; echo "$HOME"; pwd; umask;
    grep ^CapEff /proc/self/status | tr -d "\t"; env | sort | cut -d= -f1 | tr "\n" " "'
out=$(rcmd_as alice -n "$probe" 2>&1) || fail "alice: $out"
want="$ua
$(id -u "$ua")
$(id -G "$ua")
$dir/home-a
$dir/home-a
0027
CapEff:0000000000000000
HOME LANG LOGNAME PATH PWD RCMD_CLIENT SHELL USER "
expect_eq "alice, as $ua" "$want" "$out"
expect_match "alice: $grp among the groups" "* $(getent group "$grp" |
    cut -d: -f3)*" "$(rcmd_as alice -n 'id -G')"
expect_sql "alice, as $ua: row" "$row" "exited|$ua|shell|$ra"

# As root, when she asks: -l root, or root@host.
expect_eq "alice -l root" "root" "$(rcmd_as alice -n -l root 'id -un')"
expect_sql "alice -l root: row" "$row" "exited|root|shell|$ra"
out=$("$RCMD" -p "$port" --cert "$c/alice.pem" --key "$c/alice.key" \
    --ca "$c/ca.pem" -n root@127.0.0.1 'id -un')
expect_eq "alice root@host" "root" "$out"

# Not as anyone else.
rcmd_as alice -n -l "$ud" 'id -un' >"$dir/out" 2>"$dir/err"
expect_eq "alice as $ud: status" 255 "$?"
expect_eq "alice as $ud: output" "" "$(cat "$dir/out")"
expect_match "alice as $ud: message" "*not allowed: *alice may run as: $ua, root*" "$(cat "$dir/err")"
wait_sql 5 "SELECT count(*) FROM commands WHERE status = 'denied'" 1 ||
    fail "alice as $ud: no denied row"
expect_sql "alice as $ud: row" "$row" "denied|$ud|shell|$ra"

# The deploy bot's program, as its own user, in its home.
out=$(rcmd_as deploy-bot -n --argv deploy web1) || fail "deploy: $out"
expect_eq "deploy, as $ud" "$ud $dir/home-d $dir/home-d
[web1]" "$out"
expect_sql "deploy: row" "$row" "exited|$ud|argv|$rd"

# A working directory is entered as the user, after the change of user.
f=$(run_frame "1=pwd; id -un" "5=$dir/private")
raw -U "$sock" hello expect=HELLO "frame=6:$f" eof expect=EXIT \
    >"$dir/raw" 2>&1
expect_match "a directory only root enters" "*EXIT failed 13*" "$(cat "$dir/raw")"
expect_sql "a directory only root enters: row" "SELECT status, run_as, cwd,
    reason FROM commands ORDER BY id DESC LIMIT 1" \
    "failed|$ua|$dir/private|cannot enter its working directory as its user: Permission denied"
f=$(run_frame "1=pwd; id -un" "5=$dir/home-a")
raw -U "$sock" hello expect=HELLO "frame=6:$f" eof expect=EXIT \
    >"$dir/raw" 2>&1
expect_match "her own directory" "*STDOUT \"$dir/home-a\\\\n$ua\\\\n\"*" "$(cat "$dir/raw")"
stop_daemon

"$RCMDD" --verify-audit "$db" >"$dir/verify" 2>&1 ||
    fail "--verify-audit: $(cat "$dir/verify")"
exit 0
