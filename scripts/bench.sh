#!/usr/bin/env bash
# scripts/bench.sh — the benchmarks of `make bench`. Each prints its figure
# as a ratio against a baseline measured in the same run.
#
# The benchmarks themselves are in scripts/bench/*.sh, sourced below in
# order, each with its description, baseline and targets.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${PUSHAUDIT_MYSQL_DSN:?run via make bench}"
# GNU time measures peak RSS; Debian's package "time", installed when missing.
if [ ! -x /usr/bin/time ]; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null 2>&1 ||
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null; }
fi
BIN=bin/pushaudit
work=$(mktemp -d)
# BENCH_KEEP=1 keeps the work directory (warehouses, logs) for a look after.
trap '[ "${BENCH_KEEP:-}" = 1 ] && echo "kept $work" || rm -rf "$work"' EXIT
mariadb_port=${PUSHAUDIT_MARIADB_PORT:-33306}
client=(mariadb --protocol=tcp -h 127.0.0.1 -P "$mariadb_port" -u pushaudit -ppushaudit --default-character-set=utf8mb4)
# BENCH_ONLY=a,b runs only those: sim-load, go, daily-100k, ops-year, snapshot-1m,
# snapshot-tls, snapshot-geo, snapshot-narrow, snapshot-incremental, keydiff-1m, snapshot-site,
# reconcile-year, serve-day, serve-latency, snapshot-due.
want() { [ -z "${BENCH_ONLY:-}" ] || [[ ",$BENCH_ONLY," == *",$1,"* ]]; }

# Shared by the parts below.
median() { sort -g | awk '{a[NR]=$1} END{print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
# A private binary: bin/ may be rebuilt while the benchmark runs.
snap_bin="$work/pushaudit"
go build -tags=duckdb_arrow -o "$snap_bin" ./cmd/pushaudit
# scripts/duckcopy: DuckDB alone storing what a snapshot wrote (the floors).
go build -tags=duckdb_arrow -o "$work/duckcopy" ./scripts/duckcopy
# server_cpu prints the CPU seconds (user + system) the local MariaDB server
# of scripts/mariadb.sh has used so far, or nothing when the benchmarks run
# against another server: the difference over a run is what serving that
# run's rows cost the server, on the same cores.
server_pid=$(scripts/mariadb.sh status 2>/dev/null | sed -n 's/^running pid=\([0-9]*\).*/\1/p' || true)
server_cpu() {
	[ -n "$server_pid" ] || return 0
	awk -v t="$(getconf CLK_TCK)" '{printf "%.2f\n", ($14 + $15) / t}' "/proc/$server_pid/stat" 2>/dev/null || true
}
# cpu_diff A B prints B - A, or nothing when either is missing.
cpu_diff() { [ -n "$1" ] && [ -n "$2" ] && awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f\n", b - a}' || true; }
cores=$(nproc)
# cores_busy NAME P V S prints how busy the cores were during a run that
# took S seconds while it spent P CPU-s and the server V: the least time
# that CPU allows on these cores, and its share of S. A missed target then
# reads as too much CPU or as too little overlap.
cores_busy() {
	awk -v n="$1" -v p="$2" -v v="$3" -v s="$4" -v k="$cores" 'BEGIN{
		printf "%s: at the CPU spent, (%.2f + %.2f) / %d = %.2f s at the least; the snapshot took %.2f s: the cores busy %.0f %% of it\n",
			n, p, v, k, (p + v) / k, s, 100 * (p + v) / (k * s)}'
}

# The benchmarks, in this order; each part runs the ones BENCH_ONLY asks for.
for part in reports snapshot reconcile serve site; do
	# shellcheck source=/dev/null
	. "scripts/bench/$part.sh"
done
