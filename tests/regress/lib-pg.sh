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

# The PostgreSQL half of the regress library, sourced after lib.sh by the
# tests of the central audit store (sql/central.sql). It runs a private
# PostgreSQL cluster in the test's folder: initdb and pg_ctl as an
# unprivileged user (as root: the user postgres, or $PG_USER), a free
# loopback port, the socket in the folder, TLS with a CA and certificates
# made at test time, hosts that log in over TLS with `cert` authentication
# (the certificate's CN is the role), and central.sql loaded into the
# database rcmdd_audit. The postmaster is stopped at exit, by its PID.
#
#   pg_probe            exit 77 (skip), saying why, when PostgreSQL cannot
#                       run here; call it before anything else
#   pg_need_libpq       exit 77 when rcmdd was built without PostgreSQL
#   pg_start            make the cluster, start it, load central.sql;
#                       sets pg_port, pg_host (127.0.0.1), pg_db, pg_sock
#   pg_add_host NAME    the host's role (rcmdd_add_host) and a client
#                       certificate for CN=NAME; sets pg_conninfo (libpq
#                       keywords) and pg_uri (postgresql://...) for it,
#                       and prints the conninfo
#   pg_add_auditor NAME a login role in rcmdd_auditor, its certificate; the
#                       same variables
#   pg_conninfo_for NAME, pg_uri_for NAME: print them for a known name
#   pg_psql [ARG...]    psql as the superuser over the socket, quiet, no
#                       psqlrc, stopping at the first error
#   pg_as NAME [ARG...] psql as NAME over TLS with its certificate
#   pg_stop_hard        pg_ctl stop -m immediate (a crash, as far as the
#                       clients can tell)
#   pg_stop             pg_ctl stop -m fast
#   pg_restart          start it again (after pg_stop or pg_stop_hard)
#   pg_running          is the postmaster up?
#   pg_load_events NAME DATABASE
#                       copy a local audit database's events into the
#                       store as the host NAME would forward them (one
#                       transaction, as NAME's role, resends ignored): its
#                       chain base, every event, and its head
#
# From the environment: PG_BINDIR (default: the newest of
# /usr/lib/postgresql/*/bin, else pg_config --bindir), PG_USER (as root,
# the user the cluster runs as; default postgres), PG_FSYNC (on for the
# figures; off by default, which a killed server survives: only a crash
# of the whole machine loses what the kernel has not written).

pg_db=rcmdd_audit
pg_host=127.0.0.1
pg_pid=
pg_port=

# pg_skip REASON...: the test cannot run here.
pg_skip() {
	printf '%s: SKIP: %s\n' "$test_name" "$*" >&2
	exit 77
}

# Find the binaries and the user; skip when PostgreSQL cannot run.
pg_probe() {
	if [ -z "${PG_BINDIR:-}" ]; then
		for _pp_d in /usr/lib/postgresql/*/bin; do
			[ -x "$_pp_d/initdb" ] || continue
			_pp_v=${_pp_d%/bin}
			_pp_v=${_pp_v##*/}
			case $_pp_v in
			*[!0-9]*)	continue ;;
			esac
			if [ -z "${_pp_best:-}" ] || [ "$_pp_v" -gt "$_pp_best" ]
			then
				_pp_best=$_pp_v
				PG_BINDIR=$_pp_d
			fi
		done
	fi
	if [ -z "${PG_BINDIR:-}" ] && command -v pg_config >/dev/null 2>&1
	then
		PG_BINDIR=$(pg_config --bindir)
	fi
	for _pp_p in initdb pg_ctl postgres; do
		[ -n "${PG_BINDIR:-}" ] && [ -x "$PG_BINDIR/$_pp_p" ] ||
		    pg_skip "no PostgreSQL server ($_pp_p not found in" \
			"${PG_BINDIR:-/usr/lib/postgresql/*/bin}): install the" \
			"postgresql package, or set PG_BINDIR"
	done
	if [ -x "$PG_BINDIR/psql" ]; then
		PG_PSQL=$PG_BINDIR/psql
	else
		PG_PSQL=$(command -v psql || :)
	fi
	[ -n "$PG_PSQL" ] ||
	    pg_skip "no psql: install the postgresql-client package"
	if [ "$(id -u)" -eq 0 ]; then
		: "${PG_USER:=postgres}"
		id -u "$PG_USER" >/dev/null 2>&1 ||
		    pg_skip "initdb refuses to run as root, and there is no" \
			"user $PG_USER to run PostgreSQL as: install the" \
			"postgresql package (it makes the user postgres), or" \
			"set PG_USER to an unprivileged user"
		[ "$(id -u "$PG_USER")" -ne 0 ] ||
		    pg_skip "PG_USER=$PG_USER is root, which initdb refuses"
	else
		PG_USER=
	fi
	pg_dir=$dir/pg
	mkdir "$pg_dir" || fail "cannot make $pg_dir"
	if [ -n "$PG_USER" ]; then
		# The folder of lib.sh is root's, mode 0700: let the
		# cluster's user through it (not read it) to its own.
		chmod 0711 "$dir" || fail "cannot chmod $dir"
		chown "$PG_USER:" "$pg_dir" || fail "cannot chown $pg_dir"
		pg_run test -w "$pg_dir" ||
		    pg_skip "the user $PG_USER cannot reach $pg_dir (a" \
			"folder above it is closed to it): set TMPDIR to a" \
			"folder it can pass through"
	fi
	_pp_out=$(pg_run "$PG_BINDIR/postgres" --version 2>&1) ||
	    pg_skip "$PG_BINDIR/postgres cannot run: $_pp_out"
	trap pg_exit EXIT
}

# Skip unless rcmdd was built with libpq. With it, the probe tries
# port 1 of 127.0.0.1, named in the URI so that no PGHOST in the
# environment sends it anywhere else, and is refused at once.
pg_need_libpq() {
	"$RCMDD" --verify-audit \
	    'postgresql://127.0.0.1:1/rcmdd_probe?connect_timeout=2' \
	    >/dev/null 2>"$dir/pg-libpq" || :
	! grep -q 'built without PostgreSQL' "$dir/pg-libpq" ||
	    pg_skip "rcmdd was built without PostgreSQL (configure did" \
		"not find libpq: install libpq-dev and run configure again)"
}

# pg_run COMMAND...: run a command as the cluster's user, in its folder.
pg_run() {
	if [ -n "$PG_USER" ]; then
		(cd "$pg_dir" && exec setpriv --reuid="$PG_USER" \
		    --regid="$PG_USER" --init-groups "$@")
	else
		(cd "$pg_dir" && exec "$@")
	fi
}

# pg_cert NAME: a client certificate and key for CN=NAME, signed by the
# test CA, in $certs (made by make_certs in pg_start).
pg_cert() {
	[ -f "$certs/pg-$1.pem" ] && return 0
	printf '%s\n' 'basicConstraints = CA:FALSE' \
	    'keyUsage = critical, digitalSignature' \
	    'extendedKeyUsage = clientAuth' >"$certs/pg-client.ext"
	(umask 077 &&
	    "$OPENSSL" genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
	    -out "$certs/pg-$1.key" &&
	    "$OPENSSL" req -new -key "$certs/pg-$1.key" \
	    -out "$certs/pg-$1.csr" -subj "/O=rcmdd tests/CN=$1" &&
	    "$OPENSSL" x509 -req -in "$certs/pg-$1.csr" -CA "$certs/ca.pem" \
	    -CAkey "$certs/ca.key" -CAcreateserial -days 825 \
	    -extfile "$certs/pg-client.ext" -out "$certs/pg-$1.pem") \
	    >"$dir/pg-cert.log" 2>&1 || {
		cat "$dir/pg-cert.log" >&2
		fail "openssl could not make a client certificate for $1"
	}
	rm -f "$certs/pg-$1.csr"
}

# pg_conninfo_for NAME: the libpq connection string for NAME over TLS.
pg_conninfo_for() {
	echo "host=$pg_host port=$pg_port dbname=$pg_db user=$1" \
	    "sslmode=verify-full sslrootcert=$certs/ca.pem" \
	    "sslcert=$certs/pg-$1.pem sslkey=$certs/pg-$1.key" \
	    "connect_timeout=5"
}

# pg_uri_for NAME: the same as a postgresql:// URI (the test folder's
# paths need no escaping).
pg_uri_for() {
	echo "postgresql://$1@$pg_host:$pg_port/$pg_db?sslmode=verify-full&sslrootcert=$certs/ca.pem&sslcert=$certs/pg-$1.pem&sslkey=$certs/pg-$1.key&connect_timeout=5"
}

# Write the cluster's configuration: TLS, loopback only, the socket in the
# folder, and certificate logins for hosts and auditors.
pg_configure() {
	cp "$certs/server.pem" "$certs/server.key" "$certs/ca.pem" "$pg_dir/" &&
	    chmod 0600 "$pg_dir/server.key" ||
	    fail "cannot copy the server's certificate to $pg_dir"
	[ -z "$PG_USER" ] ||
	    chown "$PG_USER:" "$pg_dir/server.pem" "$pg_dir/server.key" \
	    "$pg_dir/ca.pem" || fail "cannot chown the server's certificate"
	cat >>"$pg_dir/data/postgresql.conf" <<EOF
# written by lib-pg.sh for $test_name
listen_addresses = '$pg_host'
unix_socket_directories = '$pg_sock'
unix_socket_permissions = 0700
ssl = on
ssl_cert_file = '$pg_dir/server.pem'
ssl_key_file = '$pg_dir/server.key'
ssl_ca_file = '$pg_dir/ca.pem'
ssl_min_protocol_version = 'TLSv1.3'
fsync = ${PG_FSYNC:-off}
shared_buffers = 32MB
max_connections = ${PG_MAX_CONNECTIONS:-100}
log_line_prefix = '%m [%p] %u '
log_connections = on
EOF
	# The superuser over the private socket only; every other role over
	# TLS with a certificate whose CN is the role's name.
	cat >"$pg_dir/data/pg_hba.conf" <<EOF
local	all	postgres			trust
hostssl	$pg_db	+rcmdd_host	$pg_host/32	cert
hostssl	$pg_db	+rcmdd_auditor	$pg_host/32	cert
EOF
	[ -z "$PG_USER" ] || chown "$PG_USER:" "$pg_dir/data/pg_hba.conf"
}

# A port on 127.0.0.1 that no socket uses now, as far as ss can tell,
# below the kernel's range of ephemeral ports, which the clients of
# every test on the machine take their own ports from (pg_start takes
# another if the server cannot bind it).
pg_pick_port() {
	_ppp_lo=10000
	_ppp_hi=$(awk '{ print $1 - 1 }' \
	    /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null) || _ppp_hi=
	case $_ppp_hi in
	''|*[!0-9]*)	_ppp_hi=32767 ;;
	esac
	[ "$_ppp_hi" -gt $((_ppp_lo + 1000)) ] || _ppp_hi=60000
	_ppp_n=0
	while [ "$_ppp_n" -lt 50 ]; do
		_ppp_p=$((_ppp_lo + ($(now_ms) + $$ * 7 + _ppp_n * 131) %
		    (_ppp_hi - _ppp_lo)))
		if ! ss -Htan "sport = :$_ppp_p" 2>/dev/null | grep -q .
		then
			echo "$_ppp_p"
			return 0
		fi
		_ppp_n=$((_ppp_n + 1))
	done
	fail "no free port on $pg_host in 50 tries"
}

# Make the cluster, start it and load the central schema.
pg_start() {
	[ -n "${pg_dir:-}" ] || fail "pg_start before pg_probe"
	[ -n "${certs:-}" ] || make_certs
	pg_sock=$pg_dir/sock
	mkdir "$pg_sock" || fail "cannot make $pg_sock"
	[ -z "$PG_USER" ] || chown "$PG_USER:" "$pg_sock"
	if ! pg_run "$PG_BINDIR/initdb" -D "$pg_dir/data" -U postgres \
	    -A trust -E SQL_ASCII --locale=C -N >"$dir/pg-initdb.log" 2>&1; then
		sed 's/^/	/' "$dir/pg-initdb.log" >&2
		pg_skip "initdb could not make a cluster here (its output" \
		    "is above)"
	fi
	pg_port=$(pg_pick_port)
	pg_configure
	pg_first_start=1
	pg_restart
	pg_first_start=
	pg_psql -d postgres -c "CREATE DATABASE $pg_db" >/dev/null ||
	    fail "cannot create the database $pg_db"
	pg_psql -f "$top_srcdir/sql/central.sql" >"$dir/pg-central.log" 2>&1 ||
	    { cat "$dir/pg-central.log" >&2; fail "central.sql did not load"; }
}

# Start the cluster made by pg_start, on the same port; wait for it.
pg_restart() {
	# At the first start, a port taken since it was picked is someone
	# else's: take another.
	_pr_try=0
	if [ ! -e "$pg_dir/server.log" ]; then
		: >"$pg_dir/server.log"
		[ -z "$PG_USER" ] || chown "$PG_USER:" "$pg_dir/server.log"
	fi
	while :; do
		_pr_lines=$(wc -l <"$pg_dir/server.log")
		if pg_run "$PG_BINDIR/pg_ctl" -D "$pg_dir/data" -l \
		    "$pg_dir/server.log" -w -t 60 -o "-p $pg_port" start \
		    >"$dir/pg-ctl.log" 2>&1; then
			break
		fi
		_pr_try=$((_pr_try + 1))
		if [ -n "${pg_first_start:-}" ] && [ "$_pr_try" -lt 5 ] &&
		    tail -n "+$((_pr_lines + 1))" "$pg_dir/server.log" |
		    grep -q 'could not bind'; then
			say "port $pg_port is taken ($(tail -n \
			    "+$((_pr_lines + 1))" "$pg_dir/server.log" |
			    grep 'could not bind' | head -n 1)); trying another"
			pg_port=$(pg_pick_port)
			continue
		fi
		cat "$dir/pg-ctl.log" >&2
		tail -n 20 "$pg_dir/server.log" >&2
		fail "PostgreSQL did not start (its log is above)"
	done
	pg_pid=$(head -n 1 "$pg_dir/data/postmaster.pid")
	track "$pg_pid"
}

# Is the postmaster started here still running?
pg_running() {
	[ -n "$pg_pid" ] && proc_alive "$pg_pid"
}

# pg_ctl_stop MODE: stop the cluster and wait for it to be gone.
pg_ctl_stop() {
	pg_run "$PG_BINDIR/pg_ctl" -D "$pg_dir/data" -m "$1" -w -t 30 stop \
	    >"$dir/pg-ctl.log" 2>&1 || {
		cat "$dir/pg-ctl.log" >&2
		fail "pg_ctl stop -m $1 failed"
	}
	wait_for 10 eval '! pg_running' ||
	    fail "the postmaster $pg_pid still runs after pg_ctl stop -m $1"
	pg_pid=
}

# Stop the server as a crash would: no checkpoint, clients cut.
pg_stop_hard() {
	pg_ctl_stop immediate
}

# Stop the server cleanly.
pg_stop() {
	pg_ctl_stop fast
}

# psql as the superuser over the socket.
pg_psql() {
	"$PG_PSQL" -X -q -v ON_ERROR_STOP=1 -h "$pg_sock" -p "$pg_port" \
	    -U postgres -d "$pg_db" "$@"
}

# central QUERY: what the store answers, as the superuser, unaligned.
central() {
	pg_psql -At -c "$1" || fail "psql could not run: $1"
}

# pg_as NAME [ARG...]: psql as NAME over TLS with its certificate.
pg_as() {
	_pa_who=$1
	shift
	"$PG_PSQL" -X -q -v ON_ERROR_STOP=1 -d "$(pg_conninfo_for "$_pa_who")" \
	    "$@"
}

# pg_add_host NAME: the host's role and certificate; prints its conninfo.
pg_add_host() {
	pg_psql -c "SELECT rcmdd_add_host('$1')" >/dev/null ||
	    fail "cannot add the host $1"
	pg_cert "$1"
	pg_conninfo=$(pg_conninfo_for "$1")
	pg_uri=$(pg_uri_for "$1")
	echo "$pg_conninfo"
}

# pg_add_auditor NAME: a login role that reads everything; prints its
# conninfo.
pg_add_auditor() {
	pg_psql -c "CREATE ROLE \"$1\" LOGIN IN ROLE rcmdd_auditor" \
	    >/dev/null || fail "cannot add the auditor $1"
	pg_cert "$1"
	pg_conninfo=$(pg_conninfo_for "$1")
	pg_uri=$(pg_uri_for "$1")
	echo "$pg_conninfo"
}

# The columns of an event that come from the local row, in its order.
pg_columns='id, started_at, finished_at, client_addr, client_port,
    client_name, identity, fingerprint, command, status, exit_code, signal,
    duration_ms, output, output_bytes, truncated, reason, seq, hash, end_seq,
    end_hash, chain_version, run_as, mode, argv, ticket, cwd, rule,
    terminal'

# pg_load_events NAME DATABASE: the local database's rows as events, per
# the contract of sql/central.sql: a version 2 row is its start (the
# fields its start hash covers, status running, no end) and, once ended,
# its end (the whole row); a version 1 row is one event, kind row. The
# sqlite3 shell writes the INSERT statements (quote() makes literals that
# PostgreSQL reads alike) and psql runs them as the host, so that the
# store's rights apply.
pg_load_events() {
	_pl_q=
	for _pl_c in $(echo "$pg_columns" | tr ',' ' '); do
		_pl_q="${_pl_q:+$_pl_q || ', ' || }quote($_pl_c)"
	done
	"$SQLITE3" -batch -noheader -list "$2" "
	    SELECT 'BEGIN;';
	    SELECT 'INSERT INTO hosts (host, base_seq, base_hash) VALUES (' ||
		quote('$1') || ', ' || (SELECT value FROM audit_meta WHERE
		key = 'chain_base_seq') || ', ' || quote((SELECT value FROM
		audit_meta WHERE key = 'chain_base_hash')) ||
		') ON CONFLICT DO NOTHING;';
	    SELECT 'INSERT INTO events (host, event_seq, kind, $pg_columns)
		VALUES (' || quote('$1') || ', ' || ev || ', ' || quote(kind) ||
		', ' || $_pl_q || ') ON CONFLICT (host, event_seq) DO NOTHING;'
	    FROM (SELECT seq AS ev, 'start' AS kind, id, started_at,
		NULL AS finished_at, client_addr, client_port, client_name,
		identity, fingerprint, command, 'running' AS status,
		NULL AS exit_code, NULL AS signal, NULL AS duration_ms,
		NULL AS output, 0 AS output_bytes, 0 AS truncated,
		NULL AS reason, seq, hash, NULL AS end_seq, NULL AS end_hash,
		chain_version, run_as, mode, argv, ticket, cwd, rule, terminal
		FROM commands WHERE chain_version = 2 AND
		seq IS NOT NULL
	    UNION ALL SELECT seq, 'row', $pg_columns FROM commands
		WHERE chain_version IS NOT 2 AND seq IS NOT NULL
	    UNION ALL SELECT end_seq, 'end', $pg_columns FROM commands
		WHERE end_seq IS NOT NULL)
	    ORDER BY ev;
	    SELECT 'INSERT INTO heads (host, seq, hash, at) VALUES (' ||
		quote('$1') || ', ' || ev || ', ' || quote(h) || ', ' ||
		quote(strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) ||
		') ON CONFLICT DO NOTHING;'
	    FROM (SELECT seq AS ev, hash AS h FROM commands WHERE seq IS NOT
		NULL UNION ALL SELECT end_seq, end_hash FROM commands WHERE
		end_seq IS NOT NULL ORDER BY ev DESC LIMIT 1);
	    SELECT 'COMMIT;';" >"$dir/pg-load.sql" ||
	    fail "cannot read the events of $2"
	pg_as "$1" -f "$dir/pg-load.sql" >/dev/null ||
	    fail "the host $1 could not add its events from $2"
}

# At exit: stop the postmaster started here (fast, then immediate, then
# SIGKILL by PID), then lib.sh's clean-up, with the script's status.
pg_exit() {
	_pe_rc=$?
	if pg_running; then
		pg_run "$PG_BINDIR/pg_ctl" -D "$pg_dir/data" -m fast -w -t 10 \
		    stop >/dev/null 2>&1 ||
		    pg_run "$PG_BINDIR/pg_ctl" -D "$pg_dir/data" -m immediate \
		    -w -t 10 stop >/dev/null 2>&1 ||
		    kill -KILL "$pg_pid" 2>/dev/null
	fi
	if [ "$_pe_rc" -ne 0 ] && [ "$_pe_rc" -ne 77 ] &&
	    [ -s "${pg_dir:-/nonexistent}/server.log" ]; then
		say "the PostgreSQL server's log (last lines):"
		tail -n 30 "$pg_dir/server.log" | sed 's/^/	/' >&2
	fi
	(exit "$_pe_rc")
	lib_cleanup
}
