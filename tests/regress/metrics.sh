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


# Metrics as monitoring collects them: MetricsFile is a node_exporter
# textfile (Prometheus text format, every metric with HELP and TYPE,
# replaced whole every MetricsInterval), and rcmdd --status prints the same
# figures. Started, running and refused commands and the audit writer's
# commits show up; a reload may move the file; a folder rcmdd cannot
# write is logged once, and rcmdd serves on.

. "$(dirname "$0")/lib.sh"

prom=$dir/rcmdd.prom
ctl=$dir/control.sock
write_config "MetricsFile $prom" "MetricsInterval 1s" "ControlSocket $ctl" \
    "Allow alice"
start_daemon

# metric NAME [FILE]: its value in the file.
metric() {
	sed -n "s/^rcmdd_$1 //p" "${2:-$prom}"
}
wait_metric() {
	wait_for 5 sh -c "grep -qx 'rcmdd_$1 $2' '$prom'" ||
	    fail "rcmdd_$1 did not become $2: $(grep "^rcmdd_$1 " "$prom")"
}

[ -f "$prom" ] || fail "no metrics file at start-up"
# The format: each sample follows its HELP and TYPE, and nothing else.
"$PYTHON" - "$prom" <<'PY' || fail "the metrics file is not in the text format"
import re, sys
lines = open(sys.argv[1]).read().splitlines()
seen = {}
i = 0
while i < len(lines):
    m = re.fullmatch(r"# HELP (rcmdd_[a-z_]+) .+", lines[i])
    t = re.fullmatch(r"# TYPE (rcmdd_[a-z_]+) (gauge|counter)", lines[i + 1])
    s = re.fullmatch(r"(rcmdd_[a-z_]+) (-?[0-9.e+]+)", lines[i + 2])
    if not (m and t and s) or not m.group(1) == t.group(1) == s.group(1):
        sys.exit("bad lines at %d: %r" % (i + 1, lines[i:i + 3]))
    if t.group(2) == "counter" and not s.group(1).endswith("_total"):
        sys.exit("counter %s does not end in _total" % s.group(1))
    seen[s.group(1)] = s.group(2)
    i += 3
for name in ("rcmdd_commands_running", "rcmdd_commands_started_total",
             "rcmdd_commands_refused_total", "rcmdd_audit_queue_depth",
             "rcmdd_audit_commit_seconds_total", "rcmdd_connections"):
    if name not in seen:
        sys.exit("no %s" % name)
PY

# Plain TCP has no identity, so "Allow alice" refuses it: one refusal.
rcmd -n true 2>/dev/null
expect_eq "refused rcmd" 255 "$?"
wait_metric commands_refused_total 1

write_config "MetricsFile $prom" "MetricsInterval 1s" "ControlSocket $ctl"
kill -HUP "$daemon_pid"
wait_for 5 grep -q "SIGHUP: configuration reloaded" "$log" ||
    fail "rcmdd did not reload"
rcmd -n true
rcmd -n true
wait_metric commands_started_total 2
rcmd_bg -n 'sleep 30'
sleeper=$rcmd_pid
wait_metric commands_running 1
wait_metric connections 1
records=$(metric audit_records_total)
expect_ge "audit records" "$records" 5
expect_ge "audit commits" "$(metric audit_commits_total)" 1
[ ! -e "$prom.tmp" ] || fail "a temporary metrics file was left"

"$RCMDD" -c "$conf" --status >"$dir/status" ||
    fail "rcmdd --status failed"
expect_match "--status: running" "*commands_running 1*" "$(cat "$dir/status")"
expect_match "--status: refused" "*commands_refused_total 1*" \
    "$(cat "$dir/status")"
expect_match "--status: queue" "*audit_queue_depth *" "$(cat "$dir/status")"
"$RCMDD" -c "$conf" --end "$(sql "SELECT max(id) FROM commands")" >/dev/null ||
    fail "rcmdd --end failed"
wait "$sleeper"

# A folder rcmdd may not write: one warning, and it serves on.
write_config "MetricsFile $dir/nofolder/rcmdd.prom" "MetricsInterval 1s" \
    "ControlSocket $ctl"
kill -HUP "$daemon_pid"
wait_for 5 grep -q "MetricsFile $dir/nofolder/rcmdd.prom: cannot write it: No such file or directory" "$log" ||
    fail "no warning for a metrics file that cannot be written"
# The hint fits the error: a folder missing is to be made.
expect_log "the warning's hint" "MetricsFile $dir/nofolder/rcmdd.prom: cannot write it: No such file or directory; create $dir/nofolder, or name a file in a folder that exists; trying again every interval"
sleep 2.5
expect_eq "warnings for the unwritable file" 1 \
    "$(grep -c "MetricsFile $dir/nofolder/rcmdd.prom: cannot write it" "$log")"
expect_serving

stop_daemon
