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

# What recording a terminal session (rcmdd(8), "Recording") costs, on
# loopback, in one run: `cat` of a SIZE file of text through rcmd --tty
# (-yy: the client needs no terminal of its own; output to /dev/null),
# with the recording on (SessionRecordMax past SIZE, so every byte is
# timed, encoded as asciicast, chunked, chained and committed) and off
# (SessionRecordMax 0: the row and one empty chunk marked truncated, and
# no output crosses to the privileged part past the row's AuditOutputMax).
# The two alternate ROUNDS times, each on a new database, and the medians
# of the wall time and of the CPU time of rcmdd's two parts with cat are
# printed with their ratios; the target is a time within 10 % (issue 19).
#
#   sh bench/record-bench.sh [SIZE_MIB [ROUNDS]]
#
# defaults: 1024 MiB, 3 rounds. It needs a built tree (lib.sh) and room
# for the file and one recording (about twice SIZE) in TMPDIR.

size_mib=${1:-1024}
rounds=${2:-3}
watchdog=$((rounds * size_mib / 4 + 600))
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
test_name=record-bench
. "$top_srcdir/tests/regress/lib.sh"

file=$dir/text
# Lines of text, as a log or a listing is: 64 bytes each.
yes 'the quick brown fox jumps over the lazy dog, 0123456789 ABCDEFG' |
    head -c "$((size_mib * 1024 * 1024))" >"$file" ||
    fail "cannot write $size_mib MiB to $file"

# run on|off: one round; prints the wall time in seconds.
run() {
	rm -f "$db" "$db-wal" "$db-shm"
	if [ "$1" = on ]; then
		write_config "SessionRecordMax $((size_mib * 2))M"
	else
		write_config "SessionRecordMax 0"
	fi
	start_daemon
	_t0=$(now_ms)
	"$RCMD" -yy -p "$port" 127.0.0.1 "cat $file" </dev/null >/dev/null ||
	    fail "rcmd --tty cat failed ($1)"
	_t1=$(now_ms)
	# The CPU time of both parts and of the commands they reaped (cat),
	# in clock ticks: less at the mercy of the machine's other load.
	_cpu=$(cpu_ticks)
	_rec=$(sql "SELECT count(*) || ' chunks, ' || sum(length(data)) ||
	    ' bytes' FROM recording")
	stop_daemon
	echo "$1 $(((_t1 - _t0))) $_cpu $_rec" >>"$dir/runs"
	printf '%s\t%d.%03d s\tCPU %d.%02d s\t%s\n' "$1" \
	    $(((_t1 - _t0) / 1000)) $(((_t1 - _t0) % 1000)) \
	    $((_cpu / _hz)) $((_cpu % _hz * 100 / _hz)) "$_rec"
}

# cpu_ticks: utime, stime, cutime and cstime of rcmdd's two parts.
cpu_ticks() {
	_ct=0
	for _cp in $daemon_pid $(ps --ppid "$daemon_pid" -o pid= 2>/dev/null); do
		_cs=$(sed 's/^.*) //' "/proc/$_cp/stat" 2>/dev/null) || continue
		# Fields 14 to 17 of stat, 12 to 15 after the command name.
		set -- $_cs
		shift 11
		_ct=$((_ct + $1 + $2 + $3 + $4))
	done
	echo "$_ct"
}
_hz=$(getconf CLK_TCK)

i=0
while [ "$i" -lt "$rounds" ]; do
	run off
	run on
	i=$((i + 1))
done
# median VARIANT COLUMN
median() {
	awk -v v="$1" -v c="$2" '$1 == v { print $c }' "$dir/runs" | sort -n |
	    awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}
off=$(median off 2)
on=$(median on 2)
coff=$(median off 3)
con=$(median on 3)
echo "cat of $size_mib MiB through rcmd --tty, median of $rounds:"
printf '  recording off (SessionRecordMax 0): %d.%03d s, CPU %d.%02d s\n' \
    $((off / 1000)) $((off % 1000)) $((coff / _hz)) \
    $((coff % _hz * 100 / _hz))
printf '  recording on:                       %d.%03d s, CPU %d.%02d s\n' \
    $((on / 1000)) $((on % 1000)) $((con / _hz)) $((con % _hz * 100 / _hz))
printf '  on / off: %d %% of the time, %d %% of the CPU\n' \
    $((on * 100 / off)) $((con * 100 / coff))
