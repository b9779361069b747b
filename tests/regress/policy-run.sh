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

# The RUN frame with the real rcmd over TLS and the Unix socket, decided
# by the privileged part: the rules of rcmdd.conf(5)'s examples (deploy-*
# may run one program with one argument, nagios the check_* plugins, ops-*
# anything with a ticket), every way around a "command" rule the client
# can type (shell syntax in an argument, a program named with / or .., a
# PATH of the client's, an argument that begins with -, an empty one, too
# many), and those it cannot (a NUL, too many words: raw RUN frames). Each
# refusal is a denied row with the rule; each command's row holds its mode,
# vector, run-as user, ticket and rule, and the chain verifies. An EXEC
# (a client from before RUN) keeps working. Run-as other users is
# policy-runas.sh.

. "$(dirname "$0")/lib.sh"

make_certs
c=$certs
me=$(id -un)
sock=$dir/rcmdd.sock
bin=$dir/bin
evil=$dir/evil
mkdir "$bin" "$evil" || fail "mkdir"
# The programs the rules name print each argument in brackets.
for p in deploy check_load check_disk; do
	printf '#!/bin/sh\necho %s\nfor a; do printf "[%%s]\\n" "$a"; done\n' \
	    "$p" >"$bin/$p"
	chmod 755 "$bin/$p"
done
printf '#!/bin/sh\necho evil\n' >"$evil/deploy"
chmod 755 "$evil/deploy"


last_row="SELECT status, ifnull(run_as, '-'), ifnull(mode, '-'),
    ifnull(argv, '-'), ifnull(ticket, '-'), ifnull(rule, '-')
    FROM commands ORDER BY id DESC LIMIT 1"

# ran NAME OUTPUT ROW COMMAND...: exit 0, OUTPUT, and the last row ROW.
ran() {
	_name=$1 _want=$2 _row=$3
	shift 3
	"$@" >"$dir/out" 2>"$dir/err"
	_rc=$?
	[ "$_rc" -eq 0 ] || fail "$_name: status $_rc: $(cat "$dir/err")"
	expect_eq "$_name: output" "$_want" "$(cat "$dir/out")"
	wait_sql 5 "SELECT count(*) FROM commands WHERE status = 'running'" 0 ||
	    fail "$_name: the row is still running"
	expect_eq "$_name: row" "$_row" "$(sql "$last_row")"
}


r_deploy="Allow deploy-* from 127.0.0.0/8 as $me command $bin/deploy *"
r_nagios="Allow nagios as $me command $bin/check_* ..."
r_ops="Allow ops-* as $me ticket"
r_unix="Allow $me from unix as $me command $bin/deploy ..."
write_config "TLSCertificate $c/server.pem" "TLSKey $c/server.key" \
    "TLSClientCA $c/ca.pem" "ListenSocket $sock" "Path $bin:/usr/bin:/bin" \
    "Deny mallory" "$r_deploy" "$r_nagios" "$r_ops" "$r_unix" \
    "Allow alice as $me"
start_daemon
rd="$conf:$(conf_line "$r_deploy"): $r_deploy"
rn="$conf:$(conf_line "$r_nagios"): $r_nagios"
ro="$conf:$(conf_line "$r_ops"): $r_ops"
ru="$conf:$(conf_line "$r_unix"): $r_unix"

# The deploy bot runs its program, by name, resolved against rcmdd's Path.
ran "deploy web1" "deploy
[web1]" "exited|$me|argv|[\"deploy\",\"web1\"]|-|$rd" \
    rcmd_as deploy-bot -n --argv deploy web1
expect_sql "deploy web1: command" "SELECT command FROM commands
    ORDER BY id DESC LIMIT 1" "deploy web1"
# Shell syntax in an argument is one argument, given to no shell.
ran "shell syntax" "deploy
[web1; id]" "exited|$me|argv|[\"deploy\",\"web1; id\"]|-|$rd" \
    rcmd_as deploy-bot -n --argv deploy 'web1; id'
expect_sql "shell syntax: command" "SELECT command FROM commands
    ORDER BY id DESC LIMIT 1" "deploy 'web1; id'"
# An argument that begins with - (an option the program may take) or is
# empty matches "*" no more: only a pattern that spells it out. -a is
# --argv, and a word after the host is the program's, never rcmd's.
expect_refused "a dash" "*may not run $bin/deploy -l;*" \
    "denied|$me|argv|[\"deploy\",\"-l\"]|-|$rd" \
    rcmd_as deploy-bot -n -a deploy -l
expect_refused "an empty argument" "*may not run $bin/deploy \"\";*" \
    "denied|$me|argv|[\"deploy\",\"\"]|-|$rd" \
    rcmd_as deploy-bot -n -a deploy ''
# The client's PATH is not sent, and rcmdd's alone resolves.
ran "PATH trick" "deploy
[web1]" "exited|$me|argv|[\"deploy\",\"web1\"]|-|$rd" \
    env PATH="$evil:$PATH" "$RCMD" -p "$port" --cert "$c/deploy-bot.pem" \
    --key "$c/deploy-bot.key" --ca "$c/ca.pem" -n -a 127.0.0.1 deploy web1

n=$(conf_line "$r_deploy")
expect_refused "a slash in the argument" "*not allowed: deploy-bot from 127.0.0.1 may not run $bin/deploy \"status nginx; cat /etc/shadow\"; deploy-bot may run $bin/deploy \\**" \
    "denied|$me|argv|[\"deploy\",\"status nginx; cat /etc/shadow\"]|-|$rd" \
    rcmd_as deploy-bot -n --argv deploy 'status nginx; cat /etc/shadow'
expect_refused "two arguments" "*may not run $bin/deploy a b*" \
    "denied|$me|argv|[\"deploy\",\"a\",\"b\"]|-|$rd" \
    rcmd_as deploy-bot -n --argv deploy a b
expect_refused "a shell string" "*may not run a shell command*" \
    "denied|$me|shell|-|-|$rd" rcmd_as deploy-bot -n 'deploy web1'
expect_refused "another program" "*may not run*" \
    "denied|$me|argv|[\"sh\",\"-c\",\"id\"]|-|$rd" \
    rcmd_as deploy-bot -n --argv sh -c id
expect_refused "a program with .." "*program $bin/../bin/deploy*" \
    "denied|-|argv|[\"$bin/../bin/deploy\",\"web1\"]|-|-" \
    rcmd_as deploy-bot -n --argv "$bin/../bin/deploy" web1
expect_refused "a relative program" "*program ./deploy*" \
    "denied|-|argv|[\"./deploy\",\"web1\"]|-|-" \
    rcmd_as deploy-bot -n --argv ./deploy web1
expect_refused "the client's own program" "*may not run*" \
    "denied|$me|argv|[\"$evil/deploy\",\"web1\"]|-|$rd" \
    rcmd_as deploy-bot -n --argv "$evil/deploy" web1

# nagios: the check_* plugins, with any arguments ("...").
ran "check_load" "check_load
[-w]
[5]
[]" "exited|$me|argv|[\"check_load\",\"-w\",\"5\",\"\"]|-|$rn" \
    rcmd_as nagios -n --argv check_load -w 5 ''
expect_refused "a .. argument" "*may not run $bin/deploy ../etc;*" \
    "denied|$me|argv|[\"deploy\",\"../etc\"]|-|$rd" \
    rcmd_as deploy-bot -n --argv deploy ../etc
expect_refused "nagios, cat" "*nagios may run $bin/check_\\* ...*" \
    "denied|$me|argv|[\"cat\",\"/etc/shadow\"]|-|$rn" \
    rcmd_as nagios -n --argv cat /etc/shadow

# ops-*: anything, with a ticket.
expect_refused "no ticket" "*requires a ticket with each command; give a ticket, why this is run: rcmd -m TEXT" \
    "denied|$me|shell|-|-|$ro" rcmd_as ops-kim -n 'echo hi'
ran "a ticket" "hi" "exited|$me|shell|-|CHG-42 restart web|$ro" \
    rcmd_as ops-kim -n -m 'CHG-42 restart web' 'echo hi'

# An EXEC, as a client from before RUN sends: a shell string as RunAs.
ran "an EXEC" "old" "exited|$me|shell|-|-|$conf:$(conf_line "Allow alice as $me"): Allow alice as $me" \
    rcmd_as alice -n 'echo old'
expect_refused "Deny mallory" "*is denied by*" "denied|-|-|-|-|-" \
    rcmd_as mallory -n --argv deploy web1

# The Unix socket: the user asked for must be one the rule names.
ran "unix" "deploy
[a]
[b]" "exited|$me|argv|[\"deploy\",\"a\",\"b\"]|-|$ru" \
    "$RCMD" -n -a "unix:$sock" deploy a b
ran "unix -l" "deploy" "exited|$me|argv|[\"deploy\"]|-|$ru" \
    "$RCMD" -n -l "$me" -a "unix:$sock" deploy
ran "unix USER@" "deploy" "exited|$me|argv|[\"deploy\"]|-|$ru" \
    "$RCMD" -n -a "$me@unix:$sock" deploy
expect_refused "unix, as another user" "*$me may run as: $me*" \
    "denied|no-such-user|argv|[\"deploy\"]|-|$ru" \
    "$RCMD" -n -l no-such-user -a "unix:$sock" deploy

# Too many words: rcmd will not send them, nor rcmdd take them.
# shellcheck disable=SC2046
"$RCMD" -n -a "unix:$sock" deploy $(seq 1 4100) >"$dir/out" 2>"$dir/err"
expect_eq "too many: status" 255 "$?"
expect_match "too many: message" "rcmd: *too many*" "$(cat "$dir/err")"
many=$(run_frame $(for i in $(seq 0 4097); do echo "2=x"; done))
raw -U "$sock" hello expect=HELLO "frame=6:$many" expect=ERROR \
    >"$dir/raw" 2>&1
expect_match "raw, too many" "*ERROR 7 BAD_COMMAND \"RUN holds more than 4096 arguments\"*" "$(cat "$dir/raw")"
nul=$(run_frame "2=deploy" '2=web1\x00id')
raw -U "$sock" hello expect=HELLO "frame=6:$nul" expect=ERROR \
    >"$dir/raw" 2>&1
expect_match "raw, a NUL" "*ERROR 7 BAD_COMMAND \"RUN argument 1 holds a NUL byte at offset 4: it is text\"*" "$(cat "$dir/raw")"
expect_match "raw: the server announces RUN" "*HELLO \"RCMD\" version 1 flags 3*" "$(cat "$dir/raw")"
term=$(run_frame "2=deploy" '6=\x00\x18\x00\x50xterm')
raw -U "$sock" hello expect=HELLO "frame=6:$term" expect=ERROR \
    >"$dir/raw" 2>&1
# A terminal needs shell permission, even for a program the rules name.
expect_match "raw, a terminal" "*ERROR 12 DENIED \"not allowed: $me from the local socket may not open a terminal: a terminal needs shell permission*" "$(cat "$dir/raw")"
expect_sql "raw, a terminal: the denied row" "SELECT status, mode, argv,
    terminal, rule FROM commands ORDER BY id DESC LIMIT 1" \
    "denied|argv|[\"deploy\"]|xterm 24x80|$ru"
# A flood of refused commands on one connection is paced as refused
# connections are: 20 rows at once and 10 a second, the rest summed up.
before=$(sql "SELECT ifnull(max(id), 0) FROM commands")
shell=$(run_frame "1=id")
set --
for i in $(seq 1 60); do
	set -- "$@" "frame=6:$shell" expect=ERROR
done
raw -U "$sock" hello expect=HELLO "$@" >"$dir/raw" 2>&1 ||
    fail "the flood: $(tail -3 "$dir/raw")"
expect_eq "the flood: 60 refusals" 60 "$(grep -c "ERROR 12 DENIED" "$dir/raw")"
summary="reason LIKE '% not recorded one by one%'"
count_all() {
	one=$(sql "SELECT count(*) FROM commands WHERE id > $before AND
	    status = 'denied' AND NOT $summary")
	summed=$(sql "SELECT total(CAST(reason AS INTEGER)) FROM commands
	    WHERE id > $before AND $summary" | sed 's/\..*//')
	[ $((one + summed)) -eq 60 ]
}
wait_for 5 count_all ||
    fail "60 refused commands, but $one rows and $summed in summaries"
say "a flood of 60 refused commands: $one recorded one by one, $summed summed up"
expect_le "refused commands recorded one by one" "$one" 40

# A working directory, entered as the user; one that is not, a failure.
cwd=$(run_frame "2=sh" "5=$evil")
expect_eq "no shell to the vector" 0 "$(sql "SELECT count(*) FROM commands
    WHERE status = 'exited' AND argv LIKE '[\"sh\"%'")"
stop_daemon

write_config "ListenSocket $sock" "Path $bin:/usr/bin:/bin" \
    "Allow $me from unix"
start_daemon
cwd=$(run_frame "2=pwd" "5=$evil")
raw -U "$sock" hello expect=HELLO "frame=6:$cwd" eof expect=EXIT \
    >"$dir/raw" 2>&1
expect_match "raw, a directory" "*STDOUT \"$evil\\\\n\"*" "$(cat "$dir/raw")"
expect_sql "the directory's row" "SELECT cwd, mode, argv FROM commands
    ORDER BY id DESC LIMIT 1" "$evil|argv|[\"pwd\"]"
cwd=$(run_frame "2=pwd" "5=$dir/none")
raw -U "$sock" hello expect=HELLO "frame=6:$cwd" eof expect=EXIT \
    >"$dir/raw" 2>&1
expect_match "raw, no such directory" "*EXIT failed 2*" "$(cat "$dir/raw")"
expect_sql "no such directory: row" "SELECT status, cwd, reason FROM commands
    ORDER BY id DESC LIMIT 1" "failed|$dir/none|cannot enter its working directory as its user: No such file or directory"
stop_daemon

"$RCMDD" --verify-audit "$db" >"$dir/verify" 2>&1 ||
    fail "--verify-audit: $(cat "$dir/verify")"
"$PYTHON" "$top_srcdir/tests/regress/chainverify.py" "$db" >"$dir/pverify" 2>&1 ||
    fail "chainverify.py: $(cat "$dir/pverify")"
exit 0
