#!/usr/bin/env bash
# scripts/mariadb.sh — a private MariaDB test server for pushaudit.
#
# Usage: scripts/mariadb.sh start|stop|status|dsn|destroy
#
#   start    install mariadb-server/mariadb-client with apt-get if missing,
#            initialise a private data dir, start mariadbd in the background,
#            create the test users and print the DSN (idempotent: when the
#            server already runs it only prints the DSN).
#   stop     shut the server down cleanly (the data dir is kept).
#   status   print "running pid=N port=P" (exit 0) or "stopped" (exit 1).
#   dsn      print the go-sql-driver DSN: pushaudit:pushaudit@tcp(127.0.0.1:PORT)/
#   tls-ca   print the path of the CA that signed the server's TLS certificate
#   destroy  stop the server and delete the data dir.
#
# Environment:
#   PUSHAUDIT_MARIADB_DIR   base dir (default /tmp/pushaudit-mariadb)
#   PUSHAUDIT_MARIADB_PORT  TCP port on 127.0.0.1 (default 33306)
#   PUSHAUDIT_MARIADB_SERVER_ID  server_id (default 1; a replica of another
#                           test server needs its own)
#
# Users created by start:
#   pushaudit/pushaudit  @127.0.0.1 and @%  ALL PRIVILEGES (tests create databases)
#   auditor/auditor      @127.0.0.1 and @%  SELECT, REPLICATION CLIENT, PROCESS
#                        (+ SLAVE MONITOR on MariaDB, for SHOW SLAVE/REPLICA STATUS)
#   root                 only @localhost through the socket, no password
#
# The server runs as root (--user=root), keeps DATETIME as wall clock in
# +08:00, uses utf8mb4 and writes a ROW binlog so that binlog/GTID position
# queries answer (binlogs older than a day are purged at rotation). Go code adds DSN parameters (parseTime, loc, ...) itself.
set -euo pipefail

DIR="${PUSHAUDIT_MARIADB_DIR:-/tmp/pushaudit-mariadb}"
PORT="${PUSHAUDIT_MARIADB_PORT:-33306}"
DATA="$DIR/data"
SOCK="$DIR/mariadbd.sock"
PIDFILE="$DIR/mariadbd.pid"
ERRLOG="$DIR/mariadbd.err"
DSN="pushaudit:pushaudit@tcp(127.0.0.1:${PORT})/"
START_TIMEOUT=60

log() { printf 'mariadb.sh: %s\n' "$*" >&2; }
die() {
	log "error: $*"
	exit 1
}

# find_tool prints the first of the given programs found on PATH or in the
# usual sbin/bin directories, or fails.
find_tool() {
	local name
	for name in "$@"; do
		if command -v "$name" >/dev/null 2>&1; then
			command -v "$name"
			return 0
		fi
		for d in /usr/sbin /usr/bin /usr/local/sbin /usr/local/bin; do
			if [ -x "$d/$name" ]; then
				echo "$d/$name"
				return 0
			fi
		done
	done
	return 1
}

have_tools() {
	find_tool mariadbd mysqld >/dev/null &&
		find_tool mariadb mysql >/dev/null &&
		find_tool mariadb-install-db mysql_install_db >/dev/null &&
		find_tool mariadb-admin mysqladmin >/dev/null
}

# install_packages installs MariaDB from Debian's archive. The package's
# postinst would start a system-wide server on port 3306; a policy-rc.d that
# exits 101 stops that, and is removed again when this script created it.
install_packages() {
	[ "$(id -u)" -eq 0 ] || die "mariadb is not installed and installing it needs root"
	command -v apt-get >/dev/null 2>&1 || die "mariadb is not installed and apt-get is missing"
	local made_policy=0
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
		chmod 755 /usr/sbin/policy-rc.d
		made_policy=1
	fi
	log "installing mariadb-server and mariadb-client with apt-get"
	local rc=0
	{
		apt-get update -q &&
			DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
				mariadb-server mariadb-client
	} >&2 || rc=$?
	if [ "$made_policy" -eq 1 ]; then
		rm -f /usr/sbin/policy-rc.d
	fi
	[ "$rc" -eq 0 ] || die "apt-get install mariadb-server mariadb-client failed (exit $rc)"
}

# server_pid prints the pid of our mariadbd when it is alive.
server_pid() {
	local pid
	[ -f "$PIDFILE" ] || return 1
	pid="$(cat "$PIDFILE" 2>/dev/null || true)"
	[ -n "$pid" ] || return 1
	kill -0 "$pid" 2>/dev/null || return 1
	# Make sure the pid was not reused by another program.
	case "$(cat "/proc/$pid/comm" 2>/dev/null || true)" in
	mariadbd | mysqld) echo "$pid" ;;
	*) return 1 ;;
	esac
}

admin() {
	"$(find_tool mariadb-admin mysqladmin)" --no-defaults --socket="$SOCK" -uroot "$@"
}

client() {
	"$(find_tool mariadb mysql)" --no-defaults --socket="$SOCK" -uroot "$@"
}

ping_server() {
	admin --connect-timeout=2 ping >/dev/null 2>&1
}

init_datadir() {
	[ -d "$DATA/mysql" ] && return 0
	log "initialising data dir $DATA"
	rm -rf "$DATA"
	mkdir -p "$DATA"
	local install_db
	install_db="$(find_tool mariadb-install-db mysql_install_db)"
	if ! "$install_db" --no-defaults --user=root --datadir="$DATA" \
		--auth-root-authentication-method=normal --skip-test-db \
		--skip-name-resolve >"$DIR/install-db.log" 2>&1; then
		cat "$DIR/install-db.log" >&2
		rm -rf "$DATA"
		die "mariadb-install-db failed"
	fi
}

# make_tls writes a private CA and a server certificate for 127.0.0.1
# (2048-bit RSA, ten years) under $DIR/tls once: the server offers TLS with
# it, and the TLS tests verify the server against the CA (tls-ca prints
# its path). Plain connections keep working; a user may REQUIRE SSL.
make_tls() {
	local t="$DIR/tls"
	[ -s "$t/server.pem" ] && [ -s "$t/server.key" ] && [ -s "$t/ca.pem" ] && return 0
	command -v openssl >/dev/null || die "openssl not found (apt-get install openssl)"
	mkdir -p "$t"
	(
		cd "$t"
		openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=pushaudit test CA" \
			-keyout ca.key -out ca.pem
		openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout server.key -out server.csr
		printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n' >server.ext
		openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 3650 \
			-extfile server.ext -out server.pem
	) >"$DIR/tls.log" 2>&1 || {
		cat "$DIR/tls.log" >&2
		die "could not make the test certificates"
	}
	chmod 600 "$t"/*.key
}

create_users() {
	local u
	# No anonymous users; root only through the socket (no TCP root login
	# without a password).
	local sql="DELETE FROM mysql.global_priv WHERE User='';"
	sql+="DELETE FROM mysql.global_priv WHERE User='root' AND Host<>'localhost';"
	sql+="DELETE FROM mysql.proxies_priv WHERE Host<>'localhost';"
	for u in "'pushaudit'@'127.0.0.1'" "'pushaudit'@'%'"; do
		sql+="CREATE USER IF NOT EXISTS $u IDENTIFIED BY 'pushaudit';"
		sql+="ALTER USER $u IDENTIFIED BY 'pushaudit';"
		# WITH GRANT OPTION: tests create users with narrow rights (the
		# snapshot's permission-denied test) on this private server.
		sql+="GRANT ALL PRIVILEGES ON *.* TO $u WITH GRANT OPTION;"
	done
	for u in "'auditor'@'127.0.0.1'" "'auditor'@'%'"; do
		sql+="CREATE USER IF NOT EXISTS $u IDENTIFIED BY 'auditor';"
		sql+="ALTER USER $u IDENTIFIED BY 'auditor';"
		sql+="REVOKE ALL PRIVILEGES, GRANT OPTION FROM $u;"
		sql+="GRANT SELECT, REPLICATION CLIENT, PROCESS ON *.* TO $u;"
	done
	sql+="FLUSH PRIVILEGES;"
	client -e "$sql" || die "creating users failed"
	# MariaDB >= 10.5.9 needs SLAVE MONITOR for SHOW SLAVE/REPLICA STATUS
	# (REPLICATION CLIENT became BINLOG MONITOR there); MySQL has no such
	# privilege, so a failure here is fine.
	sql=""
	for u in "'auditor'@'127.0.0.1'" "'auditor'@'%'"; do
		sql+="GRANT SLAVE MONITOR ON *.* TO $u;"
	done
	client -e "$sql" 2>/dev/null || log "note: SLAVE MONITOR not granted (not MariaDB >= 10.5.9)"
}

cmd_start() {
	if pid="$(server_pid)"; then
		# Users are (re)applied on every start, so a server started by an
		# older version of this script gets today's grants.
		create_users
		echo "$DSN" >"$DIR/dsn"
		echo "$DSN"
		return 0
	fi
	if ! have_tools; then
		install_packages
		have_tools || die "mariadb tools still missing after install"
	fi
	mkdir -p "$DIR" "$DIR/tmp" "$DIR/binlog"
	init_datadir
	make_tls
	rm -f "$SOCK" "$SOCK.lock" "$PIDFILE"

	local mariadbd
	mariadbd="$(find_tool mariadbd mysqld)"
	log "starting $mariadbd on 127.0.0.1:$PORT (dir $DIR)"
	# setsid detaches the server from this shell's process group and terminal.
	setsid "$mariadbd" --no-defaults --user=root \
		--datadir="$DATA" --socket="$SOCK" --pid-file="$PIDFILE" \
		--tmpdir="$DIR/tmp" --log-error="$ERRLOG" \
		--port="$PORT" --bind-address=127.0.0.1 --skip-name-resolve \
		--default-time-zone=+08:00 \
		--character-set-server=utf8mb4 --collation-server=utf8mb4_general_ci \
		--log-bin="$DIR/binlog/mariadb-bin" --server-id="${PUSHAUDIT_MARIADB_SERVER_ID:-1}" --binlog-format=ROW \
		--max-binlog-size=256M --expire-logs-days=1 \
		--local-infile=1 --max-allowed-packet=256M \
		--innodb-buffer-pool-size=1G --innodb-flush-log-at-trx-commit=2 \
		--ssl-ca="$DIR/tls/ca.pem" --ssl-cert="$DIR/tls/server.pem" --ssl-key="$DIR/tls/server.key" \
		</dev/null >>"$ERRLOG" 2>&1 &
	local child=$!

	local i
	for ((i = 0; i < START_TIMEOUT * 4; i++)); do
		if ping_server; then
			break
		fi
		if ! kill -0 "$child" 2>/dev/null; then
			tail -n 30 "$ERRLOG" >&2 || true
			die "mariadbd exited during start-up (log: $ERRLOG)"
		fi
		sleep 0.25
	done
	if ! ping_server; then
		tail -n 30 "$ERRLOG" >&2 || true
		kill "$child" 2>/dev/null || true
		die "mariadbd did not answer within ${START_TIMEOUT}s (log: $ERRLOG)"
	fi
	create_users
	echo "$DSN" >"$DIR/dsn"
	echo "$DSN"
}

cmd_stop() {
	local pid
	if ! pid="$(server_pid)"; then
		log "not running"
		return 0
	fi
	admin shutdown >/dev/null 2>&1 || kill -TERM "$pid" 2>/dev/null || true
	local i
	for ((i = 0; i < 240; i++)); do
		kill -0 "$pid" 2>/dev/null || {
			log "stopped"
			return 0
		}
		sleep 0.25
	done
	log "mariadbd pid $pid still running after 60s, sending SIGKILL"
	kill -KILL "$pid" 2>/dev/null || true
}

cmd_status() {
	local pid
	if pid="$(server_pid)" && ping_server; then
		echo "running pid=$pid port=$PORT dir=$DIR"
		return 0
	fi
	echo "stopped"
	return 1
}

cmd_destroy() {
	cmd_stop
	case "$DIR" in
	"" | / | /tmp | /root | /home) die "refusing to delete $DIR" ;;
	esac
	rm -rf "$DIR"
	log "removed $DIR"
}

case "${1:-}" in
start) cmd_start ;;
stop) cmd_stop ;;
status) cmd_status ;;
dsn) echo "$DSN" ;;
tls-ca) echo "$DIR/tls/ca.pem" ;;
destroy) cmd_destroy ;;
*)
	echo "usage: $0 start|stop|status|dsn|destroy" >&2
	exit 2
	;;
esac
